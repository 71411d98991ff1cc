package gui

import (
	"fmt"
	"image/color"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/data/binding"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/storage"
)

// navItem is one entry of the sidebar.
type navItem struct {
	label  string
	header bool // an account name, not selectable
	query  storage.ListQuery
	unread int
	folder core.Folder
}

// MainWindow is the unified inbox: sidebar, message list, reader, search
// and status line.
type MainWindow struct {
	app *App
	win fyne.Window

	nav       []navItem
	navList   *widget.List
	current   storage.ListQuery
	rows      pageCache
	list      *messageList
	selected  int64
	reader    *Reader
	search    *widget.Entry
	status    binding.String
	progress  *widget.ProgressBar
	retry     *widget.Button
	body      *fyne.Container // swaps between the first-run screen and the mail view
	mailView  fyne.CanvasObject
	firstRun  fyne.CanvasObject
	searchGen int
	mu        sync.Mutex
	inTray    bool // hidden to the tray

	wizardOffered bool // the first-run wizard opens once per start
}

func newMainWindow(a *App) *MainWindow {
	w := &MainWindow{app: a, win: a.fyne.NewWindow("Tributary"), status: binding.NewString(), selected: -1}
	w.reader = NewReader(a)
	w.navList = widget.NewList(
		func() int { return len(w.nav) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, nil, widget.NewLabel("0"), widget.NewLabel("Folder"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { w.updateNav(i, o) })
	w.navList.OnSelected = func(i widget.ListItemID) {
		if i < len(w.nav) && !w.nav[i].header {
			w.current = w.nav[i].query
			w.search.SetText("")
			w.reloadList()
		}
	}
	w.list = newMessageList(w.rows.len, newRow, w.updateRow, w.deleteSelected)
	w.list.OnSelected = func(i widget.ListItemID) {
		if m, ok, _, _, _ := w.rows.row(i); ok {
			w.open(m)
		}
	}
	w.search = widget.NewEntry()
	w.search.SetPlaceHolder("Search all accounts")
	w.search.OnChanged = w.onSearch
	w.progress = widget.NewProgressBar()
	w.progress.Hide()
	w.retry = widget.NewButtonWithIcon("Retry", theme.ViewRefreshIcon(), w.getMail)
	w.retry.Hide()

	toolbar := widget.NewToolbar(
		widget.NewToolbarAction(theme.ViewRefreshIcon(), w.getMail),
		widget.NewToolbarAction(theme.MailComposeIcon(), func() { a.OpenComposer(Draft{}) }),
		widget.NewToolbarSeparator(),
		widget.NewToolbarAction(theme.MailReplyIcon(), func() { w.reply(false) }),
		widget.NewToolbarAction(theme.MailReplyAllIcon(), func() { w.reply(true) }),
		widget.NewToolbarAction(theme.MailForwardIcon(), w.forward),
		widget.NewToolbarSeparator(),
		widget.NewToolbarAction(theme.DeleteIcon(), w.deleteSelected),
		widget.NewToolbarAction(theme.FolderIcon(), w.moveSelected),
		widget.NewToolbarAction(theme.VisibilityIcon(), w.toggleSeen),
		widget.NewToolbarAction(theme.RadioButtonCheckedIcon(), w.toggleFlag),
	)
	top := container.NewBorder(nil, nil, toolbar, nil, w.search)
	side := container.NewBorder(nil, container.NewVBox(
		widget.NewButtonWithIcon("Add account", theme.ContentAddIcon(), func() { a.OpenWizard(nil) }),
		widget.NewButtonWithIcon("Accounts", theme.SettingsIcon(), a.OpenSettings),
		widget.NewButtonWithIcon("Outbox", theme.MailSendIcon(), a.OpenOutbox),
	), nil, nil, w.navList)
	split := container.NewHSplit(w.list, w.reader.CanvasObject())
	split.Offset = 0.42
	main := container.NewHSplit(side, split)
	main.Offset = 0.2
	statusBar := container.NewBorder(nil, nil, nil, container.NewHBox(w.progress, w.retry), widget.NewLabelWithData(w.status))
	w.mailView = container.NewBorder(top, statusBar, nil, nil, main)
	w.firstRun = container.NewCenter(container.NewVBox(
		widget.NewLabelWithStyle("Welcome to Tributary", fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle("All your mail accounts in one inbox, on your own disk.", fyne.TextAlignCenter, fyne.TextStyle{}),
		widget.NewButtonWithIcon("Add your first account", theme.ContentAddIcon(), func() { a.OpenWizard(nil) }),
	))
	w.body = container.NewStack(w.mailView)
	w.win.SetContent(w.body)
	w.win.Resize(fyne.NewSize(1100, 700))
	w.addShortcuts()
	w.win.SetCloseIntercept(w.onClose)
	return w
}

// Window returns the Fyne window.
func (w *MainWindow) Window() fyne.Window { return w.win }

// accountColors tell accounts apart at a glance in the list.
var accountColors = []color.NRGBA{
	{0x1e, 0x88, 0xe5, 0xff}, {0x43, 0xa0, 0x47, 0xff}, {0xfb, 0x8c, 0x00, 0xff}, {0x8e, 0x24, 0xaa, 0xff},
	{0xe5, 0x39, 0x35, 0xff}, {0x00, 0x89, 0x7b, 0xff}, {0x6d, 0x4c, 0x41, 0xff}, {0x39, 0x49, 0xab, 0xff},
}

func accountColor(id int64) color.Color { return accountColors[int(id)%len(accountColors)] }

// messageList is the message list, which also takes Delete: after a click
// the list has the keyboard focus, and a focused widget's keys never reach
// the window.
type messageList struct {
	widget.List
	onDelete func()
}

func newMessageList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject), onDelete func()) *messageList {
	l := &messageList{onDelete: onDelete}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

// TypedKey deletes the selected message on Delete and leaves every other
// key (arrows, space) to the list.
func (l *messageList) TypedKey(e *fyne.KeyEvent) {
	if e.Name == fyne.KeyDelete {
		l.onDelete()
		return
	}
	l.List.TypedKey(e)
}

// row is the template of one message list row.
type row struct {
	widget.BaseWidget
	badge   *canvas.Rectangle
	from    *widget.Label
	date    *widget.Label
	subject *widget.Label
	snippet *widget.Label
	clip    *widget.Icon
	flag    *widget.Icon
}

func newRow() fyne.CanvasObject {
	r := &row{badge: canvas.NewRectangle(color.Transparent), from: widget.NewLabel("Sender"), date: widget.NewLabel("2006-01-02"),
		subject: widget.NewLabel("Subject"), snippet: widget.NewLabel("snippet"),
		clip: widget.NewIcon(theme.MailAttachmentIcon()), flag: widget.NewIcon(theme.RadioButtonCheckedIcon())}
	r.badge.SetMinSize(fyne.NewSize(5, 10))
	r.from.Truncation, r.subject.Truncation, r.snippet.Truncation = fyne.TextTruncateEllipsis, fyne.TextTruncateEllipsis, fyne.TextTruncateEllipsis
	r.snippet.Importance = widget.LowImportance
	r.ExtendBaseWidget(r)
	return r
}

func (r *row) CreateRenderer() fyne.WidgetRenderer {
	line1 := container.NewBorder(nil, nil, nil, container.NewHBox(r.flag, r.clip, r.date), r.from)
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, r.badge, nil,
		container.NewVBox(line1, r.subject, r.snippet)))
}

