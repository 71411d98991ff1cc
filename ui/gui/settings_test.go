package gui

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/pop3test"
	"github.com/tributary-mail/tributary/core/mailtest/smtptest"
	"github.com/tributary-mail/tributary/core/secrets"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// addAccount stores an account with a POP3 source and its passwords in the
// password file, as the wizard would.
func (f *wizardFixture) addAccount(t *testing.T, name string) core.Account {
	t.Helper()
	a := core.Account{Name: name, DisplayName: name + " User", Email: strings.ToLower(name) + "@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: "smtp.example.test", Port: 587, Username: "ann", Encryption: core.EncryptionSTARTTLS, Auth: true},
		Sources: []core.Source{{Protocol: core.ProtocolPOP3, Host: "pop.example.test", Port: 995, Username: "ann", Encryption: core.EncryptionSSL,
			Method: core.MethodAutomatic, Interval: 15 * time.Minute, Folder: core.DefaultFolder, LeaveOnServer: true, DeleteAfterDays: 30}}}
	if err := f.db.CreateAccount(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	if err := f.engine.SavePasswords(a, core.Passwords{SMTP: "smtp-pw", Sources: []string{"pop-pw"}}); err != nil {
		t.Fatal(err)
	}
	return a
}

// sameSource compares sources, taking no IMAP folders and an empty list
// as the same.
func sameSource(a, b core.Source) bool {
	return slices.Equal(a.IMAPFolders, b.IMAPFolders) && func() bool {
		a.IMAPFolders, b.IMAPFolders = nil, nil
		return reflect.DeepEqual(a, b)
	}()
}

// openSettings opens the Settings window and waits for its list.
func (f *wizardFixture) openSettings() *settingsWindow {
	var s *settingsWindow
	guitest.OnUI(func() { s = f.app.openSettings() })
	s.jobs.Wait()
	return s
}

// do runs fn as the UI goroutine and waits for what it starts.
func (s *settingsWindow) do(fn func()) {
	guitest.OnUI(fn)
	s.jobs.Wait()
}

func (s *settingsWindow) tapDialog(t *testing.T, label string) {
	t.Helper()
	s.do(func() {
		b := guitest.FindButton(s.win.Canvas().Overlays().Top(), label)
		if b == nil {
			t.Fatalf("no %q button in the dialog %q", label, guitest.DialogText(s.win))
		}
		test.Tap(b)
	})
}

func TestSettingsListsAccounts(t *testing.T) {
	f := newWizardFixture(t)
	f.addAccount(t, "Work")
	f.addAccount(t, "Home")
	s := f.openSettings()
	guitest.OnUI(func() {
		text := strings.Join(guitest.VisibleText(s.win.Content()), "\n")
		for _, want := range []string{
			"Home", "Work", "Work User <work@example.test>",
			"Sends through SMTP smtp.example.test:587 (STARTTLS), login as ann; passwords in the password file",
			"POP3 pop.example.test:995 (SSL/TLS) as ann, every 15 minutes, into Inbox, kept on the server for 30 days",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("Settings does not show %q:\n%s", want, text)
			}
		}
		if len(s.rows) != 2 || s.rows[0].account.Name != "Home" {
			t.Errorf("rows = %d, first %q; want 2, Home first (by name)", len(s.rows), s.rows[0].account.Name)
		}
	})
	// Asking again brings the same window forward.
	var again *settingsWindow
	guitest.OnUI(func() { again = f.app.openSettings() })
	again.jobs.Wait()
	if again != s {
		t.Errorf("OpenSettings twice opened two windows")
	}
}

