package reader

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mime"
	"github.com/tributary-mail/tributary/core/remoteimg"
	"github.com/tributary-mail/tributary/ui/gui/richtext"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// embeddedMaxImages bounds the message parts decoded as images: each is
// found by reading the message again.
const embeddedMaxImages = 30

// readerMaxPlain bounds the plain text put in a label: a label lays out
// all its text at once, and mime.Parse already keeps up to 1 MiB.
const readerMaxPlain = 256 << 10

// readerView is one message made ready for display, off the UI
// goroutine. Its fields are not changed once it is shown; re-rendering
// makes a new view.
type readerView struct {
	id          int64
	sum         core.MessageSummary
	blob        string
	msg         *mime.Message
	err         error    // the message could not be read at all
	notes       []string // what was wrong with it, for the user
	allowRemote bool
	html        mime.Doc     // the HTML, read once
	blocked     int          // remote references not loaded
	doc         richtext.Doc // nil segments: no HTML, show the text
	images      map[string]image.Image
	attachments []mime.Attachment
	thread      []core.MessageSummary // its conversation, oldest first
}

// readMessage reads, parses and renders a message. Whatever fails, it
// returns what could be read, with notes saying what could not.
func (a *Host) readMessage(ctx context.Context, id int64) *readerView {
	v := &readerView{id: id}
	sum, blob, err := a.DB.Message(ctx, id)
	if err != nil {
		v.err = fmt.Errorf("%s: %w", lang.L("read message {{.ID}}", map[string]any{"ID": id}), err)
		return v
	}
	v.sum, v.blob = sum, blob
	v.thread = a.readThread(id)
	f, err := a.DB.OpenBlob(blob)
	if err != nil {
		v.msg = &mime.Message{Subject: sum.Subject}
		v.notes = append(v.notes, lang.L("The message's file cannot be opened ({{.Error}}); only its summary is shown.", map[string]any{"Error": err.Error()}))
		return v
	}
	defer f.Close()
	msg, err := mime.Parse(f, &readerLimits)
	v.msg = msg
	if err != nil {
		v.notes = append(v.notes, lang.L("Tributary could not read all of this message ({{.Error}}); what could be read is shown.", map[string]any{"Error": err.Error()}))
	}
	if n := len(msg.Problems); n > 0 {
		note := lang.L("Parts of this message are malformed: {{.Problem}}", map[string]any{"Problem": msg.Problems[0]})
		if n > 1 {
			note += lang.N(" (and {{.Count}} more problems)", n-1, map[string]any{"Count": i18n.Number(n - 1)})
		}
		v.notes = append(v.notes, note)
	}
	if msg.Truncated {
		v.notes = append(v.notes, lang.L("This message's text is very long; only its beginning is shown."))
	}
	v.render(a)
	return v
}

// readerLimits parse a message for the reader: an HTML-only message's
// text comes from the Doc render builds (plainText), not from a second
// reading of its HTML.
var readerLimits = func() mime.Limits {
	l := mime.DefaultLimits
	l.SkipHTMLText = true
	return l
}()

// render reads the HTML into its model and shows it, with the images the
// message itself carries (cid: parts and data: URLs), which reveal nothing.
func (v *readerView) render(a *Host) {
	v.attachments = v.msg.Attachments
	if v.msg.HTML == "" {
		return
	}
	html, err := tryParseHTML(v.msg.HTML)
	if err == nil {
		v.html = html
		if !v.allowRemote {
			v.blocked = html.Remote
		}
		v.images = a.embeddedImages(v.blob, v.msg, html.Images)
		v.doc, err = tryRichText(v.html, v.images, v.allowRemote)
	}
	if err != nil {
		a.Log.Error("cannot show a message's HTML", "message", v.id, "error", err)
		v.notes = append(v.notes, lang.L("The formatted version of this message could not be shown; here is its text."))
		return
	}
	v.attachments = listedAttachments(v.msg, v.doc)
}

