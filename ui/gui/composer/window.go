package composer

import (
	"errors"
	"fmt"
	"net/mail"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/smtp"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/gui/shell"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// autosaveDelay is how long after the last change a draft is saved; a
// variable so that a test need not wait as long.
var autosaveDelay = 3 * time.Second

// knownAddressesMax is how many seen addresses completion draws on.
const knownAddressesMax = 5000

// Composers are the open composer windows of the app, touched on the UI
// goroutine only. What a composer needs of the rest of the app is given
// here by the App.
type Composers struct {
	*shell.Shell
	open   map[*composer]bool
	outbox *outboxWindow // the open outbox window
	// Toasts is the main window's notice layer, where "Sending… Undo"
	// shows; nil (some tests) shows none.
	Toasts func() *kit.ToastLayer
	// ShowError shows an error in the main window.
	ShowError func(error)
}

// New is the app's composers, none open.
func New(sh *shell.Shell) *Composers {
	return &Composers{Shell: sh, open: map[*composer]bool{},
		Toasts: func() *kit.ToastLayer { return nil }, ShowError: func(error) {}}
}

// Handle brings open composers and the outbox up to date after an engine
// event: the composers' From lists after EventAccounts, the outbox after
// EventOutbox and EventDrafts. The app hands it every event, on the UI
// goroutine.
func (a *Composers) Handle(ev engine.Event) {
	switch ev.Kind {
	case engine.EventAccounts:
		for c := range a.open {
			c.load()
		}
	case engine.EventOutbox, engine.EventDrafts:
		if a.outbox != nil {
			a.outbox.refresh()
		}
	}
}

// CloseAll closes every open composer, keeping their drafts, and the
// outbox.
func (a *Composers) CloseAll() {
	for c := range a.open {
		c.close()
	}
	if a.outbox != nil {
		a.outbox.win.Close()
	}
}

// Windows are the open composers' windows.
func (a *Composers) Windows() []fyne.Window {
	var out []fyne.Window
	for c := range a.open {
		out = append(out, c.win)
	}
	return out
}

// composer is one message being written, in its own window.
type composer struct {
	app      *Composers
	win      fyne.Window
	draft    Draft // what it opened with; the threading fields come from here
	accounts []core.Account
	known    []*mail.Address
	ids      identityChoice // the From list and the signature placed (identity.go)

	from          *widget.Select
	to, cc, bcc   *addressField
	subject, body *composeEntry
	files         []string
	fileList      *fyne.Container
	// float is a layer over the window's content, without a layout, for
	// the address suggestions: they cover the fields below instead of
	// pushing them down. Nothing on it but the suggestions takes a click.
	float         *fyne.Container
	status        *widget.Label
	sendButton    *widget.Button
	laterButton   *widget.Button // "Send later…" (send.go)
	attachButton  *widget.Button
	discardButton *widget.Button
	md            composerMarkdown // Markdown, preview, images (markdown.go)

	// UI goroutine state.
	ready   bool // accounts loaded
	dirty   bool // changed since the last save
	sending bool
	done    bool // sent, discarded or closed: no more saving
	closed  bool
	timer   *time.Timer
	draftID int64 // the stored draft, as last known here

	// store serialises this composer's saves, which run in the
	// background; saved is the stored draft's ID, and gone is set once
	// the message is sent or discarded, so a save still pending cannot
	// bring the draft back.
	store sync.Mutex
	saved int64
	gone  bool
}

// Open opens a composer window. A stored draft already open in
// a composer is brought forward instead of opened twice.
func (a *Composers) Open(d Draft) {
	if d.saved != 0 {
		for c := range a.open {
			if c.draftID == d.saved {
				c.win.Show()
				c.win.RequestFocus()
				return
			}
		}
	}
	c := newComposer(a, d)
	a.open[c] = true
	kit.ShowCentred(c.win)
	if d.To == "" {
		c.win.Canvas().Focus(c.to.entry)
	} else {
		c.win.Canvas().Focus(c.body)
	}
	c.load()
}

func newComposer(a *Composers, d Draft) *composer {
	c := &composer{app: a, draft: d, saved: d.saved, draftID: d.saved, float: container.NewWithoutLayout()}
	title := d.Subject
	if title == "" {
		title = lang.L("New message")
	}
	c.win = a.Fyne.NewWindow(title)

	c.from = widget.NewSelect(nil, nil)
	c.from.PlaceHolder = lang.L("Loading accounts…")
	c.from.Disable()
	c.to = newAddressField(c, "name@example.com")
	c.cc = newAddressField(c, "")
	c.bcc = newAddressField(c, "")
	c.subject = newComposeEntry(false)
	c.body = newComposeEntry(true)
	c.to.entry.SetText(d.To)
	c.cc.entry.SetText(d.Cc)
	c.bcc.entry.SetText(d.Bcc)
	c.subject.SetText(d.Subject)
	c.body.SetText(d.Body)
	c.files = slices.Clone(d.Attachments)
	for _, f := range []*addressField{c.to, c.cc, c.bcc} {
		f.entry.onSend = c.send
		f.entry.OnChanged = func(string) {
			f.changed()
			c.changed()
		}
	}
	for _, e := range []*composeEntry{c.subject, c.body} {
		e.onSend = c.send
		e.OnChanged = func(string) { c.changed() }
	}
	c.subject.OnChanged = func(s string) {
		c.changed()
		if strings.TrimSpace(s) == "" {
			s = lang.L("New message")
		}
		c.win.SetTitle(s)
	}
	c.initMarkdown()

	c.fileList = container.NewVBox()
	c.status = widget.NewLabel("")
	c.status.Wrapping = fyne.TextWrapWord
	c.sendButton = widget.NewButtonWithIcon(lang.L("Send"), theme.MailSendIcon(), c.send)
	c.sendButton.Importance = widget.HighImportance
	c.sendButton.Disable()
	c.laterButton = widget.NewButtonWithIcon(lang.L("Send later…"), theme.HistoryIcon(), c.sendLater)
	c.laterButton.Disable()
	c.attachButton = widget.NewButtonWithIcon(lang.L("Attach…"), theme.MailAttachmentIcon(), c.pickFile)
	c.discardButton = widget.NewButtonWithIcon(lang.L("Discard"), theme.DeleteIcon(), c.discard)
	key := func(s string) fyne.CanvasObject {
		return container.NewVBox(widget.NewLabelWithStyle(s, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
	}
	form := container.New(layout.NewFormLayout(),
		key(lang.L("From")), c.from,
		key(lang.L("To")), c.to.box,
		key(lang.L("Cc")), c.cc.box,
		key(lang.L("Bcc")), c.bcc.box,
		key(lang.L("Subject")), c.subject)
	toolbar := container.NewHBox(c.sendButton, c.laterButton, c.attachButton, c.md.tools, layout.NewSpacer(), c.discardButton)
	c.win.SetContent(container.NewStack(container.NewBorder(
		container.NewVBox(toolbar, form),
		container.NewVBox(c.fileList, c.status),
		nil, nil, c.md.pane), c.float))
	c.showFiles()
	c.win.Resize(fyne.NewSize(860, 620))
	c.win.SetCloseIntercept(c.requestClose)
	c.win.SetOnDropped(c.dropped)
	for _, k := range []fyne.KeyName{fyne.KeyReturn, fyne.KeyEnter} {
		c.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { c.send() })
	}
	return c
}

// load reads the accounts and the addresses seen, in the background.
func (c *composer) load() {
	a := c.app
	a.Background("composer accounts", func() {
		accounts, err := a.DB.Accounts(a.Ctx)
		var ids []core.Identity
		if err == nil {
			ids, err = a.DB.Identities(a.Ctx)
		}
		known, _ := a.DB.KnownAddresses(a.Ctx, knownAddressesMax)
		a.Do(func() {
			if err != nil {
				c.status.SetText(lang.L("Cannot read the accounts: {{.Error}}", map[string]any{"Error": err.Error()}))
				return
			}
			c.setIdentities(accounts, ids)
			c.known = known
		})
	})
}

func (c *composer) pickFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			dialog.ShowError(fmt.Errorf("%s: %w", lang.L("cannot attach the file"), err), c.win)
			return
		}
		if r == nil {
			return
		}
		r.Close()
		if r.URI().Scheme() != "file" {
			dialog.ShowError(errors.New(lang.L("only files on this computer can be attached, not {{.URI}}", map[string]any{"URI": r.URI().String()})), c.win)
			return
		}
		c.addFile(r.URI().Path())
	}, c.win)
	d.Show()
}

