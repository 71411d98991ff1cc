package wizard

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/pop3test"
	"github.com/tributary-mail/tributary/core/mailtest/smtptest"
	"github.com/tributary-mail/tributary/core/secrets"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
	"github.com/tributary-mail/tributary/ui/gui/shell"
)

// wizardFixture is the app's wizards over a real store and engine.
type wizardFixture struct {
	*guitest.Store
	sh      *shell.Shell
	wizards *Wizards
}

func newWizardFixture(t *testing.T) *wizardFixture {
	t.Helper()
	return newWizardFixtureWith(t, test.NewTempApp(t))
}

func newWizardFixtureWith(t *testing.T, fa fyne.App) *wizardFixture {
	t.Helper()
	f := &wizardFixture{Store: guitest.NewStore(t)}
	f.sh = guitest.NewShell(t, fa, f.Store)
	f.wizards = New(f.sh)
	f.wizards.Autoconfig = f.Offline.Options()
	return f
}

// newAccountWizard opens the wizard for a new account.
func (f *wizardFixture) newAccountWizard() *wizard {
	var w *wizard
	guitest.OnUI(func() { w = f.wizards.bringUp(nil) })
	return w
}

// do runs fn as the UI goroutine, then waits for the background work it
// started, and for the widget updates that work makes.
func (w *wizard) do(fn func()) {
	guitest.OnUI(fn)
	w.jobs.Wait()
}

// start fills step 1 and taps Next, then waits for the lookup.
func (w *wizard) start(t *testing.T, email, password, name string) {
	t.Helper()
	w.do(func() {
		test.Type(w.address, email)
		test.Type(w.password, password)
		test.Type(w.name, name)
		test.Tap(w.next)
	})
	guitest.OnUI(func() {
		if w.win.Content() != w.step2 {
			t.Fatalf("after Next the wizard shows step 1, want step 2")
		}
	})
}

// tapDialog taps a button of the dialog on top of the wizard and waits
// for what it starts.
func (w *wizard) tapDialog(t *testing.T, label string) {
	t.Helper()
	w.do(func() {
		b := guitest.FindButton(w.win.Canvas().Overlays().Top(), label)
		if b == nil {
			t.Fatalf("no %q button in the dialog %q", label, guitest.DialogText(w.win))
		}
		test.Tap(b)
	})
}

// resultLines are the lines "Test connection" wrote.
func (w *wizard) resultLines() []string {
	var lines []string
	guitest.OnUI(func() { lines = guitest.VisibleText(w.results) })
	return lines
}

func portOf(e *widget.Entry) int {
	n, _ := strconv.Atoi(e.Text)
	return n
}

func TestWizardGmailPrefillsFromBuiltinTable(t *testing.T) {
	f := newWizardFixture(t)
	w := f.newAccountWizard()
	w.start(t, "ann.example@gmail.com", "app-password", "Ann Example")
	if n := f.Offline.Calls.Load(); n != 0 {
		t.Errorf("autoconfig made %d network calls for gmail.com, want 0 (built-in table)", n)
	}
	guitest.OnUI(func() {
		s := w.sources[0]
		got := map[string]string{
			"account name":      w.accountName.Text,
			"display name":      w.displayName.Text,
			"email":             w.email.Text,
			"smtp host":         w.smtpHost.Text,
			"smtp port":         w.smtpPort.Text,
			"smtp encryption":   w.smtpEncryption.Selected,
			"smtp username":     w.smtpUser.Text,
			"smtp password":     w.smtpPass.Text,
			"source protocol":   s.protocol.Selected,
			"source host":       s.host.Text,
			"source port":       s.port.Text,
			"source encryption": s.encryption.Selected,
			"source username":   s.username.Text,
		}
		want := map[string]string{
			"account name":      "Gmail",
			"display name":      "Ann Example",
			"email":             "ann.example@gmail.com",
			"smtp host":         "smtp.gmail.com",
			"smtp port":         "465",
			"smtp encryption":   choiceSSL,
			"smtp username":     "ann.example@gmail.com",
			"smtp password":     "app-password",
			"source protocol":   "IMAP",
			"source host":       "imap.gmail.com",
			"source port":       "993",
			"source encryption": choiceSSL,
			"source username":   "ann.example@gmail.com",
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("step 2 %s = %q, want %q", k, got[k], v)
			}
		}
		if !w.smtpAuth.Checked || !s.samePassword.Checked {
			t.Errorf("authentication %v, same password %v; want both on", w.smtpAuth.Checked, s.samePassword.Checked)
		}
		if !w.noteRow.Visible() || !strings.Contains(w.note.Text, "app password") {
			t.Errorf("note = %q (shown %v), want Gmail's app password advice", w.note.Text, w.noteRow.Visible())
		}
		if w.save.Disabled() || w.test.Disabled() {
			t.Errorf("Save disabled %v, Test disabled %v on a complete form; want both enabled", w.save.Disabled(), w.test.Disabled())
		}
		w.win.Resize(fyne.NewSize(660, 1400)) // the whole form, unscrolled
		test.AssertRendersToMarkup(t, "wizard_step2_gmail.xml", w.win.Canvas())
	})
}

