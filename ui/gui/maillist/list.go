// Package maillist is the main window's message list: the page cache
// that makes the list virtual (only the pages on screen are read), the
// reading of a list with the selected message found in it, the list
// widget that takes the window's keys, and the rows, one line or three,
// for messages and conversations.
package maillist

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image/color"
	"maps"
	"slices"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/gui/mailtext"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// listPage is how many rows the message list loads at once.
const PageSize = 100

// pageCache holds the pages of one message list query that have been
// loaded, so the list widget can be virtual: it asks for rows by index and
// only the pages on screen are ever read from the store.
type Pages struct {
	mu      sync.Mutex
	query   storage.ListQuery
	gen     int // bumped on every reset, so late loads of an old query are dropped
	count   int
	pages   map[int][]core.MessageSummary
	loading map[int]bool
	// threads: the rows are conversations (conversations.go), each
	// shown by its newest message, with the conversation in convs by
	// thread ID. Their count is not read up front, which would mean
	// grouping the whole list: it is the rows read so far, plus one
	// more while the last page read was full, whose placeholder loads
	// the next page when it is drawn.
	threads bool
	convs   map[int64]core.ThreadSummary
}

// Reset starts over with a new query of messages and its row count.
func (p *Pages) Reset(q storage.ListQuery, count int) int {
	return p.Start(q, count, false)
}

// Start starts over with a new query, of conversations when threads.
func (p *Pages) Start(q storage.ListQuery, count int, threads bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gen++
	p.query, p.count, p.threads = q, count, threads
	p.pages = map[int][]core.MessageSummary{}
	p.loading = map[int]bool{}
	p.convs = map[int64]core.ThreadSummary{}
	return p.gen
}

func (p *Pages) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.count
}

// Row returns row i if its page is loaded; otherwise it reports which page
// to load (and marks it as loading, so it is asked for once).
func (p *Pages) Row(i int) (m core.MessageSummary, ok bool, load int, gen int, q storage.ListQuery) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pages == nil || i >= p.count {
		return m, false, -1, p.gen, p.query
	}
	page := i / PageSize
	if rows, have := p.pages[page]; have {
		if j := i % PageSize; j < len(rows) {
			return rows[j], true, -1, p.gen, p.query
		}
		return m, false, -1, p.gen, p.query
	}
	if p.loading[page] {
		return m, false, -1, p.gen, p.query
	}
	p.loading[page] = true
	return m, false, page, p.gen, p.query
}

// Load reads one page; it returns false if the cache moved on meanwhile.
func (p *Pages) Load(ctx context.Context, db *storage.DB, page, gen int, q storage.ListQuery) (bool, error) {
	p.mu.Lock()
	threads := p.threads
	p.mu.Unlock()
	var rows []core.MessageSummary
	var convs map[int64]core.ThreadSummary
	var err error
	if threads {
		rows, convs, err = ReadConversationPage(ctx, db, q, page)
	} else {
		q.Limit, q.Offset = PageSize, page*PageSize
		rows, err = db.List(ctx, q)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if gen != p.gen {
		return false, nil
	}
	delete(p.loading, page)
	if err != nil {
		return false, err
	}
	p.pages[page] = rows
	if threads {
		maps.Copy(p.convs, convs)
		if (page+1)*PageSize >= p.count {
			p.count = page*PageSize + len(rows)
			if len(rows) == PageSize {
				p.count++ // the placeholder of the next page
			}
		}
	}
	return true, nil
}

// Conversation returns the conversation of row m, in conversations mode.
func (p *Pages) Conversation(m core.MessageSummary) (core.ThreadSummary, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.convs[m.ThreadID]
	return t, ok && p.threads
}

// ShowsThreads reports whether the rows are conversations.
func (p *Pages) ShowsThreads() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.threads
}

// Seen counts a message of conversation thread read (delta -1) or
// unread (+1), so that its row's unread count follows at once.
func (p *Pages) Seen(thread int64, delta int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.convs[thread]; ok {
		t.Unread = max(t.Unread+delta, 0)
		p.convs[thread] = t
	}
}

// Update changes one cached row in place, after a flag change.
func (p *Pages) Update(id int64, fn func(*core.MessageSummary)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, rows := range p.pages {
		for i := range rows {
			if rows[i].ID == id {
				fn(&rows[i])
			}
		}
	}
}

