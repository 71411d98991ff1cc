package reader

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image/color"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

func TestMain(m *testing.M) { guitest.Main(m) }

// readerFixture is a reader in a window of its own over a real store.
type readerFixture struct {
	*guitest.Store
	host *Host
	acct core.Account
	r    *Reader
	win  fyne.Window
	// forwarded are the messages "Forward as attachment" was asked for.
	forwarded []int64
}

// newHost is a readers' host over a real store, for fa.
func newHost(t *testing.T, st *guitest.Store, fa fyne.App) *Host {
	t.Helper()
	return NewHost(guitest.NewShell(t, fa, st))
}

func newReaderFixture(t *testing.T) *readerFixture {
	t.Helper()
	return newReaderFixtureWith(t, test.NewTempApp(t))
}

func newReaderFixtureWith(t *testing.T, fa fyne.App) *readerFixture {
	t.Helper()
	f := &readerFixture{Store: guitest.NewStore(t)}
	f.host = newHost(t, f.Store, fa)
	f.host.ForwardAsAttachment = func(id int64) { f.forwarded = append(f.forwarded, id) }
	f.acct = f.SendingAccount(t, "Home", "Bob Example", "127.0.0.1", 1)
	guitest.OnUI(func() {
		f.r = NewReader(f.host)
		f.win = test.NewWindow(f.r.CanvasObject())
		f.win.Resize(fyne.NewSize(640, 560))
	})
	t.Cleanup(func() { guitest.OnUI(f.win.Close) })
	return f
}

// show loads message id and waits until it is on screen.
func (f *readerFixture) show(t *testing.T, id int64) {
	t.Helper()
	guitest.OnUI(func() { f.r.Show(id) })
	guitest.Eventually(t, "message shown", func() bool {
		return f.r.cur != nil && f.r.cur.id == id && f.r.root.Objects[0] == f.r.view
	})
}

func TestReaderBlocksRemoteImagesUntilAsked(t *testing.T) {
	f := newReaderFixture(t)
	var hits atomic.Int32
	banner := guitest.PNGBytes(t, 120, 40, color.NRGBA{R: 0x30, G: 0x80, B: 0xd0, A: 0xff})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "image/png")
		w.Write(banner)
	}))
	t.Cleanup(srv.Close)
	id := f.DeliverRaw(t, f.acct, `From: Shop News <news@shop.example>
To: Bob Example <home@example.test>
Cc: Carol <carol@example.test>
Subject: Spring sale
Date: Mon, 02 Mar 2026 09:30:00 +0000
Message-ID: <sale@shop.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Spring sale: everything half price.
--alt
Content-Type: text/html; charset=utf-8

<html><head><style>h1{color:red}</style></head><body>
<h1>Spring sale</h1>
<p>Hello <b>Bob</b>, everything is <i>half price</i> in <a href="https://shop.example/sale">our sale</a>.</p>
<img src="`+srv.URL+`/banner.png" alt="Banner">
<script>document.write("pwned")</script>
<ul><li>Tulips</li><li>Roses</li></ul>
<p onclick="steal()">Thanks for reading.</p>
</body></html>
--alt--
`)
	f.show(t, id)
	r := f.r
	guitest.OnUI(func() {
		if !r.remoteBar.Visible() || r.remoteText.Text != "1 remote image blocked" {
			t.Errorf("remote bar visible %v, text %q; want shown with \"1 remote image blocked\"", r.remoteBar.Visible(), r.remoteText.Text)
		}
		text := guitest.RichText(r.rich.Segments)
		for _, want := range []string{"Spring sale", "half price", "our sale", "Tulips", "Thanks for reading."} {
			if !strings.Contains(text, want) {
				t.Errorf("rendered text %q lacks %q", text, want)
			}
		}
		for _, bad := range []string{"pwned", "document.write", "steal", "color:red", srv.URL} {
			if strings.Contains(text, bad) {
				t.Errorf("rendered text %q shows %q", text, bad)
			}
		}
		if links := guitest.LinksIn(r.rich.Segments); len(links) != 1 || links[0].URL.String() != "https://shop.example/sale" {
			t.Errorf("links = %v, want the one to https://shop.example/sale", links)
		}
		if r.cc.Text != "Carol <carol@example.test>" || r.account.Text != "Home · Inbox" || r.date.Text != "Mon, Mar 2, 2026 09:30" {
			t.Errorf("headers: cc %q, account %q, date %q", r.cc.Text, r.account.Text, r.date.Text)
		}
		test.AssertRendersToMarkup(t, "reader_html.xml", f.win.Canvas())
		test.AssertRendersToImage(t, "reader_html.png", f.win.Canvas())
	})
	// Nothing is fetched before the user asks: not while loading, not later.
	time.Sleep(200 * time.Millisecond)
	if n := hits.Load(); n != 0 {
		t.Fatalf("the image server had %d requests before the user asked for remote images", n)
	}

	guitest.OnUI(func() { test.Tap(r.remoteLoad) })
	guitest.Eventually(t, "remote image fetched and shown", func() bool {
		return hits.Load() == 1 && guitest.HasImage(r.rich.Segments) && !r.remoteBar.Visible()
	})
	guitest.OnUI(func() {
		if strings.Contains(guitest.RichText(r.rich.Segments), "pwned") {
			t.Error("with remote images allowed, the script's content shows")
		}
	})

	// The next message starts blocked again.
	f.show(t, id)
	guitest.OnUI(func() {
		if !r.remoteBar.Visible() || guitest.HasImage(r.rich.Segments) {
			t.Error("showing the message again kept remote images allowed")
		}
	})
}