// tryParseHTML and tryRichText turn a panic (a bug, which the fuzz targets
// exist to find) into an error, so the reader falls back to the text
// rather than crash.
func tryParseHTML(src string) (doc mime.Doc, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("parse html: %v", r) // i18n:ignore (for the log; the reader shows a note of its own)
		}
	}()
	return mime.ParseHTML(src), nil
}

func tryRichText(d mime.Doc, images map[string]image.Image, allowRemote bool) (doc richtext.Doc, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("html to rich text: %v", r) // i18n:ignore (for the log; the reader shows a note of its own)
		}
	}()
	return richtext.FromDoc(d, images, allowRemote), nil
}

// withRemote is the view with remote images allowed; they show as
// placeholders until fetchRemote has them.
func (v *readerView) withRemote() *readerView {
	w := *v
	w.allowRemote, w.blocked = true, 0
	if v.doc.Segments != nil {
		if doc, err := tryRichText(w.html, w.images, true); err == nil {
			w.doc = doc
		}
	}
	return &w
}

// fetchRemote downloads the view's remote images (core/remoteimg, within
// its limits) and decodes them. It reports false when there were none or
// none could be had, so the view stays as it is.
func (v *readerView) fetchRemote(ctx context.Context) (*readerView, bool) {
	var urls []string
	for _, img := range v.html.Images {
		if img.Remote {
			urls = append(urls, img.URL)
		}
	}
	if len(urls) == 0 {
		return nil, false
	}
	fetched, _ := remoteimg.Fetch(ctx, urls, nil) // an image that fails keeps its placeholder
	if len(fetched) == 0 || ctx.Err() != nil {
		return nil, false
	}
	w := *v
	w.images = maps.Clone(v.images)
	if w.images == nil {
		w.images = map[string]image.Image{}
	}
	got := 0
	for _, img := range v.html.Images {
		b, ok := fetched[img.URL]
		if !img.Remote || !ok {
			continue
		}
		if pic, err := richtext.DecodeImage(b); err == nil {
			w.images[img.Src] = pic
			got++
		}
	}
	if got == 0 {
		return nil, false
	}
	doc, err := tryRichText(w.html, w.images, true)
	if err != nil {
		return nil, false
	}
	w.doc = doc
	return &w, true
}

// embeddedImages decodes the images the HTML shows from the message's
// own parts (cid:) and from data: URLs.
func (a *Host) embeddedImages(blob string, m *mime.Message, imgs []mime.Image) map[string]image.Image {
	out := map[string]image.Image{}
	parts := 0
	for _, img := range imgs {
		src := img.Src
		if !img.Embedded {
			continue
		}
		if strings.HasPrefix(strings.ToLower(src), "data:image/") {
			if pic, err := richtext.DataImage(src); err == nil {
				out[src] = pic
			}
			continue
		}
		cid, ok := contentID(src)
		if !ok || parts >= embeddedMaxImages {
			continue
		}
		parts++
		for _, att := range m.Attachments {
			if att.ContentID != cid || att.Size > richtext.ImageMaxBytes {
				continue
			}
			if pic, err := a.partImage(blob, att); err == nil {
				out[src] = pic
			}
			break
		}
	}
	return out
}

func (a *Host) partImage(blob string, att mime.Attachment) (image.Image, error) {
	f, err := a.DB.OpenBlob(blob)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf cappedBuffer
	buf.max = richtext.ImageMaxBytes
	if _, err := mime.Extract(f, att.Part, &buf, nil); err != nil {
		return nil, err
	}
	return richtext.DecodeImage(buf.b)
}

// cappedBuffer collects up to max bytes and fails past them.
type cappedBuffer struct {
	b   []byte
	max int
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if len(c.b)+len(p) > c.max {
		return 0, errors.New(lang.L("image too large"))
	}
	c.b = append(c.b, p...)
	return len(p), nil
}

func (v *readerView) subject() string {
	s := v.msg.Subject
	if s == "" {
		s = v.sum.Subject
	}
	if s == "" {
		s = lang.L("(no subject)")
	}
	return s
}

func (v *readerView) fromLine() string {
	if len(v.msg.From) > 0 {
		return addressLine(v.msg.From, "")
	}
	return v.sum.From()
}

