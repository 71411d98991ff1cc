package composer

import (
	"errors"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/gui/shell"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// offerUndo shows, until the message goes, "Sending … — Undo" with the
// seconds left; Undo takes the message back (when it is still in time)
// and opens it in a composer again. For a message sent later, the notice
// says when, and stays for one undo window's length.
func (a *Composers) offerUndo(item core.OutboxItem, scheduled bool) {
	l := a.Toasts()
	if l == nil {
		return
	}
	var t *kit.Toast
	text := func(left time.Duration) string {
		if scheduled {
			return lang.L("Scheduled for {{.Time}}: “{{.Subject}}” to {{.To}}", map[string]any{"Time": i18n.WeekdayTime(item.NotBefore.Local()), "Subject": kit.OrNone(item.Subject, lang.L("no subject")), "To": item.To})
		}
		// The seconds first: a long subject is cut at the end.
		return lang.L("Sending in {{.Seconds}} s: “{{.Subject}}” to {{.To}}", map[string]any{"Seconds": int((left + time.Second - 1) / time.Second), "Subject": kit.OrNone(item.Subject, lang.L("no subject")), "To": item.To})
	}
	until := item.NotBefore
	if scheduled {
		until = time.Now().Add(shell.UndoDefault * time.Second)
	}
	t = l.Show(text(time.Until(until)), lang.L("Undo"), func() {
		if t.Gone || !t.Action.Visible() {
			return
		}
		t.Action.Disable()
		t.Text.SetText(lang.L("Taking it back…"))
		a.Background("undo send", func() {
			comp, err := a.Engine.Unqueue(a.Ctx, item.ID)
			a.Do(func() {
				t.Close()
				if err != nil {
					var late *engine.TooLateError
					if errors.As(err, &late) {
						err = errors.New(lang.L("too late to undo: “{{.Subject}}” has already gone to the server", map[string]any{"Subject": item.Subject}))
					}
					a.ShowError(err)
					return
				}
				a.Open(DraftFromComposition(comp))
			})
		})
	})
	a.Background("undo countdown", func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-a.Ctx.Done():
				return
			case <-tick.C:
			}
			left := time.Until(until)
			done := false
			a.Do(func() {
				if t.Gone {
					done = true
					return
				}
				if left <= 0 {
					t.Close()
					done = true
					return
				}
				if t.Action.Disabled() {
					return // Undo pressed: its outcome closes the notice
				}
				t.Text.SetText(text(left))
			})
			if done {
				return
			}
		}
	})
}
