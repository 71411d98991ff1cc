package gui

import (
	"bytes"
	"context"
	"image/color"
	"image/png"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	tmime "github.com/tributary-mail/tributary/core/mime"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// writePNG writes a small picture into a temporary folder.
func writePNG(t *testing.T, name string, c color.Color) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, pngBytes(t, 160, 60, c), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// mimeTypes lists the media types of a message's parts, depth first,
// containers included.
func mimeTypes(t *testing.T, raw []byte) []string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	var visit func(h func(string) string, body interface{ Read([]byte) (int, error) })
	visit = func(h func(string) string, body interface{ Read([]byte) (int, error) }) {
		mt, params, err := mime.ParseMediaType(h("Content-Type"))
		if err != nil {
			t.Fatalf("Content-Type %q: %v", h("Content-Type"), err)
		}
		types = append(types, mt)
		if !strings.HasPrefix(mt, "multipart/") {
			return
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			visit(p.Header.Get, p)
		}
	}
	visit(msg.Header.Get, msg.Body)
	return types
}

func TestComposerPreview(t *testing.T) {
	old := previewDelay
	previewDelay = 0
	t.Cleanup(func() { previewDelay = old })
	f := newComposeFixture(t)
	chart := writePNG(t, "chart.png", color.NRGBA{R: 0x20, G: 0x90, B: 0x40, A: 0xff})
	c := f.openDraft(t, Draft{To: "bob@example.test", Subject: "Results", Body: "# Results\n\nThey are **good**."})
	guitest.OnUI(func() {
		if c.md.pane.Objects[0] != c.body {
			t.Error("the preview is shown before it was asked for")
		}
		test.Tap(c.md.previewOn)
		if c.md.pane.Objects[0] != c.md.split {
			t.Error("Preview ticked, but the body is not beside a preview")
		}
	})
	guitest.Eventually(t, "preview shows the Markdown formatted", func() bool {
		return hasStyled(c.md.preview.Segments, "Results", func(s widget.RichTextStyle) bool { return s == widget.RichTextStyleHeading }) &&
			hasStyled(c.md.preview.Segments, "good", func(s widget.RichTextStyle) bool { return s.TextStyle.Bold })
	})
	// It follows typing, and shows an inserted picture in place.
	guitest.OnUI(func() {
		c.body.CursorRow, c.body.CursorColumn = 2, 0
		test.Type(c.body, "Well: ")
		c.insertImage(chart)
	})
	guitest.Eventually(t, "preview follows the edit and shows the picture", func() bool {
		text := richText(c.md.preview.Segments)
		return strings.Contains(text, "Well:") && strings.Contains(text, "They are") && hasImage(c.md.preview.Segments)
	})
	guitest.OnUI(func() {
		if want := "# Results\n\nWell: \n![chart](chart.png)\nThey are **good**."; c.body.Text != want {
			t.Errorf("body after Insert image = %q, want %q", c.body.Text, want)
		}
		if !slices.Equal(c.files, []string{chart}) {
			t.Errorf("attachments = %q, want the inserted picture", c.files)
		}
		// Plain text only previews the text as it goes.
		test.Tap(c.md.plainOnly)
	})
	guitest.Eventually(t, "plain preview", func() bool {
		return strings.Contains(richText(c.md.preview.Segments), "**good**") && !hasImage(c.md.preview.Segments)
	})
	guitest.OnUI(func() {
		test.Tap(c.md.previewOn)
		if c.md.pane.Objects[0] != c.body {
			t.Error("Preview cleared, but the body is not alone")
		}
	})
}

// hasStyled reports whether a segment holding text has a style ok likes.
func hasStyled(segs []widget.RichTextSegment, text string, ok func(widget.RichTextStyle) bool) bool {
	for _, s := range segs {
		if ts, is := s.(*widget.TextSegment); is && strings.Contains(ts.Text, text) && ok(ts.Style) {
			return true
		}
		if blk, is := s.(widget.RichTextBlock); is && hasStyled(blk.Segments(), text, ok) {
			return true
		}
	}
	return false
}

