package imap

import (
	"context"
	"errors"
	"fmt"

	goimap "github.com/emersion/go-imap/v2"
)

// ErrMailboxUnavailable is matched (errors.Is) by the error of an
// operation on a mailbox the server refuses to open: no permission
// (NO [NOPERM], "NO Permission denied"), deleted meanwhile
// (NO [NONEXISTENT]), or any other NO to SELECT or EXAMINE. The
// connection stays usable; the caller reports that mailbox and goes on
// with the others. The error is a *MailboxError.
var ErrMailboxUnavailable = errors.New("imap: the server refuses to open the mailbox")

// MailboxError says which mailbox could not be opened and why. It matches
// ErrMailboxUnavailable, and errors.As finds the *core.Error (kind
// protocol) with the server's words inside.
type MailboxError struct {
	Mailbox string
	Code    goimap.ResponseCode // NOPERM, NONEXISTENT, ... or "" when the server gave none
	Err     error
}

func (e *MailboxError) Error() string {
	return fmt.Sprintf("mailbox %q cannot be opened: %v", e.Mailbox, e.Err)
}

// Unwrap gives both the sentinel and the classified cause.
func (e *MailboxError) Unwrap() []error { return []error{ErrMailboxUnavailable, e.Err} }

// selectMailbox opens a mailbox, read-only (EXAMINE) or read-write. The
// selection is remembered: a read-write request for the mailbox already
// selected read-write, or a read-only one for the mailbox selected either
// way, sends nothing. fresh forces the SELECT, for the data it returns
// (UIDVALIDITY, counts, HIGHESTMODSEQ); data is nil when none was sent.
func (c *Client) selectMailbox(ctx context.Context, name string, readOnly, fresh, condstore bool) (*goimap.SelectData, error) {
	if !fresh && c.isSelected(name) && (readOnly || !c.readOnly) {
		return nil, nil
	}
	var data *goimap.SelectData
	err := c.wait(ctx, func() (err error) {
		data, err = c.c.Select(name, &goimap.SelectOptions{ReadOnly: readOnly, CondStore: condstore}).Wait()
		return err
	})
	if err != nil {
		// A failed SELECT leaves no mailbox selected (RFC 3501 6.3.1).
		c.selected = ""
		op := "select "
		if readOnly {
			op = "examine "
		}
		classified := c.classify(op+name, err)
		var imapErr *goimap.Error
		if errors.As(err, &imapErr) && imapErr.Type == goimap.StatusResponseTypeNo {
			return nil, &MailboxError{Mailbox: name, Code: imapErr.Code, Err: classified}
		}
		return nil, classified
	}
	c.selected, c.readOnly = name, readOnly
	return data, nil
}

// isSelected trusts go-imap's own state too, which forgets the mailbox
// when the server closes it (e.g. after a failed SELECT it did not ask for).
func (c *Client) isSelected(name string) bool {
	mb := c.c.Mailbox()
	return c.selected == name && mb != nil && mb.Name == name
}