// Put stores a page read along with the count, so the list shows it at
// once; it reports false if the cache moved on meanwhile.
func (p *Pages) Put(gen, page int, rows []core.MessageSummary, convs map[int64]core.ThreadSummary) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if gen != p.gen {
		return false
	}
	p.pages[page] = rows
	maps.Copy(p.convs, convs)
	return true
}

// Peek returns row i if its page is loaded, without asking for the page.
func (p *Pages) Peek(i int) (core.MessageSummary, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i < 0 || i >= p.count {
		return core.MessageSummary{}, false
	}
	if rows, ok := p.pages[i/PageSize]; ok && i%PageSize < len(rows) {
		return rows[i%PageSize], true
	}
	return core.MessageSummary{}, false
}

// Listed is one reading of a list: its count, its first page, and where
// the selected message is in it.
type Listed struct {
	Count int
	Pages map[int][]core.MessageSummary
	At    int // row of the selected message; -1 when it is not in the list
	// convs are the conversations of the rows, by thread ID, when the
	// rows are conversations (readConversations).
	Convs   map[int64]core.ThreadSummary
	Threads bool
	Found   int // conversations: how many a search found
	// more: a search found more than searchShown messages, and the list
	// holds the newest searchShown of them.
	More bool
}

// SearchShown is how many messages a search lists at most. Counting
// every match of a word in most of 100,000 messages costs a quarter of a
// second; counting up to this many stays under 50 ms, and nobody scrolls
// a thousand results: the heading asks for a narrower search instead.
const SearchShown = 1000

// ReadList counts q, reads its first page, and finds sel in it: the
// selection is a message, not a row number, so after new mail, a search or
// a folder switch the highlight follows the message, or goes when the
// message left the list. sel.ID 0 means nothing is selected.
func ReadList(ctx context.Context, db *storage.DB, q storage.ListQuery, sel core.MessageSummary) (Listed, error) {
	l := Listed{Pages: map[int][]core.MessageSummary{}, At: -1}
	var n int
	var err error
	if q.Search != "" {
		n, l.More, err = db.CountUpTo(ctx, q, SearchShown)
	} else {
		n, err = db.Count(ctx, q)
	}
	if err != nil {
		return l, fmt.Errorf("%s: %w", lang.L("count the list"), err)
	}
	l.Count = n
	if n == 0 {
		return l, nil
	}
	page := q
	page.Limit, page.Offset = PageSize, 0
	first, err := db.List(ctx, page)
	if err != nil {
		return l, fmt.Errorf("%s: %w", lang.L("read the list"), err)
	}
	l.Pages[0] = first
	if sel.ID == 0 {
		return l, nil
	}
	if i := slices.IndexFunc(first, func(m core.MessageSummary) bool { return m.ID == sel.ID }); i >= 0 {
		l.At = i
		return l, nil
	}
	if len(first) == 0 || !listedBefore(first[len(first)-1], sel) || len(first) == n {
		return l, nil // it would have been on the first page
	}
	// The list is ordered by (date, id), newest first, so where the
	// message would be is found by bisection, one row read per step,
	// rather than by reading every page down to it.
	probe := func(i int) (core.MessageSummary, error) {
		one := q
		one.Limit, one.Offset = 1, i
		rows, err := db.List(ctx, one)
		if err == nil && len(rows) == 0 {
			// The list shrank while it was being read.
			err = errors.New(lang.L("the list changed while it was read"))
		}
		if err != nil {
			return core.MessageSummary{}, fmt.Errorf("%s: %w", lang.L("read row {{.Row}}", map[string]any{"Row": i18n.Number(i)}), err)
		}
		return rows[0], nil
	}
	lo, hi := len(first), n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		m, err := probe(mid)
		if err != nil {
			return l, err
		}
		if listedBefore(m, sel) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo >= n {
		return l, nil
	}
	// Read the whole page it is on, which the list is about to show.
	page.Offset = lo / PageSize * PageSize
	rows, err := db.List(ctx, page)
	if err != nil {
		return l, fmt.Errorf("%s: %w", lang.L("read the list"), err)
	}
	l.Pages[lo/PageSize] = rows
	if j := lo % PageSize; j < len(rows) && rows[j].ID == sel.ID {
		l.At = lo
	}
	return l, nil
}

// listedBefore reports whether a comes before b in the list's order:
// newest first, and the higher ID first on the same date.
func listedBefore(a, b core.MessageSummary) bool {
	if !a.Date.Equal(b.Date) {
		return a.Date.After(b.Date)
	}
	return a.ID > b.ID
}