func (r *row) set(m core.MessageSummary) {
	r.badge.FillColor = accountColor(m.AccountID)
	r.badge.Refresh()
	r.from.SetText(senderName(m))
	r.from.TextStyle.Bold = !m.Seen
	r.subject.TextStyle.Bold = !m.Seen
	r.date.SetText(shortDate(m.Date))
	subject := m.Subject
	if subject == "" {
		subject = "(no subject)"
	}
	r.subject.SetText(subject)
	r.snippet.SetText(m.Snippet)
	r.clip.Hidden = m.Attachments == 0
	r.flag.Hidden = !m.Flagged
	r.Refresh()
}

func (r *row) placeholder() {
	r.badge.FillColor = color.Transparent
	r.from.SetText("…")
	r.subject.SetText("")
	r.snippet.SetText("")
	r.date.SetText("")
	r.clip.Hidden, r.flag.Hidden = true, true
	r.Refresh()
}

func senderName(m core.MessageSummary) string {
	if m.FromName != "" {
		return m.FromName
	}
	return m.FromAddr
}

// shortDate shows the time for today's mail and the date otherwise.
func shortDate(t time.Time) string {
	t = t.Local()
	now := time.Now()
	if t.Year() == now.Year() && t.YearDay() == now.YearDay() {
		return t.Format("15:04")
	}
	if t.Year() == now.Year() {
		return t.Format("Jan 2")
	}
	return t.Format("2006-01-02")
}

func (w *MainWindow) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	r := o.(*row)
	m, ok, load, gen, q := w.rows.row(i)
	if ok {
		r.set(m)
		return
	}
	r.placeholder()
	if load < 0 {
		return
	}
	w.app.background("load page", func() {
		loaded, err := w.rows.load(w.app.ctx, w.app.db, load, gen, q)
		w.app.do(func() {
			if err != nil {
				w.status.Set("Cannot read the message list: " + err.Error())
			}
			if loaded {
				w.list.Refresh()
			}
		})
	})
}