func TestReaderAttachmentsAndEmbeddedImages(t *testing.T) {
	f := newReaderFixture(t)
	pdf := []byte("%PDF-1.4\n% a small test file\n")
	logo := guitest.PNGBytes(t, 30, 20, color.NRGBA{G: 0xa0, A: 0xff})
	id := f.DeliverRaw(t, f.acct, fmt.Sprintf(`From: Ann <ann@example.test>
To: home@example.test
Subject: Report
Date: Tue, 03 Mar 2026 10:00:00 +0000
Message-ID: <report@example.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed"

--mixed
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=utf-8

<p>Our logo:</p><img src="cid:logo@example.test" alt="logo"><p>Report attached.</p>
--rel
Content-Type: image/png
Content-ID: <logo@example.test>
Content-Disposition: inline
Content-Transfer-Encoding: base64

%s
--rel--
--mixed
Content-Type: application/pdf; name="../../report.pdf"
Content-Disposition: attachment; filename="../../report.pdf"
Content-Transfer-Encoding: base64

%s
--mixed--
`, base64.StdEncoding.EncodeToString(logo), base64.StdEncoding.EncodeToString(pdf)))
	f.show(t, id)
	r := f.r
	var v *readerView
	guitest.OnUI(func() {
		v = r.cur
		if !guitest.HasImage(r.rich.Segments) {
			t.Errorf("the embedded image is not shown: %s", guitest.RichSummary(r.rich.Segments))
		}
		if r.remoteBar.Visible() {
			t.Error("an embedded image counts as remote")
		}
		if len(v.attachments) != 1 || v.attachments[0].Filename != "report.pdf" {
			t.Fatalf("listed attachments = %+v, want report.pdf alone (the logo is shown in place)", v.attachments)
		}
		if guitest.FindButton(r.attachments, "Save") == nil || guitest.FindButton(r.attachments, "Open") == nil {
			t.Error("the attachment has no Save and Open buttons")
		}
		test.AssertRendersToMarkup(t, "reader_attachments.xml", f.win.Canvas())
	})

	// Open writes the part to a private temporary file, byte for byte.
	path, err := f.host.attachmentFile(v.blob, v.attachments[0], "tributary-test-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(path)) })
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, pdf) || filepath.Base(path) != "report.pdf" {
		t.Errorf("attachmentFile = %s holding %q (%v); want report.pdf holding the PDF", path, got, err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("attachment file mode = %v, %v; want 0600", info.Mode(), err)
	}
	if u := fileURL(path); u.Scheme != "file" || !strings.HasSuffix(u.Path, "/report.pdf") {
		t.Errorf("fileURL(%s) = %s", path, u)
	}

	// Save keeps an absolute path as typed, and replaces a file only
	// after asking.
	saved := filepath.Join(t.TempDir(), "kept.pdf")
	guitest.OnUI(func() {
		r.saveAttachment(v, v.attachments[0])
		entry, ok := guitest.FindWidget(f.win.Canvas().Overlays().Top(), func(*widget.Entry) bool { return true })
		if !ok {
			t.Fatalf("the save dialog has no path entry: %q", guitest.DialogText(f.win))
		}
		if want := "report.pdf"; filepath.Base(entry.Text) != want || !filepath.IsAbs(entry.Text) {
			t.Errorf("save dialog offers %q, want an absolute path ending in %s", entry.Text, want)
		}
		entry.SetText(saved)
		guitest.TapButton(t, f.win, "Save")
	})
	guitest.Eventually(t, "saved where typed", func() bool { got, err := os.ReadFile(saved); return err == nil && bytes.Equal(got, pdf) })
	os.WriteFile(saved, []byte("older"), 0o600)
	guitest.OnUI(func() {
		r.saveAttachment(v, v.attachments[0])
		entry, _ := guitest.FindWidget(f.win.Canvas().Overlays().Top(), func(*widget.Entry) bool { return true })
		if want := filepath.Join(filepath.Dir(saved), "report.pdf"); entry.Text != want {
			t.Errorf("the second save offers %q, want the folder last used: %s", entry.Text, want)
		}
		entry.SetText(saved)
		guitest.TapButton(t, f.win, "Save")
		if text := guitest.DialogText(f.win); !strings.Contains(text, "exists already") {
			t.Errorf("saving over a file: dialog %q, want a question first", text)
		}
		guitest.TapButton(t, f.win, "Yes")
	})
	guitest.Eventually(t, "replaced after asking", func() bool { got, err := os.ReadFile(saved); return err == nil && bytes.Equal(got, pdf) })

	// The plain-text view is one tap away.
	guitest.OnUI(func() {
		test.Tap(r.toggle)
		if !r.plain.Visible() || r.rich.Visible() || !strings.Contains(r.plain.Text, "Report attached.") {
			t.Errorf("plain view: shown %v, text %q", r.plain.Visible(), r.plain.Text)
		}
	})
}

// urlRecorder is a test app that records the URLs it is asked to open.
type urlRecorder struct {
	fyne.App
	mu     sync.Mutex
	opened []*url.URL
}

func (u *urlRecorder) OpenURL(x *url.URL) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.opened = append(u.opened, x)
	return nil
}

