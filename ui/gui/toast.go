package gui

import (
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// toastLayer is a layer over the main window that shows short-lived
// notices at its bottom, above the status line. It has no background of
// its own, so only the notices take clicks.
type toastLayer struct {
	root *fyne.Container
}

func newToastLayer() *toastLayer { return &toastLayer{root: container.New(toastLayout{})} }

// toastLayout stacks the notices at the bottom centre, the newest lowest.
type toastLayout struct{}

func (toastLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.Size{} }

func (toastLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding() * 2
	y := size.Height - 3*pad // clear of the status line
	for i := len(objs) - 1; i >= 0; i-- {
		o := objs[i]
		if !o.Visible() {
			continue
		}
		s := o.MinSize()
		w := min(max(s.Width, 640), size.Width-2*pad)
		y -= s.Height
		o.Resize(fyne.NewSize(w, s.Height))
		o.Move(fyne.NewPos((size.Width-w)/2, y))
		y -= pad
	}
}

// toast is one notice: a line of text and at most one action.
type toast struct {
	layer  *toastLayer
	box    fyne.CanvasObject
	text   *widget.Label
	action *widget.Button
	gone   bool
}

func (l *toastLayer) show(text, action string, tapped func()) *toast {
	t := &toast{layer: l, text: widget.NewLabel(text)}
	t.text.Truncation = fyne.TextTruncateEllipsis
	t.action = widget.NewButton(action, tapped)
	t.action.Importance = widget.HighImportance
	if tapped == nil {
		t.action.Hide()
	}
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))
	bg.CornerRadius = theme.InputRadiusSize()
	bg.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	bg.StrokeWidth = 1
	t.box = container.NewStack(bg, container.NewPadded(container.NewBorder(nil, nil, nil, t.action, t.text)))
	l.root.Add(t.box)
	return t
}

func (t *toast) close() {
	if !t.gone {
		t.gone = true
		t.layer.root.Remove(t.box)
	}
}

// toasts is the main window's notice layer; nil when there is no main
// window (some tests), in which case notices go to the desktop.
func (a *App) toasts() *toastLayer {
	if a.main == nil {
		return nil
	}
	return a.main.toasts
}

// offerUndo shows, until the message goes, "Sending … — Undo" with the
// seconds left; Undo takes the message back (when it is still in time)
// and opens it in a composer again. For a message sent later, the notice
// says when, and stays for one undo window's length.
func (a *App) offerUndo(item core.OutboxItem, scheduled bool) {
	l := a.toasts()
	if l == nil {
		return
	}
	var t *toast
	text := func(left time.Duration) string {
		if scheduled {
			return lang.L("Scheduled for {{.Time}}: “{{.Subject}}” to {{.To}}", map[string]any{"Time": i18n.WeekdayTime(item.NotBefore.Local()), "Subject": orNone(item.Subject, lang.L("no subject")), "To": item.To})
		}
		// The seconds first: a long subject is cut at the end.
		return lang.L("Sending in {{.Seconds}} s: “{{.Subject}}” to {{.To}}", map[string]any{"Seconds": int((left + time.Second - 1) / time.Second), "Subject": orNone(item.Subject, lang.L("no subject")), "To": item.To})
	}
	until := item.NotBefore
	if scheduled {
		until = time.Now().Add(undoDefault * time.Second)
	}
	t = l.show(text(time.Until(until)), lang.L("Undo"), func() {
		if t.gone || !t.action.Visible() {
			return
		}
		t.action.Disable()
		t.text.SetText(lang.L("Taking it back…"))
		a.background("undo send", func() {
			comp, err := a.engine.Unqueue(a.ctx, item.ID)
			a.do(func() {
				t.close()
				if err != nil {
					var late *engine.TooLateError
					if errors.As(err, &late) {
						err = errors.New(lang.L("too late to undo: “{{.Subject}}” has already gone to the server", map[string]any{"Subject": item.Subject}))
					}
					a.main.showError(err)
					return
				}
				a.OpenComposer(draftFromComposition(comp))
			})
		})
	})
	a.background("undo countdown", func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-a.ctx.Done():
				return
			case <-tick.C:
			}
			left := time.Until(until)
			done := false
			a.do(func() {
				if t.gone {
					done = true
					return
				}
				if left <= 0 {
					t.close()
					done = true
					return
				}
				if t.action.Disabled() {
					return // Undo pressed: its outcome closes the notice
				}
				t.text.SetText(text(left))
			})
			if done {
				return
			}
		}
	})
}
