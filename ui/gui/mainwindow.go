package gui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/data/binding"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/gui/composer"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/gui/maillist"
	"github.com/tributary-mail/tributary/ui/gui/mailtext"
	"github.com/tributary-mail/tributary/ui/gui/reader"
	"github.com/tributary-mail/tributary/ui/gui/shell"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// navItem is one entry of the sidebar.
type navItem struct {
	label  string
	header bool // an account name, not selectable
	query  storage.ListQuery
	unread int
	folder core.Folder
	// drafts: the entry lists the saved drafts (draftsView) of
	// folder.AccountID, or of every account when that is 0; unread
	// counts them.
	drafts bool
}

// MainWindow is the unified inbox: sidebar, message list, reader, search
// and status line.
type MainWindow struct {
	app *App
	win fyne.Window

	nav     []navItem
	navList *folderList
	current storage.ListQuery
	rows    maillist.Pages
	list    *maillist.List

	// The selection is a message, not a row number. selected is the
	// message the reader shows and every action applies to (ID 0: none);
	// selRow is the row it is highlighted on, -1 while it is not. After
	// every change of the list the highlight is moved to follow it.
	selected core.MessageSummary
	selRow   int
	// following is set while the list's selection is moved to follow
	// selected, so that OnSelected does not open the message again.
	following bool
	// pendingRow is a row chosen with the keys before its page was
	// loaded; it opens when the page comes. -1: none.
	pendingRow int
	// listGen counts reloadList calls, so the answer to an older one,
	// arriving late, is dropped.
	listGen int

	reader   *reader.Reader
	search   *searchEntry
	heading  *widget.Label   // search results: how many, or none
	listPane *fyne.Container // the heading over the list
	keys     *kit.Keymap
	tips     *kit.TipLayer
	toasts   *kit.ToastLayer // undo send and other short notices
	toolbar  []*kit.ToolButton
	status   binding.String
	// states holds each account's sync failures and progress, by
	// account name, shown on its sidebar entry (accountstate.go).
	states map[string]*accountState
	// roles are the folders' roles by folder ID, for the rows: the Sent
	// folder's show the recipient.
	roles map[int64]string
	// notices lists the changes waiting for the servers; pendingHeard
	// says an EventPending came, so the first reading is stale.
	notices      *fyne.Container
	pending      []core.PendingChanges
	pendingHeard bool
	body         *fyne.Container // swaps between the first-run screen and the mail view
	mailView     fyne.CanvasObject
	firstRun     fyne.CanvasObject
	// searchGen counts keystrokes in the search box; it is read by the
	// timers of onSearch, hence mu.
	searchGen int
	mu        sync.Mutex
	inTray    bool // hidden to the tray

	wizardOffered bool // the first-run wizard opens once per start

	// compact: the list shows one line per message (see row.layout).
	compact bool
	// conversations: the list shows one row per conversation
	// (conversations.go); the choice is remembered.
	conversations bool
	// sideSplit divides the sidebar from the rest, listSplit the list
	// from the reader; their offsets are remembered.
	sideSplit, listSplit *container.Split
	// emptyTrash, under the list, shows while a Trash folder is listed.
	emptyTrash *widget.Button
	// drafts takes the list pane while a Drafts entry is chosen.
	drafts *draftsView
	// demo starts the demo (see App.OfferDemo); demoButton, on the
	// first-run screen, shows once it is set.
	demo       func() error
	demoButton *kit.ToolButton
}

// startDemo starts the demo in a window of its own, over its own data.
func (w *MainWindow) startDemo() {
	if err := w.demo(); err != nil {
		w.showError(fmt.Errorf("%s: %w", lang.L("cannot start the demo"), err))
		return
	}
	w.status.Set(lang.L("The demo opens in a window of its own, with two demo accounts; nothing here changes."))
}

// startCompact is the list layout at start: the one chosen last, else one
// line when the window is wide enough to give the subject room.
func (w *MainWindow) startCompact() bool {
	switch w.app.Fyne.Preferences().String(prefListLayout) {
	case listCompact:
		return true
	case listThreeLines:
		return false
	}
	return w.savedSize().Width > compactFrom
}

// savedSize is the main window's size when it last closed, or the size
// of a first start.
func (w *MainWindow) savedSize() fyne.Size {
	prefs := w.app.Fyne.Preferences()
	return fyne.NewSize(float32(prefs.FloatWithFallback(prefWindowWidth, mainWidth)),
		float32(prefs.FloatWithFallback(prefWindowHeight, mainHeight)))
}