func (w *MainWindow) updateNav(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(w.nav) {
		return
	}
	n := w.nav[i]
	c := o.(*fyne.Container)
	label, count := c.Objects[0].(*widget.Label), c.Objects[1].(*widget.Label)
	label.SetText(n.label)
	label.TextStyle = fyne.TextStyle{Bold: n.header || n.unread > 0}
	label.Refresh()
	count.SetText("")
	if n.unread > 0 {
		count.SetText(fmt.Sprint(n.unread))
	}
}

// reload rebuilds the sidebar and the list from the store, off the UI
// goroutine.
func (w *MainWindow) reload() {
	w.app.background("reload", func() {
		folders, err := w.app.db.Folders(w.app.ctx)
		unread, _ := w.app.db.UnreadInbox(w.app.ctx)
		accounts, _ := w.app.db.Accounts(w.app.ctx)
		w.app.do(func() {
			if err != nil {
				w.status.Set("Cannot read folders: " + err.Error())
				return
			}
			w.setNav(folders, unread)
			w.app.setUnread(unread)
			if len(accounts) == 0 {
				w.body.Objects = []fyne.CanvasObject{w.firstRun}
				if !w.wizardOffered {
					// First run: go straight to the wizard; the welcome
					// screen stays behind it for when it is closed.
					w.wizardOffered = true
					w.app.OpenWizard(nil)
				}
			} else {
				w.body.Objects = []fyne.CanvasObject{w.mailView}
			}
			w.body.Refresh()
			w.reloadList()
		})
	})
}

func (w *MainWindow) setNav(folders []core.Folder, unread int) {
	nav := []navItem{{label: "Unified Inbox", unread: unread}}
	account := int64(-1)
	for _, f := range folders {
		if f.AccountID != account {
			account = f.AccountID
			nav = append(nav, navItem{label: f.Account, header: true})
		}
		nav = append(nav, navItem{label: "    " + f.Name, unread: f.Unread, folder: f, query: storage.ListQuery{FolderID: f.ID}})
	}
	w.nav = nav
	w.navList.Refresh()
}

// reloadList re-reads the current list in the background. Call it on the
// UI goroutine: it reads the search box.
func (w *MainWindow) reloadList() {
	q := w.query()
	w.app.background("count", func() {
		n, err := w.app.db.Count(w.app.ctx, q)
		w.app.do(func() {
			if err != nil {
				if q.Search == "" {
					w.status.Set("Cannot read the message list: " + err.Error())
				}
				n = 0
			}
			w.rows.reset(q, n)
			w.list.Refresh()
		})
	})
}

func (w *MainWindow) query() storage.ListQuery {
	w.mu.Lock()
	defer w.mu.Unlock()
	q := w.current
	if s := strings.TrimSpace(w.search.Text); s != "" {
		// Search always covers every account and folder.
		q = storage.ListQuery{Search: s}
	}
	return q
}

// onSearch answers as the user types: each keystroke restarts a short
// wait, so a fast typist causes one query, not one per letter.
func (w *MainWindow) onSearch(string) {
	w.mu.Lock()
	w.searchGen++
	gen := w.searchGen
	w.mu.Unlock()
	time.AfterFunc(150*time.Millisecond, func() {
		w.mu.Lock()
		stale := gen != w.searchGen
		w.mu.Unlock()
		if !stale {
			w.app.do(w.reloadList)
		}
	})
}

func (w *MainWindow) open(m core.MessageSummary) {
	w.selected = m.ID
	w.reader.Show(m.ID)
	if !m.Seen {
		m.Seen = true
		w.setFlags(m)
	}
}

// selectedMessage returns the message the actions apply to.
func (w *MainWindow) selectedMessage() (core.MessageSummary, bool) {
	if w.selected < 0 {
		return core.MessageSummary{}, false
	}
	return w.rows.find(w.selected)
}

func (w *MainWindow) setFlags(m core.MessageSummary) {
	w.rows.update(m.ID, func(r *core.MessageSummary) { r.Flags = m.Flags })
	w.list.Refresh()
	w.app.background("set flags", func() {
		err := w.app.engine.SetFlags(w.app.ctx, m.ID, m.Flags)
		w.app.do(func() {
			if err != nil {
				w.showError(err)
			}
		})
		w.refreshCounts()
	})
}

func (w *MainWindow) refreshCounts() {
	folders, err := w.app.db.Folders(w.app.ctx)
	unread, _ := w.app.db.UnreadInbox(w.app.ctx)
	if err == nil {
		w.app.do(func() {
			w.setNav(folders, unread)
			w.app.setUnread(unread)
		})
	}
}

func (w *MainWindow) toggleSeen() {
	if m, ok := w.selectedMessage(); ok {
		m.Seen = !m.Seen
		w.setFlags(m)
	}
}