func TestComposerSendsMarkdownAsHTMLAndTheReaderShowsIt(t *testing.T) {
	f := newComposeFixture(t)
	chart := writePNG(t, "chart.png", color.NRGBA{R: 0x20, G: 0x70, B: 0xc0, A: 0xff})
	notes := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notes, []byte("notes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	body := "# Quarterly results\n\nHello Bea,\n\nThe numbers are **up** and *steady*; see [the report](https://example.test/q3).\n\n" +
		"| Quarter | Sales |\n|:--|--:|\n| Q2 | 120 |\n| Q3 | 150 |\n\n> Last time: \"let's aim for 150\"\n\n<script>alert(1)</script>\n\n"
	c := f.openDraft(t, Draft{To: "Bea Ta <beta@example.test>", Subject: "Quarterly results", Body: body})
	guitest.OnUI(func() {
		c.body.CursorRow, c.body.CursorColumn = strings.Count(body, "\n"), 0
		c.insertImage(chart)
		test.Type(c.body, "\nAl\n")
		c.dropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(notes)})
		if !slices.Equal(c.files, []string{chart, notes}) {
			t.Errorf("attachments = %q, want the picture and the dropped file", c.files)
		}
		test.Tap(c.sendButton)
	})
	guitest.Eventually(t, "message sent", func() bool { return len(f.sink.Messages()) == 1 && len(f.app.mailWindows().composers) == 0 })
	raw := f.sink.Messages()[0].Data
	want := []string{"multipart/mixed", "multipart/related", "multipart/alternative", "text/plain", "text/html", "image/png", "text/plain"}
	if got := mimeTypes(t, raw); !slices.Equal(got, want) {
		t.Fatalf("sent message structure = %q, want %q", got, want)
	}

	// Delivered to Beta and shown in a reader, as the recipient sees it.
	id := f.mainFixture.DeliverRaw(t, f.beta, string(raw))
	var r *Reader
	var win fyne.Window
	guitest.OnUI(func() {
		r = NewReader(f.app)
		win = test.NewWindow(r.CanvasObject())
		win.Resize(fyne.NewSize(680, 960))
		r.Show(id)
	})
	t.Cleanup(func() { guitest.OnUI(win.Close) })
	guitest.Eventually(t, "received message shown with its picture", func() bool {
		return r.cur != nil && r.cur.id == id && hasImage(r.rich.Segments)
	})
	guitest.OnUI(func() {
		text := richText(r.rich.Segments)
		for _, w := range []string{"Quarterly results", "Hello Bea,", "the report", "Q3", "150", "<script>alert(1)</script>", "Al"} {
			if !strings.Contains(text, w) {
				t.Errorf("reader shows %q, want it to contain %q", text, w)
			}
		}
		if !hasStyled(r.rich.Segments, "Quarterly results", func(s widget.RichTextStyle) bool { return s == widget.RichTextStyleHeading }) ||
			!hasStyled(r.rich.Segments, "up", func(s widget.RichTextStyle) bool { return s.TextStyle.Bold }) {
			t.Errorf("reader shows the message unformatted: %s", guitest.RichSummary(r.rich.Segments))
		}
		if names := attachmentNames(r.cur.attachments); !slices.Equal(names, []string{"notes.txt"}) {
			t.Errorf("reader lists attachments %q, want notes.txt alone (the picture is in the text)", names)
		}
		if out := os.Getenv("TRIBUTARY_RICH_SCREENSHOT"); out != "" {
			// docs/screenshots/rich-message.png comes from here:
			// TRIBUTARY_RICH_SCREENSHOT=$PWD/docs/screenshots/rich-message.png go test -run TestComposerSendsMarkdown ./ui/gui
			var buf bytes.Buffer
			if err := png.Encode(&buf, win.Canvas().Capture()); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func attachmentNames(list []tmime.Attachment) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.Filename)
	}
	return out
}