// saveLayout remembers the window's size and the panes' widths for the
// next start. Fyne has no window position to read, so the window manager
// places it.
func (w *MainWindow) saveLayout() {
	prefs := w.app.Fyne.Preferences()
	if size := w.win.Canvas().Size(); size.Width > 0 && size.Height > 0 {
		prefs.SetFloat(prefWindowWidth, float64(size.Width))
		prefs.SetFloat(prefWindowHeight, float64(size.Height))
	}
	prefs.SetFloat(prefSidebarPane, w.sideSplit.Offset)
	prefs.SetFloat(prefListPane, w.listSplit.Offset)
}

// toggleCompact switches between one-line and three-line rows, and
// remembers the choice.
func (w *MainWindow) toggleCompact() {
	w.compact = !w.compact
	choice := listThreeLines
	if w.compact {
		choice = listCompact
	}
	w.app.Fyne.Preferences().SetString(prefListLayout, choice)
	w.list.Refresh() // the list measures its rows again; each row lays itself out anew
	if w.selRow >= 0 {
		w.list.ScrollTo(w.selRow)
	}
}

func newMainWindow(a *App) *MainWindow {
	w := &MainWindow{app: a, win: a.Fyne.NewWindow("Tributary"), status: binding.NewString(), selRow: -1, pendingRow: -1, // i18n:ignore (the app's name)
		keys: kit.NewKeymap(), tips: kit.NewTipLayer(), toasts: kit.NewToastLayer()}
	w.reader = reader.NewReader(a.readers)
	w.reader.OnOpen = w.openFromThread
	w.navList = newFolderList(func() int { return len(w.nav) },
		func() fyne.CanvasObject { return newNavRow(w.tips) },
		w.updateNav, w.keys)
	w.drafts = newDraftsView(w)
	w.navList.OnSelected = func(i widget.ListItemID) {
		if i < len(w.nav) && w.nav[i].drafts {
			w.emptyTrash.Hide()
			w.drafts.show(w.nav[i].folder.AccountID)
			return
		}
		if i < len(w.nav) && !w.nav[i].header {
			w.drafts.hide()
			w.current = w.nav[i].query
			w.showEmptyTrash()
			w.search.SetText("")
			w.reloadList()
		}
	}
	w.compact = w.startCompact()
	w.conversations = a.Fyne.Preferences().Bool(prefConversations)
	w.list = maillist.NewList(w.rows.Len, func() fyne.CanvasObject {
		r := maillist.NewRow(func() bool { return w.compact }).(*maillist.Row)
		r.OnTap = w.clickRow
		return r
	}, w.updateRow, w.keys, w.moveSelection)
	w.list.OnSelected = w.onSelected
	w.list.OnUnselected = func(widget.ListItemID) { w.selRow = -1 }
	w.newSearch()
	w.notices = container.NewVBox()

	w.toolbar = []*kit.ToolButton{
		w.button("", theme.ViewRefreshIcon(), lang.L("Get mail"), w.getMail),
		w.button("", theme.MailComposeIcon(), lang.L("New message (Ctrl+N)"), func() { a.composers.Open(composer.Draft{}) }),
		w.button("", theme.MailReplyIcon(), lang.L("Reply (Ctrl+R)"), func() { w.reply(false) }),
		w.button("", theme.MailReplyAllIcon(), lang.L("Reply to all (Ctrl+Shift+R)"), func() { w.reply(true) }),
		w.button("", theme.MailForwardIcon(), lang.L("Forward"), w.forward),
		w.button("", theme.DeleteIcon(), lang.L("Delete (Delete)"), w.deleteSelected),
		w.button("", theme.FolderIcon(), lang.L("Move to folder…"), w.moveSelected),
		w.button("", theme.VisibilityIcon(), lang.L("Mark read or unread"), w.toggleSeen),
		w.button("", kit.FlagToolIcon, lang.L("Flag or unflag"), w.toggleFlag),
		w.button("", theme.ListIcon(), lang.L("One-line or three-line rows"), w.toggleCompact),
		w.button("", theme.DownloadIcon(), lang.L("Archive (A)"), w.archiveSelected),
		w.button("", theme.ErrorIcon(), lang.L("Junk, or not junk in the Junk folder"), w.junkSelected),
		w.button("", theme.HelpIcon(), lang.L("Keyboard shortcuts (?)"), w.showShortcuts),
		w.button("", conversationsIcon, lang.L("Conversations or single messages"), w.toggleConversations),
	}
	tb := w.toolbar
	toolbar := widget.NewToolbar(tb[0], tb[1], widget.NewToolbarSeparator(), tb[2], tb[3], tb[4],
		widget.NewToolbarSeparator(), tb[5], tb[10], tb[11], tb[6], tb[7], tb[8], widget.NewToolbarSeparator(), tb[9], tb[13], tb[12])
	top := container.NewBorder(nil, nil, toolbar, nil, w.search)
	side := container.NewBorder(nil, container.NewVBox(
		w.notices,
		w.button(lang.L("Add account"), theme.ContentAddIcon(), "", func() { a.wizards.Open(nil) }),
		w.button(lang.L("Accounts"), theme.SettingsIcon(), "", a.OpenSettings),
		w.button(lang.L("Outbox"), theme.MailSendIcon(), "", a.composers.OpenOutbox),
		w.button(lang.L("Contacts"), theme.AccountIcon(), "", a.contacts.Open),
	), nil, nil, w.navList)
	w.emptyTrash = widget.NewButtonWithIcon(lang.L("Empty Trash"), theme.DeleteIcon(), w.confirmEmptyTrash)
	w.emptyTrash.Hide()
	w.listPane = container.NewBorder(w.heading, w.emptyTrash, nil, nil, w.list)
	prefs := a.Fyne.Preferences()
	w.listSplit = container.NewHSplit(w.listPane, w.reader.CanvasObject())
	w.listSplit.Offset = prefs.FloatWithFallback(prefListPane, 0.42)
	main := container.NewHSplit(side, w.listSplit)
	main.Offset = prefs.FloatWithFallback(prefSidebarPane, 0.2)
	w.sideSplit = main
	statusBar := widget.NewLabelWithData(w.status)
	w.mailView = container.NewBorder(top, statusBar, nil, nil, main)
	w.demoButton = w.button(lang.L("Try it with demo accounts"), theme.MailComposeIcon(), "", w.startDemo)
	w.demoButton.Hide()
	w.firstRun = container.NewCenter(container.NewVBox(
		widget.NewLabelWithStyle(lang.L("Welcome to Tributary"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle(lang.L("All your mail accounts in one inbox, on your own disk."), fyne.TextAlignCenter, fyne.TextStyle{}),
		w.button(lang.L("Add your first account"), theme.ContentAddIcon(), "", func() { a.wizards.Open(nil) }),
		w.demoButton,
	))
	w.body = container.NewStack(w.mailView)
	w.win.SetContent(container.NewStack(w.body, w.toasts.Root, w.tips.Root))
	w.win.Resize(w.savedSize())
	w.addShortcuts()
	w.setupMainMenu()
	w.win.SetCloseIntercept(w.onClose)
	return w
}

// button makes a button of this window: with its tooltip, and the
// window's keys while it has the focus.
func (w *MainWindow) button(label string, icon fyne.Resource, tip string, tapped func()) *kit.ToolButton {
	return kit.NewToolButton(label, icon, tip, w.tips, w.keys, tapped)
}

// folderList is the sidebar's list of folders. It keeps widget.List's
// keys for moving in it and hands the others (Delete) to the window.
type folderList struct {
	widget.List
	keys *kit.Keymap
}

func newFolderList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject), keys *kit.Keymap) *folderList {
	l := &folderList{keys: keys}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

// TypedKey: see folderList.
func (l *folderList) TypedKey(e *fyne.KeyEvent) {
	switch e.Name {
	case fyne.KeyUp, fyne.KeyDown, fyne.KeySpace:
		l.List.TypedKey(e)
	default:
		l.keys.Key(e)
	}
}

// Window returns the Fyne window.
func (w *MainWindow) Window() fyne.Window { return w.win }

func (w *MainWindow) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	r := o.(*maillist.Row)
	r.Index = i
	m, ok, load, gen, q := w.rows.Row(i)
	if t, conv := w.rows.Conversation(m); ok && conv {
		r.SetConversation(m, t)
		return
	}
	if ok {
		r.Set(m, w.roles[m.FolderID] == core.RoleSent)
		return
	}
	r.Placeholder()
	if load >= 0 {
		w.loadPage(load, gen, q)
	}
}