func (u *urlRecorder) urls() []*url.URL {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.opened)
}

func TestReaderOpensAttachmentsAskingFirstForPrograms(t *testing.T) {
	rec := &urlRecorder{App: test.NewTempApp(t)}
	f := newReaderFixtureWith(t, rec)
	id := f.DeliverRaw(t, f.acct, `From: Ann <ann@example.test>
Subject: Two files
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain

See attached.
--b
Content-Type: application/pdf
Content-Disposition: attachment; filename="notes.pdf"

PDF bytes
--b
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="invoice.exe"

MZ program
--b--
`)
	f.show(t, id)
	var v *readerView
	guitest.OnUI(func() {
		v = f.r.cur
		f.r.openAttachment(v, v.attachments[0])
	})
	guitest.Eventually(t, "notes.pdf opened", func() bool { return len(rec.urls()) == 1 })
	u := rec.urls()[0]
	path := filepath.FromSlash(u.Path)
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(path)) })
	if b, err := os.ReadFile(path); err != nil || u.Scheme != "file" || filepath.Base(path) != "notes.pdf" || strings.TrimSpace(string(b)) != "PDF bytes" {
		t.Errorf("opened %s holding %q, %v", u, b, err)
	}

	guitest.OnUI(func() { f.r.openAttachment(v, v.attachments[1]) })
	time.Sleep(100 * time.Millisecond)
	if n := len(rec.urls()); n != 1 {
		t.Fatalf("invoice.exe opened without asking (%d URLs)", n)
	}
	guitest.OnUI(func() {
		if !strings.Contains(guitest.DialogText(f.win), "can run programs") {
			t.Errorf("dialog = %q, want a warning about programs", guitest.DialogText(f.win))
		}
		guitest.TapButton(t, f.win, "Yes")
	})
	guitest.Eventually(t, "invoice.exe opened once confirmed", func() bool { return len(rec.urls()) == 2 })
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(filepath.FromSlash(rec.urls()[1].Path))) })

	// Quitting removes the temporary copies (the App calls RemoveOpened
	// once its work is done).
	f.host.Wait()
	f.host.RemoveOpened()
	for _, u := range rec.urls() {
		if _, err := os.Stat(filepath.Dir(filepath.FromSlash(u.Path))); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after quitting, the temporary copy of %s is still there (%v)", u.Path, err)
		}
	}
}

