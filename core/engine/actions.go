package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
)

// SetFlags changes a message's flags here and journals the change for
// every IMAP server that holds it, in one transaction. The source's
// worker tells the server; until it has, the server's old flags cannot
// undo the change, and a change made offline goes out once the server is
// back.
func (e *Engine) SetFlags(ctx context.Context, id int64, f core.Flags) error {
	sources, err := e.store.ChangeFlags(ctx, id, f)
	if err != nil {
		return err
	}
	return e.replay(ctx, sources)
}

// Delete moves a message to its account's Trash, or, when it is already
// in the Trash, removes it for good. On IMAP the server's copy follows:
// to the server's Trash (created when it has none), or deleted.
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
		sources, err := e.store.RemoveJournaled(ctx, id)
		if err != nil {
			return err
		}
		return e.replay(ctx, sources)
	}
	return e.Move(ctx, id, trash)
}

// Move files a message in another folder of its account. On IMAP the
// server's copy is moved too when the folder mirrors a mailbox of the same
// server, and the local Trash stands for each server's own Trash; the
// moved copy is matched by content at the next sync instead of being
// fetched twice.
func (e *Engine) Move(ctx context.Context, id, folderID int64) error {
	dest, role, err := e.mailboxForFolder(ctx, folderID)
	if err != nil {
		return err
	}
	sources, err := e.store.MoveJournaled(ctx, id, folderID, dest, role)
	if err != nil {
		return err
	}
	return e.replay(ctx, sources)
}

// mailboxForFolder finds where on the servers a local folder's messages
// go. A folder with a role (Inbox, Trash, Sent, ...) stands for each
// server's own mailbox of that role, looked up (and created if missing) by
// the worker when it replays the move, so a Trash deleted on the server or
// never there still receives deleted mail. Another folder mirrors its one
// mailbox; neither means a local-only folder.
func (e *Engine) mailboxForFolder(ctx context.Context, folderID int64) (core.IMAPLocation, string, error) {
	f, err := e.store.Folder(ctx, folderID)
	if err != nil {
		return core.IMAPLocation{}, "", err
	}
	if f.Role != "" {
		return core.IMAPLocation{}, f.Role, nil
	}
	loc, _, err := e.store.FolderMailbox(ctx, folderID)
	return loc, "", err
}

// ErrChangesWaiting wraps the reason a change made here has not reached
// its server yet; it is in the journal and goes out later.
var ErrChangesWaiting = errors.New("changed here; the server will get the change when it can be reached")

// replay hands the journal of sources to their workers. A running
// engine's workers do it in the background (the change is already safe
// in the journal); without a running engine, as for a CLI command, it is
// done now so that the caller hears how it went.
func (e *Engine) replay(ctx context.Context, sources []int64) error {
	var errs []error
	for _, id := range sources {
		if w, running := e.workers.get(id); w != nil || running {
			if w != nil {
				w.poke()
			} // else the worker being started replays when it starts
			continue
		}
		a, s, err := e.source(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		err = e.onWorker(ctx, a, s, func(w *worker) error { return w.do(ctx, reqReplay) })
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w (%v)", s.Label(a.Name), ErrChangesWaiting, err))
		}
	}
	e.publishPending(ctx)
	return errors.Join(errs...)
}

// source finds a source and its account by the source's ID.
func (e *Engine) source(ctx context.Context, id int64) (core.Account, core.Source, error) {
	accounts, err := e.store.Accounts(ctx)
	if err != nil {
		return core.Account{}, core.Source{}, err
	}
	for _, a := range accounts {
		for _, s := range a.Sources {
			if s.ID == id {
				return a, s, nil
			}
		}
	}
	return core.Account{}, core.Source{}, fmt.Errorf("no source %d", id)
}

// applyEntry carries out one journal entry on the server over c.
func (e *Engine) applyEntry(ctx context.Context, c *imap.Client, a core.Account, s core.Source, en core.JournalEntry) error {
	switch en.Op {
	case core.JournalFlags:
		return c.SetFlags(ctx, en.Mailbox, en.UID, en.Flags)
	case core.JournalMove:
		dest, err := entryMailbox(ctx, c, en)
		if err != nil {
			return err
		}
		if en.SetFlags {
			if err := c.SetFlags(ctx, en.Mailbox, en.UID, en.Flags); err != nil {
				return err
			}
		}
		if dest == en.Mailbox {
			return nil // already there
		}
		if err := setJunkKeyword(ctx, c, en); err != nil {
			return err
		}
		return c.Move(ctx, en.Mailbox, en.UID, dest)
	case core.JournalDelete:
		if en.HeaderID != "" { // a draft sent or discarded
			return c.DropDraft(ctx, en.HeaderID)
		}
		return c.Delete(ctx, en.Mailbox, en.UID)
	case core.JournalAppend:
		if en.DestRole == core.RoleDrafts {
			return e.appendDraft(ctx, c, en)
		}
		if en.Dest != "" || en.DestRole != core.RoleSent {
			return e.appendCopy(ctx, c, en)
		}
		return e.appendSent(ctx, c, a, s, en)
	}
	return fmt.Errorf("unknown journal entry %q", en.Op)
}

// PendingChanges counts, per source, the changes still waiting for the
// server and those it refused.
func (e *Engine) PendingChanges(ctx context.Context) ([]core.PendingChanges, error) {
	return e.store.PendingChanges(ctx)
}

// DiscardFailedChanges forgets the changes a source's server refused,
// after the user has seen them. The local state stays as the user made it.
func (e *Engine) DiscardFailedChanges(ctx context.Context, sourceID int64) error {
	if err := e.store.DiscardFailedChanges(ctx, sourceID); err != nil {
		return err
	}
	e.publishPending(ctx)
	return nil
}

// publishPending tells subscribers how many changes wait for each server.
func (e *Engine) publishPending(ctx context.Context) {
	p, err := e.store.PendingChanges(context.WithoutCancel(ctx))
	if err != nil {
		e.log.Warn("cannot count pending changes", "error", err)
		return
	}
	e.publish(Event{Kind: EventPending, Pending: p})
}

// publishError reports a source's failure that is not a sync's.
func (e *Engine) publishError(a core.Account, s core.Source, err error) {
	e.log.Warn("source error", "source", s.Label(a.Name), "kind", core.KindOf(err).String(), "error", err)
	e.publish(Event{Kind: EventError, Account: a.Name, SourceID: s.ID, Label: s.Label(a.Name), Err: err})
}
