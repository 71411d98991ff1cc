package imap

import (
	"context"
	"errors"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
)

// The actions below are idempotent, so that a change replayed after a
// lost reply does no harm: a UID that is already gone is success (the
// server answers OK for an empty match), flags are set to a state, not
// toggled.

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
		if err := c.store(set, goimap.StoreFlagsAdd, add...); err != nil {
			return err
		}
		return c.store(set, goimap.StoreFlagsDel, remove...)
	})
	if err == nil && f.Forwarded {
		// A keyword, which a server may not keep (no \* in its
		// PERMANENTFLAGS): only set, never cleared, and a refusal costs
		// nothing but the mark in other clients.
		kerr := c.wait(ctx, func() error { return c.store(set, goimap.StoreFlagsAdd, goimap.FlagForwarded) })
		var refused *goimap.Error
		if kerr != nil && !errors.As(kerr, &refused) {
			err = kerr
		}
	}
	return c.classify("store flags", err)
}

// Move moves one message to another mailbox of the same server: with MOVE
// where the server has it, else COPY and then Delete's expunge.
func (c *Client) Move(ctx context.Context, mailbox string, uid uint32, dest string) error {
	if err := c.selectRW(ctx, mailbox); err != nil {
		return err
	}
	set := goimap.UIDSetNum(goimap.UID(uid))
	err := c.wait(ctx, func() error {
		// Gone already (moved before a lost reply, or by another client):
		// done. Servers differ in how they answer a MOVE or COPY of
		// nothing, so nothing is sent.
		found, err := c.c.UIDSearch(&goimap.SearchCriteria{UID: []goimap.UIDSet{set}}, nil).Wait()
		if err != nil {
			return err
		}
		if len(found.AllUIDs()) == 0 {
			return nil
		}
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

// deleteUIDs flags messages \Deleted and expunges only them: with UID
// EXPUNGE where the server has UIDPLUS. Without it EXPUNGE removes every
// \Deleted message, also those another client only marked, so those are
// unmarked for the EXPUNGE and marked again after it.
func (c *Client) deleteUIDs(set goimap.UIDSet) error {
	if err := c.store(set, goimap.StoreFlagsAdd, goimap.FlagDeleted); err != nil {
		return err
	}
	if c.c.Caps().Has(goimap.CapUIDPlus) {
		return c.c.UIDExpunge(set).Close()
	}
	found, err := c.c.UIDSearch(&goimap.SearchCriteria{Flag: []goimap.Flag{goimap.FlagDeleted}}, nil).Wait()
	if err != nil {
		return err
	}
	var others goimap.UIDSet
	for _, u := range found.AllUIDs() {
		if !set.Contains(u) {
			others.AddNum(u)
		}
	}
	if len(others) == 0 {
		return c.c.Expunge().Close()
	}
	if err := c.store(others, goimap.StoreFlagsDel, goimap.FlagDeleted); err != nil {
		return err
	}
	expungeErr := c.c.Expunge().Close()
	// Put the marks back even when EXPUNGE failed.
	if err := c.store(others, goimap.StoreFlagsAdd, goimap.FlagDeleted); err != nil {
		return err
	}
	return expungeErr
}

// store changes flags silently; no flags sends nothing.
func (c *Client) store(set goimap.UIDSet, op goimap.StoreFlagsOp, flags ...goimap.Flag) error {
	if len(flags) == 0 {
		return nil
	}
	return c.c.Store(set, &goimap.StoreFlags{Op: op, Silent: true, Flags: flags}, nil).Close()
}

func (c *Client) selectRW(ctx context.Context, mailbox string) error {
	_, err := c.selectMailbox(ctx, mailbox, false, false, false)
	return err
}

// The keywords that tell a server's spam filter what the user decided
// (registered in RFC 9051's keyword registry, used by Thunderbird and
// Dovecot's antispam plugins).
const (
	KeywordJunk    = "$Junk"
	KeywordNotJunk = "$NotJunk"
)

// SetKeyword adds keyword to one message and removes unset from it. A
// server that refuses keywords (no \* in PERMANENTFLAGS) answers NO,
// which is returned as the *core.Error of any refusal.
func (c *Client) SetKeyword(ctx context.Context, mailbox string, uid uint32, keyword, unset string) error {
	if err := c.selectRW(ctx, mailbox); err != nil {
		return err
	}
	set := goimap.UIDSetNum(goimap.UID(uid))
	err := c.wait(ctx, func() error {
		if err := c.store(set, goimap.StoreFlagsAdd, goimap.Flag(keyword)); err != nil {
			return err
		}
		return c.store(set, goimap.StoreFlagsDel, goimap.Flag(unset))
	})
	return c.classify("store keyword", err)
}