func TestSettingsEditKeepsBlankPasswords(t *testing.T) {
	f := newWizardFixture(t)
	a := f.addAccount(t, "Work")
	s := f.openSettings()
	s.do(func() { test.Tap(s.rows[0].edit) })
	w := f.app.wizards[a.ID]
	if w == nil {
		t.Fatal("Edit opened no wizard for the account")
	}
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
	got := f.accounts(t)[0]
	if got.DisplayName != "Ann Renamed" || got.SMTP != a.SMTP || len(got.Sources) != 1 || !sameSource(got.Sources[0], a.Sources[0]) {
		t.Errorf("stored after edit = %+v, want only the display name changed", got)
	}
	if pw := f.password(t, secrets.SMTPRef(a.ID)); pw != "smtp-pw" {
		t.Errorf("SMTP password = %q, want it unchanged", pw)
	}
	if pw := f.password(t, secrets.SourceRef(a.Sources[0].ID)); pw != "new-pop-pw" {
		t.Errorf("POP3 password = %q, want the new one", pw)
	}
	// The engine's EventAccounts refreshes the open Settings window.
	guitest.Eventually(t, "Settings refreshed after the edit", func() bool {
		return strings.Contains(strings.Join(guitest.VisibleText(s.win.Content()), "\n"), "Ann Renamed")
	})
}

func TestSettingsRemoveAccount(t *testing.T) {
	f := newWizardFixture(t)
	a := f.addAccount(t, "Work")
	f.addAccount(t, "Home")
	s := f.openSettings()
	var row accountRow
	guitest.OnUI(func() { row = s.rows[1] })
	if row.account.Name != "Work" {
		t.Fatalf("second row = %q, want Work", row.account.Name)
	}
	s.do(func() { test.Tap(row.remove) })
	var text string
	guitest.OnUI(func() { text = guitest.DialogText(s.win) })
	if !strings.Contains(text, `Remove the account "Work" (work@example.test)?`) {
		t.Fatalf("confirmation = %q", text)
	}
	s.tapDialog(t, "Cancel")
	if n := len(f.accounts(t)); n != 2 {
		t.Fatalf("accounts after Cancel = %d, want 2", n)
	}
	s.do(func() { test.Tap(row.remove) })
	s.tapDialog(t, "Remove account")
	left := f.accounts(t)
	if len(left) != 1 || left[0].Name != "Home" {
		t.Fatalf("accounts after removing Work = %+v, want Home only", left)
	}
	for _, ref := range []string{secrets.SMTPRef(a.ID), secrets.SourceRef(a.Sources[0].ID)} {
		if _, err := secrets.Open(core.PasswordStoreFile, f.dir).Get(ref); !errors.Is(err, secrets.ErrNotFound) {
			t.Errorf("password %s after removal: %v, want it deleted", ref, err)
		}
	}
	guitest.Eventually(t, "Settings lists one account", func() bool { return len(s.rows) == 1 })
	guitest.OnUI(func() {
		if len(s.rows) != 1 || !strings.Contains(s.status.Text, `"Work" was removed`) {
			t.Errorf("Settings after removal: %d rows, status %q", len(s.rows), s.status.Text)
		}
	})
}

func TestSettingsAddAndRemoveSource(t *testing.T) {
	f := newWizardFixture(t)
	a := f.addAccount(t, "Work")
	imapHost := "imap.example.test"
	s := f.openSettings()
	s.do(func() { test.Tap(s.rows[0].addSource) })
	w := f.app.wizards[a.ID]
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
	got := f.accounts(t)[0]
	if len(got.Sources) != 2 || got.Sources[1].Host != imapHost || got.Sources[1].Protocol != core.ProtocolIMAP ||
		strings.Join(got.Sources[1].IMAPFolders, ",") != "INBOX,Archive" {
		t.Fatalf("sources after adding = %+v", got.Sources)
	}
	added := got.Sources[1]
	if pw := f.password(t, secrets.SourceRef(added.ID)); pw != "imap-pw" {
		t.Errorf("new source password = %q", pw)
	}

	guitest.Eventually(t, "Settings lists 2 sources", func() bool { return len(s.rows) == 1 && len(s.rows[0].sources) == 2 })
	s.do(func() { test.Tap(s.rows[0].sources[1].remove) })
	var text string
	guitest.OnUI(func() { text = guitest.DialogText(s.win) })
	if !strings.Contains(text, "Stop retrieving IMAP "+imapHost+":993") {
		t.Fatalf("confirmation = %q", text)
	}
	s.tapDialog(t, "Remove source")
	got = f.accounts(t)[0]
	if len(got.Sources) != 1 || got.Sources[0].ID != a.Sources[0].ID {
		t.Fatalf("sources after removing = %+v, want the POP3 one only", got.Sources)
	}
	if _, err := secrets.Open(core.PasswordStoreFile, f.dir).Get(secrets.SourceRef(added.ID)); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("removed source's password: %v, want it deleted", err)
	}
	if pw := f.password(t, secrets.SMTPRef(a.ID)); pw != "smtp-pw" {
		t.Errorf("SMTP password after removing a source = %q, want it kept", pw)
	}
}

