package reader

import (
	"bytes"
	"image/color"
	"image/png"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tmime "github.com/tributary-mail/tributary/core/mime"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/tributary-mail/tributary/core/markdown"
	"github.com/tributary-mail/tributary/core/smtp"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// These tests show in the reader what the composer writes. The composer's
// own tests are in package composer; here the message is built as the
// composer builds it (core/markdown, core/smtp).

// The message TestComposerSendsMarkdownAsHTML sends, delivered to Beta and
// shown in a reader, as the recipient sees it.
func TestReaderShowsMarkdownMail(t *testing.T) {
	f := newReaderFixture(t)
	beta := f.SendingAccount(t, "Beta", "Bea Ta", "127.0.0.1", 1)
	chart := guitest.WritePNG(t, "chart.png", color.NRGBA{R: 0x20, G: 0x70, B: 0xc0, A: 0xff})
	notes := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notes, []byte("notes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	body := "# Quarterly results\n\nHello Bea,\n\nThe numbers are **up** and *steady*; see [the report](https://example.test/q3).\n\n" +
		"| Quarter | Sales |\n|:--|--:|\n| Q2 | 120 |\n| Q3 | 150 |\n\n> Last time: \"let's aim for 150\"\n\n<script>alert(1)</script>\n\n" +
		markdown.ImageRef(chart) + "\nAl\n"
	rich, err := markdown.Compose(smtp.Draft{
		From: &mail.Address{Name: "Al Pha", Address: "alpha@example.test"}, To: []*mail.Address{{Name: "Bea Ta", Address: "beta@example.test"}},
		Subject: "Quarterly results", Text: body, Attachments: []string{chart, notes}})
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	if _, err := smtp.Build(rich, &raw); err != nil {
		t.Fatal(err)
	}
	id := f.DeliverRaw(t, beta, raw.String())
	var r *Reader
	var win fyne.Window
	guitest.OnUI(func() {
		r = NewReader(f.host)
		win = test.NewWindow(r.CanvasObject())
		win.Resize(fyne.NewSize(680, 960))
		r.Show(id)
	})
	t.Cleanup(func() { guitest.OnUI(win.Close) })
	guitest.Eventually(t, "received message shown with its picture", func() bool {
		return r.cur != nil && r.cur.id == id && guitest.HasImage(r.rich.Segments)
	})
	guitest.OnUI(func() {
		text := guitest.RichText(r.rich.Segments)
		for _, w := range []string{"Quarterly results", "Hello Bea,", "the report", "Q3", "150", "<script>alert(1)</script>", "Al"} {
			if !strings.Contains(text, w) {
				t.Errorf("reader shows %q, want it to contain %q", text, w)
			}
		}
		if !guitest.HasStyled(r.rich.Segments, "Quarterly results", func(s widget.RichTextStyle) bool { return s == widget.RichTextStyleHeading }) ||
			!guitest.HasStyled(r.rich.Segments, "up", func(s widget.RichTextStyle) bool { return s.TextStyle.Bold }) {
			t.Errorf("reader shows the message unformatted: %s", guitest.RichSummary(r.rich.Segments))
		}
		if names := attachmentNames(r.cur.attachments); !slices.Equal(names, []string{"notes.txt"}) {
			t.Errorf("reader lists attachments %q, want notes.txt alone (the picture is in the text)", names)
		}
		if out := os.Getenv("TRIBUTARY_RICH_SCREENSHOT"); out != "" {
			// docs/screenshots/rich-message.png comes from here:
			// TRIBUTARY_RICH_SCREENSHOT=$PWD/docs/screenshots/rich-message.png go test -run TestReaderShowsMarkdownMail ./ui/gui
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

// The reader's "Forward as attachment" asks for the message it shows to
// be forwarded whole (the App opens a composer: its test is in package
// gui, sending it in package composer).
func TestReaderForwardAsAttachmentAsksForTheMessage(t *testing.T) {
	f := newReaderFixture(t)
	id := f.DeliverRaw(t, f.acct, guitest.PlansMessage)
	f.show(t, id)
	guitest.OnUI(func() { guitest.TapButton(t, f.win, "Forward as attachment") })
	if len(f.forwarded) != 1 || f.forwarded[0] != id {
		t.Errorf("Forward as attachment asked for %v, want message %d", f.forwarded, id)
	}
}
