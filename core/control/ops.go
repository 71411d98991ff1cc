// Package control lets other front ends drive a running engine. The app
// and `tributary sync` hold the engine lock of their data directory and
// listen on a Unix socket in it (control.sock, readable by the user
// only); a CLI command that changes something sends its request there
// instead of starting a second engine, and a second launch of the app
// asks the first to show its window.
//
// Ops is the set of engine operations the front ends use. Local runs them
// on an in-process engine; Client sends them to a running one, whose
// Server runs them on its Local. A command is written once, over Ops.
package control

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/mailto"
	"github.com/tributary-mail/tributary/core/reply"
	"github.com/tributary-mail/tributary/core/rules"
	"github.com/tributary-mail/tributary/core/smtp"
)

// Ops are the engine operations that front ends drive.
type Ops interface {
	// Mark changes flags of messages; nil fields stay as they are.
	Mark(ctx context.Context, ids []int64, m Mark) error
	// Move files messages in the folder of each one's account named
	// folder (ignoring case).
	Move(ctx context.Context, ids []int64, folder string) error
	// Delete moves messages to the Trash, or removes them from it.
	Delete(ctx context.Context, ids []int64) error
	// File moves messages to the folder of each one's account with role:
	// core.RoleJunk, core.RoleInbox (not junk) or core.RoleArchive; see
	// engine.File.
	File(ctx context.Context, ids []int64, role string) error
	// Send queues a message from the named account and, unless
	// req.QueueOnly, makes one attempt to send it.
	Send(ctx context.Context, req SendRequest) (core.OutboxItem, error)
	// Answer replies to or forwards a message, as Send does.
	Answer(ctx context.Context, req AnswerRequest) (core.OutboxItem, error)
	// OutboxRetry makes one more attempt for a failed or waiting message;
	// an unknown one needs OutboxResolve.
	OutboxRetry(ctx context.Context, id int64) (core.OutboxItem, error)
	// OutboxResolve decides an unknown message: sent, or send it again.
	OutboxResolve(ctx context.Context, id int64, asSent bool) (core.OutboxItem, error)
	// OutboxDelete removes a message from the outbox.
	OutboxDelete(ctx context.Context, id int64) error
	// OutboxCancel takes a message that was not handed to the server out
	// of the outbox and makes it a draft again (see engine.Unqueue).
	OutboxCancel(ctx context.Context, id int64) (core.Draft, error)
	// OutboxSend sends every message whose turn has come, of one account
	// when account is not empty.
	OutboxSend(ctx context.Context, account string) error
	// Sync gets mail from every source (of one account when account is
	// not empty) and reports each source. A running engine is asked to
	// check now, and the reports are those of that check.
	Sync(ctx context.Context, account string) ([]SyncReport, error)
	// ShowWindow brings the app's main window forward.
	ShowWindow(ctx context.Context) error

	// AccountAdd stores a new account with its passwords.
	AccountAdd(ctx context.Context, a core.Account, pw core.Passwords) (core.Account, error)
	// AccountRemove deletes the named account with its mail and passwords.
	AccountRemove(ctx context.Context, name string) error
	// AccountTrust pins the certificate with fingerprint for the named
	// account's servers that present it, and returns those servers.
	AccountTrust(ctx context.Context, name, fingerprint string) ([]string, error)
	// AccountSignIn stores a fresh OAuth2 sign-in (pw.RefreshToken) for
	// the named account, after "Sign in again".
	AccountSignIn(ctx context.Context, name string, pw core.Passwords) error
	// SourceAdd adds a retrieval source to the named account.
	SourceAdd(ctx context.Context, account string, s core.Source, password string) (core.Source, error)
	// Import brings mail from .eml, mbox and Maildir into an account.
	Import(ctx context.Context, req ImportRequest) (ImportReport, error)
	// IdentityAdd adds an alias to the named account.
	IdentityAdd(ctx context.Context, account string, id core.Identity) (core.Identity, error)
	// IdentityRemove removes the alias email of the named account.
	IdentityRemove(ctx context.Context, account, email string) error

	// ContactsImport saves contacts read from a file (see
	// storage.ImportContacts).
	ContactsImport(ctx context.Context, list []core.Contact) (core.ContactsImported, error)
	// ContactSave adds or changes a contact of the address book.
	ContactSave(ctx context.Context, c core.Contact) (core.Contact, error)
	// ContactDelete removes a contact; mail does not bring it back.
	ContactDelete(ctx context.Context, c core.Contact) error
	// Compose opens the app's composer with a message filled in, from a
	// mailto: link.
	Compose(ctx context.Context, m mailto.Message) error

	// RuleSave adds a rule (ID 0) or changes one; a malformed rule is
	// refused with the query's words.
	RuleSave(ctx context.Context, r rules.Rule) (rules.Rule, error)
	// RuleRemove deletes the named rule.
	RuleRemove(ctx context.Context, name string) error
	// RuleMove moves the named rule earlier (by < 0) or later.
	RuleMove(ctx context.Context, name string, by int) error
	// RuleRun runs the named rule now over a folder (every Inbox when
	// folder is empty) and says how many messages it matched.
	RuleRun(ctx context.Context, name, folder string) (int, error)
	// RuleImport saves rules read from a file, replacing those of the
	// same name.
	RuleImport(ctx context.Context, rs []rules.Rule) (RuleImportReport, error)
}

