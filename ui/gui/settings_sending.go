package gui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// prefUndoSeconds is the undo window: how long a sent message waits in
// the outbox, with Undo offered, before it goes.
const prefUndoSeconds = "undoSendSeconds"

// The undo window's default and its bounds, in seconds.
const (
	undoDefault = 10
	undoMax     = 60
)

// undoWindow is the undo window as set, within its bounds; 0 sends at once.
func (a *App) undoWindow() time.Duration {
	n := a.Fyne.Preferences().IntWithFallback(prefUndoSeconds, undoDefault)
	return time.Duration(min(max(n, 0), undoMax)) * time.Second
}

// undoLabel says what the undo window set means.
func undoLabel(n int) string {
	if n == 0 {
		return lang.L("Messages go at once: no Undo.")
	}
	return lang.L("Messages wait {{.Seconds}} s before they go, with Undo offered meanwhile.", map[string]any{"Seconds": i18n.Number(n)})
}

// sendingTab holds the undo window, a slider of whole seconds.
func (s *settingsWindow) sendingTab() fyne.CanvasObject {
	prefs := s.app.Fyne.Preferences()
	slider := widget.NewSlider(0, undoMax)
	slider.Step = 1
	slider.SetValue(float64(int(s.app.undoWindow() / time.Second)))
	shown := kit.Wrapped(undoLabel(int(slider.Value)))
	slider.OnChanged = func(v float64) { shown.SetText(undoLabel(int(v))) }
	// Stored when the user lets go, not at every step of a drag.
	slider.OnChangeEnded = func(v float64) { prefs.SetInt(prefUndoSeconds, int(v)) }
	return container.NewVScroll(container.NewVBox(
		widget.NewLabelWithStyle(lang.L("Undo send"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		slider, shown,
		kit.Wrapped(lang.L("While a message waits, the main window shows it with an Undo button, which brings it back into its composer. If Tributary is closed meanwhile, the message goes at the next start. “Send later…” in the composer keeps a message for a time you choose.")),
	))
}
