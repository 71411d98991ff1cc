package composer

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
	"github.com/tributary-mail/tributary/ui/gui/shell"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// toastButton is the main window's notice button labelled label, nil
// when none shows. Call it on the UI goroutine.
func (f *composeFixture) toastButton(label string) *widget.Button {
	return guitest.FindButton(f.toasts.Root, label)
}

// TestUndoSendBringsTheComposerBack: with an undo window, Send closes the
// composer and leaves the message waiting in the outbox, with "Sending …
// Undo" in the main window; Undo takes it out of the outbox, unsent, and
// opens a composer with everything it had.
func TestUndoSendBringsTheComposerBack(t *testing.T) {
	f := newComposeFixture(t)
	f.sh.Fyne.Preferences().SetInt(shell.PrefUndoSeconds, 30)
	id := f.plans(t)
	d, err := f.composers.ReplyDraft(id, false)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "agenda.txt")
	if err := os.WriteFile(file, []byte("agenda"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.Attachments = []string{file}
	d.Bcc = "boss@example.test"
	c := f.openDraft(t, d)
	before := time.Now()
	guitest.OnUI(func() {
		test.Type(c.body, "Noon works. ")
		test.Tap(c.sendButton)
	})
	guitest.Eventually(t, "composer closed and Undo offered", func() bool {
		return len(f.composers.open) == 0 && f.toastButton("Undo") != nil
	})
	items, _ := f.DB.Outbox(context.Background(), time.Time{})
	if len(items) != 1 || !items[0].Scheduled(time.Now()) || items[0].NotBefore.Before(before.Add(29*time.Second)) {
		t.Fatalf("outbox while Undo is offered = %+v, want one message waiting about 30 s", items)
	}
	guitest.OnUI(func() {
		text := strings.Join(guitest.VisibleText(f.toasts.Root), " ")
		if !strings.HasPrefix(text, "Sending in ") || !strings.Contains(text, " s: “RE: Plans for Friday” to carol@example.test") {
			t.Errorf("notice = %q, want what is sent to whom, and the seconds left", text)
		}
		test.Tap(f.toastButton("Undo"))
	})
	guitest.Eventually(t, "composer back", func() bool { return len(f.composers.open) == 1 })
	back := f.onlyComposer(t)
	guitest.Eventually(t, "accounts loaded", func() bool { return back.ready })
	guitest.OnUI(func() {
		if back.to.entry.Text != d.To || back.bcc.entry.Text != "boss@example.test" || back.subject.Text != d.Subject ||
			back.body.Text != "Noon works. "+d.Body || !slices.Equal(back.files, []string{file}) {
			t.Errorf("composer after Undo: to %q bcc %q subject %q body %q files %v", back.to.entry.Text, back.bcc.entry.Text, back.subject.Text, back.body.Text, back.files)
		}
		if back.draft.InReplyTo != d.InReplyTo || !slices.Equal(back.draft.References, d.References) || back.draft.answers != id {
			t.Errorf("threading after Undo = %q %v answers %d, want %q %v %d", back.draft.InReplyTo, back.draft.References, back.draft.answers, d.InReplyTo, d.References, id)
		}
		if want := "Bea Ta <beta@example.test> — Beta"; back.from.Selected != want {
			t.Errorf("From after Undo = %q, want %q", back.from.Selected, want)
		}
		if f.toastButton("Undo") != nil {
			t.Error("the Undo notice is still shown")
		}
	})
	if items, _ := f.DB.Outbox(context.Background(), time.Time{}); len(items) != 0 {
		t.Errorf("outbox after Undo = %+v, want empty", items)
	}
	if drafts, _ := f.DB.Drafts(context.Background()); len(drafts) != 1 || drafts[0].ID != back.draftID {
		t.Errorf("drafts after Undo = %+v, want the one the composer holds", drafts)
	}
	// The engine is not running here; drain as it would once the window
	// is over: nothing is left to go.
	if errs := f.Engine.DrainOutbox(context.Background()); len(errs) > 0 || len(f.sink.Messages()) != 0 {
		t.Errorf("drain after Undo = %v with %d messages sent, want none", errs, len(f.sink.Messages()))
	}
}

// TestSendLaterThenBackToDrafts: "Send later…" queues the message for
// the date and time chosen; the outbox shows it scheduled, and "Back to
// drafts" opens it again, unsent.
func TestSendLaterThenBackToDrafts(t *testing.T) {
	f := newComposeFixture(t)
	c := f.openDraft(t, Draft{AccountID: f.alpha.ID, To: "dave@example.test", Subject: "Seasons greetings", Body: "Happy holidays"})
	at := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	guitest.OnUI(func() {
		test.Tap(c.laterButton)
		date, _ := guitest.FindWidget(c.win.Canvas().Overlays().Top(), func(e *widget.Entry) bool { return e.PlaceHolder == "2026-12-24" })
		clock, _ := guitest.FindWidget(c.win.Canvas().Overlays().Top(), func(e *widget.Entry) bool { return e.PlaceHolder == "09:00" })
		if date == nil || clock == nil {
			t.Fatal("Send later asks for no date and time")
		}
		date.SetText(at.Format(laterDateLayout))
		clock.SetText(at.Format(laterClockLayout))
		guitest.TapButton(t, c.win, "Schedule")
	})
	guitest.Eventually(t, "composer closed", func() bool { return len(f.composers.open) == 0 })
	guitest.OnUI(func() {
		text := strings.Join(guitest.VisibleText(f.toasts.Root), " ")
		if want := "Scheduled for " + i18n.WeekdayTime(at) + ": “Seasons greetings”"; !strings.Contains(text, want) {
			t.Errorf("notice = %q, want %q", text, want)
		}
	})
	w := f.openOutbox(t, 1)
	guitest.OnUI(func() {
		if it := w.items[0]; !it.Scheduled(time.Now()) || !it.NotBefore.Equal(at) {
			t.Errorf("outbox item = %+v, want it scheduled for %s", it, at)
		}
		w.list.Select(0)
		if !w.unsend.Visible() || w.retry.Text != "Send now" || !strings.Contains(w.detail.Text, "Scheduled") {
			t.Errorf("a scheduled message offers back %v, %q; detail %q", w.unsend.Visible(), w.retry.Text, w.detail.Text)
		}
		test.Tap(w.unsend)
	})
	guitest.Eventually(t, "composer back", func() bool { return len(f.composers.open) == 1 })
	back := f.onlyComposer(t)
	guitest.OnUI(func() {
		if back.subject.Text != "Seasons greetings" || back.body.Text != "Happy holidays" {
			t.Errorf("composer after Back to drafts: %q %q", back.subject.Text, back.body.Text)
		}
	})
	if n := len(f.sink.Messages()); n != 0 {
		t.Errorf("%d messages sent, want none", n)
	}
}

func TestLaterTime(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.Local)
	tests := []struct {
		name, date, clock string
		want              time.Time
		wantErr           string
	}{
		{"ahead", "2026-12-24", "09:00", time.Date(2026, 12, 24, 9, 0, 0, 0, time.Local), ""},
		{"spaces and one digit", " 2026-12-24 ", " 9:05 ", time.Date(2026, 12, 24, 9, 5, 0, 0, time.Local), ""},
		{"later today", "2026-12-01", "15:01", time.Date(2026, 12, 1, 15, 1, 0, 0, time.Local), ""},
		{"now", "2026-12-01", "15:00", time.Time{}, "has passed"},
		{"bad date", "24.12.2026", "09:00", time.Time{}, "year-month-day"},
		{"bad time", "2026-12-24", "9am", time.Time{}, "hours:minutes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := laterTime(tc.date, tc.clock, now)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("laterTime(%q, %q) = %v, %v; want an error with %q", tc.date, tc.clock, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Errorf("laterTime(%q, %q) = %v, %v; want %v", tc.date, tc.clock, got, err, tc.want)
			}
		})
	}
}
