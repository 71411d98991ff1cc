// Package reader shows one message: headers, attachments, the
// conversation, and the body as rich text or plain text, with remote
// images only on request.
package reader

import (
	"context"
	"net/mail"
	"net/url"
	"os"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mime"
	"github.com/tributary-mail/tributary/ui/gui/mailtext"
	"github.com/tributary-mail/tributary/ui/gui/richtext"
	"github.com/tributary-mail/tributary/ui/gui/shell"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// Reader shows one message: its headers, a note when it is malformed, a
// bar offering the remote images that were blocked, its attachments, and
// its body (HTML as rich text, or plain text). Loading and rendering run
// in the background; the widgets change on the UI goroutine only.
type Reader struct {
	app  *Host
	root *fyne.Container // the empty state or the message
	idle *widget.Label
	view fyne.CanvasObject

	subject                     *widget.Label
	from, to, cc, date, account *widget.Label
	ccKey                       *widget.Label
	note                        *widget.Label
	remoteBar                   *fyne.Container
	remoteText                  *widget.Label
	remoteLoad                  *widget.Button
	attachments                 *fyne.Container
	thread                      *fyne.Container // the conversation (thread.go)
	toggle                      *widget.Button
	rich                        *widget.RichText
	plain                       *widget.Label
	scroll                      *container.Scroll

	// gen counts the loads begun, so a slow load finishing after the
	// user moved on is dropped. It and the fields below are touched on
	// the UI goroutine only.
	gen       int
	cur       *readerView
	showPlain bool
	stopFetch context.CancelFunc
	// OnOpen opens another message, from the conversation strip; the
	// main window sets it so that its selection follows.
	OnOpen func(core.MessageSummary)
}

// Host is what the readers of one app share and need of the rest of it.
type Host struct {
	*shell.Shell
	// MainWindow is where dialogs go when a reader's own window is not
	// known; nil in tests without one.
	MainWindow func() fyne.Window
	// ShowError shows an error in the main window.
	ShowError func(error)
	// ForwardAsAttachment opens a composer forwarding message id whole.
	ForwardAsAttachment func(id int64)

	// opened are the private temporary folders of attachments handed to
	// the system's viewer; they live until the app quits (RemoveOpened),
	// since the viewer may read the file long after opening it.
	openedMu sync.Mutex
	opened   []string
}

// NewHost is the readers' host over sh; set its functions before use.
func NewHost(sh *shell.Shell) *Host {
	return &Host{Shell: sh, MainWindow: func() fyne.Window { return nil }, ShowError: func(error) {}, ForwardAsAttachment: func(int64) {}}
}

// RemoveOpened removes the temporary copies of opened attachments: call
// it when the app quits.
func (a *Host) RemoveOpened() {
	a.openedMu.Lock()
	defer a.openedMu.Unlock()
	for _, dir := range a.opened {
		if err := os.RemoveAll(dir); err != nil {
			a.Log.Warn("cannot remove an opened attachment's temporary copy", "dir", dir, "error", err)
		}
	}
	a.opened = nil
}

// Shown is the message on screen, if there is one (not while it loads, nor
// when it failed to load).
func (r *Reader) Shown() (id int64, ok bool) {
	if v := r.cur; v != nil && v.err == nil && v.msg != nil {
		return v.id, true
	}
	return 0, false
}

// NewReader makes an empty reader.
func NewReader(a *Host) *Reader {
	r := &Reader{app: a}
	value := func() *widget.Label {
		l := widget.NewLabel("")
		l.Selectable = true
		l.Wrapping = fyne.TextWrapWord
		return l
	}
	key := func(s string) *widget.Label {
		return widget.NewLabelWithStyle(s, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	}
	r.subject = value()
	r.subject.TextStyle.Bold = true
	r.subject.SizeName = theme.SizeNameSubHeadingText
	r.from, r.to, r.cc, r.date, r.account = value(), value(), value(), value(), value()
	r.ccKey = key(lang.L("Cc"))
	headers := container.New(layout.NewFormLayout(),
		key(lang.L("From")), r.from, key(lang.L("To")), r.to, r.ccKey, r.cc, key(lang.L("Date")), r.date, key(lang.L("Account")), r.account)
	r.note = widget.NewLabel("")
	r.note.Wrapping = fyne.TextWrapWord
	r.note.Importance = widget.WarningImportance
	r.note.Hide()
	r.remoteText = widget.NewLabel("")
	r.remoteLoad = widget.NewButtonWithIcon(lang.L("Load remote images"), theme.DownloadIcon(), r.loadRemote)
	r.remoteBar = container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), r.remoteLoad, r.remoteText)
	r.remoteBar.Hide()
	r.attachments = container.NewVBox()
	r.thread = container.NewVBox()
	r.thread.Hide()
	r.toggle = widget.NewButton(lang.L("Plain text"), r.togglePlain)
	r.toggle.Importance = widget.LowImportance
	r.toggle.Hide()
	r.rich = widget.NewRichText()
	r.rich.Wrapping = fyne.TextWrapWord
	r.plain = value()
	r.plain.Hide()
	r.scroll = container.NewVScroll(container.NewStack(r.rich, r.plain))
	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewHBox(r.forwardButton(), r.toggle), r.subject),
		headers, r.note, r.remoteBar, r.attachments, r.thread, widget.NewSeparator())
	r.view = container.NewBorder(top, nil, nil, nil, r.scroll)
	r.idle = widget.NewLabelWithStyle(lang.L("No message selected"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	r.root = container.NewStack(container.NewCenter(r.idle))
	return r
}

// CanvasObject is the reader's widget tree.
func (r *Reader) CanvasObject() fyne.CanvasObject { return r.root }

// Show loads message id into the reader. Remote images start blocked for
// every message, whatever was allowed for the one before.
func (r *Reader) Show(id int64) {
	gen := r.begin()
	r.showPlain = false
	r.idle.SetText(lang.L("Loading…"))
	r.root.Objects = []fyne.CanvasObject{container.NewCenter(r.idle)}
	r.root.Refresh()
	a := r.app
	a.Background("read message", func() {
		v := a.readMessage(a.Ctx, id)
		a.Do(func() {
			if gen == r.gen {
				r.display(v)
			}
		})
	})
}

// Clear empties the reader.
func (r *Reader) Clear() {
	r.begin()
	r.cur = nil
	r.idle.SetText(lang.L("No message selected"))
	r.root.Objects = []fyne.CanvasObject{container.NewCenter(r.idle)}
	r.root.Refresh()
}

// begin starts a new load, dropping any under way, and returns its number.
func (r *Reader) begin() int {
	r.gen++
	if r.stopFetch != nil {
		r.stopFetch()
		r.stopFetch = nil
	}
	return r.gen
}

// display puts a loaded message on screen.
func (r *Reader) display(v *readerView) {
	r.cur = v
	if v.err != nil && v.msg == nil {
		r.idle.SetText(lang.L("Cannot show this message ({{.Error}}). It may have been deleted; pick it again in the list.", map[string]any{"Error": v.err.Error()}))
		r.root.Objects = []fyne.CanvasObject{container.NewCenter(r.idle)}
		r.root.Refresh()
		return
	}
	r.subject.SetText(v.subject())
	r.from.SetText(v.fromLine())
	r.to.SetText(addressLine(v.msg.To, v.sum.To))
	cc := addressLine(v.msg.Cc, "")
	r.cc.SetText(cc)
	r.ccKey.Hidden, r.cc.Hidden = cc == "", cc == ""
	r.date.SetText(v.dateLine())
	r.account.SetText(v.sum.Account + " · " + mailtext.FolderName(v.sum.Folder))
	if len(v.notes) > 0 {
		r.note.SetText(strings.Join(v.notes, "\n"))
		r.note.Show()
	} else {
		r.note.Hide()
	}
	r.showBlocked(v)
	r.showAttachments(v)
	r.showThread(v)
	r.showBody(v)
	r.root.Objects = []fyne.CanvasObject{r.view}
	r.root.Refresh()
}

// showBlocked offers the remote images the sanitiser removed.
func (r *Reader) showBlocked(v *readerView) {
	if v.blocked == 0 || v.allowRemote {
		r.remoteBar.Hide()
		return
	}
	r.remoteText.SetText(lang.N("{{.Count}} remote images blocked", v.blocked, map[string]any{"Count": i18n.Number(v.blocked)}))
	r.remoteLoad.Enable()
	r.remoteBar.Show()
}

func (r *Reader) showBody(v *readerView) {
	formatted := v.doc.Segments != nil
	if formatted {
		r.toggle.Show()
	} else {
		r.toggle.Hide()
	}
	if formatted && !r.showPlain {
		r.toggle.SetText(lang.L("Plain text"))
		r.rich.Segments = v.doc.Segments
		r.rich.Refresh()
		r.rich.Show()
		r.plain.Hide()
	} else {
		r.toggle.SetText(lang.L("Formatted"))
		r.plain.SetText(v.plainText())
		r.plain.Show()
		r.rich.Segments = nil
		r.rich.Hide()
	}
	r.scroll.ScrollToTop()
}

// togglePlain switches an HTML message between its formatted and its
// plain-text view.
func (r *Reader) togglePlain() {
	if r.cur == nil {
		return
	}
	r.showPlain = !r.showPlain
	r.showBody(r.cur)
}

// loadRemote shows the message again with its remote images allowed:
// first with placeholders naming them, then with the images fetched, in
// the background, within remoteTimeout and the size caps.
func (r *Reader) loadRemote() {
	v := r.cur
	if v == nil || v.allowRemote {
		return
	}
	gen := r.begin()
	r.remoteLoad.Disable()
	ctx, cancel := context.WithCancel(r.app.Ctx)
	r.stopFetch = cancel
	a := r.app
	a.Background("load remote images", func() {
		remote := v.withRemote()
		a.Do(func() {
			if gen == r.gen {
				r.display(remote)
			}
		})
		withImages, ok := remote.fetchRemote(ctx)
		if !ok {
			return
		}
		a.Do(func() {
			if gen == r.gen {
				r.display(withImages)
			}
		})
	})
}

// addressLine writes addresses for the header, the first few in full.
func addressLine(list []*mail.Address, fallback string) string {
	if len(list) == 0 {
		return fallback
	}
	const shown = 20
	parts := make([]string, 0, min(len(list), shown))
	for i, a := range list {
		if i == shown {
			break
		}
		parts = append(parts, core.DisplayAddress(a.Name, a.Address))
	}
	s := strings.Join(parts, ", ")
	if len(list) > shown {
		s += lang.L(" and {{.Count}} more", map[string]any{"Count": i18n.Number(len(list) - shown)})
	}
	return s
}

// listedAttachments are the attachments to offer: every one but the
// images the HTML body shows in place.
func listedAttachments(m *mime.Message, doc richtext.Doc) []mime.Attachment {
	shown := map[string]bool{}
	for _, src := range doc.Images {
		if cid, ok := contentID(src); ok {
			shown[cid] = true
		}
	}
	var out []mime.Attachment
	for _, att := range m.Attachments {
		if att.Inline && att.ContentID != "" && shown[att.ContentID] {
			continue
		}
		out = append(out, att)
	}
	return out
}

// contentID reads a cid: URL (RFC 2392), which names a part of the
// message by its Content-ID, percent-encoded.
func contentID(src string) (string, bool) {
	if len(src) < 4 || !strings.EqualFold(src[:4], "cid:") {
		return "", false
	}
	id, err := url.PathUnescape(src[4:])
	return id, err == nil && id != ""
}
