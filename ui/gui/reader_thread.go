package gui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
)

// readerThreadRows is how many messages of a conversation show before
// the strip scrolls.
const readerThreadRows = 5

// showThread lists the other messages of the conversation (core/thread:
// across folders and accounts, so your replies from Sent are there too),
// oldest first, the one shown marked. A click opens one, through onOpen,
// so that the main window's selection follows the reader.
func (r *Reader) showThread(v *readerView) {
	r.thread.Objects = nil
	r.thread.Hide()
	if len(v.thread) < 2 {
		return
	}
	rows := container.NewVBox()
	for _, m := range v.thread {
		text := fmt.Sprintf("%s · %s · %s — %s", senderName(m), shortDate(m.Date), m.Folder, cmpOr(m.Subject, "(no subject)"))
		if m.ID == v.id {
			rows.Add(widget.NewLabelWithStyle("▸ "+text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
			continue
		}
		b := widget.NewButton(text, func() {
			if r.onOpen != nil {
				r.onOpen(m)
			}
		})
		b.Alignment = widget.ButtonAlignLeading
		b.Importance = widget.LowImportance
		rows.Add(b)
	}
	var list fyne.CanvasObject = rows
	if len(v.thread) > readerThreadRows {
		scroll := container.NewVScroll(rows)
		scroll.SetMinSize(fyne.NewSize(0, rows.Objects[0].MinSize().Height*readerThreadRows))
		list = scroll
	}
	heading := widget.NewLabelWithStyle(fmt.Sprintf("Conversation: %d messages", len(v.thread)), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	r.thread.Objects = []fyne.CanvasObject{heading, list}
	r.thread.Show()
	r.thread.Refresh()
}

// readThread reads the conversation of message id; a failure only leaves
// the strip out.
func (a *App) readThread(id int64) []core.MessageSummary {
	msgs, err := a.db.Thread(a.ctx, id)
	if err != nil {
		a.log.Warn("cannot read the conversation", "message", id, "error", err)
		return nil
	}
	return msgs
}