func (v *readerView) dateLine() string {
	d := v.msg.Date
	if d.IsZero() {
		d = v.sum.Date
	}
	if d.IsZero() {
		return lang.L("(no date)")
	}
	return i18n.DateTime(d.Local())
}

// plainText is the body as text, bounded for the label.
func (v *readerView) plainText() string {
	t := v.msg.Text
	if t == "" && len(v.html.Blocks) > 0 {
		t = v.html.Text()
	}
	if t == "" {
		if v.err != nil || len(v.notes) > 0 {
			return ""
		}
		return lang.L("(this message has no text)")
	}
	if len(t) > readerMaxPlain {
		cut := readerMaxPlain
		for cut > 0 && !utf8.RuneStart(t[cut]) {
			cut--
		}
		t = t[:cut] + "\n\n" + lang.L("[…] The rest of this message is too long to show; save an attachment or forward it to read it elsewhere.")
	}
	return t
}

// windowFor finds the window showing o, for dialogs; the main window when
// o is not on screen.
func (a *Host) windowFor(o fyne.CanvasObject) fyne.Window {
	d := a.Fyne.Driver()
	if c := d.CanvasForObject(o); c != nil {
		for _, w := range d.AllWindows() {
			if w.Canvas() == c {
				return w
			}
		}
	}
	if win := a.MainWindow(); win != nil {
		return win
	}
	if ws := d.AllWindows(); len(ws) > 0 {
		return ws[0]
	}
	return a.Fyne.NewWindow("Tributary") // i18n:ignore (the app's name)
}

// fileURL is the file: URL of a local path, for OpenURL.
func fileURL(path string) *url.URL {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive letter
	}
	return &url.URL{Scheme: "file", Path: p}
}

// riskyExtensions are the file types that run code when opened. Opening
// one from a message asks first: that is how most mail malware starts.
var riskyExtensions = map[string]bool{
	".exe": true, ".com": true, ".bat": true, ".cmd": true, ".scr": true, ".pif": true, ".msi": true, ".msp": true,
	".js": true, ".jse": true, ".vbs": true, ".vbe": true, ".wsf": true, ".wsh": true, ".ps1": true, ".hta": true,
	".cpl": true, ".lnk": true, ".reg": true, ".jar": true, ".application": true, ".appref-ms": true, ".url": true,
	".sh": true, ".command": true, ".desktop": true, ".appimage": true, ".run": true, ".app": true, ".pkg": true,
	".dmg": true, ".deb": true, ".rpm": true, ".iso": true, ".img": true, ".vhd": true, ".vhdx": true,
	".docm": true, ".xlsm": true, ".pptm": true, ".one": true, ".chm": true, ".svg": true, ".html": true, ".htm": true,
}

func risky(name string) bool { return riskyExtensions[strings.ToLower(filepath.Ext(name))] }

// extractAttachment writes an attachment's content to w and closes it.
func (a *Host) extractAttachment(blob string, att mime.Attachment, w io.WriteCloser) error {
	f, err := a.DB.OpenBlob(blob)
	if err != nil {
		w.Close()
		return fmt.Errorf("%s: %w", lang.L("cannot read the message"), err)
	}
	defer f.Close()
	_, err = mime.Extract(f, att.Part, w, nil)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", lang.L("cannot save {{.Name}}", map[string]any{"Name": att.Filename}), err)
	}
	return nil
}

// attachmentFile writes an attachment to a new private temporary
// directory, under its sanitised name, and returns the file's path.
func (a *Host) attachmentFile(blob string, att mime.Attachment, pattern string) (string, error) {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", fmt.Errorf("%s: %w", lang.L("cannot make a temporary folder"), err)
	}
	name := att.Filename
	if name == "" || filepath.Base(name) != name || name == "." || name == ".." {
		name = "attachment"
	}
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", fmt.Errorf("%s: %w", lang.L("cannot write {{.Name}}", map[string]any{"Name": name}), err)
	}
	if err := a.extractAttachment(blob, att, f); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return path, nil
}
