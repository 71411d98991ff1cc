package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// Reader shows one message. (Being built: see the reader brief.)
type Reader struct {
	app  *App
	body *widget.Label
}

// NewReader makes an empty reader.
func NewReader(a *App) *Reader { return &Reader{app: a, body: widget.NewLabel("")} }

// CanvasObject is the reader's widget tree.
func (r *Reader) CanvasObject() fyne.CanvasObject { return r.body }

// Show loads message id into the reader.
func (r *Reader) Show(id int64) {}

// Clear empties the reader.
func (r *Reader) Clear() { r.body.SetText("") }
