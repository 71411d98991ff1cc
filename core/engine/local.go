package engine

import (
	"context"
	"io"

	"github.com/tributary-mail/tributary/core"
)

// The changes below concern the local store only; they go through the
// engine like every other change, so that subscribers hear of them.

// EnsureFolder returns the local folder of an account with that name,
// creating it (a local folder, mirrored on no server).
func (e *Engine) EnsureFolder(ctx context.Context, accountID int64, name string) (int64, error) {
	return e.store.EnsureFolder(ctx, accountID, name, "")
}

// Import stores a message brought over from another client (an .eml
// file, an mbox or a Maildir) in a local folder, and reports whether it
// is new there.
func (e *Engine) Import(ctx context.Context, d core.Delivery, raw io.Reader) (int64, bool, error) {
	id, isNew, err := e.deliverFile(ctx, d, raw)
	if err == nil && isNew {
		e.publish(Event{Kind: EventNewMail, MessageIDs: []int64{id}})
	}
	return id, isNew, err
}