// messageList is the message list. Its keys are a mail client's: Up and
// Down open the previous and next message (widget.List only moves a focus
// mark, and Space selects), and the window's keys, Delete among them, work
// while it has the focus, which it gets on every click.
type List struct {
	widget.List
	keys   *kit.Keymap
	onMove func(delta int) // select the message delta rows away
}

var (
	_ fyne.Focusable    = (*List)(nil)
	_ fyne.Shortcutable = (*List)(nil)
)

func NewList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject), keys *kit.Keymap, onMove func(int)) *List {
	l := &List{keys: keys, onMove: onMove}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

// TypedKey moves the selection on Up and Down and hands other keys to the
// window.
func (l *List) TypedKey(e *fyne.KeyEvent) {
	switch e.Name {
	case fyne.KeyUp:
		l.onMove(-1)
	case fyne.KeyDown:
		l.onMove(1)
	default:
		l.keys.Key(e)
	}
}

// TypedShortcut hands shortcuts to the window.
func (l *List) TypedShortcut(s fyne.Shortcut) { l.keys.Shortcut(s) }

// TypedRune hands the one-letter commands to the window.
func (l *List) TypedRune(r rune) { l.keys.TypedRune(r) }

// FocusGained and FocusLost leave out widget.List's focus mark: here the
// selection moves with the keys, so the highlight alone shows where one is.
func (l *List) FocusGained() {}

// FocusLost: see FocusGained.
func (l *List) FocusLost() {}

// Row is the template of one message list row.
type Row struct {
	widget.BaseWidget
	Badge     *canvas.Rectangle
	From      *widget.Label
	Date      *widget.Label
	Subject   *widget.Label
	Snippet   *widget.Label
	Clip      *widget.Icon
	Flag      *widget.Icon
	Replied   *widget.Icon  // the message was answered
	Forwarded *widget.Icon  // the message was forwarded ($Forwarded)
	Count     *widget.Label // a conversation's messages and unread ones

	Index int           // the list row shown, set on every update
	OnTap func(row int) // nil in a row drawn outside the list

	// compact tells the layout the list uses: one line (sender, subject,
	// marks and date) or three (sender and date, subject, snippet). The
	// row reads it on every update, so a switch applies to rows already
	// made; content holds the layout built.
	compact func() bool
	built   int // 0: not built yet, 1: three lines, 2: one line
	content *fyne.Container
	shown   rowView
}

var _ fyne.Tappable = (*Row)(nil)

// NewRow makes a row in the layout compact says; nil means three lines.
func NewRow(compact func() bool) fyne.CanvasObject {
	if compact == nil {
		compact = func() bool { return false }
	}
	r := &Row{compact: compact, content: container.NewStack(), Badge: canvas.NewRectangle(color.Transparent), From: widget.NewLabel("Sender"), Date: widget.NewLabel("2006-01-02"), // i18n:ignore (a template's text, replaced before it shows)
		Subject: widget.NewLabel("Subject"), Snippet: widget.NewLabel("snippet"), // i18n:ignore (as above)
		Clip: widget.NewIcon(theme.MailAttachmentIcon()), Flag: widget.NewIcon(kit.FlagMarkIcon), Replied: widget.NewIcon(theme.MailReplyIcon()), Forwarded: widget.NewIcon(theme.MailForwardIcon()),
		Count: widget.NewLabel("")}
	r.Count.Hide()
	r.Badge.SetMinSize(fyne.NewSize(5, 10))
	r.From.Truncation, r.Subject.Truncation, r.Snippet.Truncation = fyne.TextTruncateEllipsis, fyne.TextTruncateEllipsis, fyne.TextTruncateEllipsis
	r.Snippet.Importance = widget.LowImportance
	r.ExtendBaseWidget(r)
	return r
}

// Tapped opens the row's message. The row takes the tap from Fyne's list
// item, whose own handler does nothing on a row already selected (so a
// message whose reader was emptied could not be opened again) and does
// not focus a list embedded in another widget, like messageList.
func (r *Row) Tapped(*fyne.PointEvent) {
	if r.OnTap != nil {
		r.OnTap(r.Index)
	}
}

func (r *Row) CreateRenderer() fyne.WidgetRenderer {
	r.layout()
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, r.Badge, nil, r.content))
}