// Mark is a flag change: nil leaves a flag as it is.
type Mark struct {
	Seen    *bool `json:"seen,omitempty"`
	Flagged *bool `json:"flagged,omitempty"`
}

// SendRequest is a new message to queue and send.
type SendRequest struct {
	Account   string     `json:"account"`
	Draft     smtp.Draft `json:"draft"`
	QueueOnly bool       `json:"queue_only,omitempty"`
	// NotBefore queues the message to go at that time (send --at, --delay)
	// instead of sending it now.
	NotBefore time.Time `json:"not_before,omitzero"`
}

// AnswerRequest is a reply (to everyone with All) or a forward to To, of
// message ID, with Text above the quoted original.
type AnswerRequest struct {
	ID        int64           `json:"id"`
	All       bool            `json:"all,omitempty"`
	Forward   bool            `json:"forward,omitempty"`
	To        []*mail.Address `json:"to,omitempty"`
	Text      string          `json:"text"`
	QueueOnly bool            `json:"queue_only,omitempty"`

	// AsAttachment forwards the original whole, as message/rfc822.
	AsAttachment bool `json:"as_attachment,omitempty"`
}

// SyncReport is how one source's sync went.
type SyncReport struct {
	Label string `json:"label"`
	New   int    `json:"new"`
	Err   string `json:"error,omitempty"`
}

// Store is what Local reads, plus the one outbox write the engine does not
// offer yet.
type Store interface {
	Message(ctx context.Context, id int64) (core.MessageSummary, string, error)
	Folders(ctx context.Context) ([]core.Folder, error)
	Accounts(ctx context.Context) ([]core.Account, error)
	Account(ctx context.Context, id int64) (core.Account, error)
	AccountByName(ctx context.Context, name string) (core.Account, error)
	Outbox(ctx context.Context, due time.Time) ([]core.OutboxItem, error)
	OutboxItem(ctx context.Context, id int64) (core.OutboxItem, error)
	IMAPLocations(ctx context.Context, messageID int64) ([]core.IMAPLocation, error)
	IdentityStore
}

// Local runs Ops on an in-process engine.
type Local struct {
	Engine *engine.Engine
	Store  Store
	// Running says the engine's Run loop is going, so Sync asks it to
	// check now instead of syncing beside it.
	Running bool
	// Show brings the main window forward; nil when there is none (as in
	// `tributary sync`).
	Show func()
	// ComposeFunc opens a composer filled with m; nil when there is no
	// window.
	ComposeFunc func(m mailto.Message)
	// SyncWait bounds how long Sync waits for a running engine's
	// reports; zero means 5 minutes.
	SyncWait time.Duration
}

