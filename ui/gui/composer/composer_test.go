package composer

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/smtptest"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/gui/shell"
)

func TestMain(m *testing.M) { guitest.Main(m) }

// composeFixture is the composers over a real store and engine, with two
// accounts that send through one recording server. A window stands in
// for the main window: its notices are where "Sending… Undo" shows.
type composeFixture struct {
	*guitest.Store
	sh          *shell.Shell
	composers   *Composers
	toasts      *kit.ToastLayer
	errs        []error // what ShowError was given
	sink        *smtptest.Server
	alpha, beta core.Account
}

func newComposeFixture(t *testing.T) *composeFixture {
	t.Helper()
	f := &composeFixture{Store: guitest.NewStore(t), sink: smtptest.Start(t, smtptest.Options{}), toasts: kit.NewToastLayer()}
	f.sh = guitest.NewShell(t, test.NewTempApp(t), f.Store)
	f.composers = New(f.sh)
	f.composers.Toasts = func() *kit.ToastLayer { return f.toasts }
	f.composers.ShowError = func(err error) { f.errs = append(f.errs, err) }
	// These tests send at once; the undo window has tests of its own.
	f.sh.Fyne.Preferences().SetInt(shell.PrefUndoSeconds, 0)
	f.alpha = f.SendingAccount(t, "Alpha", "Al Pha", f.sink.Host, f.sink.Port)
	f.beta = f.SendingAccount(t, "Beta", "Bea Ta", f.sink.Host, f.sink.Port)
	t.Cleanup(func() { guitest.OnUI(f.composers.CloseAll) })
	// After NewShell, so that it stops before the shell's work is waited for.
	guitest.Follow(t, f.sh, f.composers.Handle)
	return f
}

// openComposers returns the composers open now.
func (f *composeFixture) openComposers() []*composer {
	var out []*composer
	guitest.OnUI(func() {
		for c := range f.composers.open {
			out = append(out, c)
		}
	})
	return out
}

// onlyComposer returns the one open composer.
func (f *composeFixture) onlyComposer(t *testing.T) *composer {
	t.Helper()
	cs := f.openComposers()
	if len(cs) != 1 {
		t.Fatalf("%d composers open, want 1", len(cs))
	}
	return cs[0]
}

// plans is a message to Beta, copied to Alpha and Dave.
func (f *composeFixture) plans(t *testing.T) int64 {
	t.Helper()
	return f.DeliverRaw(t, f.beta, guitest.PlansMessage)
}

// openDraft opens a composer for d and waits for its accounts.
func (f *composeFixture) openDraft(t *testing.T, d Draft) *composer {
	t.Helper()
	guitest.OnUI(func() { f.composers.Open(d) })
	c := f.onlyComposer(t)
	guitest.Eventually(t, "accounts loaded", func() bool { return c.ready })
	return c
}

