package imap

import (
	"context"
	"io"
	"strings"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
)

// FolderMailbox returns the server mailbox that stands for a local folder
// name (as Mailboxes names folders: the server's hierarchy delimiter
// written "/"), creating and subscribing it under the personal namespace
// when the server has none, so that a rule filing into "Lists" files into
// the server's Lists too, and the next sync finds it.
func (c *Client) FolderMailbox(ctx context.Context, folder string) (string, error) {
	fl, err := c.list(ctx)
	if err != nil {
		return "", err
	}
	for _, b := range fl.boxes {
		local := b.Mailbox
		if b.Delim != 0 {
			local = strings.ReplaceAll(b.Mailbox, string(b.Delim), "/")
		}
		if b.Mailbox == folder || local == folder || fl.prefix != "" && strings.TrimPrefix(local, strings.ReplaceAll(fl.prefix, string(fl.delim), "/")) == folder {
			return b.Mailbox, nil
		}
	}
	name := fl.prefix + strings.ReplaceAll(folder, "/", string(fl.delim))
	if err := c.createSubscribed(ctx, name, nil); err != nil {
		return "", err
	}
	fl.boxes = append(fl.boxes, &goimap.ListData{Mailbox: name, Delim: fl.delim, Attrs: []goimap.MailboxAttr{goimap.MailboxAttrSubscribed}})
	return name, nil
}

// Append stores a message in a mailbox with flags f (a copy a rule made).
func (c *Client) Append(ctx context.Context, mailbox string, raw io.Reader, size int64, f core.Flags) (AppendResult, error) {
	var flags []goimap.Flag
	if f.Seen {
		flags = append(flags, goimap.FlagSeen)
	}
	if f.Flagged {
		flags = append(flags, goimap.FlagFlagged)
	}
	if f.Answered {
		flags = append(flags, goimap.FlagAnswered)
	}
	return c.appendFlagged(ctx, mailbox, raw, size, flags, "append to "+mailbox)
}

// appendFlagged stores a message in a mailbox with flags, as Append and
// ReplaceDraft do; op names the step in errors.
func (c *Client) appendFlagged(ctx context.Context, mailbox string, raw io.Reader, size int64, flags []goimap.Flag, op string) (AppendResult, error) {
	res := AppendResult{Mailbox: mailbox}
	err := c.wait(ctx, func() error {
		cmd := c.c.Append(mailbox, size, &goimap.AppendOptions{Flags: flags})
		if _, err := io.Copy(cmd, raw); err != nil {
			cmd.Close()
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		data, err := cmd.Wait()
		if err != nil {
			return err
		}
		res.UID, res.UIDValidity = uint32(data.UID), data.UIDValidity
		return nil
	})
	return res, c.classify(op, err)
}
