package gui

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
const listPage = 100

// pageCache holds the pages of one message list query that have been
// loaded, so the list widget can be virtual: it asks for rows by index and
// only the pages on screen are ever read from the store.
type pageCache struct {
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

// reset starts over with a new query of messages and its row count.
func (p *pageCache) reset(q storage.ListQuery, count int) int {
	return p.start(q, count, false)
}

// start starts over with a new query, of conversations when threads.
func (p *pageCache) start(q storage.ListQuery, count int, threads bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gen++
	p.query, p.count, p.threads = q, count, threads
	p.pages = map[int][]core.MessageSummary{}
	p.loading = map[int]bool{}
	p.convs = map[int64]core.ThreadSummary{}
	return p.gen
}

func (p *pageCache) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.count
}

// row returns row i if its page is loaded; otherwise it reports which page
// to load (and marks it as loading, so it is asked for once).
func (p *pageCache) row(i int) (m core.MessageSummary, ok bool, load int, gen int, q storage.ListQuery) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pages == nil || i >= p.count {
		return m, false, -1, p.gen, p.query
	}
	page := i / listPage
	if rows, have := p.pages[page]; have {
		if j := i % listPage; j < len(rows) {
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

// load reads one page; it returns false if the cache moved on meanwhile.
func (p *pageCache) load(ctx context.Context, db *storage.DB, page, gen int, q storage.ListQuery) (bool, error) {
	p.mu.Lock()
	threads := p.threads
	p.mu.Unlock()
	var rows []core.MessageSummary
	var convs map[int64]core.ThreadSummary
	var err error
	if threads {
		rows, convs, err = readConversationPage(ctx, db, q, page)
	} else {
		q.Limit, q.Offset = listPage, page*listPage
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
		if (page+1)*listPage >= p.count {
			p.count = page*listPage + len(rows)
			if len(rows) == listPage {
				p.count++ // the placeholder of the next page
			}
		}
	}
	return true, nil
}

// conversation returns the conversation of row m, in conversations mode.
func (p *pageCache) conversation(m core.MessageSummary) (core.ThreadSummary, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.convs[m.ThreadID]
	return t, ok && p.threads
}

// showsThreads reports whether the rows are conversations.
func (p *pageCache) showsThreads() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.threads
}

// seen counts a message of conversation thread read (delta -1) or
// unread (+1), so that its row's unread count follows at once.
func (p *pageCache) seen(thread int64, delta int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.convs[thread]; ok {
		t.Unread = max(t.Unread+delta, 0)
		p.convs[thread] = t
	}
}

// update changes one cached row in place, after a flag change.
func (p *pageCache) update(id int64, fn func(*core.MessageSummary)) {
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

// put stores a page read along with the count, so the list shows it at
// once; it reports false if the cache moved on meanwhile.
func (p *pageCache) put(gen, page int, rows []core.MessageSummary, convs map[int64]core.ThreadSummary) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if gen != p.gen {
		return false
	}
	p.pages[page] = rows
	maps.Copy(p.convs, convs)
	return true
}

// peek returns row i if its page is loaded, without asking for the page.
func (p *pageCache) peek(i int) (core.MessageSummary, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i < 0 || i >= p.count {
		return core.MessageSummary{}, false
	}
	if rows, ok := p.pages[i/listPage]; ok && i%listPage < len(rows) {
		return rows[i%listPage], true
	}
	return core.MessageSummary{}, false
}

// listed is one reading of a list: its count, its first page, and where
// the selected message is in it.
type listed struct {
	count int
	pages map[int][]core.MessageSummary
	at    int // row of the selected message; -1 when it is not in the list
	// convs are the conversations of the rows, by thread ID, when the
	// rows are conversations (readConversations).
	convs   map[int64]core.ThreadSummary
	threads bool
	found   int // conversations: how many a search found
	// more: a search found more than searchShown messages, and the list
	// holds the newest searchShown of them.
	more bool
}

// searchShown is how many messages a search lists at most. Counting
// every match of a word in most of 100,000 messages costs a quarter of a
// second; counting up to this many stays under 50 ms, and nobody scrolls
// a thousand results: the heading asks for a narrower search instead.
const searchShown = 1000

// readList counts q, reads its first page, and finds sel in it: the
// selection is a message, not a row number, so after new mail, a search or
// a folder switch the highlight follows the message, or goes when the
// message left the list. sel.ID 0 means nothing is selected.
func readList(ctx context.Context, db *storage.DB, q storage.ListQuery, sel core.MessageSummary) (listed, error) {
	l := listed{pages: map[int][]core.MessageSummary{}, at: -1}
	var n int
	var err error
	if q.Search != "" {
		n, l.more, err = db.CountUpTo(ctx, q, searchShown)
	} else {
		n, err = db.Count(ctx, q)
	}
	if err != nil {
		return l, fmt.Errorf("%s: %w", lang.L("count the list"), err)
	}
	l.count = n
	if n == 0 {
		return l, nil
	}
	page := q
	page.Limit, page.Offset = listPage, 0
	first, err := db.List(ctx, page)
	if err != nil {
		return l, fmt.Errorf("%s: %w", lang.L("read the list"), err)
	}
	l.pages[0] = first
	if sel.ID == 0 {
		return l, nil
	}
	if i := slices.IndexFunc(first, func(m core.MessageSummary) bool { return m.ID == sel.ID }); i >= 0 {
		l.at = i
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
	page.Offset = lo / listPage * listPage
	rows, err := db.List(ctx, page)
	if err != nil {
		return l, fmt.Errorf("%s: %w", lang.L("read the list"), err)
	}
	l.pages[lo/listPage] = rows
	if j := lo % listPage; j < len(rows) && rows[j].ID == sel.ID {
		l.at = lo
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
type messageList struct {
	widget.List
	keys   *kit.Keymap
	onMove func(delta int) // select the message delta rows away
}

var (
	_ fyne.Focusable    = (*messageList)(nil)
	_ fyne.Shortcutable = (*messageList)(nil)
)

func newMessageList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject), keys *kit.Keymap, onMove func(int)) *messageList {
	l := &messageList{keys: keys, onMove: onMove}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

// TypedKey moves the selection on Up and Down and hands other keys to the
// window.
func (l *messageList) TypedKey(e *fyne.KeyEvent) {
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
func (l *messageList) TypedShortcut(s fyne.Shortcut) { l.keys.Shortcut(s) }

// TypedRune hands the one-letter commands to the window.
func (l *messageList) TypedRune(r rune) { l.keys.TypedRune(r) }

// FocusGained and FocusLost leave out widget.List's focus mark: here the
// selection moves with the keys, so the highlight alone shows where one is.
func (l *messageList) FocusGained() {}

// FocusLost: see FocusGained.
func (l *messageList) FocusLost() {}

// row is the template of one message list row.
type row struct {
	widget.BaseWidget
	badge     *canvas.Rectangle
	from      *widget.Label
	date      *widget.Label
	subject   *widget.Label
	snippet   *widget.Label
	clip      *widget.Icon
	flag      *widget.Icon
	replied   *widget.Icon  // the message was answered
	forwarded *widget.Icon  // the message was forwarded ($Forwarded)
	count     *widget.Label // a conversation's messages and unread ones

	index int           // the list row shown, set on every update
	onTap func(row int) // nil in a row drawn outside the list

	// compact tells the layout the list uses: one line (sender, subject,
	// marks and date) or three (sender and date, subject, snippet). The
	// row reads it on every update, so a switch applies to rows already
	// made; content holds the layout built.
	compact func() bool
	built   int // 0: not built yet, 1: three lines, 2: one line
	content *fyne.Container
}

var _ fyne.Tappable = (*row)(nil)

// newRow makes a row in the layout compact says; nil means three lines.
func newRow(compact func() bool) fyne.CanvasObject {
	if compact == nil {
		compact = func() bool { return false }
	}
	r := &row{compact: compact, content: container.NewStack(), badge: canvas.NewRectangle(color.Transparent), from: widget.NewLabel("Sender"), date: widget.NewLabel("2006-01-02"), // i18n:ignore (a template's text, replaced before it shows)
		subject: widget.NewLabel("Subject"), snippet: widget.NewLabel("snippet"), // i18n:ignore (as above)
		clip: widget.NewIcon(theme.MailAttachmentIcon()), flag: widget.NewIcon(kit.FlagMarkIcon), replied: widget.NewIcon(theme.MailReplyIcon()), forwarded: widget.NewIcon(theme.MailForwardIcon()),
		count: widget.NewLabel("")}
	r.count.Hide()
	r.badge.SetMinSize(fyne.NewSize(5, 10))
	r.from.Truncation, r.subject.Truncation, r.snippet.Truncation = fyne.TextTruncateEllipsis, fyne.TextTruncateEllipsis, fyne.TextTruncateEllipsis
	r.snippet.Importance = widget.LowImportance
	r.ExtendBaseWidget(r)
	return r
}

// Tapped opens the row's message. The row takes the tap from Fyne's list
// item, whose own handler does nothing on a row already selected (so a
// message whose reader was emptied could not be opened again) and does
// not focus a list embedded in another widget, like messageList.
func (r *row) Tapped(*fyne.PointEvent) {
	if r.onTap != nil {
		r.onTap(r.index)
	}
}

func (r *row) CreateRenderer() fyne.WidgetRenderer {
	r.layout()
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, r.badge, nil, r.content))
}

// layout builds the row's content for the layout chosen, if it changed.
func (r *row) layout() {
	want := 1
	if r.compact() {
		want = 2
	}
	if r.built == want {
		return
	}
	r.built = want
	marks := container.NewHBox(r.count, r.replied, r.forwarded, r.flag, r.clip, r.date)
	if want == 2 {
		r.snippet.Hide()
		r.content.Objects = []fyne.CanvasObject{container.NewBorder(nil, nil, nil, marks,
			container.New(senderColumn{}, r.from, r.subject))}
	} else {
		r.snippet.Show()
		r.content.Objects = []fyne.CanvasObject{container.NewVBox(
			container.NewBorder(nil, nil, nil, marks, r.from), r.subject, r.snippet)}
	}
	r.content.Refresh()
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

// set shows m. In the Sent folder (sent) the row names the recipient:
// the sender is always the user there.
func (r *row) set(m core.MessageSummary, sent bool) {
	r.layout()
	r.badge.FillColor = accountColor(m.AccountID)
	r.badge.Refresh()
	if sent {
		r.from.SetText(lang.L("To: {{.Recipient}}", map[string]any{"Recipient": cmp.Or(m.To, lang.L("(no recipient)"))}))
	} else {
		r.from.SetText(mailtext.SenderName(m))
	}
	r.from.TextStyle.Bold = !m.Seen
	r.subject.TextStyle.Bold = !m.Seen
	r.date.SetText(mailtext.ShortDate(m.Date))
	subject := m.Subject
	if subject == "" {
		subject = lang.L("(no subject)")
	}
	r.subject.SetText(subject)
	r.snippet.SetText(m.Snippet)
	r.clip.Hidden = m.Attachments == 0
	r.flag.Hidden = !m.Flagged
	r.replied.Hidden = !m.Answered
	r.forwarded.Hidden = !m.Forwarded
	r.count.Hidden = true
	r.Refresh()
}

func (r *row) placeholder() {
	r.layout()
	r.badge.FillColor = color.Transparent
	r.from.SetText("…")
	r.subject.SetText("")
	r.snippet.SetText("")
	r.date.SetText("")
	r.clip.Hidden, r.flag.Hidden, r.replied.Hidden, r.forwarded.Hidden, r.count.Hidden = true, true, true, true, true
	r.Refresh()
}