// loadPage reads one page of the list in the background and shows it.
func (w *MainWindow) loadPage(page, gen int, q storage.ListQuery) {
	w.app.Background("load page", func() {
		loaded, err := w.rows.Load(w.app.Ctx, w.app.DB, page, gen, q)
		w.app.Do(func() {
			if err != nil {
				w.status.Set(lang.L("Cannot read the message list: {{.Error}}", map[string]any{"Error": err.Error()}))
			}
			if !loaded {
				return
			}
			w.list.Refresh()
			if w.pendingRow >= 0 && w.pendingRow == w.selRow {
				if m, ok := w.rows.Peek(w.pendingRow); ok {
					w.pendingRow = -1
					w.open(m)
				}
			}
		})
	})
}

func (w *MainWindow) updateNav(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(w.nav) {
		return
	}
	n := w.nav[i]
	r := o.(*navRow)
	r.label.SetText(n.label)
	r.label.TextStyle = fyne.TextStyle{Bold: n.header || n.unread > 0}
	r.label.Refresh()
	r.count.SetText("")
	if n.unread > 0 {
		r.count.SetText(i18n.Number(n.unread))
	}
	r.mark.tip, r.mark.onTap = "", nil
	r.mark.Hide()
	if !n.header {
		return
	}
	r.count.SetText(w.accountProgress(n.label))
	if tip := w.accountError(n.label); tip != "" {
		account := n.label
		r.mark.tip, r.mark.onTap = tip, func() { w.showAccountError(account) }
		r.mark.Show()
	}
}