func TestWizardLookupFailureLeavesManualEntry(t *testing.T) {
	f := newWizardFixture(t)
	w := f.newAccountWizard()
	w.start(t, "ann@example.test", "secret", "")
	if f.Offline.Calls.Load() == 0 {
		t.Errorf("autoconfig did not try the (fake) network for example.test")
	}
	guitest.OnUI(func() {
		if !strings.Contains(w.note.Text, "No settings were found for example.test") {
			t.Errorf("note = %q, want it to say nothing was found", w.note.Text)
		}
		if w.accountName.Text != "example.test" || w.smtpUser.Text != "ann@example.test" || w.sources[0].username.Text != "ann@example.test" {
			t.Errorf("name %q, SMTP user %q, source user %q; want the domain and the address", w.accountName.Text, w.smtpUser.Text, w.sources[0].username.Text)
		}
		if w.smtpHost.Text != "" || w.sources[0].host.Text != "" {
			t.Errorf("hosts %q, %q; want empty for the user to fill", w.smtpHost.Text, w.sources[0].host.Text)
		}
		if !w.save.Disabled() {
			t.Errorf("Save enabled with no servers, want disabled")
		}
		if got := w.fields["smtp.host"].problem.Text; !strings.Contains(got, "is required") {
			t.Errorf("SMTP host problem = %q, want it required", got)
		}
	})
}

func TestWizardCancelLookup(t *testing.T) {
	f := newWizardFixture(t)
	f.Offline.Hang = true
	w := f.newAccountWizard()
	guitest.OnUI(func() {
		test.Type(w.address, "ann@slow.example")
		test.Tap(w.next)
		if !w.looking.Visible() || !strings.Contains(w.lookingText.Text, "slow.example") || !w.next.Disabled() {
			t.Errorf("during the lookup: spinner shown %v, text %q, Next disabled %v", w.looking.Visible(), w.lookingText.Text, w.next.Disabled())
		}
		b := guitest.FindButton(w.looking, "Cancel lookup")
		if b == nil {
			t.Fatal("no Cancel lookup button while looking up")
		}
		test.Tap(b)
	})
	// The hanging lookup ends with its context, and its late result is
	// dropped.
	w.jobs.Wait()
	guitest.OnUI(func() {
		if w.win.Content() != w.step2 || !strings.Contains(w.note.Text, "Lookup cancelled") {
			t.Errorf("after Cancel: on step 2 %v, note %q; want step 2 for manual entry", w.win.Content() == w.step2, w.note.Text)
		}
		if w.email.Text != "ann@slow.example" {
			t.Errorf("email = %q, want the one typed", w.email.Text)
		}
	})
}