func TestReplySendsFromTheAccountThatReceived(t *testing.T) {
	f := newComposeFixture(t)
	id := f.plans(t)
	d, err := f.composers.ReplyDraft(id, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.AccountID != f.beta.ID || d.Subject != "RE: Plans for Friday" || d.To != "Carol Jones <carol@example.test>" || d.Cc != "" ||
		d.InReplyTo != "plans-2@example.test" || strings.Join(d.References, " ") != "plans-0@example.test plans-1@example.test plans-2@example.test" {
		t.Errorf("ReplyDraft = %+v", d)
	}
	wantBody := "\n\nOn Wed, 4 Mar 2026 at 08:15, Carol Jones <carol@example.test> wrote:\n> Shall we meet at noon?\n>\n>> Earlier: what about Friday?\n"
	if d.Body != wantBody {
		t.Errorf("reply body = %q, want %q", d.Body, wantBody)
	}

	c := f.openDraft(t, d)
	guitest.OnUI(func() {
		if want := "Bea Ta <beta@example.test> — Beta"; c.from.Selected != want {
			t.Errorf("From = %q, want %q", c.from.Selected, want)
		}
		if got := strings.Join(c.from.Options, " | "); got != "Al Pha <alpha@example.test> — Alpha | Bea Ta <beta@example.test> — Beta" {
			t.Errorf("From offers %q", got)
		}
		test.Type(c.body, "Noon works. ")
		test.AssertRendersToMarkup(t, "composer_reply.xml", c.win.Canvas())
		test.Tap(c.sendButton)
	})
	guitest.Eventually(t, "message sent and composer closed", func() bool {
		return len(f.sink.Messages()) == 1 && len(f.composers.open) == 0
	})
	m := f.sink.Messages()[0]
	data := strings.ReplaceAll(string(m.Data), "\r\n ", " ") // unfold headers
	if m.From != "beta@example.test" || strings.Join(m.To, ",") != "carol@example.test" {
		t.Errorf("envelope = %s → %v, want beta@example.test → carol@example.test", m.From, m.To)
	}
	for _, want := range []string{"In-Reply-To: <plans-2@example.test>", "References: <plans-0@example.test> <plans-1@example.test> <plans-2@example.test>",
		"Subject: RE: Plans for Friday", "From: \"Bea Ta\" <beta@example.test>", "Noon works."} {
		if !strings.Contains(data, want) {
			t.Errorf("sent message lacks %q:\n%s", want, data)
		}
	}
	items, _ := f.DB.Outbox(context.Background(), time.Time{})
	if len(items) != 1 || items[0].State != core.OutboxSent || items[0].AccountID != f.beta.ID {
		t.Errorf("outbox = %+v, want one message sent from Beta", items)
	}
	guitest.Eventually(t, "original marked answered", func() bool {
		sum, _, err := f.DB.Message(context.Background(), id)
		return err == nil && sum.Answered
	})
}

func TestReplyAllLeavesOutOwnAddresses(t *testing.T) {
	f := newComposeFixture(t)
	id := f.plans(t)
	d, err := f.composers.ReplyDraft(id, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Carol Jones <carol@example.test>, Dave <dave@example.test>"; d.To != want {
		t.Errorf("reply-all To = %q, want %q", d.To, want)
	}
	if want := `"Doe, Erin" <erin@example.test>`; d.Cc != want {
		t.Errorf("reply-all Cc = %q, want %q (no own address)", d.Cc, want)
	}
	// What the composer shows must parse back to the same people.
	for _, field := range []string{d.To, d.Cc} {
		if _, err := mail.ParseAddressList(field); err != nil {
			t.Errorf("ParseAddressList(%q) = %v", field, err)
		}
	}
	// A reply to one's own message goes to its recipients.
	sent := f.DeliverRaw(t, f.alpha, "From: Al Pha <alpha@example.test>\nTo: Zed <zed@example.test>\nSubject: Hi\nMessage-ID: <own@example.test>\n\nhello\n")
	if d, _ := f.composers.ReplyDraft(sent, false); d.To != "Zed <zed@example.test>" || d.Subject != "Re: Hi" {
		t.Errorf("reply to own message: To %q, Subject %q", d.To, d.Subject)
	}
	// Reply-To wins over From.
	list := f.DeliverRaw(t, f.alpha, "From: Poster <p@example.test>\nReply-To: List <list@example.test>\nSubject: Aw: news\n\nx\n")
	if d, _ := f.composers.ReplyDraft(list, false); d.To != "List <list@example.test>" || d.Subject != "Aw: news" {
		t.Errorf("reply with Reply-To: To %q, Subject %q", d.To, d.Subject)
	}
}

func TestFormatAddressRoundTrips(t *testing.T) {
	for _, a := range []*mail.Address{
		{Name: "Ann Example", Address: "ann@example.test"},
		{Name: "Doe, Jane", Address: "jane@example.test"},
		{Name: `Say "hi"`, Address: "hi@example.test"},
		{Name: "J. R. Bob", Address: "jr@example.test"},
		{Name: "Jürgen Groß", Address: "j@example.test"},
		{Address: "bare@example.test"},
	} {
		s := FormatAddress(a)
		got, err := mail.ParseAddress(s)
		if err != nil || got.Name != a.Name || got.Address != a.Address {
			t.Errorf("FormatAddress(%+v) = %q, which parses as %+v, %v", a, s, got, err)
		}
	}
}

func TestForwardCarriesAttachments(t *testing.T) {
	f := newComposeFixture(t)
	pdf := "%PDF-1.4 forward me"
	id := f.DeliverRaw(t, f.beta, fmt.Sprintf(`From: Ann <ann@example.test>
To: beta@example.test
Subject: Minutes
Date: Thu, 05 Mar 2026 14:00:00 +0000
Message-ID: <minutes@example.test>
Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain

The minutes are attached.
--m
Content-Type: application/pdf; name="minutes.pdf"
Content-Disposition: attachment; filename="minutes.pdf"
Content-Transfer-Encoding: base64

%s
--m
Content-Type: application/pdf; name="minutes.pdf"
Content-Disposition: attachment; filename="minutes.pdf"

second file, same name
--m--
`, base64.StdEncoding.EncodeToString([]byte(pdf))))
	d, err := f.composers.ForwardDraft(id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeForwardFiles(d.Attachments) })
	if d.Subject != "Fwd: Minutes" || d.AccountID != f.beta.ID || d.To != "" || d.InReplyTo != "" {
		t.Errorf("ForwardDraft = %+v", d)
	}
	for _, want := range []string{"---------- Forwarded message ----------", "From: Ann <ann@example.test>",
		"Date: Thu, 5 Mar 2026 at 14:00", "Subject: Minutes", "To: beta@example.test", "The minutes are attached."} {
		if !strings.Contains(d.Body, want) {
			t.Errorf("forward body lacks %q:\n%s", want, d.Body)
		}
	}
	var names []string
	for _, p := range d.Attachments {
		names = append(names, filepath.Base(p))
	}
	if strings.Join(names, ",") != "minutes.pdf,minutes (2).pdf" {
		t.Fatalf("forward attachments = %v, want minutes.pdf and minutes (2).pdf", names)
	}
	if b, err := os.ReadFile(d.Attachments[0]); err != nil || string(b) != pdf {
		t.Errorf("forwarded attachment holds %q, %v; want the original", b, err)
	}

	// Sending the forward removes the temporary copies.
	c := f.openDraft(t, d)
	guitest.OnUI(func() {
		test.Type(c.to.entry, "dave@example.test")
		test.Tap(c.sendButton)
	})
	guitest.Eventually(t, "forward sent", func() bool { return len(f.sink.Messages()) == 1 && len(f.composers.open) == 0 })
	if m := f.sink.Messages()[0]; !strings.Contains(string(m.Data), "minutes (2).pdf") || m.From != "beta@example.test" {
		t.Errorf("sent forward from %s lacks its attachments:\n%s", m.From, m.Data)
	}
	guitest.Eventually(t, "temporary copies removed", func() bool {
		_, err := os.Stat(filepath.Dir(d.Attachments[0]))
		return os.IsNotExist(err)
	})
}