// reload rebuilds the sidebar and the list from the store, off the UI
// goroutine.
func (w *MainWindow) reload() {
	w.app.Background("reload", func() {
		sb, err := w.readSidebar()
		accounts, _ := w.app.DB.Accounts(w.app.Ctx)
		w.app.Do(func() {
			if err != nil {
				w.status.Set(lang.L("Cannot read folders: {{.Error}}", map[string]any{"Error": err.Error()}))
				return
			}
			w.showSidebar(sb)
			if len(accounts) == 0 {
				w.body.Objects = []fyne.CanvasObject{w.firstRun}
				if !w.wizardOffered {
					// First run: go straight to the wizard; the welcome
					// screen stays behind it for when it is closed.
					w.wizardOffered = true
					w.app.wizards.Open(nil)
				}
			} else {
				w.body.Objects = []fyne.CanvasObject{w.mailView}
			}
			w.body.Refresh()
			w.reloadList()
		})
	})
}

// unifiedViews are the sidebar's views across accounts besides the
// Unified Inbox and Drafts. Junk and Trash stay out of Unread and Flagged.
// A function, so that the labels are looked up in the language of the
// moment, not once when the package starts.
func unifiedViews() []struct{ label, search string } {
	return []struct{ label, search string }{
		{lang.X("sidebar.unread", "Unread"), "is:unread -in:junk -in:trash"},
		{lang.X("sidebar.flagged", "Flagged"), "is:flagged -in:junk -in:trash"},
		{lang.X("sidebar.sent", "Sent"), "in:sent"},
	}
}

func (w *MainWindow) setNav(folders []core.Folder, unread int, drafts []core.Draft) {
	perAccount := map[int64]int{}
	for _, d := range drafts {
		perAccount[d.AccountID]++
	}
	nav := []navItem{{label: lang.L("Unified Inbox"), unread: unread}}
	// The other unified views are searches in the search language
	// (core/query), over every account.
	for _, v := range unifiedViews() {
		nav = append(nav, navItem{label: v.label, query: storage.ListQuery{Search: v.search}})
	}
	nav = append(nav, navItem{label: lang.X("sidebar.drafts", "Drafts"), drafts: true, unread: len(drafts)})
	account := int64(-1)
	hasDrafts := false // the account has a folder named Drafts already
	endAccount := func() {
		if account > 0 && !hasDrafts {
			nav = append(nav, navItem{label: "    " + lang.X("sidebar.account.drafts", "Drafts"), drafts: true, unread: perAccount[account], folder: core.Folder{AccountID: account}})
		}
	}
	w.roles = map[int64]string{}
	for _, f := range folders {
		w.roles[f.ID] = f.Role
		if f.AccountID != account {
			endAccount()
			account, hasDrafts = f.AccountID, false
			nav = append(nav, navItem{label: f.Account, header: true})
		}
		hasDrafts = hasDrafts || strings.EqualFold(f.Name, "Drafts")
		if f.Role == core.RoleDrafts {
			// The server's Drafts: its drafts are adopted into the drafts
			// (engine SaveDraft), which the composer opens and edits.
			nav = append(nav, navItem{label: "    " + f.Name, drafts: true, unread: perAccount[account], folder: f})
			continue
		}
		nav = append(nav, navItem{label: "    " + mailtext.FolderName(f.Name), unread: f.Unread, folder: f, query: storage.ListQuery{FolderID: f.ID}})
	}
	endAccount()
	w.nav = nav
	w.navList.Refresh()
}