func TestWizardInlineValidation(t *testing.T) {
	f := newWizardFixture(t)
	w := f.newAccountWizard()
	w.start(t, "ann@gmail.com", "pw", "Ann")
	guitest.OnUI(func() {
		if w.save.Disabled() {
			t.Fatalf("Save disabled on a complete form: %v", guitest.VisibleText(w.step2))
		}
		guitest.Retype(w.smtpHost, "bad host!")
		host := w.fields["smtp.host"]
		if !host.problem.Visible() || !strings.Contains(host.problem.Text, `"bad host!" is not a valid host name`) {
			t.Errorf("SMTP host problem = %q (shown %v), want it under the field", host.problem.Text, host.problem.Visible())
		}
		if !w.save.Disabled() || !w.test.Disabled() {
			t.Errorf("Save disabled %v, Test disabled %v with a bad host; want both disabled", w.save.Disabled(), w.test.Disabled())
		}
		if w.status.Text != invalidHint() {
			t.Errorf("status = %q, want %q", w.status.Text, invalidHint())
		}
		guitest.Retype(w.sources[0].port, "99999")
		if p := w.sources[0].fields["port"].problem.Text; !strings.Contains(p, "must be between 1 and 65535") {
			t.Errorf("source port problem = %q", p)
		}
		guitest.Retype(w.sources[0].port, "nine")
		if p := w.sources[0].fields["port"].problem.Text; !strings.Contains(p, `"nine" is not a whole number`) {
			t.Errorf("source port problem = %q", p)
		}
		guitest.Retype(w.smtpHost, "smtp.gmail.com")
		guitest.Retype(w.sources[0].port, "993")
		if host.problem.Visible() || w.save.Disabled() {
			t.Errorf("after correcting: problem %q shown %v, Save disabled %v; want gone and enabled", host.problem.Text, host.problem.Visible(), w.save.Disabled())
		}
		// A password is required when authentication is on.
		guitest.Retype(w.smtpPass, "")
		if p := w.fields["smtp.password"].problem.Text; !strings.Contains(p, "is required") || !w.save.Disabled() {
			t.Errorf("blank SMTP password: problem %q, Save disabled %v", p, w.save.Disabled())
		}
	})
}

func TestWizardPortsFollowEncryption(t *testing.T) {
	f := newWizardFixture(t)
	w := f.newAccountWizard()
	w.start(t, "ann@example.test", "pw", "")
	guitest.OnUI(func() {
		smtp := []struct {
			enc  string
			want int
		}{{choiceNone(), 25}, {choiceSSL, 465}, {choiceSTARTTLS, 587}}
		for _, tc := range smtp {
			w.smtpEncryption.SetSelected(tc.enc)
			if got := portOf(w.smtpPort); got != tc.want {
				t.Errorf("SMTP port with %s = %d, want %d", tc.enc, got, tc.want)
			}
		}
		s := w.sources[0]
		source := []struct {
			protocol, enc string
			want          int
		}{{"POP3", choiceNone(), 110}, {"POP3", choiceSSL, 995}, {"IMAP", choiceSSL, 993}, {"IMAP", choiceSTARTTLS, 143}}
		for _, tc := range source {
			s.protocol.SetSelected(tc.protocol)
			s.encryption.SetSelected(tc.enc)
			if got := portOf(s.port); got != tc.want {
				t.Errorf("%s port with %s = %d, want %d", tc.protocol, tc.enc, got, tc.want)
			}
		}
		// A port the user typed stays.
		guitest.Retype(w.smtpPort, "2525")
		w.smtpEncryption.SetSelected(choiceSSL)
		if got := w.smtpPort.Text; got != "2525" {
			t.Errorf("typed SMTP port after a change of encryption = %s, want 2525", got)
		}
		// POP3 shows its own fields, IMAP its own.
		s.protocol.SetSelected("POP3")
		if !s.fields["leave_on_server"].cell.Visible() || s.fields["imap_folders"].cell.Visible() {
			t.Errorf("POP3: leave on server shown %v, IMAP mailboxes shown %v", s.fields["leave_on_server"].cell.Visible(), s.fields["imap_folders"].cell.Visible())
		}
	})
}