func TestComposerPlainTextOnly(t *testing.T) {
	f := newComposeFixture(t)
	c := f.openDraft(t, Draft{To: "bob@example.test", Subject: "Plain", Body: "Just **text**.", PlainTextOnly: true})
	guitest.OnUI(func() {
		if !c.plainTextOnly() {
			t.Error("Draft.PlainTextOnly did not tick Plain text only")
		}
		// As an identity's choice would, when the From changes.
		c.setPlainTextOnly(false)
		if c.plainTextOnly() || c.md.plainOnly.Checked {
			t.Error("setPlainTextOnly(false) left Plain text only ticked")
		}
		c.setPlainTextOnly(true)
		test.Tap(c.sendButton)
	})
	guitest.Eventually(t, "message sent", func() bool { return len(f.sink.Messages()) == 1 })
	raw := f.sink.Messages()[0].Data
	if got := mimeTypes(t, raw); !slices.Equal(got, []string{"text/plain"}) {
		t.Errorf("plain text only sent %q, want text/plain alone", got)
	}
	if !bytes.Contains(raw, []byte("Just **text**.")) {
		t.Errorf("sent %q, want the text as written", raw)
	}
}

func TestReaderForwardsAsAttachment(t *testing.T) {
	f := newComposeFixture(t)
	id := f.plans(t)
	var r *Reader
	var win fyne.Window
	guitest.OnUI(func() {
		r = NewReader(f.app)
		win = test.NewWindow(r.CanvasObject())
		win.Resize(fyne.NewSize(640, 560))
		r.Show(id)
	})
	t.Cleanup(func() { guitest.OnUI(win.Close) })
	guitest.Eventually(t, "message shown", func() bool { return r.cur != nil && r.cur.id == id })
	guitest.OnUI(func() { guitest.TapButton(t, win, "Forward as attachment") })
	guitest.Eventually(t, "composer opened", func() bool { return len(f.app.mailWindows().composers) == 1 })
	c := onlyComposer(t, f.app)
	guitest.Eventually(t, "accounts loaded", func() bool { return c.ready })
	guitest.OnUI(func() {
		if c.subject.Text != "Fwd: RE: Plans for Friday" || len(c.files) != 1 || filepath.Base(c.files[0]) != "RE_ Plans for Friday.eml" {
			t.Errorf("forward as attachment opened with subject %q, files %q", c.subject.Text, c.files)
		}
		if c.from.Selected != "Bea Ta <beta@example.test> — Beta" {
			t.Errorf("From = %q, want the account that received it", c.from.Selected)
		}
		c.to.entry.SetText("zed@example.test")
		c.body.SetText("FYI, below.")
		test.Tap(c.sendButton)
	})
	guitest.Eventually(t, "message sent", func() bool { return len(f.sink.Messages()) == 1 && len(f.app.mailWindows().composers) == 0 })
	raw := f.sink.Messages()[0].Data
	want := []string{"multipart/mixed", "multipart/alternative", "text/plain", "text/html", "message/rfc822"}
	if got := mimeTypes(t, raw); !slices.Equal(got, want) {
		t.Errorf("forward as attachment structure = %q, want %q", got, want)
	}
	if !bytes.Contains(raw, []byte("Message-ID: <plans-2@example.test>")) {
		t.Errorf("the forwarded message lacks the original's header:\n%s", raw)
	}
	if _, err := os.Stat(filepath.Dir(c.files[0])); !os.IsNotExist(err) {
		t.Errorf("the temporary copy's folder is still there after sending: %v", err)
	}
	guitest.Eventually(t, "original marked forwarded", func() bool {
		sum, _, err := f.DB.Message(context.Background(), id)
		return err == nil && sum.Forwarded
	})
}