// reloadList re-reads the current list in the background and moves the
// highlight to where the selected message is now; when it is no longer in
// the list, the selection and the reader are cleared. Call it on the UI
// goroutine: it reads the search box.
func (w *MainWindow) reloadList() {
	if w.drafts.shown {
		return // the list pane shows the drafts; choosing messages again reloads
	}
	q, threads := w.query(), w.conversations
	w.listGen++
	gen, sel := w.listGen, w.selected
	w.app.Background("read the list", func() {
		read := maillist.ReadList
		if threads {
			read = maillist.ReadConversations
		}
		l, err := read(w.app.Ctx, w.app.DB, q, sel)
		w.app.Do(func() {
			if gen != w.listGen {
				return // a newer reading is under way
			}
			if w.selected.ID != sel.ID {
				// The user chose another message meanwhile: find that one.
				w.reloadList()
				return
			}
			if err != nil {
				if q.Search == "" {
					w.status.Set(lang.L("Cannot read the message list: {{.Error}}", map[string]any{"Error": err.Error()}))
				}
				l = maillist.Listed{At: -1}
			}
			cacheGen := w.rows.Start(q, l.Count, l.Threads)
			for page, rows := range l.Pages {
				w.rows.Put(cacheGen, page, rows, l.Convs)
			}
			w.pendingRow = -1
			w.list.Refresh()
			w.app.firstPage.Do(func() {
				// What scripts/firstpaint.sh measures: from the process's
				// start to the first list in the window (painted in the
				// next frame).
				w.app.Log.Info("first list shown", "rows", l.Count, "ms", time.Since(processStart).Milliseconds())
			})
			found := l.Count
			if l.Threads {
				found = l.Found
			}
			w.showHeading(q.Search, found, l.More, err)
			switch {
			case sel.ID == 0:
				w.list.UnselectAll()
			case l.At >= 0:
				// A conversation's row is its newest message, which need
				// not be the one the reader shows.
				if m, ok := w.rows.Peek(l.At); ok && m.ID == sel.ID {
					w.selected = m // with the flags as they are now
				}
				w.highlight(l.At)
			default:
				w.clearSelection()
			}
		})
	})
}

// onSelected opens the message of the row the user chose in the list.
func (w *MainWindow) onSelected(i widget.ListItemID) {
	w.selRow = i
	if w.following {
		return
	}
	m, ok, load, gen, q := w.rows.Row(i)
	if !ok {
		// Chosen with the keys before its page came: open it when it does.
		w.pendingRow = i
		if load >= 0 {
			w.loadPage(load, gen, q)
		}
		return
	}
	w.pendingRow = -1
	w.open(m)
}

// clickRow handles a click on row i. The list takes the keyboard focus,
// so that the arrow keys go on from there, and the message opens, also
// when its row was highlighted already but the reader shows something
// else (say, that the message could not be read).
func (w *MainWindow) clickRow(i int) {
	w.win.Canvas().Focus(w.list)
	if i != w.selRow {
		w.list.Select(i)
		return
	}
	if m, ok := w.rows.Peek(i); ok && !w.readerShows(m.ID) {
		w.open(m)
	}
}

// readerShows reports whether the reader has message id on screen.
func (w *MainWindow) readerShows(id int64) bool {
	shown, ok := w.reader.Shown()
	return ok && shown == id
}

// moveSelection selects the message delta rows from the selected one,
// for the arrow keys; with nothing highlighted it starts at the top.
func (w *MainWindow) moveSelection(delta int) {
	i := w.selRow + delta
	if w.selRow < 0 {
		i = 0
	}
	if i < 0 || i >= w.rows.Len() {
		return
	}
	w.list.Select(i)
}

// open shows m in the reader and makes it the message actions apply to.
func (w *MainWindow) open(m core.MessageSummary) {
	w.selected = m
	w.reader.Show(m.ID)
	if !m.Seen {
		m.Seen = true
		w.setFlags(m)
	}
}

// openFromThread opens a message of the conversation the reader shows: it
// becomes the selection, highlighted if it is on the list's loaded pages,
// so that the toolbar acts on what the reader shows.
func (w *MainWindow) openFromThread(m core.MessageSummary) {
	w.open(m)
	w.selRow = -1
	for i := 0; i < w.rows.Len(); i++ {
		if row, ok := w.rows.Peek(i); ok && w.rowHolds(row, m) {
			w.selRow = i
			w.highlight(i)
			return
		}
	}
	w.following = true
	w.list.UnselectAll()
	w.following = false
}

// highlight moves the list's selection to row i, where the selected
// message is now, without opening it again.
func (w *MainWindow) highlight(i int) {
	w.following = true
	defer func() { w.following = false }()
	w.list.Select(i)
}

// clearSelection empties the reader and the highlight together.
func (w *MainWindow) clearSelection() {
	w.selected = core.MessageSummary{}
	w.pendingRow = -1
	w.list.UnselectAll()
	w.reader.Clear()
}

// leave moves the selection off m, which is about to leave the list: to
// the message below it, or else the one above, so that the user can read
// on. The rows are the list before m left; the next reading finds the
// new selection wherever it moved to.
func (w *MainWindow) leave(m core.MessageSummary) {
	if w.selected.ID != m.ID {
		return
	}
	if w.selRow >= 0 {
		for _, i := range []int{w.selRow + 1, w.selRow - 1} {
			if _, ok := w.rows.Peek(i); ok {
				w.list.Select(i)
				return
			}
		}
	}
	w.clearSelection()
}

