package composer

import (
	"bytes"
	"context"
	"image/color"
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

	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

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
	chart := guitest.WritePNG(t, "chart.png", color.NRGBA{R: 0x20, G: 0x90, B: 0x40, A: 0xff})
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
		return guitest.HasStyled(c.md.preview.Segments, "Results", func(s widget.RichTextStyle) bool { return s == widget.RichTextStyleHeading }) &&
			guitest.HasStyled(c.md.preview.Segments, "good", func(s widget.RichTextStyle) bool { return s.TextStyle.Bold })
	})
	// It follows typing, and shows an inserted picture in place.
	guitest.OnUI(func() {
		c.body.CursorRow, c.body.CursorColumn = 2, 0
		test.Type(c.body, "Well: ")
		c.insertImage(chart)
	})
	guitest.Eventually(t, "preview follows the edit and shows the picture", func() bool {
		text := guitest.RichText(c.md.preview.Segments)
		return strings.Contains(text, "Well:") && strings.Contains(text, "They are") && guitest.HasImage(c.md.preview.Segments)
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
		return strings.Contains(guitest.RichText(c.md.preview.Segments), "**good**") && !guitest.HasImage(c.md.preview.Segments)
	})
	guitest.OnUI(func() {
		test.Tap(c.md.previewOn)
		if c.md.pane.Objects[0] != c.body {
			t.Error("Preview cleared, but the body is not alone")
		}
	})
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

// The reader showing such a message is tested in package gui
// (TestReaderShowsMarkdownMail).
func TestComposerSendsMarkdownAsHTML(t *testing.T) {
	f := newComposeFixture(t)
	chart := guitest.WritePNG(t, "chart.png", color.NRGBA{R: 0x20, G: 0x70, B: 0xc0, A: 0xff})
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
	guitest.Eventually(t, "message sent", func() bool { return len(f.sink.Messages()) == 1 && len(f.composers.open) == 0 })
	raw := f.sink.Messages()[0].Data
	want := []string{"multipart/mixed", "multipart/related", "multipart/alternative", "text/plain", "text/html", "image/png", "text/plain"}
	if got := mimeTypes(t, raw); !slices.Equal(got, want) {
		t.Fatalf("sent message structure = %q, want %q", got, want)
	}
}

// The reader's button that opens it is tested in package gui
// (TestReaderForwardAsAttachmentOpensAComposer).
func TestForwardAsAttachmentSends(t *testing.T) {
	f := newComposeFixture(t)
	id := f.plans(t)
	d, err := f.composers.ForwardAsAttachmentDraft(id)
	if err != nil {
		t.Fatal(err)
	}
	c := f.openDraft(t, d)
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
	guitest.Eventually(t, "message sent", func() bool { return len(f.sink.Messages()) == 1 && len(f.composers.open) == 0 })
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
