// Package engine runs Tributary's mail work: it retrieves from every
// source, drains the outbox through each account's own SMTP server, and
// tells any number of subscribers what happened. The GUI and the CLI both
// drive this one engine.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/netconn"
	"github.com/tributary-mail/tributary/core/oauth"
	"github.com/tributary-mail/tributary/core/secrets"
)

// Store is everything the engine needs from storage.
type Store interface {
	core.MessageStore
	Accounts(ctx context.Context) ([]core.Account, error)
	Account(ctx context.Context, id int64) (core.Account, error)
	Pins(ctx context.Context) (map[string][]string, error)
	Pin(ctx context.Context, server, fingerprint string) error
	FolderByRole(ctx context.Context, accountID int64, role string) (int64, error)
	LinkIMAPUID(ctx context.Context, mailboxID int64, uid uint32, messageID int64) error

	Enqueue(ctx context.Context, item *core.OutboxItem, raw io.Reader) error
	Outbox(ctx context.Context, due time.Time) ([]core.OutboxItem, error)
	OutboxItem(ctx context.Context, id int64) (core.OutboxItem, error)
	Claim(ctx context.Context, id int64) error
	Requeue(ctx context.Context, id int64) error
	SetOutboxState(ctx context.Context, id int64, state core.OutboxState, lastErr string, next time.Time) error
	RecoverSending(ctx context.Context) (int64, error)
	DeleteOutbox(ctx context.Context, id int64) error
	Unqueue(ctx context.Context, id int64) (core.OutboxItem, error)
	NextDue(ctx context.Context, after time.Time) (time.Time, bool, error)
	OpenBlob(hash string) (*os.File, error)

	Message(ctx context.Context, id int64) (core.MessageSummary, string, error)
	Folder(ctx context.Context, id int64) (core.Folder, error)
	FolderMailbox(ctx context.Context, folderID int64) (core.IMAPLocation, bool, error)

	ChangeFlags(ctx context.Context, id int64, f core.Flags) ([]int64, error)
	MoveJournaled(ctx context.Context, id, folderID int64, dest core.IMAPLocation, destRole string) ([]int64, error)
	RemoveJournaled(ctx context.Context, id int64) ([]int64, error)
	Journal(ctx context.Context, sourceID int64) ([]core.JournalEntry, error)
	JournalDone(ctx context.Context, e core.JournalEntry) error
	JournalFailed(ctx context.Context, id int64, reason string, permanent bool) error
	DiscardFailedChanges(ctx context.Context, sourceID int64) error
	PendingChanges(ctx context.Context) ([]core.PendingChanges, error)

	SaveDraft(ctx context.Context, d *core.Draft) error
	DeleteDraft(ctx context.Context, id int64) error
	DraftStore

	SaveContact(ctx context.Context, c *core.Contact) error
	DeleteContact(ctx context.Context, c core.Contact) error
	ImportContacts(ctx context.Context, list []core.Contact) (core.ContactsImported, error)

	CreateAccount(ctx context.Context, a *core.Account) error
	SaveAccount(ctx context.Context, a *core.Account, beforeCommit func(core.Account) error) error
	RemoveAccount(ctx context.Context, id int64) error
	AddSource(ctx context.Context, s *core.Source) error
	RemoveSource(ctx context.Context, id int64) error

	Identities(ctx context.Context) ([]core.Identity, error)
	AccountIdentities(ctx context.Context, accountID int64) ([]core.Identity, error)
	AddIdentity(ctx context.Context, id *core.Identity) error
	UpdateIdentity(ctx context.Context, id *core.Identity) error
	RemoveIdentity(ctx context.Context, accountID int64, email string) error
	RuleStore
}

// Options configure an Engine. Zero values mean the defaults.
type Options struct {
	DataDir string // for the password file
	// Secrets returns the password store of a kind; tests replace it.
	Secrets func(kind core.PasswordStore) secrets.Store
	// Now is the clock, so that "delete after N days" can be tested.
	Now         func() time.Time
	DialTimeout time.Duration
	IOTimeout   time.Duration
	// IdleTimeout closes a source's command connection that nothing used
	// for so long; KeepAlive is how often an idle one gets a NOOP.
	IdleTimeout time.Duration
	KeepAlive   time.Duration
	Logger      *slog.Logger
	// OAuth configures how OAuth2 tokens are refreshed (the HTTP client);
	// nil means defaults.
	OAuth *oauth.Options
	// DraftPushEvery is how often, at most, a draft being written goes
	// to its IMAP server; 0 means DefaultDraftPushEvery, a negative
	// value at every save.
	DraftPushEvery time.Duration
}