// selectedMessage returns the message the actions apply to: the one the
// reader shows.
func (w *MainWindow) selectedMessage() (core.MessageSummary, bool) {
	return w.selected, w.selected.ID != 0
}

func (w *MainWindow) setFlags(m core.MessageSummary) {
	w.rows.Update(m.ID, func(r *core.MessageSummary) { r.Flags = m.Flags })
	if w.selected.ID == m.ID {
		// Its conversation's row counts its unread messages.
		switch {
		case m.Seen && !w.selected.Seen:
			w.rows.Seen(m.ThreadID, -1)
		case !m.Seen && w.selected.Seen:
			w.rows.Seen(m.ThreadID, 1)
		}
		w.selected.Flags = m.Flags
	}
	w.list.Refresh()
	w.app.Background("set flags", func() {
		err := w.app.Engine.SetFlags(w.app.Ctx, m.ID, m.Flags)
		w.app.Do(func() {
			if err != nil {
				w.showError(err)
			}
		})
		w.refreshCounts()
	})
}

// refreshCounts reads the sidebar again, off the UI goroutine, after a
// change of flags or drafts.
func (w *MainWindow) refreshCounts() {
	if sb, err := w.readSidebar(); err == nil {
		w.app.Do(func() { w.showSidebar(sb) })
	}
}

// sidebar is what the sidebar shows: the folders with their unread
// counts, the unified inbox's unread count, and the drafts.
type sidebar struct {
	folders []core.Folder
	unread  int
	drafts  []core.Draft
}

// readSidebar reads the sidebar from the store; call it off the UI
// goroutine. Only the folders are needed: without the counts or the
// drafts it still shows.
func (w *MainWindow) readSidebar() (sidebar, error) {
	var sb sidebar
	var err error
	if sb.folders, err = w.app.DB.Folders(w.app.Ctx); err != nil {
		return sb, err
	}
	sb.unread, _ = w.app.DB.UnreadInbox(w.app.Ctx)
	sb.drafts, _ = w.app.DB.Drafts(w.app.Ctx)
	return sb, nil
}

