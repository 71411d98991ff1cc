package settings

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/secrets"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
	"github.com/tributary-mail/tributary/ui/gui/shell"
	"github.com/tributary-mail/tributary/ui/gui/wizard"
)

// settingsFixture is the Settings window, and the wizards it opens,
// over a real store and engine.
type settingsFixture struct {
	*guitest.Store
	sh       *shell.Shell
	wizards  *wizard.Wizards
	settings *Settings
}

func newSettingsFixture(t *testing.T) *settingsFixture {
	t.Helper()
	return newSettingsFixtureWith(t, test.NewTempApp(t))
}

func newSettingsFixtureWith(t *testing.T, fa fyne.App) *settingsFixture {
	t.Helper()
	f := &settingsFixture{Store: guitest.NewStore(t)}
	f.sh = guitest.NewShell(t, fa, f.Store)
	f.wizards = wizard.New(f.sh)
	f.wizards.Autoconfig = f.Offline.Options()
	f.settings = New(f.sh, f.wizards)
	// After NewShell, so that it stops before the shell's work is waited for.
	guitest.Follow(t, f.sh, f.settings.Handle)
	return f
}

func TestMain(m *testing.M) { guitest.Main(m) }

// openSettings opens the Settings window and waits for its list.
func (f *settingsFixture) openSettings() *settingsWindow {
	var s *settingsWindow
	guitest.OnUI(func() { s = f.settings.bringUp() })
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
	f := newSettingsFixture(t)
	f.AddAccount(t, "Work")
	f.AddAccount(t, "Home")
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
	guitest.OnUI(func() { again = f.settings.bringUp() })
	again.jobs.Wait()
	if again != s {
		t.Errorf("OpenSettings twice opened two windows")
	}
}

// Edit opens the account's wizard (whose edit is tested in package
// wizard), and the engine's EventAccounts shows the change, whoever made
// it.
func TestSettingsEditOpensTheWizardAndFollowsTheChange(t *testing.T) {
	f := newSettingsFixture(t)
	a := f.AddAccount(t, "Work")
	s := f.openSettings()
	s.do(func() { test.Tap(s.rows[0].edit) })
	guitest.OnUI(func() {
		if !f.wizards.IsOpen(a.ID) {
			t.Fatal("Edit opened no wizard for the account")
		}
	})
	changed := a
	changed.DisplayName = "Ann Renamed"
	if err := f.Engine.SaveAccount(context.Background(), &a, &changed, core.Passwords{}); err != nil {
		t.Fatal(err)
	}
	guitest.Eventually(t, "Settings refreshed after the edit", func() bool {
		return strings.Contains(strings.Join(guitest.VisibleText(s.win.Content()), "\n"), "Ann Renamed")
	})
}

