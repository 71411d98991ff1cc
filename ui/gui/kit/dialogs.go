package kit

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

// ShowCentred shows a new window in the middle of the screen, where the
// main window starts too, rather than where the window manager would put
// it (a corner, often). Fyne cannot place a window over another one.
func ShowCentred(win fyne.Window) {
	win.CenterOnScreen()
	win.Show()
}

// ShowConfirm shows a question with content and two answers, sized to
// size at least (Fyne sizes a custom dialog to its content's minimum,
// which wraps text into a narrow column). A zero height keeps the
// content's own: a form is as tall as its rows.
func ShowConfirm(title, yes, no string, content fyne.CanvasObject, answer func(bool), win fyne.Window, size fyne.Size) {
	d := dialog.NewCustomConfirm(title, yes, no, content, answer, win)
	if size.Height == 0 {
		size.Height = d.MinSize().Height
	}
	d.Resize(size)
	d.Show()
}
