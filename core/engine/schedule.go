package engine

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/reply"
	"github.com/tributary-mail/tributary/core/smtp"
)

// QueueOptions say when a queued message may go and what it was written
// from. The zero value queues it to go at once.
type QueueOptions struct {
	// NotBefore is the earliest time the message goes: the end of the
	// undo window, or the time chosen with "send later". Zero: at once.
	NotBefore time.Time
	// Draft is the message as the user wrote it, which Unqueue brings
	// back; nil makes it from the message's own fields.
	Draft *core.Draft
	// Answers is the message this replies to (Forward: forwards), marked
	// answered or forwarded when the message is really sent; 0: none.
	Answers int64
	Forward bool
}

// TooLateError is Unqueue's refusal: the message has been handed to the
// server, or is being handed over right now, or may have been (unknown),
// so taking it back would not stop it.
type TooLateError struct {
	ID    int64
	State core.OutboxState
}

func (e *TooLateError) Error() string {
	switch e.State {
	case core.OutboxSent:
		return fmt.Sprintf("outbox message %d was already sent", e.ID)
	case core.OutboxSending:
		return fmt.Sprintf("outbox message %d is being handed to the server right now", e.ID)
	}
	return fmt.Sprintf("outbox message %d may already have been delivered (%s)", e.ID, strings.ToLower(e.State.Label()))
}

// QueueWith is Queue with a time to wait for and the composition to keep.
// A message that waits goes with the running engine's outbox loop (which
// wakes for it), or with the next `tributary sync` or `outbox send` after
// its time; a message queued to go at once is sent by the caller, as
// before.
func (e *Engine) QueueWith(ctx context.Context, a core.Account, d smtp.Draft, o QueueOptions) (core.OutboxItem, error) {
	comp := &core.Composition{Answers: o.Answers, Forward: o.Forward}
	if o.Draft != nil {
		comp.Draft = *o.Draft
		comp.Draft.ID, comp.Draft.Updated = 0, time.Time{}
	} else {
		comp.Draft = draftOf(d)
	}
	comp.Draft.AccountID = a.ID
	item, err := e.queue(ctx, a, d, o.NotBefore, comp)
	if err == nil && !o.NotBefore.IsZero() {
		e.wakeOutbox()
	}
	return item, err
}

// draftOf is a message as a stored draft, for the CLI's messages, which
// were never drafts.
func draftOf(d smtp.Draft) core.Draft {
	join := func(list []*mail.Address) string {
		parts := make([]string, len(list))
		for i, a := range list {
			parts[i] = a.String()
		}
		return strings.Join(parts, ", ")
	}
	return core.Draft{
		To: join(d.To), Cc: join(d.Cc), Bcc: join(d.Bcc), Subject: d.Subject, Body: d.Text,
		InReplyTo: d.InReplyTo, References: slices.Clone(d.References), Attachments: slices.Clone(d.Attachments),
	}
}

// Unqueue takes a message out of the outbox before it is handed to the
// server (Undo during the undo window, or Cancel of a scheduled or failed
// message) and stores what it was written from as a draft again. It and
// sending exclude each other: a message being sent, sent, or perhaps
// delivered is refused with a *TooLateError. The composition returned
// has the new draft's ID.
func (e *Engine) Unqueue(ctx context.Context, id int64) (core.Composition, error) {
	item, err := e.store.OutboxItem(ctx, id)
	if err != nil {
		return core.Composition{}, err
	}
	if item.Composition == nil {
		// Queued by a Tributary that did not keep it: the body is only in
		// the built message, so it is not taken back half.
		return core.Composition{}, fmt.Errorf("outbox message %d was queued without its draft and cannot be brought back; delete it from the outbox instead", id)
	}
	if item, err = e.store.Unqueue(ctx, id); err != nil {
		now, rerr := e.store.OutboxItem(ctx, id)
		if rerr == nil && !slices.Contains([]core.OutboxState{core.OutboxQueued, core.OutboxRetry, core.OutboxFailed}, now.State) {
			return core.Composition{}, &TooLateError{ID: id, State: now.State}
		}
		return core.Composition{}, fmt.Errorf("unqueue outbox message %d: %w", id, err)
	}
	e.publish(Event{Kind: EventOutbox, Account: item.Account, Outbox: &item})
	comp := *item.Composition
	// The outbox row is gone: from here on the draft is the only copy,
	// so it is written even if the caller gave up.
	if err := e.SaveDraft(context.WithoutCancel(ctx), &comp.Draft); err != nil {
		return comp, fmt.Errorf("message taken out of the outbox, but not saved as a draft: %w", err)
	}
	return comp, nil
}

// wakeOutbox makes the running engine's outbox loop look at the outbox
// again, for a message that waits for a time sooner than its next look.
func (e *Engine) wakeOutbox() {
	select {
	case e.outbox <- struct{}{}:
	default:
	}
}

// runOutbox drains the outbox until ctx is done: every OutboxInterval,
// and at the time the next waiting message becomes due, so that a
// message kept for its undo window goes when the window ends.
func (e *Engine) runOutbox(ctx context.Context) {
	for {
		for range e.DrainOutbox(ctx) {
		}
		wait := OutboxInterval
		now := e.opts.Now()
		if next, ok, err := e.store.NextDue(ctx, now); err != nil {
			e.log.Warn("outbox: next due time unknown", "error", err)
		} else if ok {
			wait = min(wait, next.Sub(now))
		}
		timer := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-e.outbox:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// sentAfter finishes what a composition asks once its message is really
// sent: the original is marked answered or forwarded, and the forward's
// temporary attachment files go.
func (e *Engine) sentAfter(ctx context.Context, item core.OutboxItem) {
	if item.Composition == nil {
		return
	}
	if c := item.Composition; c.Answers != 0 {
		if err := e.MarkOriginal(ctx, c.Answers, c.Forward); err != nil {
			e.log.Warn("sent, but the original not marked answered or forwarded", "message", c.Answers, "error", err)
		}
	}
	reply.RemoveForwardFiles(item.Composition.Draft.Attachments)
}