func TestReaderShowsWhatItCanOfBrokenMessages(t *testing.T) {
	f := newReaderFixture(t)
	broken := f.DeliverRaw(t, f.acct, `From: Broken <broken@example.test>
Subject: Half a message
Content-Type: multipart/mixed; boundary="zz"

--zz
Content-Type: text/plain

The readable part.
--zz
Content-Type: application/pdf; name="a.pdf"
Content-Transfer-Encoding: base64

!!!! not base64 !!!!
`)
	f.show(t, broken)
	guitest.OnUI(func() {
		r := f.r
		if !r.note.Visible() || !strings.Contains(r.note.Text, "malformed") {
			t.Errorf("note shown %v, %q; want a note that the message is malformed", r.note.Visible(), r.note.Text)
		}
		if !strings.Contains(r.plain.Text, "The readable part.") {
			t.Errorf("body = %q, want the readable part", r.plain.Text)
		}
	})

	// A message whose file vanished still shows its summary.
	gone := f.DeliverRaw(t, f.acct, "From: a@example.test\nSubject: Lost file\nMessage-ID: <lost@example.test>\n\nbody\n")
	_, hash, err := f.DB.Message(t.Context(), gone)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(f.DB.Dir(), "messages", hash[:2], hash+".eml")); err != nil {
		t.Fatal(err)
	}
	f.show(t, gone)
	guitest.OnUI(func() {
		if f.r.subject.Text != "Lost file" || !strings.Contains(f.r.note.Text, "cannot be opened") {
			t.Errorf("lost file: subject %q, note %q", f.r.subject.Text, f.r.note.Text)
		}
	})

	// A message that does not exist says so.
	guitest.OnUI(func() { f.r.Show(999999) })
	guitest.Eventually(t, "missing message reported", func() bool {
		return strings.HasPrefix(f.r.idle.Text, "Cannot show this message (read message 999999: ")
	})
	guitest.OnUI(f.r.Clear)
	guitest.OnUI(func() {
		if f.r.idle.Text != "No message selected" {
			t.Errorf("after Clear the reader says %q", f.r.idle.Text)
		}
	})
}

func TestReaderDropsStaleLoads(t *testing.T) {
	f := newReaderFixture(t)
	first := f.DeliverRaw(t, f.acct, "From: a@example.test\nSubject: first\n\none\n")
	second := f.DeliverRaw(t, f.acct, "From: a@example.test\nSubject: second\n\ntwo\n")
	guitest.OnUI(func() {
		f.r.Show(first)
		f.r.Show(second)
	})
	guitest.Eventually(t, "second shown", func() bool { return f.r.cur != nil && f.r.cur.id == second })
	time.Sleep(100 * time.Millisecond)
	guitest.OnUI(func() {
		if f.r.subject.Text != "second" {
			t.Errorf("after showing first then second, the reader shows %q", f.r.subject.Text)
		}
	})
}