func (c *composer) addFile(path string) {
	if c.done || slices.Contains(c.files, path) {
		return
	}
	c.files = append(c.files, path)
	c.showFiles()
	c.changed()
}

func (c *composer) removeFile(path string) {
	c.files = slices.DeleteFunc(c.files, func(p string) bool { return p == path })
	c.showFiles()
	c.changed()
}

func (c *composer) showFiles() {
	c.fileList.Objects = nil
	for _, p := range c.files {
		remove := widget.NewButtonWithIcon("", theme.ContentRemoveIcon(), func() { c.removeFile(p) })
		remove.Importance = widget.LowImportance
		label := widget.NewLabel(filepath.Base(p))
		label.Truncation = fyne.TextTruncateEllipsis
		c.fileList.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.MailAttachmentIcon()), remove, label))
	}
	c.fileList.Refresh()
}

// validate checks the form, showing each problem where it is, and
// builds the message.
func (c *composer) validate() (smtp.Draft, core.Account, bool) {
	ok := true
	acct, chosen := c.account()
	if !chosen {
		c.status.SetText(lang.L("Choose the account to send from."))
		ok = false
	}
	var d smtp.Draft
	for _, f := range []struct {
		field *addressField
		list  *[]*mail.Address
	}{{c.to, &d.To}, {c.cc, &d.Cc}, {c.bcc, &d.Bcc}} {
		list, err := f.field.parse()
		if err != nil {
			f.field.check()
			ok = false
			continue
		}
		*f.list = list
	}
	if ok && len(d.Recipients()) == 0 {
		c.to.showProblem(lang.L("Add at least one recipient."))
		ok = false
	}
	d.Subject = strings.TrimSpace(c.subject.Text)
	d.Text = c.body.Text
	d.Attachments = slices.Clone(c.files)
	d.InReplyTo, d.References = c.draft.InReplyTo, slices.Clone(c.draft.References)
	d.From = c.fromAddress()
	return d, acct, ok
}

