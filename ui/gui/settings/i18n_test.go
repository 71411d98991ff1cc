package settings

import (
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
	"github.com/tributary-mail/tributary/ui/i18n/i18ntest"
)

// In German Settings speaks German, and counted words take their forms.
func TestSettingsInGerman(t *testing.T) {
	i18ntest.Use(t, "de")
	f := newSettingsFixture(t)
	f.AddAccount(t, "Work")
	s := f.openSettings()
	guitest.OnUI(func() {
		if got := s.win.Title(); got != "Konten und Einstellungen" {
			t.Errorf("Settings title = %q", got)
		}
		var tabs []string
		for _, item := range s.tabs.Items {
			tabs = append(tabs, item.Text)
		}
		if got, want := strings.Join(tabs, ", "), "Konten, Identitäten, Versand, Regeln, Allgemein"; got != want {
			t.Errorf("tabs = %s, want %s", got, want)
		}
		guitest.Screenshot(t, s.win.Canvas(), "settings-de.png")
		text := strings.Join(guitest.VisibleText(s.win.Content()), "\n")
		for _, want := range []string{
			"Sendet über SMTP smtp.example.test:587 (STARTTLS), Anmeldung als ann; Passwörter in der Passwortdatei",
			"POP3 pop.example.test:995 (SSL/TLS) als ann, alle 15 Minuten, in Inbox, 30 Tage auf dem Server behalten",
			"Bearbeiten", "Abrufquelle hinzufügen", "Schließen",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("Settings does not show %q:\n%s", want, text)
			}
		}
	})
	cases := []struct {
		name string
		days int
		want string
	}{
		{"one day", 1, "1 Tag auf dem Server behalten"},
		{"several days", 2, "2 Tage auf dem Server behalten"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := core.Source{Protocol: core.ProtocolPOP3, Host: "pop.example.test", Port: 995, Encryption: core.EncryptionSSL,
				Interval: time.Minute, Folder: "Inbox", LeaveOnServer: true, DeleteAfterDays: c.days}
			got := sourceSummary(src)
			if !strings.HasSuffix(got, c.want) || !strings.Contains(got, "jede Minute") {
				t.Errorf("summary = %q, want it to end %q and retrieve every minute", got, c.want)
			}
		})
	}
}
