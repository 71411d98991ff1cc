package composer

import (
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core/markdown"
	"github.com/tributary-mail/tributary/core/smtp"
	"github.com/tributary-mail/tributary/ui/gui/richtext"
)

// previewDelay is how long after the last keystroke the preview is
// rendered again, so that typing never waits on it; a variable so that a
// test need not wait as long.
var previewDelay = 200 * time.Millisecond

// composerMarkdown is the composer's rich-text side: the body is
// Markdown, sent as plain text plus HTML unless "Plain text only" is
// ticked, with a live preview beside it and an "Insert image…" button.
// Fyne's clipboard carries text only, so a picture cannot be pasted: it
// is inserted with the button, or dropped on the window and referenced.
type composerMarkdown struct {
	plainOnly   *widget.Check
	previewOn   *widget.Check
	insertImage *widget.Button
	tools       *fyne.Container // the toolbar's share

	preview *widget.RichText
	// pane holds the body alone, or the body and the preview side by side.
	pane  *fyne.Container
	split *container.Split

	// UI goroutine state.
	timer *time.Timer
	gen   int // preview renders begun; a late one is dropped

	// images caches the attached pictures decoded for the preview, by
	// path; renders run in the background, hence the lock.
	mu     sync.Mutex
	images map[string]image.Image
}

// initMarkdown builds the rich-text widgets; newComposer calls it once
// the body exists, and puts md.tools in the toolbar and md.pane where
// the body goes.
func (c *composer) initMarkdown() {
	md := &c.md
	md.plainOnly = widget.NewCheck(lang.L("Plain text only"), func(bool) {
		c.changed()
		c.updatePreview()
	})
	md.plainOnly.Checked = c.draft.PlainTextOnly
	md.previewOn = widget.NewCheck(lang.L("Preview"), func(on bool) { c.showPreview(on) })
	md.insertImage = widget.NewButtonWithIcon(lang.L("Insert image…"), theme.FileImageIcon(), c.pickImage)
	md.tools = container.NewHBox(md.insertImage, md.previewOn, md.plainOnly)
	md.preview = widget.NewRichText()
	md.preview.Wrapping = fyne.TextWrapWord
	md.split = container.NewHSplit(c.body, container.NewVScroll(md.preview))
	md.pane = container.NewStack(c.body)
	body := c.body.OnChanged
	c.body.OnChanged = func(s string) {
		if body != nil {
			body(s)
		}
		c.updatePreview()
	}
}

// setPlainTextOnly ticks or clears "Plain text only": the From's
// identity decides it when the From changes (identity.go).
func (c *composer) setPlainTextOnly(on bool) { c.md.plainOnly.SetChecked(on) }

// plainTextOnly reports whether the message goes as plain text alone.
func (c *composer) plainTextOnly() bool { return c.md.plainOnly.Checked }

func (c *composer) showPreview(on bool) {
	md := &c.md
	if on {
		md.split.Leading = c.body
		md.pane.Objects = []fyne.CanvasObject{md.split}
		c.renderPreview()
	} else {
		md.pane.Objects = []fyne.CanvasObject{c.body}
	}
	md.pane.Refresh()
}

// updatePreview renders the preview again a moment after the last edit,
// when it is shown.
func (c *composer) updatePreview() {
	md := &c.md
	if !md.previewOn.Checked || c.closed {
		return
	}
	if md.timer != nil {
		md.timer.Stop()
	}
	md.timer = time.AfterFunc(previewDelay, func() { c.app.Do(c.renderPreview) })
}

// renderPreview renders the body in the background as it would be sent,
// through the reader's own HTML renderer, pictures included.
func (c *composer) renderPreview() {
	md := &c.md
	if c.closed || !md.previewOn.Checked {
		return
	}
	md.gen++
	gen := md.gen
	text := c.body.Text
	plain := md.plainOnly.Checked
	files := append([]string(nil), c.files...)
	c.app.Background("composer preview", func() {
		segs := c.previewSegments(text, plain, files)
		c.app.Do(func() {
			if gen != md.gen || c.closed {
				return
			}
			md.preview.Segments = segs
			md.preview.Refresh()
		})
	})
}