func TestSettingsRemoveAccount(t *testing.T) {
	f := newSettingsFixture(t)
	a := f.AddAccount(t, "Work")
	f.AddAccount(t, "Home")
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
	if n := len(f.Accounts(t)); n != 2 {
		t.Fatalf("accounts after Cancel = %d, want 2", n)
	}
	s.do(func() { test.Tap(row.remove) })
	s.tapDialog(t, "Remove account")
	left := f.Accounts(t)
	if len(left) != 1 || left[0].Name != "Home" {
		t.Fatalf("accounts after removing Work = %+v, want Home only", left)
	}
	for _, ref := range []string{secrets.SMTPRef(a.ID), secrets.SourceRef(a.Sources[0].ID)} {
		if _, err := secrets.Open(core.PasswordStoreFile, f.Dir).Get(ref); !errors.Is(err, secrets.ErrNotFound) {
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

// Add source opens the account's wizard (which adds the source: tested
// in package wizard); Remove takes a source off, with its password and
// nothing else.
func TestSettingsAddAndRemoveSource(t *testing.T) {
	f := newSettingsFixture(t)
	a := f.AddAccount(t, "Work")
	imapHost := "imap.example.test"
	s := f.openSettings()
	s.do(func() { test.Tap(s.rows[0].addSource) })
	guitest.OnUI(func() {
		if !f.wizards.IsOpen(a.ID) {
			t.Fatal("Add source opened no wizard for the account")
		}
	})
	withIMAP := a
	withIMAP.Sources = append(slices.Clone(a.Sources), core.Source{Protocol: core.ProtocolIMAP, Host: imapHost, Port: 993, Username: "ann",
		Encryption: core.EncryptionSSL, Method: core.MethodAutomatic, Interval: core.DefaultInterval, Folder: core.DefaultFolder})
	if err := f.Engine.SaveAccount(context.Background(), &a, &withIMAP, core.Passwords{Sources: []string{"", "imap-pw"}}); err != nil {
		t.Fatal(err)
	}
	added := f.Accounts(t)[0].Sources[1]

	guitest.Eventually(t, "Settings lists 2 sources", func() bool { return len(s.rows) == 1 && len(s.rows[0].sources) == 2 })
	s.do(func() { test.Tap(s.rows[0].sources[1].remove) })
	var text string
	guitest.OnUI(func() { text = guitest.DialogText(s.win) })
	if !strings.Contains(text, "Stop retrieving IMAP "+imapHost+":993") {
		t.Fatalf("confirmation = %q", text)
	}
	s.tapDialog(t, "Remove source")
	got := f.Accounts(t)[0]
	if len(got.Sources) != 1 || got.Sources[0].ID != a.Sources[0].ID {
		t.Fatalf("sources after removing = %+v, want the POP3 one only", got.Sources)
	}
	if _, err := secrets.Open(core.PasswordStoreFile, f.Dir).Get(secrets.SourceRef(added.ID)); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("removed source's password: %v, want it deleted", err)
	}
	if pw := f.Password(t, secrets.SMTPRef(a.ID)); pw != "smtp-pw" {
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
		f := newSettingsFixtureWith(t, fa)
		s := f.openSettings()
		guitest.OnUI(func() {
			if s.closeToTray.Disabled() || s.closeToTray.Checked {
				t.Fatalf("Close to tray: disabled %v, checked %v; want enabled, off", s.closeToTray.Disabled(), s.closeToTray.Checked)
			}
			test.Tap(s.closeToTray)
		})
		if !fa.Preferences().Bool(shell.PrefCloseToTray) {
			t.Errorf("preference %s = false after ticking Close to tray", shell.PrefCloseToTray)
		}
		guitest.OnUI(func() { test.Tap(s.closeToTray) })
		if fa.Preferences().Bool(shell.PrefCloseToTray) {
			t.Errorf("preference %s = true after unticking", shell.PrefCloseToTray)
		}
	})
	t.Run("without a tray", func(t *testing.T) {
		f := newSettingsFixture(t)
		s := f.openSettings()
		guitest.OnUI(func() {
			if !s.closeToTray.Disabled() {
				t.Errorf("Close to tray enabled on a desktop without a tray")
			}
		})
	})
}

func TestSettingsShowsVersionAndDataDirectory(t *testing.T) {
	f := newSettingsFixture(t)
	f.settings.Version = "9.8.7"
	s := f.openSettings()
	var text []string
	guitest.OnUI(func() {
		s.tabs.SelectIndex(settingsTab(t, s, "Preferences")) // Preferences
		text = guitest.VisibleText(s.win.Content())
	})
	joined := strings.Join(text, "\n")
	if !strings.Contains(joined, "Tributary 9.8.7") || !strings.Contains(joined, f.DB.Dir()) {
		t.Errorf("Settings shows %q, want the version and the data directory %s", joined, f.DB.Dir())
	}
}

// TestSendingTab: the undo window is set in Settings, within 0 to 60 s.
func TestSendingTab(t *testing.T) {
	f := newSettingsFixture(t)
	prefs := f.sh.Fyne.Preferences()
	if got := shell.UndoWindow(prefs); got != 10*time.Second {
		t.Errorf("default undo window = %s, want 10s", got)
	}
	s := f.openSettings()
	t.Cleanup(func() { guitest.OnUI(s.win.Close) })
	guitest.OnUI(func() {
		i := settingsTab(t, s, "Sending")
		s.tabs.SelectIndex(i)
		slider, _ := guitest.FindWidget(s.tabs.Items[i].Content, func(*widget.Slider) bool { return true })
		if slider == nil {
			t.Fatal("the Sending tab has no slider")
		}
		slider.SetValue(25)
		slider.OnChangeEnded(25)
	})
	if got := shell.UndoWindow(prefs); got != 25*time.Second {
		t.Errorf("undo window after the slider = %s, want 25s", got)
	}
	prefs.SetInt(shell.PrefUndoSeconds, 600)
	if got := shell.UndoWindow(prefs); got != time.Minute {
		t.Errorf("undo window set to 600 = %s, want the 60 s cap", got)
	}
}