func TestAddressValidationShowsUnderTheField(t *testing.T) {
	f := newComposeFixture(t)
	c := f.openDraft(t, Draft{})
	guitest.OnUI(func() {
		test.Type(c.to.entry, "not an address")
		test.Type(c.subject, "Hello")
		test.Tap(c.sendButton)
		if !c.to.problem.Visible() || !strings.Contains(c.to.problem.Text, `not an address is not a valid address: it has no @`) {
			t.Errorf("To error shown %v: %q", c.to.problem.Visible(), c.to.problem.Text)
		}
		if c.sending {
			t.Error("an invalid message is being sent")
		}
		// The error goes as soon as the field is right.
		c.to.entry.SetText("Ann <ann@example.test>, bob@example.test, ")
		if c.to.problem.Visible() {
			t.Errorf("error still shown for a valid list: %q", c.to.problem.Text)
		}
		// An empty message says where a recipient is missing.
		c.to.entry.SetText("")
		test.Tap(c.sendButton)
		if c.to.problem.Text != "Add at least one recipient." {
			t.Errorf("no recipients: %q", c.to.problem.Text)
		}
		// Leaving a field checks it.
		c.cc.entry.SetText("bob@")
		c.cc.entry.FocusLost()
		if !c.cc.problem.Visible() {
			t.Error("leaving a bad Cc shows no error")
		}
		test.AssertRendersToMarkup(t, "composer_invalid.xml", c.win.Canvas())
	})
	if items, _ := f.DB.Outbox(context.Background(), time.Time{}); len(items) != 0 {
		t.Errorf("invalid messages were queued: %+v", items)
	}
}