// trayApp is the test app with a system tray, as desktop drivers have.
type trayApp struct {
	fyne.App
	menu *fyne.Menu
}

func (a *trayApp) SetSystemTrayMenu(m *fyne.Menu)  { a.menu = m }
func (a *trayApp) SetSystemTrayIcon(fyne.Resource) {}
func (a *trayApp) SetSystemTrayWindow(fyne.Window) {}

func TestSettingsCloseToTray(t *testing.T) {
	t.Run("with a tray", func(t *testing.T) {
		fa := &trayApp{App: test.NewTempApp(t)}
		f := newWizardFixtureWith(t, fa)
		s := f.openSettings()
		guitest.OnUI(func() {
			if s.closeToTray.Disabled() || s.closeToTray.Checked {
				t.Fatalf("Close to tray: disabled %v, checked %v; want enabled, off", s.closeToTray.Disabled(), s.closeToTray.Checked)
			}
			test.Tap(s.closeToTray)
		})
		if !fa.Preferences().Bool(prefCloseToTray) {
			t.Errorf("preference %s = false after ticking Close to tray", prefCloseToTray)
		}
		guitest.OnUI(func() { test.Tap(s.closeToTray) })
		if fa.Preferences().Bool(prefCloseToTray) {
			t.Errorf("preference %s = true after unticking", prefCloseToTray)
		}
	})
	t.Run("without a tray", func(t *testing.T) {
		f := newWizardFixture(t)
		s := f.openSettings()
		guitest.OnUI(func() {
			if !s.closeToTray.Disabled() {
				t.Errorf("Close to tray enabled on a desktop without a tray")
			}
		})
	})
}

func TestWizardEditTestsWithSavedPasswords(t *testing.T) {
	f := newWizardFixture(t)
	smtp := smtptest.Start(t, smtptest.Options{})
	pop := pop3test.Start(t, pop3test.Options{Users: map[string]string{"ann": "pop-pw"}})
	popHost, popPort := hostPort(t, pop.Addr)
	a := core.Account{Name: "Local", Email: "ann@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: smtp.Host, Port: smtp.Port, Encryption: core.EncryptionNone},
		Sources: []core.Source{{Protocol: core.ProtocolPOP3, Host: popHost, Port: popPort, Username: "ann", Encryption: core.EncryptionNone,
			Method: core.MethodManual, Interval: core.DefaultInterval, Folder: core.DefaultFolder, LeaveOnServer: true}}}
	if err := f.db.CreateAccount(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	if err := f.engine.SavePasswords(a, core.Passwords{Sources: []string{"pop-pw"}}); err != nil {
		t.Fatal(err)
	}
	var w *wizard
	guitest.OnUI(func() { w = f.app.openWizard(&a) })
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

func TestSettingsShowsVersionAndDataDirectory(t *testing.T) {
	f := newMainFixture(t)
	f.app.SetVersion("9.8.7")
	guitest.OnUI(f.app.Start)
	guitest.OnUI(f.app.OpenSettings)
	var text []string
	guitest.OnUI(func() {
		s := f.app.settings
		s.tabs.SelectIndex(settingsTab(t, s, "Preferences")) // Preferences
		text = guitest.VisibleText(s.win.Content())
	})
	joined := strings.Join(text, "\n")
	if !strings.Contains(joined, "Tributary 9.8.7") || !strings.Contains(joined, f.db.Dir()) {
		t.Errorf("Settings shows %q, want the version and the data directory %s", joined, f.db.Dir())
	}
}