// Engine is the mail engine. It is safe for concurrent use.
type Engine struct {
	store       Store
	opts        Options
	log         *slog.Logger
	bus         bus
	check       chan struct{} // "Get mail" for the running engine
	reload      chan struct{} // accounts changed
	outbox      chan struct{} // a message was queued: the outbox loop looks again
	workers     sourceWorkers // of the running engine
	tokens      tokens        // OAuth2 access tokens, in memory only
	arrived     arrivals      // what rules did to new mail, until reported
	draftPushes draftPushes   // when each draft last went to its server
}

// New creates an engine over store.
func New(store Store, opts Options) *Engine {
	if opts.Secrets == nil {
		dir := opts.DataDir
		opts.Secrets = func(k core.PasswordStore) secrets.Store { return secrets.Open(k, dir) }
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.KeepAlive <= 0 {
		opts.KeepAlive = DefaultKeepAlive
	}
	return &Engine{store: store, opts: opts, log: opts.Logger, check: make(chan struct{}, 1), reload: make(chan struct{}, 1), outbox: make(chan struct{}, 1)}
}

// netOptions returns connection options with the current pins.
func (e *Engine) netOptions(ctx context.Context) (*netconn.Options, error) {
	pins, err := e.store.Pins(ctx)
	if err != nil {
		return nil, err
	}
	return &netconn.Options{DialTimeout: e.opts.DialTimeout, IOTimeout: e.opts.IOTimeout, Pins: pins}, nil
}

// sourceLogin returns what connecting to a source needs: connection
// options with the current pins, and what signs in: the source's
// password, or the account's OAuth2 token.
func (e *Engine) sourceLogin(ctx context.Context, a core.Account, s core.Source) (*netconn.Options, *signer, error) {
	nopts, err := e.netOptions(ctx)
	if err != nil {
		return nil, nil, err
	}
	sg := &signer{e: e, a: a, user: s.Username}
	if !a.UsesOAuth() {
		sg.password, err = e.password(a, secrets.SourceRef(s.ID), s.Server().Addr())
	}
	return nopts, sg, err
}

// password fetches a stored password, with an error that says what to do.
func (e *Engine) password(a core.Account, ref, server string) (string, error) {
	pw, err := e.opts.Secrets(a.PasswordStore).Get(ref)
	if errors.Is(err, secrets.ErrNotFound) {
		return "", &core.Error{Kind: core.KindConfig, Op: "password", Server: server, Err: fmt.Errorf("no password stored for account %q; set it again", a.Name)}
	}
	if err != nil {
		return "", &core.Error{Kind: core.KindConfig, Op: "password", Server: server, Err: err}
	}
	return pw, nil
}

// SavePasswords stores an account's passwords in its password store. A
// blank password leaves the stored one as it is, so an edit that changes
// one password, or adds one source, touches nothing else.
func (e *Engine) SavePasswords(a core.Account, pw core.Passwords) error {
	store := e.opts.Secrets(a.PasswordStore)
	if pw.RefreshToken != "" {
		g := oauth.Grant{RefreshToken: pw.RefreshToken, ClientSecret: pw.ClientSecret}
		if err := store.Set(secrets.OAuthRef(a.ID), g.Encode()); err != nil {
			return err
		}
		e.tokens.forget(a.ID) // signed in again: the old access token goes
	}
	if a.SMTP.Auth && pw.SMTP != "" {
		if err := store.Set(secrets.SMTPRef(a.ID), pw.SMTP); err != nil {
			return err
		}
	}
	for i, s := range a.Sources {
		if i < len(pw.Sources) && pw.Sources[i] != "" {
			if err := store.Set(secrets.SourceRef(s.ID), pw.Sources[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// ForgetPasswords removes an account's passwords, for example when the
// account is removed.
func (e *Engine) ForgetPasswords(a core.Account) error {
	store := e.opts.Secrets(a.PasswordStore)
	e.tokens.forget(a.ID)
	errs := []error{store.Delete(secrets.SMTPRef(a.ID)), store.Delete(secrets.OAuthRef(a.ID))}
	for _, s := range a.Sources {
		errs = append(errs, store.Delete(secrets.SourceRef(s.ID)))
	}
	return errors.Join(errs...)
}

// safely runs fn and turns a panic into an error, so one bad message or
// server reply never takes the whole program down.
func (e *Engine) safely(what string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e.log.Error("recovered from a panic", "in", what, "panic", r)
			err = fmt.Errorf("internal error in %s: %v", what, r)
		}
	}()
	return fn()
}
