package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/reply"
	"github.com/tributary-mail/tributary/core/secrets"
	"github.com/tributary-mail/tributary/core/smtp"
)

// Outbox retry policy: a temporary failure waits RetryBase, doubling per
// attempt up to RetryMax, and after MaxAttempts the message fails for good.
const (
	RetryBase   = time.Minute
	RetryMax    = time.Hour
	MaxAttempts = 10
)

// Queue builds d from account a and writes it to the outbox, to go at
// once: QueueWith with the zero QueueOptions. The message is on disk,
// queued, before anything is sent. d.From may name one of a's
// identities, which is then the sender (From and the envelope sender,
// with the identity's Reply-To and Bcc-self); nil means the account's
// own.
func (e *Engine) Queue(ctx context.Context, a core.Account, d smtp.Draft) (core.OutboxItem, error) {
	return e.QueueWith(ctx, a, d, QueueOptions{})
}

func (e *Engine) queue(ctx context.Context, a core.Account, d smtp.Draft, notBefore time.Time, comp *core.Composition) (core.OutboxItem, error) {
	from, err := e.sender(ctx, a, d.From)
	if err != nil {
		return core.OutboxItem{}, err
	}
	asIdentity(&d, from)
	item := core.OutboxItem{
		AccountID:   a.ID,
		Account:     a.Name,
		From:        from.Email,
		Recipients:  d.Recipients(),
		To:          joinAddrs(d),
		Subject:     d.Subject,
		NotBefore:   notBefore,
		Composition: comp,
	}
	// The message streams from the builder to its file, so large
	// attachments are never held in memory.
	pr, pw := io.Pipe()
	built := make(chan error, 1)
	go func() {
		err := e.safely("build message", func() (err error) {
			item.MessageID, err = smtp.Build(d, pw)
			return err
		})
		pw.CloseWithError(err)
		built <- err
	}()
	err = e.store.Enqueue(ctx, &item, pr)
	pr.CloseWithError(errors.New("outbox: stopped reading"))
	if buildErr := <-built; buildErr != nil {
		return item, buildErr
	}
	if err != nil {
		return item, err
	}
	e.publish(Event{Kind: EventOutbox, Account: a.Name, Outbox: &item})
	return item, nil
}

func joinAddrs(d smtp.Draft) string {
	var b bytes.Buffer
	for i, a := range append(append([]*mail.Address{}, d.To...), d.Cc...) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.Address)
	}
	return b.String()
}

// DrainOutbox sends every message whose turn has come: each account's
// messages go out one after another over one SMTP session of its own
// (reconnecting after a failure), and the accounts at the same time.
func (e *Engine) DrainOutbox(ctx context.Context) []error {
	return e.drain(ctx, "")
}

// DrainAccount is DrainOutbox for one account, matched by name ignoring
// case ("" for every account).
func (e *Engine) DrainAccount(ctx context.Context, account string) []error {
	return e.drain(ctx, account)
}

