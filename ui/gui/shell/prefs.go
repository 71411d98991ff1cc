package shell

import (
	"time"

	"fyne.io/fyne/v2"
)

// The preferences one window sets and another reads.
const (
	// PrefCloseToTray: closing the main window keeps the app in the tray.
	PrefCloseToTray = "closeToTray"
	// PrefDeleteWithoutAsking: deleting from the Trash, for good, does
	// not ask first ("Don't ask again").
	PrefDeleteWithoutAsking = "deleteForGoodWithoutAsking"
	// PrefUndoSeconds is the undo window: how long a sent message waits
	// in the outbox, with Undo offered, before it goes.
	PrefUndoSeconds = "undoSendSeconds"
)

// The undo window's default and its bounds, in seconds.
const (
	UndoDefault = 10
	UndoMax     = 60
)

// UndoWindow is the undo window as set, within its bounds; 0 sends at once.
func UndoWindow(p fyne.Preferences) time.Duration {
	n := p.IntWithFallback(PrefUndoSeconds, UndoDefault)
	return time.Duration(min(max(n, 0), UndoMax)) * time.Second
}
