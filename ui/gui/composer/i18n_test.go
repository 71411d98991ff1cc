package composer

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
	"github.com/tributary-mail/tributary/ui/i18n/i18ntest"
)

// The composer and the outbox speak German when the system does: the
// toolbar, the form's labels, the outbox's tabs and states, counted
// attempts, and dates the German way.
func TestComposeInGerman(t *testing.T) {
	i18ntest.Use(t, "de")
	f := newComposeFixture(t)

	guitest.OnUI(func() { f.composers.Open(Draft{}) })
	c := f.onlyComposer(t)
	guitest.Eventually(t, "accounts loaded", func() bool { return c.ready })
	guitest.OnUI(func() {
		if got := c.win.Title(); got != "Neue Nachricht" {
			t.Errorf("title = %q, want Neue Nachricht", got)
		}
		shown := guitest.VisibleText(c.win.Canvas().Content())
		for _, want := range []string{"Senden", "Später senden…", "Anhängen…", "Verwerfen", "Bild einfügen…", "Vorschau", "Nur Text", "Von", "An", "Betreff"} {
			if !slices.Contains(shown, want) {
				t.Errorf("the composer shows no %q; it shows %q", want, shown)
			}
		}
		if slices.Contains(shown, "Send") || slices.Contains(shown, "Subject") {
			t.Errorf("the composer still shows English: %q", shown)
		}
		// Sending with no recipient says so in German.
		c.send()
		if got := c.to.problem.Text; got != "Geben Sie mindestens einen Empfänger an." {
			t.Errorf("no recipient: %q", got)
		}
	})

	at := time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)
	if _, err := laterTime("2026-03-04", "10:00", at.Add(time.Hour)); err == nil || err.Error() != "Mi., 4. März 2026, 10:00 ist vorbei: wählen Sie einen späteren Zeitpunkt" {
		t.Errorf("a time past says %v", err)
	}

	waiting := f.queue(t, f.alpha, "Wartend")
	unknown := f.queue(t, f.beta, "Vielleicht")
	if err := f.DB.SetOutboxState(context.Background(), unknown.ID, core.OutboxUnknown, "connection lost after DATA", time.Time{}); err != nil {
		t.Fatal(err)
	}
	w := f.openOutbox(t, 2)
	guitest.OnUI(func() {
		if got := w.win.Title(); got != "Postausgang" {
			t.Errorf("outbox title = %q", got)
		}
		if got := w.tabs.Items[0].Text; got != "Postausgang (2)" {
			t.Errorf("outbox tab = %q", got)
		}
		if got := w.tabs.Items[1].Text; got != "Entwürfe (0)" {
			t.Errorf("drafts tab = %q", got)
		}
		states := map[int64]string{}
		for _, it := range w.items {
			states[it.ID] = stateLabel(it)
		}
		if states[waiting.ID] != "Wartet" || states[unknown.ID] != "Zustellung unklar" {
			t.Errorf("states = %v, want Wartet and Zustellung unklar", states)
		}
		for i, it := range w.items {
			if it.ID == unknown.ID {
				w.list.Select(i)
			}
		}
		if !strings.HasPrefix(w.detail.Text, "An: dave@example.test\nBetreff: Vielleicht\nVon: beta@example.test (Beta)\nStatus: Zustellung unklar, noch nicht versucht") {
			t.Errorf("detail = %q", w.detail.Text)
		}
		for _, b := range []*widget.Button{w.markSent, w.again} {
			if !b.Visible() {
				t.Errorf("%q hidden for a message whose delivery is unknown", b.Text)
			}
		}
		if w.markSent.Text != "Als gesendet markieren" || w.again.Text != "Erneut senden" {
			t.Errorf("buttons %q, %q", w.markSent.Text, w.again.Text)
		}
	})

	for _, tc := range []struct {
		name     string
		attempts int
		want     string
	}{
		{"none", 0, "noch nicht versucht"},
		{"one", 1, "1 Versuch"},
		{"several", 3, "3 Versuche"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := attemptLine(core.OutboxItem{Attempts: tc.attempts}); got != tc.want {
				t.Errorf("attemptLine = %q, want %q", got, tc.want)
			}
		})
	}
	if got := whenLabel(at); got != "Mi., 4. März 2026, 10:00" {
		t.Errorf("whenLabel = %q", got)
	}
}