func (e *Engine) drain(ctx context.Context, account string) []error {
	due, err := e.store.Outbox(ctx, e.opts.Now())
	if err != nil {
		return []error{err}
	}
	byAccount := map[int64][]core.OutboxItem{}
	for _, item := range due {
		if account == "" || strings.EqualFold(item.Account, account) {
			byAccount[item.AccountID] = append(byAccount[item.AccountID], item)
		}
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for _, items := range byAccount {
		wg.Go(func() {
			sess := &smtpSession{e: e}
			defer sess.close()
			// The Sent copies go to the servers after the account's
			// messages went out, so sending never waits on IMAP.
			defer sess.uploadCopies(ctx)
			for _, item := range items {
				_, err := e.attempt(ctx, item.ID, sess)
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
				if sess.refused != nil || ctx.Err() != nil {
					// The server would not even let us in: the rest of
					// this account's messages wait for their next turn.
					break
				}
			}
		})
	}
	wg.Wait()
	return errs
}

// Send makes one attempt to send an outbox message and records the
// outcome: sent (then filed in Sent, locally and on the IMAP server),
// retry with backoff, failed, or unknown. It returns the message in its new
// state, and an error describing any state but sent.
func (e *Engine) Send(ctx context.Context, id int64) (core.OutboxItem, error) {
	sess := &smtpSession{e: e}
	defer sess.close()
	defer sess.uploadCopies(ctx)
	return e.attempt(ctx, id, sess)
}

// attempt is Send over the session sess.
func (e *Engine) attempt(ctx context.Context, id int64, sess *smtpSession) (core.OutboxItem, error) {
	// Read before the claim: once claimed, the attempt always ends in a
	// recorded state.
	item, err := e.store.OutboxItem(ctx, id)
	if err != nil {
		return item, err
	}
	if now := e.opts.Now(); item.Scheduled(now) {
		// Only the user's "send now" (Resend) brings its time forward.
		return item, fmt.Errorf("outbox message %d waits until %s; send it now from the outbox", id, item.NotBefore.Local().Format("2006-01-02 15:04"))
	}
	if err := e.store.Claim(ctx, id); err != nil {
		item, _ := e.store.OutboxItem(ctx, id)
		return item, fmt.Errorf("outbox message %d is %s, not waiting to be sent: %w", id, item.State, err)
	}
	item.State = core.OutboxSending
	item.Attempts++
	sendErr := e.safely("send", func() error { return sess.send(ctx, item) })
	now := e.opts.Now()
	state, next, lastErr := core.OutboxSent, time.Time{}, ""
	var rejected *smtp.RejectedError
	switch {
	case sendErr == nil:
	case errors.Is(sendErr, context.Canceled):
		// Cancelled before the data was sent: it can simply go again.
		state, lastErr = core.OutboxQueued, "cancelled"
	case errors.Is(sendErr, smtp.ErrOutcomeUnknown):
		state = core.OutboxUnknown
	case errors.As(sendErr, &rejected) && rejected.Permanent():
		state = core.OutboxFailed
	case errors.As(sendErr, &rejected) || core.IsTemporary(sendErr):
		state = core.OutboxRetry
		next = now.Add(min(RetryBase<<(item.Attempts-1), RetryMax))
		if item.Attempts >= MaxAttempts {
			state, next = core.OutboxFailed, time.Time{}
		}
	default: // authentication, TLS and settings: only the user can fix them
		state = core.OutboxFailed
	}
	if sendErr != nil && lastErr == "" {
		lastErr = sendErr.Error()
	}
	// The state is written even if the caller's context is gone.
	if err := e.store.SetOutboxState(context.WithoutCancel(ctx), id, state, lastErr, next); err != nil {
		return item, err
	}
	item.State, item.LastError, item.NextAttempt = state, lastErr, next
	e.publish(Event{Kind: EventOutbox, Account: item.Account, Outbox: &item})
	if state == core.OutboxSent {
		e.sentAfter(context.WithoutCancel(ctx), item)
		// Filed even if the caller gave up: the message went out.
		if err := e.fileSent(context.WithoutCancel(ctx), item, sess); err != nil {
			// The message went out; failing to file a copy must not make
			// it look unsent.
			e.log.Warn("sent message not filed in Sent", "outbox", item.ID, "error", err)
			e.publish(Event{Kind: EventError, Account: item.Account, Err: fmt.Errorf("message sent, but filing it in Sent failed: %w", err)})
		}
		return item, nil
	}
	return item, fmt.Errorf("%s: %s", item.Describe(), lastErr)
}

// Resend puts an outbox message back in the queue and makes one attempt
// now, as Send does. It is how the user retries a failed message, or
// decides that an unknown one should go again.
func (e *Engine) Resend(ctx context.Context, id int64) (core.OutboxItem, error) {
	if err := e.store.Requeue(ctx, id); err != nil {
		item, _ := e.store.OutboxItem(ctx, id)
		return item, fmt.Errorf("outbox message %d is %s and cannot be queued again: %w", id, item.State, err)
	}
	return e.Send(ctx, id)
}

// DeleteOutbox removes a message from the outbox, unless it is being
// sent at this moment (its outcome is about to be known).
func (e *Engine) DeleteOutbox(ctx context.Context, id int64) error {
	item, err := e.store.OutboxItem(ctx, id)
	if err != nil {
		return err
	}
	if item.State == core.OutboxSending {
		return fmt.Errorf("outbox message %d is being sent right now; try again in a moment", id)
	}
	if err := e.store.DeleteOutbox(ctx, id); err != nil {
		return err
	}
	if item.Composition != nil {
		reply.RemoveForwardFiles(item.Composition.Draft.Attachments)
	}
	e.publish(Event{Kind: EventOutbox, Account: item.Account, Outbox: &item})
	return nil
}

// MarkSent records the user's decision that a message in the outbox went
// out, for an unknown message the recipient did receive.
func (e *Engine) MarkSent(ctx context.Context, id int64) error {
	return e.store.SetOutboxState(ctx, id, core.OutboxSent, "marked as sent by the user", time.Time{})
}

// smtpSession holds one account's SMTP connection across the messages
// of a drain. A connection that failed is dropped, and the next message
// dials again; a login or TLS failure is kept in refused.
type smtpSession struct {
	e       *Engine
	account int64
	s       *smtp.Session
	refused error
	copies  []int64 // sources with Sent copies journalled, to upload
}

// uploadCopies hands the journalled Sent copies to their sources'
// workers. A copy that cannot go now stays journalled and goes later.
func (h *smtpSession) uploadCopies(ctx context.Context) {
	if len(h.copies) == 0 {
		return
	}
	if err := h.e.replay(context.WithoutCancel(ctx), h.copies); err != nil {
		h.e.log.Warn("sent messages not yet copied to the server's Sent", "error", err)
		h.e.publish(Event{Kind: EventError, Err: fmt.Errorf("messages sent; their copies for the server's Sent folder wait: %w", err)})
	}
}

func (h *smtpSession) send(ctx context.Context, item core.OutboxItem) error {
	e := h.e
	if h.s == nil || h.account != item.AccountID {
		h.close()
		a, err := e.store.Account(ctx, item.AccountID)
		if err != nil {
			return err
		}
		login := &signer{e: e, a: a, user: a.SMTP.Username}
		if a.SMTP.Auth && !a.UsesOAuth() {
			if login.password, err = e.password(a, secrets.SMTPRef(a.ID), a.SMTP.Server().Addr()); err != nil {
				return err
			}
		}
		nopts, err := e.netOptions(ctx)
		if err != nil {
			return err
		}
		var s *smtp.Session
		if a.SMTP.Auth {
			err = login.with(ctx, func(cred core.Credential) (err error) {
				s, err = smtp.OpenWith(ctx, a.SMTP, cred, nopts)
				return err
			})
		} else {
			s, err = smtp.Open(ctx, a.SMTP, "", nopts)
		}
		if err != nil {
			if !core.IsTemporary(err) {
				h.refused = err
			}
			return err
		}
		h.s, h.account = s, a.ID
	}
	f, err := e.store.OpenBlob(item.Blob)
	if err != nil {
		return &core.Error{Kind: core.KindConfig, Op: "read outbox", Err: err}
	}
	defer f.Close()
	err = h.s.Send(ctx, item.From, item.Recipients, f)
	var rejected *smtp.RejectedError
	if err != nil && (!errors.As(err, &rejected) || rejected.Code == 421) {
		h.close() // dropped, in an unknown state, or closing (421)
	}
	return err
}

func (h *smtpSession) close() {
	if h.s != nil {
		h.s.Close()
		h.s = nil
	}
}

// fileSent stores a sent message in the account's Sent folder and, for an
// account with IMAP sources, journals an APPEND of it to each server's Sent
// mailbox in the same transaction, so the copy reaches the server even if
// it cannot be reached now or Tributary stops first. sess uploads it.
func (e *Engine) fileSent(ctx context.Context, item core.OutboxItem, sess *smtpSession) error {
	a, err := e.store.Account(ctx, item.AccountID)
	if err != nil {
		return err
	}
	folder, err := e.store.FolderByRole(ctx, a.ID, core.RoleSent)
	if err != nil {
		return err
	}
	f, err := e.store.OpenBlob(item.Blob)
	if err != nil {
		return err
	}
	defer f.Close()
	d := core.Delivery{AccountID: a.ID, FolderID: folder, Flags: core.Flags{Seen: true}}
	for _, s := range a.Sources {
		if s.Protocol == core.ProtocolIMAP {
			d.AppendTo = append(d.AppendTo, s.ID)
		}
	}
	if _, _, err := e.deliverFile(ctx, d, f); err != nil {
		return err
	}
	for _, id := range d.AppendTo {
		if !slices.Contains(sess.copies, id) {
			sess.copies = append(sess.copies, id)
		}
	}
	return nil
}

func (e *Engine) deliverFile(ctx context.Context, d core.Delivery, r io.Reader) (int64, bool, error) {
	staged, err := e.store.Stage(ctx, r)
	if err != nil {
		return 0, false, err
	}
	return e.store.Store(ctx, d, staged)
}

// appendSent carries out a journalled APPEND of a sent message to the
// server's Sent mailbox. The UID the server gives it is linked to the
// local copy, so the next sync of Sent recognises it instead of storing
// it twice.
func (e *Engine) appendSent(ctx context.Context, c *imap.Client, a core.Account, s core.Source, en core.JournalEntry) error {
	f, size, err := e.entryFile(en, "sent message")
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := c.AppendSent(ctx, f, size)
	if err != nil || res.UID == 0 || en.MessageID == 0 {
		return err
	}
	st, err := e.store.IMAPMailbox(ctx, a.ID, s.ID, res.Mailbox, "Sent", core.RoleSent)
	if err != nil {
		return err
	}
	switch st.UIDValidity {
	case res.UIDValidity:
	case 0: // never synced: the UID is valid under the server's UIDVALIDITY
		st.UIDValidity = res.UIDValidity
		if err := e.store.SetIMAPMailbox(ctx, st); err != nil {
			return err
		}
	default:
		return nil // the next sync resets the mailbox and relinks by content
	}
	return e.store.LinkIMAPUID(ctx, st.ID, res.UID, en.MessageID)
}

// entryFile opens the stored message a journalled APPEND uploads (what
// names it in errors: "sent message", "draft") and gives its size. A
// file that cannot be opened parks the entry: retrying would not help.
func (e *Engine) entryFile(en core.JournalEntry, what string) (*os.File, int64, error) {
	f, err := e.store.OpenBlob(en.Blob)
	if err != nil {
		return nil, 0, &parkError{fmt.Errorf("the %s's file cannot be read: %w", what, err)}
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, &core.StorageError{Op: "read " + what, Err: err}
	}
	return f, info.Size(), nil
}
