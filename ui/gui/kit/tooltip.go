package kit

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// TipLayer shows tooltips. Fyne 2.7 has none, and a PopUp will not do: an
// overlay takes every mouse event, so the button under it would lose the
// hover and the click. The layer is a plain container stacked over the
// window's content; it holds nothing that takes the mouse, so events go
// on to the widgets below.
type TipLayer struct {
	Root  *fyne.Container // no layout: the tip is placed by hand
	box   *fyne.Container
	text  *widget.Label
	owner fyne.CanvasObject // what the shown tip belongs to
}

func NewTipLayer() *TipLayer {
	t := &TipLayer{text: widget.NewLabel("")}
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))
	bg.StrokeColor = theme.Color(theme.ColorNameShadow)
	bg.StrokeWidth = 1
	bg.CornerRadius = theme.Size(theme.SizeNameSelectionRadius)
	t.box = container.NewStack(bg, t.text)
	t.box.Hide()
	t.Root = container.NewWithoutLayout(t.box)
	return t
}

// Show puts text just below owner, inside the window.
func (t *TipLayer) Show(owner fyne.CanvasObject, text string) {
	d := fyne.CurrentApp().Driver()
	t.owner = owner
	t.text.SetText(text)
	size := t.box.MinSize()
	pos := d.AbsolutePositionForObject(owner).Subtract(d.AbsolutePositionForObject(t.Root))
	pos.Y += owner.Size().Height + 2
	if limit := t.Root.Size().Width - size.Width; pos.X > limit {
		pos.X = max(limit, 0)
	}
	t.box.Move(pos)
	t.box.Resize(size)
	t.box.Show()
	t.Root.Refresh()
}

// Hide removes owner's tip; another widget's stays.
func (t *TipLayer) Hide(owner fyne.CanvasObject) {
	if t.owner != owner {
		return
	}
	t.owner = nil
	t.box.Hide()
	t.Root.Refresh()
}

// Box is what the tip is drawn in, for finding where it sits.
func (t *TipLayer) Box() fyne.CanvasObject { return t.box }

// Shown returns the text of the tip on screen, or "".
func (t *TipLayer) Shown() string {
	if !t.box.Visible() {
		return ""
	}
	return t.text.Text
}

// ToolButton is a button of the main window: it shows a tooltip on hover
// (needed when it has only an icon) and hands the window's keys on to the
// window's keymap, so Delete works after Tab left the focus on it. As a
// widget.ToolbarItem it sits in a toolbar like a ToolbarAction.
type ToolButton struct {
	widget.Button
	Tip  string
	tips *TipLayer
	keys *Keymap
}

var (
	_ widget.ToolbarItem = (*ToolButton)(nil)
	_ desktop.Hoverable  = (*ToolButton)(nil)
	_ fyne.Focusable     = (*ToolButton)(nil)
)

func NewToolButton(label string, icon fyne.Resource, tip string, tips *TipLayer, keys *Keymap, tapped func()) *ToolButton {
	b := &ToolButton{Tip: tip, tips: tips, keys: keys}
	b.Text, b.Icon, b.OnTapped = label, icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

// ToolbarObject makes the button a toolbar item, styled as Fyne's own.
func (b *ToolButton) ToolbarObject() fyne.CanvasObject {
	b.Importance = widget.LowImportance
	return b
}

// MouseIn shows the tooltip.
func (b *ToolButton) MouseIn(e *desktop.MouseEvent) {
	b.Button.MouseIn(e)
	if b.Tip != "" && b.tips != nil {
		b.tips.Show(b, b.Tip)
	}
}

// MouseOut hides the tooltip.
func (b *ToolButton) MouseOut() {
	b.Button.MouseOut()
	if b.tips != nil {
		b.tips.Hide(b)
	}
}

// Tapped hides the tooltip, which would otherwise cover what the button opens.
func (b *ToolButton) Tapped(e *fyne.PointEvent) {
	if b.tips != nil {
		b.tips.Hide(b)
	}
	b.Button.Tapped(e)
}

// TypedRune hands the one-letter commands to the window.
func (b *ToolButton) TypedRune(r rune) {
	if b.keys != nil {
		b.keys.TypedRune(r)
	}
}

// TypedKey presses the button on Space or Return, and hands any other key
// to the window.
func (b *ToolButton) TypedKey(e *fyne.KeyEvent) {
	switch e.Name {
	case fyne.KeySpace, fyne.KeyReturn, fyne.KeyEnter:
		b.Button.TypedKey(e)
	default:
		if b.keys != nil {
			b.keys.Key(e)
		}
	}
}