var (
	_ Ops = (*Local)(nil)
	_ Ops = (*Client)(nil)
)

// eachID runs fn for every id and joins the failures, each naming its
// message, so one bad ID does not stop the rest; then after, whose error
// joins them.
func eachID(ids []int64, fn func(id int64) error, after func() error) error {
	var errs []error
	for _, id := range ids {
		if err := fn(id); err != nil {
			errs = append(errs, fmt.Errorf("message %d: %w", id, err))
		}
	}
	return errors.Join(append(errs, after())...)
}

// Mark implements Ops.
func (l *Local) Mark(ctx context.Context, ids []int64, m Mark) error {
	return eachID(ids, func(id int64) error {
		sum, _, err := l.Store.Message(ctx, id)
		if err != nil {
			return err
		}
		f := sum.Flags
		if m.Seen != nil {
			f.Seen = *m.Seen
		}
		if m.Flagged != nil {
			f.Flagged = *m.Flagged
		}
		return l.Engine.SetFlags(ctx, id, f)
	}, l.push(ctx, ids))
}

// Move implements Ops.
func (l *Local) Move(ctx context.Context, ids []int64, folder string) error {
	folders, err := l.Store.Folders(ctx)
	if err != nil {
		return err
	}
	return eachID(ids, func(id int64) error {
		sum, _, err := l.Store.Message(ctx, id)
		if err != nil {
			return err
		}
		for _, f := range folders {
			if f.AccountID == sum.AccountID && strings.EqualFold(f.Name, folder) {
				return l.Engine.Move(ctx, id, f.ID)
			}
		}
		return fmt.Errorf("account %q has no folder named %q", sum.Account, folder)
	}, l.push(ctx, ids))
}

// Delete implements Ops.
func (l *Local) Delete(ctx context.Context, ids []int64) error {
	return eachID(ids, func(id int64) error { return l.Engine.Delete(ctx, id) }, l.push(ctx, ids))
}

// File implements Ops.
func (l *Local) File(ctx context.Context, ids []int64, role string) error {
	return eachID(ids, func(id int64) error { return l.Engine.File(ctx, id, role) }, l.push(ctx, ids))
}

// push returns what waits, after a command's changes, until the running
// engine's workers offered them to the servers, so the command can say
// how it went. Without a running engine the changes went out already.
func (l *Local) push(ctx context.Context, ids []int64) func() error {
	// The servers that hold the messages, read before the change (a
	// move or deletion takes the link away when the server confirms).
	var sources []int64
	for _, id := range ids {
		locs, _ := l.Store.IMAPLocations(ctx, id)
		for _, loc := range locs {
			if !slices.Contains(sources, loc.SourceID) {
				sources = append(sources, loc.SourceID)
			}
		}
	}
	return func() error {
		if !l.Running || len(sources) == 0 {
			return nil
		}
		return l.Engine.PushChanges(ctx, sources...)
	}
}

// Send implements Ops. req.Account names the account, or is the
// address of one of its identities, which the message is then from.
func (l *Local) Send(ctx context.Context, req SendRequest) (core.OutboxItem, error) {
	a, err := l.sendingAccount(ctx, req.Account, &req)
	if err != nil {
		return core.OutboxItem{}, err
	}
	item, err := l.Engine.QueueWith(ctx, a, req.Draft, engine.QueueOptions{NotBefore: req.NotBefore})
	if err != nil || req.QueueOnly || !req.NotBefore.IsZero() {
		return item, err
	}
	return l.Engine.Send(ctx, item.ID)
}