func (w *MainWindow) toggleFlag() {
	if m, ok := w.selectedMessage(); ok {
		m.Flagged = !m.Flagged
		w.setFlags(m)
	}
}

func (w *MainWindow) deleteSelected() {
	m, ok := w.selectedMessage()
	if !ok {
		return
	}
	w.selected = -1
	w.list.UnselectAll()
	w.reader.Clear()
	w.app.background("delete", func() {
		err := w.app.engine.Delete(w.app.ctx, m.ID)
		w.app.do(func() {
			if err != nil {
				w.showError(err)
			}
			w.reload()
		})
	})
}

func (w *MainWindow) moveSelected() {
	m, ok := w.selectedMessage()
	if !ok {
		return
	}
	var names []string
	var ids []int64
	for _, n := range w.nav {
		if !n.header && n.folder.AccountID == m.AccountID && n.folder.ID != m.FolderID {
			names = append(names, n.folder.Name)
			ids = append(ids, n.folder.ID)
		}
	}
	choice := widget.NewSelect(names, nil)
	dialog.ShowForm("Move message", "Move", "Cancel", []*widget.FormItem{widget.NewFormItem("To folder", choice)}, func(ok bool) {
		if !ok || choice.SelectedIndex() < 0 {
			return
		}
		dest := ids[choice.SelectedIndex()]
		w.app.background("move", func() {
			err := w.app.engine.Move(w.app.ctx, m.ID, dest)
			w.app.do(func() {
				if err != nil {
					w.showError(err)
				}
				w.reload()
			})
		})
	}, w.win)
}

func (w *MainWindow) reply(all bool) {
	if m, ok := w.selectedMessage(); ok {
		w.app.background("reply", func() {
			d, err := w.app.ReplyDraft(m.ID, all)
			w.app.do(func() {
				if err != nil {
					w.showError(err)
					return
				}
				w.app.OpenComposer(d)
			})
		})
	}
}

func (w *MainWindow) forward() {
	if m, ok := w.selectedMessage(); ok {
		w.app.background("forward", func() {
			d, err := w.app.ForwardDraft(m.ID)
			w.app.do(func() {
				if err != nil {
					w.showError(err)
					return
				}
				w.app.OpenComposer(d)
			})
		})
	}
}

// getMail runs every source now, manual ones included.
func (w *MainWindow) getMail() {
	w.retry.Hide()
	w.status.Set("Checking mail…")
	w.app.engine.CheckNow()
}

// showError puts an error in the status line without blocking the user.
func (w *MainWindow) showError(err error) {
	w.status.Set(err.Error())
	w.retry.Show()
}

// handle applies one engine event; it runs on the follower goroutine.
func (w *MainWindow) handle(ev engine.Event) {
	w.app.do(func() {
		switch ev.Kind {
		case engine.EventProgress:
			w.status.Set(fmt.Sprintf("Syncing %s: %s of %s", ev.Label, thousands(ev.Done), thousands(ev.Total)))
			w.progress.Max = float64(max(ev.Total, 1))
			w.progress.SetValue(float64(ev.Done))
			w.progress.Show()
		case engine.EventNewMail:
			w.status.Set(fmt.Sprintf("%s: %d new", ev.Label, len(ev.MessageIDs)))
			w.reload()
		case engine.EventSynced:
			w.progress.Hide()
			w.status.Set(fmt.Sprintf("%s: up to date at %s", ev.Label, time.Now().Format("15:04")))
		case engine.EventError:
			w.progress.Hide()
			w.showError(ev.Err)
		case engine.EventOutbox:
			if ev.Outbox != nil {
				w.status.Set(ev.Outbox.Describe())
				if ev.Outbox.State == core.OutboxSent {
					w.reload()
				}
			}
		}
	})
}

// thousands writes 5000 as "5,000".
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func (w *MainWindow) addShortcuts() {
	c := w.win.Canvas()
	ctrl := fyne.KeyModifierShortcutDefault
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: ctrl}, func(fyne.Shortcut) { w.app.OpenComposer(Draft{}) })
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyR, Modifier: ctrl}, func(fyne.Shortcut) { w.reply(false) })
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyR, Modifier: ctrl | fyne.KeyModifierShift}, func(fyne.Shortcut) { w.reply(true) })
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: ctrl}, func(fyne.Shortcut) { c.Focus(w.search) })
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyDelete {
			w.deleteSelected()
		}
	})
}

// onClose hides the window to the tray when the user chose that, and
// quits otherwise.
func (w *MainWindow) onClose() {
	if w.app.fyne.Preferences().Bool(prefCloseToTray) && w.app.hasTray() {
		w.inTray = true
		w.win.Hide()
		return
	}
	w.app.fyne.Quit()
}
