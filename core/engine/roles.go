package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
)

// roleFolders names the folder File creates for a role an account has no
// folder for yet.
var roleFolders = map[string]string{
	core.RoleInbox:   core.DefaultFolder,
	core.RoleJunk:    "Junk",
	core.RoleArchive: "Archive",
}

// File moves a message to its account's folder of role: RoleJunk ("mark
// as junk"), RoleInbox ("not junk") or RoleArchive. The folder is created
// when the account has none, here and, on IMAP, on the server. On the
// server, a message filed in Junk gets $Junk and one filed in the Inbox
// from Junk gets $NotJunk (see applyEntry), so the server's spam filter
// learns from it. Junk has no part in the unified inbox, whose messages
// are those of Inbox folders.
func (e *Engine) File(ctx context.Context, id int64, role string) error {
	name, ok := roleFolders[role]
	if !ok {
		return fmt.Errorf("engine: cannot file messages by role %q", role)
	}
	m, _, err := e.store.Message(ctx, id)
	if err != nil {
		return err
	}
	folder, err := e.store.FolderByRole(ctx, m.AccountID, role)
	if err != nil {
		folder, err = e.store.EnsureFolder(ctx, m.AccountID, name, role)
	}
	if err != nil {
		return err
	}
	if folder == m.FolderID {
		return nil
	}
	return e.Move(ctx, id, folder)
}

// junkKeyword is the keyword a move tells the server: $Junk into Junk,
// $NotJunk out of Junk into the Inbox; "" for any other move.
func junkKeyword(ctx context.Context, c *imap.Client, en core.JournalEntry) (set, unset string) {
	if en.DestRole == core.RoleJunk {
		return imap.KeywordJunk, imap.KeywordNotJunk
	}
	if en.DestRole != core.RoleInbox {
		return "", ""
	}
	junk, err := c.RoleMailbox(ctx, core.RoleJunk, false)
	if err != nil || junk == "" || junk != en.Mailbox {
		return "", ""
	}
	return imap.KeywordNotJunk, imap.KeywordJunk
}

// setJunkKeyword sets the keyword of a move before it is made. A server
// that refuses keywords still gets the move: the folder is what the user
// sees, the keyword only helps its filter.
func setJunkKeyword(ctx context.Context, c *imap.Client, en core.JournalEntry) error {
	set, unset := junkKeyword(ctx, c, en)
	if set == "" {
		return nil
	}
	err := c.SetKeyword(ctx, en.Mailbox, en.UID, set, unset)
	var ce *core.Error
	if errors.As(err, &ce) && !core.IsTemporary(err) {
		slog.Warn("server refused a junk keyword", "keyword", set, "err", err)
		return nil
	}
	return err
}