// Answer implements Ops. The outbox remembers what the message answers:
// the original is marked answered (forwarded) when the message goes, now
// or, when only queued, with a later outbox send.
func (l *Local) Answer(ctx context.Context, req AnswerRequest) (core.OutboxItem, error) {
	var d reply.Draft
	var err error
	if req.Forward && req.AsAttachment {
		d, err = l.Engine.ForwardAsAttachmentDraft(ctx, req.ID)
		d.Message.To = req.To
	} else if req.Forward {
		d, err = l.Engine.ForwardDraft(ctx, req.ID)
		d.Message.To = req.To
	} else {
		d, err = l.Engine.ReplyDraft(ctx, req.ID, req.All)
	}
	// Queue copies the attachments into the outbox; the temporary
	// copies are not needed after it, whatever happened.
	defer reply.RemoveForwardFiles(d.Message.Attachments)
	if err != nil {
		return core.OutboxItem{}, err
	}
	d.Message.Text = req.Text + d.Message.Text
	a, err := l.Store.Account(ctx, d.AccountID)
	if err != nil {
		return core.OutboxItem{}, err
	}
	item, err := l.Engine.QueueWith(ctx, a, d.Message, engine.QueueOptions{Answers: d.Original, Forward: d.Forward})
	if err != nil || req.QueueOnly {
		return item, err
	}
	return l.Engine.Send(ctx, item.ID)
}

// OutboxRetry implements Ops.
func (l *Local) OutboxRetry(ctx context.Context, id int64) (core.OutboxItem, error) {
	item, err := l.Store.OutboxItem(ctx, id)
	if err != nil {
		return item, err
	}
	switch item.State {
	case core.OutboxUnknown:
		return item, fmt.Errorf("message %d may already have been delivered; decide with: tributary outbox resolve %d --as sent|resend", id, id)
	case core.OutboxSent:
		return item, fmt.Errorf("message %d was already sent", id)
	}
	return l.Engine.Resend(ctx, id)
}

// OutboxResolve implements Ops.
func (l *Local) OutboxResolve(ctx context.Context, id int64, asSent bool) (core.OutboxItem, error) {
	item, err := l.Store.OutboxItem(ctx, id)
	if err != nil {
		return item, err
	}
	if item.State != core.OutboxUnknown {
		return item, fmt.Errorf("message %d is %s; resolve is only for unknown messages", id, item.State)
	}
	if !asSent {
		return l.Engine.Resend(ctx, id)
	}
	if err := l.Engine.MarkSent(ctx, id); err != nil {
		return item, err
	}
	item.State = core.OutboxSent
	return item, nil
}

// AccountAdd implements Ops.
func (l *Local) AccountAdd(ctx context.Context, a core.Account, pw core.Passwords) (core.Account, error) {
	err := l.Engine.AddAccount(ctx, &a, pw)
	return a, err
}

// AccountRemove implements Ops.
func (l *Local) AccountRemove(ctx context.Context, name string) error {
	a, err := l.Store.AccountByName(ctx, name)
	if err != nil {
		return err
	}
	return l.Engine.RemoveAccount(ctx, a)
}

// AccountTrust implements Ops.
func (l *Local) AccountTrust(ctx context.Context, name, fingerprint string) ([]string, error) {
	a, err := l.Store.AccountByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return l.Engine.Trust(ctx, a, fingerprint)
}

// AccountSignIn implements Ops.
func (l *Local) AccountSignIn(ctx context.Context, name string, pw core.Passwords) error {
	a, err := l.Store.AccountByName(ctx, name)
	if err != nil {
		return err
	}
	return l.Engine.SignIn(ctx, a, pw)
}

// SourceAdd implements Ops.
func (l *Local) SourceAdd(ctx context.Context, account string, s core.Source, password string) (core.Source, error) {
	a, err := l.Store.AccountByName(ctx, account)
	if err != nil {
		return s, err
	}
	err = l.Engine.AddSource(ctx, a, &s, password)
	return s, err
}