// send queues the message in the outbox. With an undo window set it
// waits there for the window, with Undo offered (send.go);
// otherwise one attempt is made at once, in the background. The window closes when the message is sent;
// otherwise it says plainly what happened, and the message waits in the
// outbox, where the user decides what comes next.
func (c *composer) send() {
	if !c.ready || c.sending || c.done {
		return
	}
	d, acct, ok := c.validate()
	if !ok {
		return
	}
	d = c.formatted(d)
	c.sending = true
	c.setEditable(false)
	c.status.SetText(lang.L("Sending from {{.Account}}…", map[string]any{"Account": acct.Name}))
	if c.timer != nil {
		c.timer.Stop()
	}
	a := c.app
	if wait := shell.UndoWindow(a.Fyne.Preferences()); wait > 0 {
		c.queueFor(d, acct, time.Now().Add(wait), false)
		return
	}
	opts := c.queueOptions(acct, time.Time{})
	a.Background("send", func() {
		item, err := a.Engine.QueueWith(a.Ctx, acct, d, opts)
		if err != nil {
			a.Do(func() { c.notQueued(d, err) })
			return
		}
		// From here on the outbox holds the message: the draft goes, so
		// it cannot be sent a second time by mistake. The engine marks
		// the original answered, and removes a forward's extracted
		// files, once the message is sent.
		c.forget()
		item, err = a.Engine.Send(a.Ctx, item.ID)
		a.Do(func() { c.finish(item, err) })
	})
}

func (c *composer) finish(item core.OutboxItem, err error) {
	c.done, c.sending = true, false
	if err == nil && item.State == core.OutboxSent {
		c.close()
		return
	}
	msg := SendOutcome(item, err)
	if c.closed {
		// The window went while sending: say it where it is still seen.
		c.app.Fyne.SendNotification(fyne.NewNotification(lang.L("Message not sent yet: {{.Subject}}", map[string]any{"Subject": item.Subject}), msg))
		return
	}
	c.status.SetText(msg)
	dialog.ShowCustomConfirm(lang.L("Message not sent yet"), lang.L("Open the outbox"), lang.L("Close"), widget.NewLabel(wrapWords(msg, 72)), func(open bool) {
		if open {
			c.app.OpenOutbox()
		}
		c.close()
	}, c.win)
}