// showSidebar puts sb on screen, and the unread count on the tray.
func (w *MainWindow) showSidebar(sb sidebar) {
	w.setNav(sb.folders, sb.unread, sb.drafts)
	w.app.tray.SetUnread(sb.unread)
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

// deleteSelected moves the selected message to the Trash; from the Trash
// it deletes it for good, which cannot be undone, so it asks first unless
// the user ticked "Don't ask again".
func (w *MainWindow) deleteSelected() {
	m, ok := w.selectedMessage()
	if !ok {
		return
	}
	if w.roles[m.FolderID] == core.RoleTrash && !w.app.Fyne.Preferences().Bool(shell.PrefDeleteWithoutAsking) {
		w.confirmDeleteForGood(m)
		return
	}
	w.deleteMessage(m)
}

// confirmDeleteForGood asks before a message leaves the Trash for good.
func (w *MainWindow) confirmDeleteForGood(m core.MessageSummary) {
	noAsk := widget.NewCheck(lang.L("Don't ask again"), nil)
	msg := kit.Wrapped(lang.L("Delete \"{{.Subject}}\" for good?\n\nIt is removed from this computer and from the mail server, and cannot be brought back.",
		map[string]any{"Subject": kit.ClipRunes(cmp.Or(m.Subject, lang.L("(no subject)")), 80)}))
	kit.ShowConfirm(lang.L("Delete for good"), lang.L("Delete for good"), lang.L("Cancel"), container.NewVBox(msg, noAsk), func(ok bool) {
		if !ok {
			return
		}
		if noAsk.Checked {
			w.app.Fyne.Preferences().SetBool(shell.PrefDeleteWithoutAsking, true)
		}
		w.deleteMessage(m)
	}, w.win, fyne.NewSize(460, 240))
}

// showEmptyTrash shows Empty Trash while a Trash folder is listed, not
// while a search (of every folder) is.
func (w *MainWindow) showEmptyTrash() {
	w.emptyTrash.Hidden = w.roles[w.current.FolderID] != core.RoleTrash || strings.TrimSpace(w.search.Text) != ""
	w.listPane.Refresh()
}

// confirmEmptyTrash asks, always, before the Trash listed is emptied:
// its messages are deleted for good, here and on the servers.
func (w *MainWindow) confirmEmptyTrash() {
	folder := w.current.FolderID
	if folder == 0 || w.roles[folder] != core.RoleTrash {
		return
	}
	w.app.Background("count the trash", func() {
		n, err := w.app.DB.Count(w.app.Ctx, storage.ListQuery{FolderID: folder})
		w.app.Do(func() {
			switch {
			case err != nil:
				w.showError(err)
			case n > 0:
				w.askEmptyTrash(folder, n)
			}
		})
	})
}

// askEmptyTrash asks whether to delete the n messages of the Trash folder.
func (w *MainWindow) askEmptyTrash(folder int64, n int) {
	dialog.ShowConfirm(lang.L("Empty the Trash?"), lang.N("{{.Count}} messages in this Trash will be deleted for good, from this computer and from the mail server. This cannot be undone.", n, map[string]any{"Count": i18n.Number(n)}), func(ok bool) {
		if !ok {
			return
		}
		w.clearSelection()
		w.app.Background("empty trash", func() {
			err := w.app.emptyFolder(folder)
			w.app.Do(func() {
				if err != nil {
					w.showError(err)
				}
				w.reload()
			})
		})
	}, w.win)
}

// emptyFolder deletes every message of a Trash folder through the engine.
func (a *App) emptyFolder(folder int64) error {
	for {
		page, err := a.DB.List(a.Ctx, storage.ListQuery{FolderID: folder, Limit: 500})
		if err != nil || len(page) == 0 {
			return err
		}
		for _, m := range page {
			if err := a.Engine.Delete(a.Ctx, m.ID); err != nil {
				return err
			}
		}
	}
}

// deleteMessage hands m to the engine's Delete.
func (w *MainWindow) deleteMessage(m core.MessageSummary) {
	w.leave(m)
	w.app.Background("delete", func() {
		err := w.app.Engine.Delete(w.app.Ctx, m.ID)
		w.app.Do(func() {
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
	// An entry with the folders to pick from, where a new name makes a
	// new folder.
	choice := widget.NewSelectEntry(names)
	choice.PlaceHolder = lang.L("Pick a folder, or type a new name")
	dialog.ShowForm(lang.L("Move message"), lang.L("Move"), lang.L("Cancel"), []*widget.FormItem{
		widget.NewFormItem(lang.L("To folder"), choice),
		widget.NewFormItem("", widget.NewLabelWithStyle(lang.L("A new folder is kept on this computer."), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})),
	}, func(ok bool) {
		name := strings.TrimSpace(choice.Text)
		if !ok || name == "" {
			return
		}
		dest := int64(0)
		if i := slices.Index(names, name); i >= 0 {
			dest = ids[i]
		} else if err := core.CheckFolderName(name); err != nil {
			w.showError(fmt.Errorf("%s: %w", lang.L("cannot make the folder \"{{.Name}}\"", map[string]any{"Name": name}), err))
			return
		}
		w.leave(m)
		w.app.Background("move", func() {
			var err error
			if dest == 0 {
				dest, err = w.app.Engine.EnsureFolder(w.app.Ctx, m.AccountID, name)
			}
			if err == nil {
				err = w.app.Engine.Move(w.app.Ctx, m.ID, dest)
			}
			w.app.Do(func() {
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
		w.app.Background("reply", func() {
			d, err := w.app.composers.ReplyDraft(m.ID, all)
			w.app.Do(func() {
				if err != nil {
					w.showError(err)
					return
				}
				w.app.composers.Open(d)
			})
		})
	}
}

func (w *MainWindow) forward() {
	if m, ok := w.selectedMessage(); ok {
		w.app.Background("forward", func() {
			d, err := w.app.composers.ForwardDraft(m.ID)
			w.app.Do(func() {
				if err != nil {
					w.showError(err)
					return
				}
				w.app.composers.Open(d)
			})
		})
	}
}

// getMail runs every source now, manual ones included.
func (w *MainWindow) getMail() {
	w.status.Set(lang.L("Checking mail…"))
	w.app.Engine.CheckNow()
}

// showError puts an error of the user's own action in the status line
// without blocking the user. An account's sync failure goes to its
// sidebar entry instead (failed), where it stays until resolved.
func (w *MainWindow) showError(err error) {
	w.status.Set(err.Error())
}

// handle applies one engine event; it runs on the follower goroutine.
func (w *MainWindow) handle(ev engine.Event) {
	w.app.Do(func() {
		switch ev.Kind {
		case engine.EventProgress:
			w.status.Set(lang.L("Syncing {{.Account}}: {{.Done}} of {{.Total}}", map[string]any{"Account": ev.Label, "Done": i18n.Number(ev.Done), "Total": i18n.Number(ev.Total)}))
			if ev.Account != "" {
				w.progressed(ev)
			}
		case engine.EventNewMail:
			w.status.Set(lang.L("{{.Account}}: {{.Count}} new", map[string]any{"Account": ev.Label, "Count": i18n.Number(len(ev.MessageIDs))}))
			w.reload()
		case engine.EventSynced:
			w.status.Set(lang.L("{{.Account}}: up to date at {{.Time}}", map[string]any{"Account": ev.Label, "Time": i18n.Time(time.Now())}))
			if ev.Account != "" {
				w.synced(ev)
			}
		case engine.EventError:
			if ev.Account == "" {
				w.showError(ev.Err)
				return
			}
			w.status.Set(labelled(cmp.Or(ev.Label, ev.Account), ev.Err))
			w.failed(ev)
		case engine.EventPending:
			w.pendingHeard = true
			w.setPending(ev.Pending)
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

// addShortcuts binds the window's keys; see keymap for how they work
// wherever the focus is.
func (w *MainWindow) addShortcuts() {
	k := w.keys
	k.AddShortcut(fyne.KeyN, 0, func() { w.app.composers.Open(composer.Draft{}) })
	k.AddShortcut(fyne.KeyR, 0, func() { w.reply(false) })
	k.AddShortcut(fyne.KeyR, fyne.KeyModifierShift, func() { w.reply(true) })
	k.AddShortcut(fyne.KeyF, 0, func() { w.win.Canvas().Focus(w.search) })
	k.AddKey(fyne.KeyDelete, w.deleteSelected)
	for _, c := range listCommands(w) {
		k.AddRunes(c.keys, c.run)
	}
	k.Install(w.win.Canvas())
}

// listCommand is a one-letter command of the message list, as Thunderbird
// and Gmail have them; the shortcuts window lists them.
type listCommand struct {
	keys, shown, what string
	run               func()
}

func listCommands(w *MainWindow) []listCommand {
	return []listCommand{
		{"jJ", "J", lang.L("next message"), func() { w.moveSelection(1) }},
		{"kK", "K", lang.L("previous message"), func() { w.moveSelection(-1) }},
		{"aA", "A", lang.L("archive"), w.archiveSelected},
		{"sS*", lang.L("S or *"), lang.L("flag or unflag"), w.toggleFlag},
		{"uU", "U", lang.L("mark read or unread"), w.toggleSeen},
		{"#", lang.L("# or Delete"), lang.L("delete"), w.deleteSelected},
		{"/", lang.L("/ or Ctrl+F"), lang.L("search"), func() { w.win.Canvas().Focus(w.search) }},
		{"cC", lang.L("C or Ctrl+N"), lang.L("new message"), func() { w.app.composers.Open(composer.Draft{}) }},
		{"?", "?", lang.L("this list"), w.showShortcuts},
	}
}

// showShortcuts lists the window's keys.
func (w *MainWindow) showShortcuts() {
	grid := container.New(layout.NewFormLayout())
	add := func(key, what string) {
		grid.Add(widget.NewLabelWithStyle(key, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		grid.Add(widget.NewLabel(what))
	}
	add(lang.L("Up, Down"), lang.L("previous, next message"))
	for _, c := range listCommands(w) {
		add(c.shown, c.what)
	}
	add(lang.L("Ctrl+R"), lang.L("reply"))
	add(lang.L("Ctrl+Shift+R"), lang.L("reply to all"))
	add(lang.L("Ctrl+Enter"), lang.L("send, in the composer"))
	add(lang.L("Escape"), lang.L("clear the search"))
	note := widget.NewLabelWithStyle(lang.L("One-letter keys work in the list and on the toolbar, not while typing in a field."), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	dialog.ShowCustom(lang.L("Keyboard shortcuts"), lang.L("Close"), container.NewVBox(grid, note), w.win)
}

// archiveSelected moves the message shown to its account's Archive (made
// if missing, here and on the server).
func (w *MainWindow) archiveSelected() { w.fileSelected(core.RoleArchive) }

// junkSelected moves the message shown to its account's Junk; from the
// Junk folder it moves it back to the Inbox ("not junk").
func (w *MainWindow) junkSelected() {
	m, ok := w.selectedMessage()
	if !ok {
		return
	}
	if w.roles[m.FolderID] == core.RoleJunk {
		w.fileSelected(core.RoleInbox)
		return
	}
	w.fileSelected(core.RoleJunk)
}

func (w *MainWindow) fileSelected(role string) {
	m, ok := w.selectedMessage()
	if !ok || w.roles[m.FolderID] == role {
		return
	}
	w.leave(m)
	w.app.Background("file message", func() {
		err := w.app.Engine.File(w.app.Ctx, m.ID, role)
		w.app.Do(func() {
			if err != nil {
				w.showError(err)
			}
			w.reload()
		})
	})
}

// onClose hides the window to the tray when the user chose that, and
// quits otherwise.
func (w *MainWindow) onClose() {
	if w.app.Fyne.Preferences().Bool(shell.PrefCloseToTray) && w.app.HasTray() {
		w.inTray = true
		w.saveLayout()
		w.win.Hide()
		return
	}
	w.app.quit()
}
