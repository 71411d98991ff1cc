package kit

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ToastLayer is a layer over the main window that shows short-lived
// notices at its bottom, above the status line. It has no background of
// its own, so only the notices take clicks.
type ToastLayer struct {
	Root *fyne.Container
}

// NewToastLayer is a layer with no notices; put its Root over the window.
func NewToastLayer() *ToastLayer { return &ToastLayer{Root: container.New(toastLayout{})} }

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

// Toast is one notice: a line of text and at most one action.
type Toast struct {
	layer  *ToastLayer
	box    fyne.CanvasObject
	Text   *widget.Label
	Action *widget.Button
	Gone   bool
}

// Show adds a notice with text and, when tapped is not nil, a button
// labelled action.
func (l *ToastLayer) Show(text, action string, tapped func()) *Toast {
	t := &Toast{layer: l, Text: widget.NewLabel(text)}
	t.Text.Truncation = fyne.TextTruncateEllipsis
	t.Action = widget.NewButton(action, tapped)
	t.Action.Importance = widget.HighImportance
	if tapped == nil {
		t.Action.Hide()
	}
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))
	bg.CornerRadius = theme.InputRadiusSize()
	bg.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	bg.StrokeWidth = 1
	t.box = container.NewStack(bg, container.NewPadded(container.NewBorder(nil, nil, nil, t.Action, t.Text)))
	l.Root.Add(t.box)
	return t
}

// Close removes the notice; closing it again does nothing.
func (t *Toast) Close() {
	if !t.Gone {
		t.Gone = true
		t.layer.Root.Remove(t.box)
	}
}
