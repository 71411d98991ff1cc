package reader

import (
	"cmp"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/gui/mailtext"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// readerThreadRows is how many messages of a conversation show before
// the strip scrolls.
const readerThreadRows = 5

// showThread stacks the messages of the conversation above the one shown
// (core/thread: across folders and accounts, so your replies from Sent
// are there too), oldest first, so that a conversation opened on its
// newest message reads down to it. The one shown is marked; each other
// one is a line with its start, and a click opens it, through OnOpen, so
// that the main window's selection follows the reader.
func (r *Reader) showThread(v *readerView) {
	r.thread.Objects = nil
	r.thread.Hide()
	if len(v.thread) < 2 {
		return
	}
	rows := container.NewVBox()
	unread := 0
	for _, m := range v.thread {
		text := fmt.Sprintf("%s · %s · %s — %s", mailtext.SenderName(m), mailtext.ShortDate(m.Date), mailtext.FolderName(m.Folder), threadLine(m))
		if m.ID == v.id {
			rows.Add(widget.NewLabelWithStyle("▸ "+text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
			continue
		}
		if !m.Seen {
			unread++
			text = "● " + text
		}
		b := widget.NewButton(text, func() {
			if r.OnOpen != nil {
				r.OnOpen(m)
			}
		})
		b.Alignment = widget.ButtonAlignLeading
		b.Importance = widget.LowImportance
		rows.Add(b)
	}
	// The lines scroll sideways rather than widen the reader, which
	// would squeeze the list (or the window) for one long line.
	scroll := container.NewHScroll(rows)
	if len(v.thread) > readerThreadRows {
		scroll = container.NewScroll(rows)
		scroll.SetMinSize(fyne.NewSize(0, rows.Objects[0].MinSize().Height*readerThreadRows))
	}
	var list fyne.CanvasObject = scroll
	title := lang.N("Conversation: {{.Count}} messages", len(v.thread), map[string]any{"Count": i18n.Number(len(v.thread))})
	if unread > 0 {
		title += lang.N(", {{.Count}} more unread", unread, map[string]any{"Count": i18n.Number(unread)})
	}
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	r.thread.Objects = []fyne.CanvasObject{heading, list}
	r.thread.Show()
	r.thread.Refresh()
}

// threadLine is what a line of the stack says of its message: how it
// starts, which tells the messages of one subject apart, or else its
// subject.
func threadLine(m core.MessageSummary) string {
	return kit.ClipRunes(cmp.Or(strings.TrimSpace(m.Snippet), cmp.Or(m.Subject, lang.L("(no subject)"))), 56)
}

// readThread reads the conversation of message id; a failure only leaves
// the strip out.
func (a *Host) readThread(id int64) []core.MessageSummary {
	msgs, err := a.DB.Thread(a.Ctx, id)
	if err != nil {
		a.Log.Warn("cannot read the conversation", "message", id, "error", err)
		return nil
	}
	return msgs
}
