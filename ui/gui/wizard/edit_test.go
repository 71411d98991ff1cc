package wizard

import (
	"context"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/pop3test"
	"github.com/tributary-mail/tributary/core/mailtest/smtptest"
	"github.com/tributary-mail/tributary/core/secrets"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// sameSource compares sources, taking no IMAP folders and an empty list
// as the same.
func sameSource(a, b core.Source) bool {
	return slices.Equal(a.IMAPFolders, b.IMAPFolders) && func() bool {
		a.IMAPFolders, b.IMAPFolders = nil, nil
		return reflect.DeepEqual(a, b)
	}()
}

func TestEditKeepsBlankPasswords(t *testing.T) {
	f := newWizardFixture(t)
	a := f.AddAccount(t, "Work")
	var w *wizard
	guitest.OnUI(func() { w = f.wizards.bringUp(&a) })
	guitest.OnUI(func() {
		if w.win.Content() != w.step2 || w.smtpHost.Text != "smtp.example.test" || w.sources[0].host.Text != "pop.example.test" {
			t.Fatalf("edit wizard: step 2 %v, SMTP %q, source %q", w.win.Content() == w.step2, w.smtpHost.Text, w.sources[0].host.Text)
		}
		if w.smtpPass.Text != "" || w.sources[0].password.Text != "" || w.sources[0].samePassword.Checked {
			t.Errorf("edit wizard passwords: SMTP %q, source %q, same %v; want blank, own", w.smtpPass.Text, w.sources[0].password.Text, w.sources[0].samePassword.Checked)
		}
		// Blank means unchanged: the form is valid as loaded.
		if w.save.Disabled() {
			t.Fatalf("Save disabled on an unchanged account: %v", guitest.VisibleText(w.step2))
		}
		guitest.Retype(w.displayName, "Ann Renamed")
		guitest.Retype(w.sources[0].password, "new-pop-pw")
		// Changing the password store asks for every password again.
		w.store.SetSelected(choiceKeyring())
		if p := w.fields["smtp.password"].problem.Text; !strings.Contains(p, "is required") {
			t.Errorf("SMTP password problem after a change of store = %q, want it required", p)
		}
		w.store.SetSelected(choiceFile())
	})
	w.do(func() { test.Tap(w.save) })
	guitest.OnUI(func() {
		if !w.closed {
			t.Fatalf("edit not saved: %q %q", w.status.Text, w.general.Text)
		}
	})
	got := f.Accounts(t)[0]
	if got.DisplayName != "Ann Renamed" || got.SMTP != a.SMTP || len(got.Sources) != 1 || !sameSource(got.Sources[0], a.Sources[0]) {
		t.Errorf("stored after edit = %+v, want only the display name changed", got)
	}
	if pw := f.Password(t, secrets.SMTPRef(a.ID)); pw != "smtp-pw" {
		t.Errorf("SMTP password = %q, want it unchanged", pw)
	}
	if pw := f.Password(t, secrets.SourceRef(a.Sources[0].ID)); pw != "new-pop-pw" {
		t.Errorf("POP3 password = %q, want the new one", pw)
	}
}

func TestAddSource(t *testing.T) {
	f := newWizardFixture(t)
	a := f.AddAccount(t, "Work")
	imapHost := "imap.example.test"
	guitest.OnUI(func() { f.wizards.AddSource(a) })
	w := f.wizards.open[a.ID]
	guitest.OnUI(func() {
		if len(w.sources) != 2 {
			t.Fatalf("wizard sources after Add source = %d, want 2", len(w.sources))
		}
		n := w.sources[1]
		if !w.save.Disabled() {
			t.Errorf("Save enabled with an empty new source")
		}
		if p := n.fields["host"].problem.Text; !strings.Contains(p, "Retrieval 2 server address: is required") {
			t.Errorf("new source host problem = %q", p)
		}
		guitest.Retype(n.host, imapHost)
		guitest.Retype(n.password, "imap-pw")
		guitest.Retype(n.boxes, "INBOX, Archive")
		if w.save.Disabled() {
			t.Fatalf("Save disabled: %v", guitest.VisibleText(w.step2))
		}
	})
	w.do(func() { test.Tap(w.save) })
	got := f.Accounts(t)[0]
	if len(got.Sources) != 2 || got.Sources[1].Host != imapHost || got.Sources[1].Protocol != core.ProtocolIMAP ||
		strings.Join(got.Sources[1].IMAPFolders, ",") != "INBOX,Archive" {
		t.Fatalf("sources after adding = %+v", got.Sources)
	}
	added := got.Sources[1]
	if pw := f.Password(t, secrets.SourceRef(added.ID)); pw != "imap-pw" {
		t.Errorf("new source password = %q", pw)
	}
}

func TestWizardEditTestsWithSavedPasswords(t *testing.T) {
	f := newWizardFixture(t)
	smtp := smtptest.Start(t, smtptest.Options{})
	pop := pop3test.Start(t, pop3test.Options{Users: map[string]string{"ann": "pop-pw"}})
	popHost, popPort := guitest.HostPort(t, pop.Addr)
	a := core.Account{Name: "Local", Email: "ann@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: smtp.Host, Port: smtp.Port, Encryption: core.EncryptionNone},
		Sources: []core.Source{{Protocol: core.ProtocolPOP3, Host: popHost, Port: popPort, Username: "ann", Encryption: core.EncryptionNone,
			Method: core.MethodManual, Interval: core.DefaultInterval, Folder: core.DefaultFolder, LeaveOnServer: true}}}
	if err := f.DB.CreateAccount(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	if err := f.Engine.SavePasswords(a, core.Passwords{Sources: []string{"pop-pw"}}); err != nil {
		t.Fatal(err)
	}
	var w *wizard
	guitest.OnUI(func() { w = f.wizards.bringUp(&a) })
	w.do(func() { test.Tap(w.test) })
	w.tapDialog(t, "Send in clear")
	want := []string{
		"SMTP " + smtp.Host + ":" + strconv.Itoa(smtp.Port) + " — connected, no encryption, no login (authentication is off)",
		"POP3 " + pop.Addr + " — connected, no encryption, login OK",
	}
	if got := w.resultLines(); !slices.Equal(got, want) {
		t.Errorf("results with the saved password = %q, want %q", got, want)
	}
}
