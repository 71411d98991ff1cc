package imap

import (
	"context"
	"slices"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
)

// SetFlags makes the server's flags of one message match f, so a change
// made in Tributary shows in every other client.
func (c *Client) SetFlags(ctx context.Context, mailbox string, uid uint32, f core.Flags) error {
	if err := c.selectRW(ctx, mailbox); err != nil {
		return err
	}
	set := goimap.UIDSetNum(goimap.UID(uid))
	var add, remove []goimap.Flag
	for _, x := range []struct {
		on   bool
		flag goimap.Flag
	}{{f.Seen, goimap.FlagSeen}, {f.Flagged, goimap.FlagFlagged}, {f.Answered, goimap.FlagAnswered}, {f.Deleted, goimap.FlagDeleted}} {
		if x.on {
			add = append(add, x.flag)
		} else {
			remove = append(remove, x.flag)
		}
	}
	err := c.wait(ctx, func() error {
		if len(add) > 0 {
			if err := c.c.Store(set, &goimap.StoreFlags{Op: goimap.StoreFlagsAdd, Silent: true, Flags: add}, nil).Close(); err != nil {
				return err
			}
		}
		if len(remove) > 0 {
			return c.c.Store(set, &goimap.StoreFlags{Op: goimap.StoreFlagsDel, Silent: true, Flags: remove}, nil).Close()
		}
		return nil
	})
	return c.classify("store flags", err)
}

// Move moves one message to another mailbox of the same server: with MOVE
// where the server has it, else COPY, flag \Deleted and expunge.
func (c *Client) Move(ctx context.Context, mailbox string, uid uint32, dest string) error {
	if err := c.selectRW(ctx, mailbox); err != nil {
		return err
	}
	set := goimap.UIDSetNum(goimap.UID(uid))
	err := c.wait(ctx, func() error {
		if c.c.Caps().Has(goimap.CapMove) {
			_, err := c.c.Move(set, dest).Wait()
			return err
		}
		if _, err := c.c.Copy(set, dest).Wait(); err != nil {
			return err
		}
		return c.deleteUIDs(set)
	})
	return c.classify("move to "+dest, err)
}

// Delete removes one message from a mailbox for good.
func (c *Client) Delete(ctx context.Context, mailbox string, uid uint32) error {
	if err := c.selectRW(ctx, mailbox); err != nil {
		return err
	}
	err := c.wait(ctx, func() error { return c.deleteUIDs(goimap.UIDSetNum(goimap.UID(uid))) })
	return c.classify("delete", err)
}

// deleteUIDs flags messages \Deleted and expunges only them where the
// server has UIDPLUS; without it, a plain EXPUNGE could also remove
// messages another client flagged, so they are only flagged.
func (c *Client) deleteUIDs(set goimap.UIDSet) error {
	if err := c.c.Store(set, &goimap.StoreFlags{Op: goimap.StoreFlagsAdd, Silent: true, Flags: []goimap.Flag{goimap.FlagDeleted}}, nil).Close(); err != nil {
		return err
	}
	if c.c.Caps().Has(goimap.CapUIDPlus) {
		return c.c.UIDExpunge(set).Close()
	}
	return nil
}

// TrashMailbox returns the server's Trash (the mailbox marked \Trash, or
// else named Trash), or "" when it has none.
func (c *Client) TrashMailbox(ctx context.Context) (string, error) {
	var list []*goimap.ListData
	err := c.wait(ctx, func() (err error) {
		list, err = c.c.List("", "*", nil).Collect()
		return err
	})
	if err != nil {
		return "", c.classify("list", err)
	}
	named := ""
	for _, m := range list {
		if slices.Contains(m.Attrs, goimap.MailboxAttrTrash) {
			return m.Mailbox, nil
		}
		if m.Mailbox == "Trash" {
			named = m.Mailbox
		}
	}
	return named, nil
}

func (c *Client) selectRW(ctx context.Context, mailbox string) error {
	err := c.wait(ctx, func() error {
		_, err := c.c.Select(mailbox, nil).Wait()
		return err
	})
	return c.classify("select "+mailbox, err)
}
