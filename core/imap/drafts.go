package imap

import (
	"context"
	"io"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
)

// ReplaceDraft uploads a version of the draft msgid (its Message-ID,
// without brackets) to the server's Drafts mailbox, flagged \Draft and
// \Seen, creating the mailbox when the server has none, and then removes
// the versions that were there before. The old versions are found before
// the upload and removed after it, so that the server never lacks the
// draft, and an upload repeated after a lost answer leaves one version.
func (c *Client) ReplaceDraft(ctx context.Context, msgid string, raw io.Reader, size int64) (AppendResult, error) {
	name, err := c.RoleMailbox(ctx, core.RoleDrafts, true)
	if err != nil {
		return AppendResult{}, err
	}
	old, err := c.draftUIDs(ctx, name, msgid)
	if err != nil {
		return AppendResult{}, err
	}
	res, err := c.appendFlagged(ctx, name, raw, size, []goimap.Flag{goimap.FlagDraft, goimap.FlagSeen}, "append draft to "+name)
	if err != nil {
		return res, err
	}
	return res, c.removeUIDs(ctx, name, old, "replace draft")
}

// DropDraft removes every version of the draft msgid from the server's
// Drafts mailbox: it was sent or discarded. A server without a Drafts
// mailbox, or without the draft, has nothing to remove.
func (c *Client) DropDraft(ctx context.Context, msgid string) error {
	name, err := c.RoleMailbox(ctx, core.RoleDrafts, false)
	if err != nil || name == "" {
		return err
	}
	old, err := c.draftUIDs(ctx, name, msgid)
	if err != nil {
		return err
	}
	return c.removeUIDs(ctx, name, old, "remove draft")
}

// draftUIDs finds the messages of mailbox whose Message-ID is msgid.
func (c *Client) draftUIDs(ctx context.Context, mailbox, msgid string) (goimap.UIDSet, error) {
	if msgid == "" {
		return nil, nil
	}
	if err := c.selectRW(ctx, mailbox); err != nil {
		return nil, err
	}
	var set goimap.UIDSet
	err := c.wait(ctx, func() error {
		found, err := c.c.UIDSearch(&goimap.SearchCriteria{
			Header: []goimap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: "<" + msgid + ">"}},
		}, nil).Wait()
		if err != nil {
			return err
		}
		for _, uid := range found.AllUIDs() {
			set.AddNum(uid)
		}
		return nil
	})
	return set, c.classify("find draft in "+mailbox, err)
}

// removeUIDs deletes set from mailbox, when there is anything to delete.
func (c *Client) removeUIDs(ctx context.Context, mailbox string, set goimap.UIDSet, op string) error {
	if len(set) == 0 {
		return nil
	}
	if err := c.selectRW(ctx, mailbox); err != nil {
		return err
	}
	return c.classify(op, c.wait(ctx, func() error { return c.deleteUIDs(set) }))
}
