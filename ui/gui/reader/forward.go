package reader

import (
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// forwardButton is the reader's "Forward as attachment": the toolbar's
// Forward quotes the text, this sends the message itself, every part and
// header as received (for a report of spam or a problem, say).
func (r *Reader) forwardButton() *widget.Button {
	b := widget.NewButtonWithIcon(lang.L("Forward as attachment"), theme.MailForwardIcon(), r.forwardAsAttachment)
	b.Importance = widget.LowImportance
	return b
}

func (r *Reader) forwardAsAttachment() {
	if r.cur != nil {
		r.app.ForwardAsAttachment(r.cur.id)
	}
}