// previewSegments is what the recipient would see.
func (c *composer) previewSegments(text string, plain bool, files []string) []widget.RichTextSegment {
	if plain {
		return []widget.RichTextSegment{&widget.TextSegment{Text: text, Style: widget.RichTextStyleCodeBlock}}
	}
	cids := map[string]string{}
	loaded := map[string]image.Image{}
	for i, path := range files {
		name := filepath.Base(path)
		if _, taken := cids[name]; taken || !markdown.IsImage(name) {
			continue
		}
		cid := fmt.Sprintf("preview%d@tributary", i)
		cids[name] = cid
		if img := c.previewImage(path); img != nil {
			loaded["cid:"+cid] = img
		}
	}
	r, err := markdown.Render(text, cids)
	if errors.Is(err, markdown.ErrTooLarge) {
		return []widget.RichTextSegment{&widget.TextSegment{Text: lang.L("This text is too long to format; it goes as plain text."), Style: widget.RichTextStyleEmphasis}}
	}
	if err != nil {
		return []widget.RichTextSegment{&widget.TextSegment{Text: lang.L("Cannot show a preview: {{.Error}}", map[string]any{"Error": err.Error()}), Style: widget.RichTextStyleEmphasis}}
	}
	doc, err := richtext.TryFromHTML(r.Body, loaded)
	if err != nil {
		return []widget.RichTextSegment{&widget.TextSegment{Text: lang.L("Cannot show a preview: {{.Error}}", map[string]any{"Error": err.Error()}), Style: widget.RichTextStyleEmphasis}}
	}
	return doc.Segments
}

// previewImage decodes an attached picture once, within the reader's
// limits; nil when it cannot be shown.
func (c *composer) previewImage(path string) image.Image {
	md := &c.md
	md.mu.Lock()
	defer md.mu.Unlock()
	if img, ok := md.images[path]; ok {
		return img
	}
	var img image.Image
	if f, err := os.Open(path); err == nil {
		if b, err := richtext.ReadCapped(f, richtext.ImageMaxBytes); err == nil {
			img, _ = richtext.DecodeImage(b)
		}
		f.Close()
	}
	if md.images == nil {
		md.images = map[string]image.Image{}
	}
	md.images[path] = img
	return img
}

// formatted is the message as it is sent: with the HTML alternative and
// its pictures as cid: parts, unless the user chose plain text only. A
// text too long to format goes as plain text.
func (c *composer) formatted(d smtp.Draft) smtp.Draft {
	if c.plainTextOnly() {
		return d
	}
	rich, err := markdown.Compose(d)
	if err != nil {
		c.app.Log.Warn("sending as plain text", "error", err)
		return d
	}
	return rich
}

// pickImage asks for a picture to show in the message.
func (c *composer) pickImage() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			dialog.ShowError(fmt.Errorf("%s: %w", lang.L("cannot insert the image"), err), c.win)
			return
		}
		if r == nil {
			return
		}
		r.Close()
		if r.URI().Scheme() != "file" {
			dialog.ShowError(errors.New(lang.L("only files on this computer can be inserted, not {{.URI}}", map[string]any{"URI": r.URI().String()})), c.win)
			return
		}
		c.insertImage(r.URI().Path())
	}, c.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".png", ".jpg", ".jpeg", ".gif", ".webp"}))
	d.Show()
}

// insertImage attaches the picture at path and writes its Markdown
// reference at the cursor, on a line of its own.
func (c *composer) insertImage(path string) {
	if c.done {
		return
	}
	if !markdown.IsImage(path) {
		dialog.ShowError(errors.New(lang.L("{{.File}} is not a picture mail can show (PNG, JPEG, GIF or WebP); attach it instead", map[string]any{"File": filepath.Base(path)})), c.win)
		return
	}
	for _, p := range c.files {
		if p != path && filepath.Base(p) == filepath.Base(path) {
			dialog.ShowError(errors.New(lang.L("another attachment is already named {{.File}}; rename one of them first", map[string]any{"File": filepath.Base(path)})), c.win)
			return
		}
	}
	c.addFile(path)
	runes := []rune(c.body.Text)
	at := min(max(c.body.CursorTextOffset(), 0), len(runes))
	ref := markdown.ImageRef(path)
	if at > 0 && runes[at-1] != '\n' {
		ref = "\n" + ref
	}
	if at == len(runes) || runes[at] != '\n' {
		ref += "\n"
	}
	// Pasted, as the Entry inserts text itself: at the cursor, over a
	// selection, undoable, and with the cursor after it on wrapped lines
	// too. The system clipboard is not touched.
	c.body.Entry.TypedShortcut(&fyne.ShortcutPaste{Clipboard: textClipboard(ref)})
	c.win.Canvas().Focus(c.body)
}

// textClipboard is a clipboard holding one text, for pasting it.
type textClipboard string

// Content implements fyne.Clipboard.
func (t textClipboard) Content() string { return string(t) }

// SetContent implements fyne.Clipboard; nothing is ever copied to it.
func (textClipboard) SetContent(string) {}

var _ fyne.Clipboard = textClipboard("")

// dropped attaches the files dropped on the window; a picture among them
// shows in the message once referenced (Insert image… does both).
func (c *composer) dropped(_ fyne.Position, uris []fyne.URI) {
	for _, u := range uris {
		if u.Scheme() == "file" {
			c.addFile(u.Path())
		}
	}
}

// setMarkdownEditable follows setEditable.
func (c *composer) setMarkdownEditable(on bool) {
	for _, w := range []fyne.Disableable{c.md.plainOnly, c.md.insertImage} {
		if on {
			w.Enable()
		} else {
			w.Disable()
		}
	}
}