// testMessage returns a small message.
func testMessage(i int) []byte {
	return fmt.Appendf(nil, "From: Sender <sender@example.test>\r\nTo: ann@example.test\r\nSubject: wizard test %d\r\nMessage-ID: <wizard-%d@example.test>\r\nDate: %s\r\n\r\nHello %d.\r\n.dot-stuffed line\r\n",
		i, i, time.Now().Add(-time.Duration(i)*time.Minute).Format(time.RFC1123Z), i)
}

// fillServers points the form at in-process servers: SMTP at smtp, and
// the first source, as POP3 for the user ann, at pop.
func (w *wizard) fillServers(t *testing.T, smtp *smtptest.Server, smtpEnc string, pop *pop3test.Server, popEnc string) {
	guitest.Retype(w.smtpHost, smtp.Host)
	w.smtpEncryption.SetSelected(smtpEnc)
	guitest.Retype(w.smtpPort, strconv.Itoa(smtp.Port))
	host, port := guitest.HostPort(t, pop.Addr)
	s := w.sources[0]
	s.protocol.SetSelected("POP3")
	guitest.Retype(s.host, host)
	s.encryption.SetSelected(popEnc)
	guitest.Retype(s.port, strconv.Itoa(port))
	guitest.Retype(s.username, "ann")
	w.store.SetSelected(choiceFile())
}

