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

// Stage writes a message brought over from another client (an .eml
// file, an mbox or a Maildir) to disk and parses it, for ImportBatch.
func (e *Engine) Stage(ctx context.Context, raw io.Reader) (core.Staged, error) {
	return e.store.Stage(ctx, raw)
}

// ImportBatch stores staged messages brought over from another client in
// local folders in one durable transaction, as a sync stores a batch (one
// message per transaction cost an fsync each: 2,000 took most of a
// minute), and announces the new ones in one event. On an error nothing
// of the batch is stored.
func (e *Engine) ImportBatch(ctx context.Context, batch []core.Pending) ([]core.Stored, error) {
	res, err := e.store.StoreBatch(ctx, batch)
	if err != nil {
		return nil, err
	}
	// Rules do not run on imports (storage's arrives), so every new
	// message is announced.
	var ids []int64
	for _, r := range res {
		if r.IsNew {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) > 0 {
		e.publish(Event{Kind: EventNewMail, MessageIDs: ids})
	}
	return res, nil
}