// layout builds the row's content for the layout chosen, if it changed,
// and reports whether it did.
func (r *Row) layout() bool {
	want := 1
	if r.compact() {
		want = 2
	}
	if r.built == want {
		return false
	}
	r.built = want
	marks := container.NewHBox(r.Count, r.Replied, r.Forwarded, r.Flag, r.Clip, r.Date)
	if want == 2 {
		r.Snippet.Hide()
		r.content.Objects = []fyne.CanvasObject{container.NewBorder(nil, nil, nil, marks,
			container.New(senderColumn{}, r.From, r.Subject))}
	} else {
		r.Snippet.Show()
		r.content.Objects = []fyne.CanvasObject{container.NewVBox(
			container.NewBorder(nil, nil, nil, marks, r.From), r.Subject, r.Snippet)}
	}
	r.content.Refresh()
	return true
}

// senderColumn lays out a compact row's sender and subject side by side:
// the sender gets a third of the width, at most senderWidth, so the
// subjects of all rows start at the same place and can be scanned.
type senderColumn struct{}

const senderWidth = 220

func (senderColumn) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := min(size.Width/3, senderWidth)
	pad := theme.Padding()
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(w, size.Height))
	objs[1].Move(fyne.NewPos(w+pad, 0))
	objs[1].Resize(fyne.NewSize(max(size.Width-w-pad, 0), size.Height))
}

func (senderColumn) MinSize(objs []fyne.CanvasObject) fyne.Size {
	a, b := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(a.Width+b.Width+theme.Padding(), max(a.Height, b.Height))
}

// Set shows m. In the Sent folder (sent) the row names the recipient:
// the sender is always the user there.
func (r *Row) Set(m core.MessageSummary, sent bool) {
	r.show(messageView(m, sent))
}

func messageView(m core.MessageSummary, sent bool) rowView {
	v := rowView{badge: AccountColor(m.AccountID), from: mailtext.SenderName(m), bold: !m.Seen,
		date: mailtext.ShortDate(m.Date), subject: cmp.Or(m.Subject, lang.L("(no subject)")), snippet: m.Snippet,
		clip: m.Attachments > 0, flag: m.Flagged, replied: m.Answered, forwarded: m.Forwarded}
	if sent {
		v.from = lang.L("To: {{.Recipient}}", map[string]any{"Recipient": cmp.Or(m.To, lang.L("(no recipient)"))})
	}
	return v
}

func (r *Row) Placeholder() {
	r.show(rowView{badge: color.Transparent, from: "…"})
}

// rowView is what a row shows. Fyne's list sets each visible row two or
// three times per refresh, and a label that truncates with an ellipsis
// shapes its whole text again on every refresh (most of the time of a
// start, BenchmarkListRefresh), so show does nothing when the row already
// shows v, and otherwise refreshes the row once.
type rowView struct {
	badge                          color.Color
	from, date, subject, snippet   string
	count                          string // a conversation's; "" hides it
	bold                           bool   // unread
	clip, flag, replied, forwarded bool
}

func (r *Row) show(v rowView) {
	if !r.layout() && r.shown == v {
		return
	}
	r.shown = v
	r.Badge.FillColor = v.badge
	r.From.Text, r.Date.Text, r.Subject.Text, r.Snippet.Text, r.Count.Text = v.from, v.date, v.subject, v.snippet, v.count
	r.From.TextStyle.Bold, r.Subject.TextStyle.Bold, r.Count.TextStyle.Bold = v.bold, v.bold, v.bold
	r.Count.Hidden = v.count == ""
	r.Clip.Hidden, r.Flag.Hidden, r.Replied.Hidden, r.Forwarded.Hidden = !v.clip, !v.flag, !v.replied, !v.forwarded
	r.Refresh()
}

// accountColors tell accounts apart at a glance in the list.
var accountColors = []color.NRGBA{
	{0x1e, 0x88, 0xe5, 0xff}, {0x43, 0xa0, 0x47, 0xff}, {0xfb, 0x8c, 0x00, 0xff}, {0x8e, 0x24, 0xaa, 0xff},
	{0xe5, 0x39, 0x35, 0xff}, {0x00, 0x89, 0x7b, 0xff}, {0x6d, 0x4c, 0x41, 0xff}, {0x39, 0x49, 0xab, 0xff},
}

func AccountColor(id int64) color.Color { return accountColors[int(id)%len(accountColors)] }
