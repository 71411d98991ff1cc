package cli

import (
	"context"
	"errors"
	"fmt"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core/control"
	"github.com/tributary-mail/tributary/storage"
)

// runningError is the refusal of a command that cannot go through a
// running Tributary's control socket: a second `tributary sync`.
type runningError struct{ command string }

func (e *runningError) Error() string {
	return lang.L("Tributary is running on this data directory (the app, or tributary sync); tributary {{.Command}} cannot change it meanwhile: make the change in the app, or close it first (inbox, show and search work meanwhile)", map[string]any{"Command": e.command})
}

func (e *runningError) Unwrap() error { return storage.ErrLocked }

// ops returns the engine operations for a command that changes state.
// When another process holds the engine lock, that process's engine does
// the work, through its control socket; otherwise this process takes the
// lock and runs an engine of its own. The command is the same either way.
func (c *call) ops(ctx context.Context) (control.Ops, error) {
	var err error
	if c.db == nil {
		err = c.open(ctx, true)
	} else {
		err = c.lock() // opened to read first, as source add does
	}
	if err == nil {
		return &control.Local{Engine: c.engine(), Store: c.db}, nil
	}
	if !errors.Is(err, storage.ErrLocked) {
		return nil, err
	}
	client, derr := control.Dial(ctx, c.dataDir)
	if derr != nil {
		return nil, fmt.Errorf(lang.L("another Tributary is running on this data directory, but it does not answer on its control socket (%v); close it first (inbox, show and search work meanwhile)"), derr)
	}
	return client, nil
}