// sendOutcome says plainly where a message stands after one attempt.
func SendOutcome(item core.OutboxItem, err error) string {
	switch {
	case errors.Is(err, storage.ErrNotClaimable):
		return lang.L("The message is already being sent in the background. The outbox shows how it goes.")
	case item.State == core.OutboxRetry:
		return lang.L("Not sent yet: {{.Error}}\nTributary tries again at {{.Time}}. The message waits in the outbox.",
			map[string]any{"Error": item.LastError, "Time": i18n.Time(item.NextAttempt.Local())})
	case item.State == core.OutboxFailed:
		return lang.L("Sending failed: {{.Error}}\nThe message stays in the outbox: correct the problem (the account's server settings or password, say), then retry it from the outbox, or delete it there.",
			map[string]any{"Error": item.LastError})
	case item.State == core.OutboxUnknown:
		return lang.L("The connection was lost after the message was handed to the server, so it may or may not have been delivered.\nIt stays in the outbox, marked “unknown”. Tributary will not send it again by itself: check with a recipient, then mark it as sent or send it again from the outbox.")
	case item.State == core.OutboxQueued:
		return lang.L("Sending was interrupted. The message is queued in the outbox and goes out with the next attempt.")
	}
	return lang.L("Not sent: {{.Error}}\nThe message stays in the outbox.", map[string]any{"Error": fmt.Sprint(err)})
}

// wrapWords breaks lines of text at spaces to at most width characters,
// for a dialog, which grows as wide as its longest line.
func wrapWords(s string, width int) string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		n := 0
		var b strings.Builder
		for i, w := range strings.Fields(line) {
			if i > 0 && n+1+len([]rune(w)) > width {
				b.WriteString("\n")
				n = 0
			} else if i > 0 {
				b.WriteString(" ")
				n++
			}
			b.WriteString(w)
			n += len([]rune(w))
		}
		out = append(out, b.String())
	}
	return strings.Join(out, "\n")
}

func (c *composer) setEditable(on bool) {
	for _, e := range []*composeEntry{c.to.entry, c.cc.entry, c.bcc.entry, c.subject, c.body} {
		if on {
			e.Enable()
		} else {
			e.Disable()
		}
	}
	for _, w := range []fyne.Disableable{c.from, c.sendButton, c.laterButton, c.attachButton, c.discardButton} {
		if on {
			w.Enable()
		} else {
			w.Disable()
		}
	}
	c.setMarkdownEditable(on)
}

// discard deletes the draft and closes, after asking.
func (c *composer) discard() {
	if c.sending || c.done {
		return
	}
	drop := func(ok bool) {
		if !ok {
			return
		}
		c.done = true
		if c.timer != nil {
			c.timer.Stop()
		}
		files := slices.Clone(c.files)
		c.app.Background("discard draft", func() {
			c.forget()
			removeForwardFiles(files)
		})
		c.close()
	}
	if c.blank() {
		drop(true) // nothing would be lost, so nothing to ask
		return
	}
	dialog.ShowConfirm(lang.L("Discard this message?"), lang.L("What you wrote is deleted, draft included."), drop, c.win)
}

// blank reports whether the composer holds nothing the user would miss:
// every field empty, no attachment.
func (c *composer) blank() bool {
	for _, text := range []string{c.to.entry.Text, c.cc.entry.Text, c.bcc.entry.Text, c.subject.Text, c.unsignedBody()} {
		if strings.TrimSpace(text) != "" {
			return false
		}
	}
	return len(c.files) == 0
}

// requestClose is the window's close button: what changed since the last
// save is saved first.
func (c *composer) requestClose() {
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.dirty && !c.done {
		c.saveNow()
	}
	c.close()
}

// relayout lays the window out again after a field grew or shrank (an
// error or suggestions shown under it).
func (c *composer) relayout() {
	if content := c.win.Content(); content != nil {
		content.Refresh()
	}
}

func (c *composer) close() {
	if c.closed {
		return
	}
	c.closed, c.done = true, true
	if c.timer != nil {
		c.timer.Stop()
	}
	delete(c.app.open, c)
	c.win.Close()
}
