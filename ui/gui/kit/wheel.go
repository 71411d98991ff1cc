package kit

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// FormScroll is a vertical scroll over a form in which the mouse wheel
// scrolls the form wherever the pointer is. Fyne hands a wheel event to
// the deepest scrollable object under the pointer, and every single-line
// Entry holds a scroller of its own, so over a field the wheel went to
// the field (which had nothing to scroll) and the form stood still. A
// layer on top of the form that only scrolls gets the wheel first and
// passes it on; taps, hovers and keys still reach the fields, because the
// layer takes none of them. Use it for forms of single-line fields only:
// a multi-line entry under it would no longer scroll its own text.
func FormScroll(form fyne.CanvasObject) *container.Scroll {
	layer := &wheelLayer{}
	layer.ExtendBaseWidget(layer)
	s := container.NewVScroll(container.NewStack(form, layer))
	layer.target = s
	return s
}

// wheelLayer passes the wheel to target and is otherwise not there.
type wheelLayer struct {
	widget.BaseWidget
	target fyne.Scrollable
}

var _ fyne.Scrollable = (*wheelLayer)(nil)

func (l *wheelLayer) Scrolled(ev *fyne.ScrollEvent) { l.target.Scrolled(ev) }

func (l *wheelLayer) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}
