package gui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/ui/gui/guitest"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/gui/mailtext"
	"github.com/tributary-mail/tributary/ui/i18n/i18ntest"
)

// In German, the main window's sidebar, toolbar, shortcuts window, tray
// and notifications speak German, counted strings take the right form,
// and the list writes dates the German way.
func TestMainWindowInGerman(t *testing.T) {
	i18ntest.Use(t, "de")
	f := newMainFixture(t)
	work, home := f.Account(t, "Work"), f.Account(t, "Home")
	one := f.Deliver(t, work, "Mittag?", time.Minute)
	two, three := f.Deliver(t, home, "Rechnung", time.Minute), f.Deliver(t, work, "Protokoll", time.Minute)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "the sidebar filled", func() bool { return len(w.nav) > 5 })

	var labels []string
	inboxes := 0 // the app's own Inbox is shown in German; server names are not
	guitest.OnUI(func() {
		for _, n := range w.nav[:5] {
			labels = append(labels, n.label)
		}
		for _, n := range w.nav {
			if n.label == "    Posteingang" {
				inboxes++
			}
		}
	})
	if inboxes != 2 {
		t.Errorf("the sidebar shows %d Posteingang entries, want one per account", inboxes)
	}
	if got, want := strings.Join(labels, ","), "Alle Posteingänge,Ungelesen,Markiert,Gesendet,Alle Entwürfe"; got != want {
		t.Errorf("the sidebar's unified views = %s, want %s", got, want)
	}
	// Special folders under their usual English names are shown in the
	// language; any other name as the server gave it.
	for name, want := range map[string]string{"Sent": "Gesendet", "Trash": "Papierkorb", "Junk": "Spam", "Archive": "Archiv", "Drafts": "Entwürfe", "INBOX.Sent": "INBOX.Sent", "Projekte": "Projekte"} {
		if got := mailtext.FolderName(name); got != want {
			t.Errorf("shownFolder(%q) = %q, want %q", name, got, want)
		}
	}
	if got := w.toolbar[1].Tip; got != "Neue Nachricht (Strg+N)" {
		t.Errorf("the New message tooltip = %q", got)
	}

	guitest.OnUI(w.showShortcuts)
	text := guitest.DialogText(w.win)
	for _, want := range []string{"Tastenkürzel", "nächste Nachricht", "S oder *", "Schließen"} {
		if !strings.Contains(text, want) {
			t.Errorf("the shortcuts window lacks %q:\n%s", want, text)
		}
	}

	cases := []struct {
		name, got, want string
	}{
		{"tray, one unread", f.app.tray.Menu(1).Items[0].Label, "1 ungelesen"},
		{"tray, none unread", f.app.tray.Menu(0).Items[0].Label, "Keine ungelesenen E-Mails"},
		{"drafts, none", draftsHeading(0), "Keine Entwürfe"},
		{"drafts, one", draftsHeading(1), "1 Entwurf"},
		{"drafts, several", draftsHeading(1234), "1.234 Entwürfe"},
		{"a date of last year", mailtext.ShortDate(time.Date(time.Now().Year()-1, time.March, 5, 9, 30, 0, 0, time.Local)), "05.03." + time.Now().AddDate(-1, 0, 0).Format("2006")},
		{"a size", kit.HumanSize(1_500_000), "1,5 MB"},
	}
	n := f.app.tray.Notification(context.Background(), []int64{one})
	cases = append(cases, struct{ name, got, want string }{"a notification for one message", n.Title, "Neue E-Mail von Ann Sender"})
	n = f.app.tray.Notification(context.Background(), []int64{one, two, three})
	cases = append(cases, struct{ name, got, want string }{"a notification for several", n.Title, "3 neue Nachrichten in 2 Konten"})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %q, want %q", c.got, c.want)
			}
		})
	}
}
