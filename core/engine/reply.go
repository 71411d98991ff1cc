package engine

import (
	"context"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mime"
	"github.com/tributary-mail/tributary/core/reply"
)

// ReplyDraft prepares a reply to message id, from the identity it was
// addressed to (reply.PickIdentity; else the account that received it),
// with that identity's Reply-To and Bcc-self. With all, the other
// recipients are copied, except the user's own addresses. The rules are
// core/reply's.
func (e *Engine) ReplyDraft(ctx context.Context, id int64, all bool) (reply.Draft, error) {
	sum, _, msg, err := e.original(ctx, id)
	if err != nil {
		return reply.Draft{}, err
	}
	ids, err := e.store.Identities(ctx)
	if err != nil {
		return reply.Draft{}, fmt.Errorf("reply to message %d: %w", id, err)
	}
	d := reply.Draft{AccountID: sum.AccountID, Original: id, Message: reply.Reply(msg, reply.OwnAddresses(ids), all)}
	if who, ok := reply.PickIdentity(msg, ids, sum.AccountID); ok {
		reply.FromIdentity(&d, who)
	}
	return d, nil
}

// ForwardDraft prepares a forward of message id, from the identity it
// was addressed to as ReplyDraft does: the original headers and text,
// and its attachments, extracted to a private temporary folder that
// reply.RemoveForwardFiles removes once the message is queued or dropped.
func (e *Engine) ForwardDraft(ctx context.Context, id int64) (reply.Draft, error) {
	sum, blob, msg, err := e.original(ctx, id)
	if err != nil {
		return reply.Draft{}, err
	}
	ids, err := e.store.Identities(ctx)
	if err != nil {
		return reply.Draft{}, fmt.Errorf("forward message %d: %w", id, err)
	}
	d := reply.Draft{AccountID: sum.AccountID, Original: id, Forward: true, Message: reply.Forward(msg)}
	if who, ok := reply.PickIdentity(msg, ids, sum.AccountID); ok {
		reply.FromIdentity(&d, who)
	}
	d.Message.Attachments, err = e.forwardAttachments(blob, reply.Attachments(msg))
	return d, err
}

// MarkAnswered records that message id was answered: \Answered, here and
// on the server, through SetFlags.
func (e *Engine) MarkAnswered(ctx context.Context, id int64) error {
	return e.mark(ctx, id, func(f *core.Flags) *bool { return &f.Answered })
}

// MarkForwarded records that message id was forwarded: $Forwarded, here
// and on the servers that keep keywords.
func (e *Engine) MarkForwarded(ctx context.Context, id int64) error {
	return e.mark(ctx, id, func(f *core.Flags) *bool { return &f.Forwarded })
}

// MarkOriginal marks the original of a reply answered, of a forward
// forwarded.
func (e *Engine) MarkOriginal(ctx context.Context, original int64, forward bool) error {
	if forward {
		return e.MarkForwarded(ctx, original)
	}
	return e.MarkAnswered(ctx, original)
}

// mark sets the flag flag picks, unless it is set already.
func (e *Engine) mark(ctx context.Context, id int64, flag func(*core.Flags) *bool) error {
	sum, _, err := e.store.Message(ctx, id)
	if err != nil {
		return err
	}
	if on := flag(&sum.Flags); !*on {
		*on = true
		return e.SetFlags(ctx, id, sum.Flags)
	}
	return nil
}

// original reads a message to reply to or forward. A message whose file
// is gone can still be answered from its summary; what the file lacks
// (a Message-ID, a sender, a subject) comes from the summary too.
func (e *Engine) original(ctx context.Context, id int64) (core.MessageSummary, string, *mime.Message, error) {
	sum, blob, err := e.store.Message(ctx, id)
	if err != nil {
		return sum, "", nil, fmt.Errorf("cannot read message %d: %w", id, err)
	}
	fallback := &mime.Message{MessageID: sum.MessageID, Subject: sum.Subject, Date: sum.Date}
	if sum.FromAddr != "" {
		fallback.From = []*mail.Address{{Name: sum.FromName, Address: sum.FromAddr}}
	}
	f, err := e.store.OpenBlob(blob)
	if err != nil {
		e.log.Warn("answering a message from its summary", "message", id, "error", err)
		return sum, blob, fallback, nil
	}
	defer f.Close()
	msg, _ := mime.Parse(f, nil) // never nil; a malformed message gives what could be read
	if msg.MessageID == "" {
		msg.MessageID = sum.MessageID
	}
	if len(msg.From) == 0 {
		msg.From = fallback.From
	}
	if msg.Subject == "" {
		msg.Subject = sum.Subject
	}
	return sum, blob, msg, nil
}

// forwardAttachments extracts atts from the message file blob into a new
// private temporary folder, under unique sanitised names.
func (e *Engine) forwardAttachments(blob string, atts []mime.Attachment) ([]string, error) {
	if len(atts) == 0 {
		return nil, nil
	}
	dir, err := os.MkdirTemp("", reply.ForwardDirPattern)
	if err != nil {
		return nil, fmt.Errorf("cannot make a folder for the attachments: %w", err)
	}
	used := map[string]bool{}
	var paths []string
	for _, att := range atts {
		path := filepath.Join(dir, reply.UniqueName(att.Filename, used))
		if err := e.extract(blob, att, path); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

func (e *Engine) extract(blob string, att mime.Attachment, path string) error {
	src, err := e.store.OpenBlob(blob)
	if err != nil {
		return fmt.Errorf("cannot read the message: %w", err)
	}
	defer src.Close()
	dst, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("cannot write attachment %s: %w", filepath.Base(path), err)
	}
	_, err = mime.Extract(src, att.Part, dst, nil)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot copy attachment %s: %w", filepath.Base(path), err)
	}
	return nil
}