func TestAddressCompletion(t *testing.T) {
	f := newComposeFixture(t)
	f.plans(t)
	c := f.openDraft(t, Draft{})
	guitest.Eventually(t, "addresses loaded", func() bool { return len(c.known) > 0 })
	guitest.OnUI(func() {
		d := fyne.CurrentApp().Driver()
		ccAt := d.AbsolutePositionForObject(c.cc.entry)
		test.Type(c.to.entry, "Da")
		if len(c.to.matches) != 1 || c.to.matches[0].Address != "dave@example.test" || !c.to.suggesting() {
			t.Fatalf("suggestions for %q = %v", c.to.entry.Text, c.to.matches)
		}
		// The suggestions lie over the fields below, just under To; they
		// move none of them.
		if now := d.AbsolutePositionForObject(c.cc.entry); now != ccAt {
			t.Errorf("the Cc field moved from %v to %v when suggestions showed", ccAt, now)
		}
		toAt := d.AbsolutePositionForObject(c.to.entry)
		if at := d.AbsolutePositionForObject(c.to.panel); at.Y != toAt.Y+c.to.entry.Size().Height || at.X != toAt.X {
			t.Errorf("suggestions at %v, want just under the To field at %v", at, toAt)
		}
		c.to.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
		c.to.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		if want := "Dave <dave@example.test>, "; c.to.entry.Text != want {
			t.Errorf("after picking a suggestion To = %q, want %q", c.to.entry.Text, want)
		}
		if c.to.suggesting() {
			t.Error("suggestions still shown after picking one")
		}
		// The next address completes after the comma, without repeats.
		test.Type(c.to.entry, "ca")
		if len(c.to.matches) != 1 || c.to.matches[0].Address != "carol@example.test" {
			t.Fatalf("suggestions for %q = %v", c.to.entry.Text, c.to.matches)
		}
		test.Tap(c.to.suggestions.Objects[0].(*widget.Button))
		list, err := c.to.parse()
		if err != nil || len(list) != 2 || list[1].Address != "carol@example.test" {
			t.Errorf("To = %q, parsed %v, %v", c.to.entry.Text, list, err)
		}
	})
}

