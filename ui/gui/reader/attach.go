package reader

import (
	"fmt"
	"io"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core/mime"
	"github.com/tributary-mail/tributary/ui/gui/kit"
)

// readerAttachmentRows is how many attachments show before the list
// scrolls, so that a message with fifty files still shows its body.
const readerAttachmentRows = 4

func (r *Reader) showAttachments(v *readerView) {
	if len(v.attachments) == 0 {
		r.attachments.Objects = nil
		r.attachments.Hide()
		return
	}
	rows := container.NewVBox()
	for _, att := range v.attachments {
		rows.Add(r.attachmentRow(v, att))
	}
	var content fyne.CanvasObject = rows
	if len(v.attachments) > readerAttachmentRows {
		scroll := container.NewVScroll(rows)
		one := rows.Objects[0].MinSize().Height + theme.Padding()
		scroll.SetMinSize(fyne.NewSize(0, one*readerAttachmentRows))
		content = scroll
	}
	r.attachments.Objects = []fyne.CanvasObject{content}
	r.attachments.Show()
	r.attachments.Refresh()
}

func (r *Reader) attachmentRow(v *readerView, att mime.Attachment) fyne.CanvasObject {
	label := widget.NewLabel(fmt.Sprintf("%s (%s)", att.Filename, kit.HumanSize(att.Size)))
	label.Truncation = fyne.TextTruncateEllipsis
	save := widget.NewButtonWithIcon(lang.L("Save"), theme.DocumentSaveIcon(), func() { r.saveAttachment(v, att) })
	open := widget.NewButtonWithIcon(lang.L("Open"), theme.FolderOpenIcon(), func() { r.openAttachment(v, att) })
	return container.NewBorder(nil, nil, widget.NewIcon(theme.MailAttachmentIcon()), container.NewHBox(save, open), label)
}

// saveAttachment asks where to save the part and writes it there.
func (r *Reader) saveAttachment(v *readerView, att mime.Attachment) {
	a := r.app
	a.AskSavePath(lang.L("Save {{.Name}}", map[string]any{"Name": att.Filename}), att.Filename, a.windowFor(r.root), func(w io.WriteCloser) error {
		return a.extractAttachment(v.blob, att, w)
	})
}

// openAttachment saves the part to a private temporary file and has the
// system open it, asking first for file types that run programs.
func (r *Reader) openAttachment(v *readerView, att mime.Attachment) {
	a := r.app
	win := a.windowFor(r.root)
	open := func() {
		a.Background("open attachment", func() {
			path, err := a.attachmentFile(v.blob, att, "tributary-open-*")
			if err == nil {
				a.openedMu.Lock()
				a.opened = append(a.opened, filepath.Dir(path)) // removed at quit
				a.openedMu.Unlock()
			}
			a.Do(func() {
				if err == nil {
					err = a.Fyne.OpenURL(fileURL(path))
				}
				if err != nil {
					dialog.ShowError(fmt.Errorf("%s: %w", lang.L("cannot open {{.Name}}", map[string]any{"Name": att.Filename}), err), win)
				}
			})
		})
	}
	if !risky(att.Filename) {
		open()
		return
	}
	dialog.ShowConfirm(lang.L("Open a file that can run programs?"),
		lang.L("{{.Name}} is a kind of file that can run programs on this computer.\nOpen it only if you trust the sender and expected this file.", map[string]any{"Name": att.Filename}),
		func(ok bool) {
			if ok {
				open()
			}
		}, win)
}
