package settings

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/gui/shell"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// undoLabel says what the undo window set means.
func undoLabel(n int) string {
	if n == 0 {
		return lang.L("Messages go at once: no Undo.")
	}
	return lang.L("Messages wait {{.Seconds}} s before they go, with Undo offered meanwhile.", map[string]any{"Seconds": i18n.Number(n)})
}

// sendingTab holds the undo window, a slider of whole seconds.
func (s *settingsWindow) sendingTab() fyne.CanvasObject {
	prefs := s.sh.Fyne.Preferences()
	slider := widget.NewSlider(0, shell.UndoMax)
	slider.Step = 1
	slider.SetValue(float64(int(shell.UndoWindow(prefs) / time.Second)))
	shown := kit.Wrapped(undoLabel(int(slider.Value)))
	slider.OnChanged = func(v float64) { shown.SetText(undoLabel(int(v))) }
	// Stored when the user lets go, not at every step of a drag.
	slider.OnChangeEnded = func(v float64) { prefs.SetInt(shell.PrefUndoSeconds, int(v)) }
	return container.NewVScroll(container.NewVBox(
		widget.NewLabelWithStyle(lang.L("Undo send"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		slider, shown,
		kit.Wrapped(lang.L("While a message waits, the main window shows it with an Undo button, which brings it back into its composer. If Tributary is closed meanwhile, the message goes at the next start. “Send later…” in the composer keeps a message for a time you choose.")),
	))
}
