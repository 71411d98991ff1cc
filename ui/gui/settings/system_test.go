package settings

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core/applog"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

func TestCopyDiagnosticsTakesAccountsAndLoggedProblems(t *testing.T) {
	f := newSettingsFixture(t)
	f.AddAccount(t, "Work")
	logPath := filepath.Join(t.TempDir(), "logs", applog.FileName)
	l, err := applog.Open(logPath, slog.LevelInfo, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Logger.Warn("login refused", "account", "Work", "error", errors.New("NO for work@example.test"))
	l.Close()
	f.settings.LogFile = logPath
	f.settings.Version = "9.8.7"
	s := f.openSettings()
	var text string
	guitest.OnUI(func() {
		s.tabs.SelectIndex(settingsTab(t, s, "Preferences"))
		text = strings.Join(guitest.VisibleText(s.win.Content()), "\n")
	})
	if !strings.Contains(text, logPath) {
		t.Errorf("Preferences do not show the log file %s:\n%s", logPath, text)
	}
	guitest.OnUI(func() { guitest.TapButton(t, s.win, "Copy diagnostics") })
	s.jobs.Wait()
	var report string
	guitest.OnUI(func() { report = f.sh.Fyne.Clipboard().Content() })
	for _, want := range []string{"Tributary 9.8.7", "- Work <w…@example.test>", "SMTP smtp.example.test:587", "login refused"} {
		if !strings.Contains(report, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "work@example.test") {
		t.Errorf("diagnostics show the whole address:\n%s", report)
	}
}

func TestStartAtLoginWritesTheAutostartEntry(t *testing.T) {
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config)
	f := newSettingsFixture(t)
	s := f.openSettings()
	var check *widget.Check
	guitest.OnUI(func() {
		s.tabs.SelectIndex(settingsTab(t, s, "Preferences"))
		check, _ = guitest.FindWidget(s.win.Content(), func(c *widget.Check) bool { return strings.HasPrefix(c.Text, "Start Tributary when I log in") })
	})
	if check == nil || check.Checked {
		t.Fatalf("start-at-login check %v, want one, off", check)
	}
	entry := filepath.Join(config, "autostart", "io.github.tributary.desktop")
	guitest.OnUI(func() { test.Tap(check) })
	raw, err := os.ReadFile(entry)
	if err != nil || !strings.Contains(string(raw), " --minimized\n") {
		t.Fatalf("autostart entry %q, %v; want one starting minimised", raw, err)
	}
	guitest.OnUI(func() { test.Tap(check) })
	if _, err := os.Stat(entry); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after turning it off the entry is still there: %v", err)
	}
}

// settingsTab is the index of the Settings tab named name.
func settingsTab(t *testing.T, s *settingsWindow, name string) int {
	t.Helper()
	for i, item := range s.tabs.Items {
		if item.Text == name {
			return i
		}
	}
	t.Fatalf("no Settings tab %q", name)
	return -1
}
