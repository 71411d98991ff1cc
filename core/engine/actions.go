package engine

import (
	"context"
	"fmt"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
)

// SetFlags changes a message's flags locally and on every IMAP server that
// holds it. The local change stands even if the server cannot be reached;
// the error says so.
func (e *Engine) SetFlags(ctx context.Context, id int64, f core.Flags) error {
	if err := e.store.SetFlags(ctx, id, f); err != nil {
		return err
	}
	return e.onServers(ctx, id, func(c *imap.Client, loc core.IMAPLocation) error {
		return c.SetFlags(ctx, loc.Mailbox, loc.UID, f)
	})
}

// Delete moves a message to its account's Trash, or, when it is already
// in the Trash, removes it for good. On IMAP the server's copy follows.
func (e *Engine) Delete(ctx context.Context, id int64) error {
	m, _, err := e.store.Message(ctx, id)
	if err != nil {
		return err
	}
	trash, err := e.store.EnsureFolder(ctx, m.AccountID, "Trash", core.RoleTrash)
	if err != nil {
		return err
	}
	if m.FolderID == trash {
		serverErr := e.onServers(ctx, id, func(c *imap.Client, loc core.IMAPLocation) error {
			return c.Delete(ctx, loc.Mailbox, loc.UID)
		})
		if err := e.store.RemoveMessage(ctx, id); err != nil {
			return err
		}
		return serverErr
	}
	return e.Move(ctx, id, trash)
}

// Move files a message in another folder of its account. On IMAP the
// server's copy is moved too when the folder is a mailbox of the same
// server (Trash goes to the server's Trash); the moved copy is matched by
// content at the next sync instead of being fetched twice.
func (e *Engine) Move(ctx context.Context, id, folderID int64) error {
	if err := e.store.MoveMessage(ctx, id, folderID); err != nil {
		return err
	}
	dest, err := e.mailboxForFolder(ctx, folderID)
	if err != nil || dest == nil {
		return err
	}
	return e.onServers(ctx, id, func(c *imap.Client, loc core.IMAPLocation) error {
		if dest.SourceID != 0 && loc.SourceID != dest.SourceID {
			return nil
		}
		name := dest.Mailbox
		if name == "" { // the local Trash: find the server's
			if name, err = c.TrashMailbox(ctx); err != nil || name == "" {
				return err
			}
		}
		if err := c.Move(ctx, loc.Mailbox, loc.UID, name); err != nil {
			return err
		}
		return e.store.UnlinkIMAP(ctx, id)
	})
}

// mailboxForFolder finds the server mailbox a local folder mirrors. The
// local Trash stands for the Trash of whichever server holds the message,
// shown by SourceID 0 and an empty name. Nil means a local-only folder.
func (e *Engine) mailboxForFolder(ctx context.Context, folderID int64) (*core.IMAPLocation, error) {
	loc, ok, err := e.store.FolderMailbox(ctx, folderID)
	if err != nil || ok {
		return &loc, err
	}
	f, err := e.store.Folder(ctx, folderID)
	if err != nil || f.Role != core.RoleTrash {
		return nil, err
	}
	return &core.IMAPLocation{}, nil
}

// onServers runs fn on a connection to each IMAP server holding message id.
func (e *Engine) onServers(ctx context.Context, id int64, fn func(*imap.Client, core.IMAPLocation) error) error {
	locs, err := e.store.IMAPLocations(ctx, id)
	if err != nil || len(locs) == 0 {
		return err
	}
	m, _, err := e.store.Message(ctx, id)
	if err != nil {
		return err
	}
	a, err := e.store.Account(ctx, m.AccountID)
	if err != nil {
		return err
	}
	for _, loc := range locs {
		for _, s := range a.Sources {
			if s.ID != loc.SourceID {
				continue
			}
			c, err := e.dialIMAP(ctx, a, s)
			if err != nil {
				return fmt.Errorf("changed here, but not on the server: %w", err)
			}
			err = fn(c, loc)
			c.Close()
			if err != nil {
				return fmt.Errorf("changed here, but not on the server: %w", err)
			}
		}
	}
	return nil
}