func TestDraftSurvivesClosingAndIsDeletedOnceSent(t *testing.T) {
	f := newComposeFixture(t)
	c := f.openDraft(t, Draft{})
	guitest.OnUI(func() {
		c.from.SetSelectedIndex(0) // Alpha
		test.Type(c.to.entry, "dave@example.test")
		test.Type(c.subject, "Draft to keep")
		test.Type(c.body, "Half written")
		c.requestClose()
	})
	guitest.Eventually(t, "draft stored", func() bool {
		ds, _ := f.DB.Drafts(context.Background())
		return len(ds) == 1 && ds[0].Subject == "Draft to keep" && ds[0].Body == "Half written" && ds[0].AccountID == f.alpha.ID
	})
	if n := len(f.openComposers()); n != 0 {
		t.Fatalf("%d composers open after closing", n)
	}

	// The outbox window's Drafts tab reopens it.
	guitest.OnUI(f.composers.OpenDrafts)
	var w *outboxWindow
	guitest.OnUI(func() { w = f.composers.outbox })
	guitest.Eventually(t, "drafts listed", func() bool { return len(w.drafts) == 1 && w.tabs.SelectedIndex() == 1 })
	guitest.OnUI(func() {
		w.draftList.Select(0)
		test.Tap(w.openDraft)
	})
	c = f.onlyComposer(t)
	guitest.Eventually(t, "reopened composer ready", func() bool { return c.ready })
	guitest.OnUI(func() {
		if c.to.entry.Text != "dave@example.test" || c.subject.Text != "Draft to keep" || c.body.Text != "Half written" ||
			c.from.Selected != identityLabel(f.alpha) {
			t.Errorf("reopened draft: to %q, subject %q, body %q, from %q", c.to.entry.Text, c.subject.Text, c.body.Text, c.from.Selected)
		}
		// Opening it again brings the same window forward.
		test.Tap(w.openDraft)
		// Ctrl+Enter in the body sends.
		c.body.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault})
	})
	if n := len(f.openComposers()); n > 1 {
		t.Errorf("%d composers for one draft", n)
	}
	guitest.Eventually(t, "sent", func() bool { return len(f.sink.Messages()) == 1 && len(f.composers.open) == 0 })
	guitest.Eventually(t, "draft deleted once sent", func() bool {
		ds, _ := f.DB.Drafts(context.Background())
		return len(ds) == 0
	})
	if m := f.sink.Messages()[0]; m.From != "alpha@example.test" || !strings.Contains(string(m.Data), "Half written") {
		t.Errorf("sent %s: %s", m.From, m.Data)
	}
}

func TestAutosaveAfterAPause(t *testing.T) {
	defer func(d time.Duration) { autosaveDelay = d }(autosaveDelay)
	autosaveDelay = 300 * time.Millisecond
	f := newComposeFixture(t)
	c := f.openDraft(t, Draft{})
	guitest.OnUI(func() { test.Type(c.subject, "Autosaved") })
	ds, _ := f.DB.Drafts(context.Background())
	if len(ds) != 0 {
		t.Fatal("saved before the pause")
	}
	var saved []string
	guitest.Eventually(t, "saved after the pause", func() bool {
		ds, _ := f.DB.Drafts(context.Background())
		saved = nil
		for _, d := range ds {
			saved = append(saved, d.Subject)
		}
		return slices.Equal(saved, []string{"Autosaved"})
	})
	// The status line follows the save; it may come a moment later.
	guitest.Eventually(t, "status says the draft was saved", func() bool { return strings.HasPrefix(c.status.Text, "Draft saved at") })
}

func TestWrapWords(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"short", 10, "short"},
		{"one two three four", 9, "one two\nthree\nfour"},
		{"keep\nlines apart", 20, "keep\nlines apart"},
		{"averyveryverylongword fits alone", 8, "averyveryverylongword\nfits\nalone"},
	}
	for _, tt := range tests {
		if got := wrapWords(tt.in, tt.width); got != tt.want {
			t.Errorf("wrapWords(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}

func TestDiscardAsksOnlyWhenSomethingWouldBeLost(t *testing.T) {
	f := newComposeFixture(t)
	f.SendingAccount(t, "Work", "Work User", "127.0.0.1", 25)
	guitest.OnUI(func() { f.composers.Open(Draft{}) })
	c := f.onlyComposer(t)
	guitest.Eventually(t, "accounts loaded", func() bool { return c.ready })
	guitest.OnUI(func() { test.Tap(c.discardButton) })
	if n := len(f.openComposers()); n != 0 {
		t.Fatalf("discarding an empty message: %d composers still open, want it closed without asking", n)
	}
	guitest.OnUI(func() { f.composers.Open(Draft{}) })
	c = f.onlyComposer(t)
	guitest.OnUI(func() {
		c.subject.SetText("half a thought")
		test.Tap(c.discardButton)
		if text := guitest.DialogText(c.win); !strings.Contains(text, "Discard this message?") {
			t.Errorf("discarding a message with a subject: dialog %q, want the question", text)
		}
	})
	if n := len(f.openComposers()); n != 1 {
		t.Errorf("%d composers open while the question waits, want 1", n)
	}
}