// OutboxDelete implements Ops.
func (l *Local) OutboxDelete(ctx context.Context, id int64) error {
	return l.Engine.DeleteOutbox(ctx, id)
}

// OutboxSend implements Ops: each account's due messages go over one
// SMTP session.
func (l *Local) OutboxSend(ctx context.Context, account string) error {
	if account != "" {
		if _, err := l.Store.AccountByName(ctx, account); err != nil {
			return err
		}
	}
	return errors.Join(l.Engine.DrainAccount(ctx, account)...)
}

// Sync implements Ops. Without a running engine it syncs every source
// once, then sends what is due, as `tributary sync --once` always did.
func (l *Local) Sync(ctx context.Context, account string) ([]SyncReport, error) {
	sub := l.Engine.Subscribe()
	defer sub.Close()
	if l.Running {
		return l.checkNow(ctx, sub, account)
	}
	errs := l.Engine.SyncOnce(ctx, account)
	errs = append(errs, l.Engine.DrainOutbox(ctx)...)
	// Everything published before Finish is read before returning.
	sub.Finish()
	reports := newReports()
	for ev := range sub.C() {
		reports.add(ev)
	}
	return reports.list, errors.Join(errs...)
}

// checkNow asks the running engine to check now and waits until every
// source of the account has reported once.
func (l *Local) checkNow(ctx context.Context, sub *engine.Subscription, account string) ([]SyncReport, error) {
	accounts, err := l.Store.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	waiting := map[int64]string{}
	for _, a := range accounts {
		if account == "" || strings.EqualFold(a.Name, account) {
			for _, s := range a.Sources {
				waiting[s.ID] = s.Label(a.Name)
			}
		}
	}
	if account != "" && len(waiting) == 0 {
		return nil, fmt.Errorf("no account named %q, or it has no sources", account)
	}
	wait := l.SyncWait
	if wait == 0 {
		wait = 5 * time.Minute
	}
	timeout := time.After(wait)
	l.Engine.CheckNow()
	reports := newReports()
	var errs []string
	for len(waiting) > 0 {
		select {
		case <-ctx.Done():
			return reports.list, ctx.Err()
		case <-timeout:
			var names []string
			for _, label := range waiting {
				names = append(names, label)
			}
			return reports.list, fmt.Errorf("no report within %s from %s; the running Tributary goes on in the background", wait, strings.Join(names, ", "))
		case ev, ok := <-sub.C():
			if !ok {
				return reports.list, errors.New("the running Tributary stopped")
			}
			if _, want := waiting[ev.SourceID]; !want {
				continue
			}
			reports.add(ev)
			if ev.Kind == engine.EventSynced || ev.Kind == engine.EventError {
				delete(waiting, ev.SourceID)
				if ev.Err != nil {
					errs = append(errs, ev.Err.Error())
				}
			}
		}
	}
	if len(errs) > 0 {
		return reports.list, errors.New(strings.Join(errs, "\n"))
	}
	return reports.list, nil
}

// reports gathers sync events into one report per source, in the order
// the sources finished.
type reports struct {
	list  []SyncReport
	fresh map[int64]int // new messages of sources not finished yet
}

func newReports() *reports { return &reports{fresh: map[int64]int{}} }

func (r *reports) add(ev engine.Event) {
	switch ev.Kind {
	case engine.EventNewMail:
		r.fresh[ev.SourceID] += len(ev.MessageIDs)
	case engine.EventSynced, engine.EventError:
		rep := SyncReport{Label: ev.Label, New: r.fresh[ev.SourceID]}
		if ev.Err != nil {
			rep.Err = ev.Err.Error()
		}
		delete(r.fresh, ev.SourceID)
		r.list = append(r.list, rep)
	}
}

// ShowWindow implements Ops.
func (l *Local) ShowWindow(ctx context.Context) error {
	if l.Show == nil {
		return errors.New("this Tributary has no window (it is `tributary sync`)")
	}
	l.Show()
	return nil
}
