package wizard

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// The wheel over a field of the wizard's settings form scrolls the form,
// as over the labels; before, the field's own scroller swallowed it.
func TestWizardWheelOverFieldScrollsForm(t *testing.T) {
	f := newWizardFixture(t)
	w := f.newAccountWizard()
	w.start(t, "ann.example@gmail.com", "app-password", "Ann Example")
	var scroll *container.Scroll
	guitest.OnUI(func() {
		w.win.Resize(fyne.NewSize(700, 400)) // shorter than the form
		var ok bool
		scroll, ok = guitest.FindWidget(w.step2, func(*container.Scroll) bool { return true })
		if !ok {
			t.Fatal("no scroll around the settings form")
		}
		// A tap still reaches what is under the layer: the OpenID check box
		// near the top of the form.
		check := w.oauth.other
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(check).Add(fyne.NewPos(10, check.Size().Height/2))
		was := check.Checked
		test.TapCanvas(w.win.Canvas(), pos)
		if check.Checked == was {
			t.Errorf("a tap on the check box at %v does not reach it under the wheel layer", pos)
		}
		test.TapCanvas(w.win.Canvas(), pos) // and back
		// The middle of the display name's field, in the window.
		pos = fyne.CurrentApp().Driver().AbsolutePositionForObject(w.displayName).Add(fyne.NewPos(20, w.displayName.Size().Height/2))
		if scroll.Offset.Y != 0 {
			t.Fatalf("the form starts scrolled to %v", scroll.Offset.Y)
		}
		test.Scroll(w.win.Canvas(), pos, 0, -120)
		if scroll.Offset.Y <= 0 {
			t.Errorf("after the wheel over a field the form is at %v, want scrolled down", scroll.Offset.Y)
		}
	})
}