func TestWizardAddAccountEndToEnd(t *testing.T) {
	f := newWizardFixture(t)
	smtpTLS, smtpFP := smtptest.TestTLSConfig(t)
	popTLS, _, popFP := pop3test.TestTLSConfig(t)
	smtp := smtptest.Start(t, smtptest.Options{Users: map[string]string{"ann@example.test": "s3cret"}, TLS: smtpTLS})
	pop := pop3test.Start(t, pop3test.Options{Users: map[string]string{"ann": "s3cret"}, TLS: popTLS, ImplicitTLS: true,
		Messages: map[string][][]byte{"ann": {testMessage(1), testMessage(2)}}})
	popHost, popPort := guitest.HostPort(t, pop.Addr)

	w := f.newAccountWizard()
	w.start(t, "ann@example.test", "s3cret", "Ann Example")
	guitest.OnUI(func() {
		w.fillServers(t, smtp, choiceSTARTTLS, pop, choiceSSL)
		guitest.Retype(w.accountName, "Example")
		guitest.Retype(w.sources[0].interval, "5")
		if w.save.Disabled() {
			t.Fatalf("Save disabled: %v", guitest.VisibleText(w.step2))
		}
	})

	// Neither certificate is trusted: the test says so, and offers each
	// for trust in turn, showing its fingerprint.
	w.do(func() { test.Tap(w.test) })
	for _, c := range []struct{ server, fp string }{
		{net.JoinHostPort(smtp.Host, strconv.Itoa(smtp.Port)), smtpFP},
		{pop.Addr, popFP},
	} {
		var text string
		guitest.OnUI(func() { text = guitest.DialogText(w.win) })
		if !strings.Contains(strings.ReplaceAll(text, ":\n", ":"), core.FormatFingerprint(c.fp)) || !strings.Contains(text, c.server) || !strings.Contains(text, "Tributary tests") {
			t.Fatalf("trust dialog = %q, want the server %s, its issuer and fingerprint %s", text, c.server, core.FormatFingerprint(c.fp))
		}
		w.tapDialog(t, "Trust this certificate")
		pins, err := f.DB.Pins(context.Background())
		if err != nil || !slices.Contains(pins[c.server], c.fp) {
			t.Fatalf("pins = %v, %v; want %s pinned for %s", pins, err, c.fp, c.server)
		}
	}
	lines := w.resultLines()
	want := []string{
		fmt.Sprintf("SMTP %s:%d — connected, TLS OK, login OK", smtp.Host, smtp.Port),
		fmt.Sprintf("POP3 %s — connected, TLS OK, login OK", pop.Addr),
	}
	if !slices.Equal(lines, want) {
		t.Fatalf("result lines = %q, want %q", lines, want)
	}
	guitest.OnUI(func() {
		if top := w.win.Canvas().Overlays().Top(); top != nil {
			t.Errorf("a dialog is still open after every server passed: %q", guitest.DialogText(w.win))
		}
	})

	w.do(func() { test.Tap(w.save) })
	guitest.OnUI(func() {
		if !w.closed {
			t.Fatalf("the wizard stayed open after Save: %q", w.status.Text)
		}
	})
	accounts := f.Accounts(t)
	if len(accounts) != 1 {
		t.Fatalf("stored accounts = %d, want 1", len(accounts))
	}
	a := accounts[0]
	wantSMTP := core.SMTPSettings{Host: smtp.Host, Port: smtp.Port, Username: "ann@example.test", Encryption: core.EncryptionSTARTTLS, Auth: true}
	if a.Name != "Example" || a.DisplayName != "Ann Example" || a.Email != "ann@example.test" || a.SMTP != wantSMTP || a.PasswordStore != core.PasswordStoreFile {
		t.Errorf("stored account = %+v, want Example, Ann Example, ann@example.test, SMTP %+v, password file", a, wantSMTP)
	}
	if len(a.Sources) != 1 {
		t.Fatalf("stored sources = %d, want 1", len(a.Sources))
	}
	s := a.Sources[0]
	if s.Protocol != core.ProtocolPOP3 || s.Host != popHost || s.Port != popPort || s.Encryption != core.EncryptionSSL || s.Username != "ann" ||
		s.Method != core.MethodAutomatic || s.Interval != 5*time.Minute || s.Folder != core.DefaultFolder || !s.LeaveOnServer || s.DeleteAfterDays != 0 {
		t.Errorf("stored source = %+v", s)
	}
	if got := f.Password(t, secrets.SMTPRef(a.ID)); got != "s3cret" {
		t.Errorf("SMTP password in the file = %q, want the one typed", got)
	}
	if got := f.Password(t, secrets.SourceRef(s.ID)); got != "s3cret" {
		t.Errorf("POP3 password in the file = %q, want the SMTP one (same as SMTP)", got)
	}

	// The account works: a sync brings its mail into the unified inbox.
	if errs := f.Engine.SyncOnce(context.Background(), ""); len(errs) > 0 {
		t.Fatalf("SyncOnce = %v", errs)
	}
	rows, err := f.DB.List(context.Background(), storage.ListQuery{AccountID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, m := range rows {
		subjects = append(subjects, m.Subject)
	}
	slices.Sort(subjects)
	if want := []string{"wizard test 1", "wizard test 2"}; !slices.Equal(subjects, want) {
		t.Errorf("inbox after sync = %q, want %q", subjects, want)
	}
}

func TestWizardCleartextNeedsConfirmation(t *testing.T) {
	f := newWizardFixture(t)
	smtp := smtptest.Start(t, smtptest.Options{Users: map[string]string{"ann@example.test": "pw"}, AllowInsecureAuth: true})
	pop := pop3test.Start(t, pop3test.Options{Users: map[string]string{"ann": "pw"}})
	w := f.newAccountWizard()
	w.start(t, "ann@example.test", "pw", "")
	guitest.OnUI(func() {
		w.fillServers(t, smtp, choiceNone(), pop, choiceNone())
		if got := w.fields["smtp.encryption"].warning.Text; got != cleartextWarning() {
			t.Errorf("warning under SMTP encryption None = %q, want %q", got, cleartextWarning())
		}
	})

	// Cancel: nothing is sent.
	w.do(func() { test.Tap(w.test) })
	var text string
	guitest.OnUI(func() { text = guitest.DialogText(w.win) })
	if !strings.Contains(text, "The password would travel in clear") || !strings.Contains(text, fmt.Sprintf("SMTP %s:%d", smtp.Host, smtp.Port)) {
		t.Fatalf("confirmation = %q, want the cleartext warning naming the SMTP server", text)
	}
	w.tapDialog(t, "Cancel")
	if len(smtp.AuthAttempts()) != 0 || len(pop.Commands()) != 0 || len(w.resultLines()) != 0 {
		t.Fatalf("after Cancel: SMTP logins %v, POP3 commands %q, results %q; want nothing sent", smtp.AuthAttempts(), pop.Commands(), w.resultLines())
	}

	// Confirm: the test runs, and the confirmation holds for the form.
	w.do(func() { test.Tap(w.test) })
	w.tapDialog(t, "Send in clear")
	want := []string{
		fmt.Sprintf("SMTP %s:%d — connected, no encryption, login OK", smtp.Host, smtp.Port),
		fmt.Sprintf("POP3 %s — connected, no encryption, login OK", pop.Addr),
	}
	if got := w.resultLines(); !slices.Equal(got, want) {
		t.Fatalf("result lines = %q, want %q", got, want)
	}
	guitest.OnUI(func() {
		if got := w.sources[0].host.PlaceHolder; got != "pop.example.com" {
			t.Errorf("a POP3 source's host placeholder = %q, want pop.example.com", got)
		}
	})
	// A changed setting makes the results stale: they go.
	var name string
	guitest.OnUI(func() { name = w.displayName.Text; guitest.Retype(w.displayName, name+" X") })
	if got := w.resultLines(); len(got) != 0 {
		t.Errorf("after a setting changed the results still read %q", got)
	}
	guitest.OnUI(func() { guitest.Retype(w.displayName, name) })
	w.do(func() { test.Tap(w.save) })
	guitest.OnUI(func() {
		if !w.closed {
			t.Fatalf("Save asked again or failed: dialog %q, status %q", guitest.DialogText(w.win), w.status.Text)
		}
	})
	if a := f.Accounts(t); len(a) != 1 || a[0].SMTP.Encryption != core.EncryptionNone || a[0].Sources[0].Encryption != core.EncryptionNone {
		t.Errorf("stored = %+v, want one account with encryption None", a)
	}
}

func TestWizardWrongPasswordIsNamed(t *testing.T) {
	f := newWizardFixture(t)
	smtp := smtptest.Start(t, smtptest.Options{})
	pop := pop3test.Start(t, pop3test.Options{Users: map[string]string{"ann": "right"}})
	w := f.newAccountWizard()
	w.start(t, "ann@example.test", "wrong", "")
	guitest.OnUI(func() {
		w.fillServers(t, smtp, choiceNone(), pop, choiceNone())
		w.smtpAuth.SetChecked(false)
		w.sources[0].samePassword.SetChecked(false)
		guitest.Retype(w.sources[0].password, "wrong")
	})
	w.do(func() { test.Tap(w.test) })
	w.tapDialog(t, "Send in clear")
	lines := w.resultLines()
	if len(lines) != 2 || lines[0] != fmt.Sprintf("SMTP %s:%d — connected, no encryption, no login (authentication is off)", smtp.Host, smtp.Port) {
		t.Fatalf("result lines = %q", lines)
	}
	if !strings.HasPrefix(lines[1], fmt.Sprintf("POP3 %s — ", pop.Addr)) || !strings.Contains(lines[1], "wrong username or password") {
		t.Errorf("POP3 line = %q, want the wrong password named", lines[1])
	}
}

func TestWizardNoKeyringOffersPasswordFile(t *testing.T) {
	f := newWizardFixture(t)
	w := f.newAccountWizard()
	w.start(t, "ann@gmail.com", "app-pw", "Ann")
	guitest.OnUI(func() {
		if w.store.Selected != choiceKeyring() {
			t.Fatalf("password store = %q, want the keyring by default", w.store.Selected)
		}
	})
	w.do(func() { test.Tap(w.save) })
	var text string
	guitest.OnUI(func() { text = guitest.DialogText(w.win) })
	if !strings.Contains(text, "could not reach a system keyring") || !strings.Contains(text, "Keep passwords in a file") {
		t.Fatalf("after Save without a keyring the dialog is %q, want the choice of the password file", text)
	}
	w.tapDialog(t, "Cancel")
	if a := f.Accounts(t); len(a) != 0 {
		t.Fatalf("stored accounts after the keyring failed = %+v, want none (rolled back)", a)
	}
	guitest.OnUI(func() {
		if w.closed || !strings.Contains(w.status.Text, "Not saved") {
			t.Errorf("closed %v, status %q; want the wizard open saying nothing was saved", w.closed, w.status.Text)
		}
	})

	w.do(func() { test.Tap(w.save) })
	w.tapDialog(t, "Keep passwords in a file")
	accounts := f.Accounts(t)
	if len(accounts) != 1 || accounts[0].PasswordStore != core.PasswordStoreFile {
		t.Fatalf("stored = %+v, want one account with its passwords in the file", accounts)
	}
	if got := f.Password(t, secrets.SMTPRef(accounts[0].ID)); got != "app-pw" {
		t.Errorf("SMTP password in the file = %q", got)
	}
	// The next account starts with the file: the keyring is still gone.
	next := f.newAccountWizard()
	guitest.OnUI(func() {
		if next.store.Selected != choiceFile() {
			t.Errorf("the next wizard offers %q, want the password file chosen after the keyring failed", next.store.Selected)
		}
	})
}

func TestWizardDuplicateNameShownUnderField(t *testing.T) {
	f := newWizardFixture(t)
	first := f.newAccountWizard()
	first.start(t, "ann@gmail.com", "pw", "")
	guitest.OnUI(func() { first.store.SetSelected(choiceFile()) })
	first.do(func() { test.Tap(first.save) })
	guitest.Eventually(t, "the first account saved", func() bool { return len(f.wizards.open) == 0 })

	// A second account for another Gmail address: the suggested name
	// does not clash, and a clash typed in shows at once, before Save.
	w := f.newAccountWizard()
	w.start(t, "bob@gmail.com", "pw", "")
	// The wizard reads the existing accounts in the background.
	guitest.Eventually(t, "the suggested name Gmail 2 (Gmail is taken)", func() bool { return w.accountName.Text == "Gmail 2" })
	guitest.OnUI(func() {
		if w.existingRow.Visible() {
			t.Errorf("a new address is said to be set up already: %q", w.existing.Text)
		}
		guitest.Retype(w.accountName, "gmail")
		if p := w.fields["name"].problem; !p.Visible() || !strings.Contains(p.Text, `another account is called "Gmail"`) {
			t.Errorf("name typed as an existing one: problem %q (shown %v), want the clash named", p.Text, p.Visible())
		}
		if !w.save.Disabled() {
			t.Error("Save is enabled with a name that clashes")
		}
		w.win.Close()
	})

	// The same address again: the wizard says so and offers that account.
	again := f.newAccountWizard()
	again.start(t, "ann@gmail.com", "pw", "")
	guitest.OnUI(func() {
		if !again.existingRow.Visible() || !strings.Contains(again.existing.Text, `as the account "Gmail"`) || again.editExisting.Text != "Edit Gmail" {
			t.Errorf("an address set up already: warning shown %v, %q, button %q", again.existingRow.Visible(), again.existing.Text, again.editExisting.Text)
		}
	})
	if n := len(f.Accounts(t)); n != 1 {
		t.Errorf("stored accounts = %d, want 1", n)
	}
}
