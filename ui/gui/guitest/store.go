package guitest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/autoconfig"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/secrets"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/gui/shell"
)

// Store is a real store and engine in a temporary directory. The keyring
// is one that is never available, so that no test touches the real one;
// the password file works.
type Store struct {
	DB      *storage.DB
	Engine  *engine.Engine
	Dir     string
	Offline *Offline // for the wizard's lookup: no network
}

// NewStore opens a store and its engine, closed when the test ends.
func NewStore(t *testing.T) *Store {
	t.Helper()
	dir := t.TempDir()
	db, err := storage.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &Store{DB: db, Dir: dir, Offline: &Offline{}}
	s.Engine = engine.New(db, engine.Options{DataDir: dir, DialTimeout: 5 * time.Second, IOTimeout: 5 * time.Second, Secrets: s.secrets})
	return s
}

func (s *Store) secrets(kind core.PasswordStore) secrets.Store {
	if kind == core.PasswordStoreFile {
		return secrets.Open(kind, s.Dir)
	}
	return NoKeyring{}
}

// Password reads a saved password from the password file.
func (s *Store) Password(t *testing.T, ref string) string {
	t.Helper()
	pw, err := secrets.Open(core.PasswordStoreFile, s.Dir).Get(ref)
	if err != nil {
		t.Fatalf("password %s: %v", ref, err)
	}
	return pw
}

// Accounts reads the stored accounts.
func (s *Store) Accounts(t *testing.T) []core.Account {
	t.Helper()
	accounts, err := s.DB.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return accounts
}

// NoKeyring fails as the keyring does on a Linux desktop without a
// Secret Service.
type NoKeyring struct{}

func (NoKeyring) err() error {
	return fmt.Errorf("%w (org.freedesktop.secrets was not provided by any .service files)", secrets.ErrNoKeyring)
}

// Get fails: there is no keyring.
func (k NoKeyring) Get(string) (string, error) { return "", k.err() }

// Set fails: there is no keyring.
func (k NoKeyring) Set(string, string) error { return k.err() }

// Delete fails: there is no keyring.
func (k NoKeyring) Delete(string) error { return k.err() }

// Offline stands in for the network in autoconfig: every step fails at
// once (or, with Hang, waits for its context), and calls are counted, so
// a test shows whether the lookup went past the built-in table.
type Offline struct {
	Hang  bool
	Calls atomic.Int32
}

// Options are autoconfig's options over o.
func (o *Offline) Options() *autoconfig.Options {
	return &autoconfig.Options{Fetcher: o, Resolver: o, Prober: o, StepTimeout: 10 * time.Second}
}

func (o *Offline) fail(ctx context.Context) error {
	o.Calls.Add(1)
	if o.Hang {
		<-ctx.Done()
		return ctx.Err()
	}
	return errors.New("offline")
}

// Fetch fails: there is no network.
func (o *Offline) Fetch(ctx context.Context, _ string) ([]byte, error) { return nil, o.fail(ctx) }

// LookupMX finds nothing.
func (o *Offline) LookupMX(ctx context.Context, domain string) ([]*net.MX, error) {
	return nil, &net.DNSError{Err: o.fail(ctx).Error(), Name: domain, IsNotFound: true}
}

// Probe fails: there is no network.
func (o *Offline) Probe(ctx context.Context, _ autoconfig.Server) error { return o.fail(ctx) }

// HostPort splits a test server's address.
func HostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

// AddAccount stores an account with a POP3 source and its passwords in the
// password file, as the wizard would.
func (s *Store) AddAccount(t *testing.T, name string) core.Account {
	t.Helper()
	a := core.Account{Name: name, DisplayName: name + " User", Email: strings.ToLower(name) + "@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: "smtp.example.test", Port: 587, Username: "ann", Encryption: core.EncryptionSTARTTLS, Auth: true},
		Sources: []core.Source{{Protocol: core.ProtocolPOP3, Host: "pop.example.test", Port: 995, Username: "ann", Encryption: core.EncryptionSSL,
			Method: core.MethodAutomatic, Interval: 15 * time.Minute, Folder: core.DefaultFolder, LeaveOnServer: true, DeleteAfterDays: 30}}}
	if err := s.DB.CreateAccount(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	if err := s.Engine.SavePasswords(a, core.Passwords{SMTP: "smtp-pw", Sources: []string{"pop-pw"}}); err != nil {
		t.Fatal(err)
	}
	return a
}

// Account stores an account that sends to 127.0.0.1:25 without TLS, with
// no source.
func (s *Store) Account(t *testing.T, name string) core.Account {
	t.Helper()
	a := core.Account{Name: name, DisplayName: name + " User", Email: strings.ToLower(name) + "@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: "127.0.0.1", Port: 25, Encryption: core.EncryptionNone}}
	if err := s.DB.CreateAccount(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// Deliver stores a short message from Ann Sender, age old, in the
// account's Inbox.
func (s *Store) Deliver(t *testing.T, a core.Account, subject string, age time.Duration) int64 {
	t.Helper()
	folder, _ := s.DB.FolderByRole(context.Background(), a.ID, core.RoleInbox)
	raw := fmt.Sprintf("From: Ann Sender <ann@example.test>\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%d@example.test>\r\n\r\nHello from the %s test.\r\n",
		a.Email, subject, time.Now().Add(-age).Format(time.RFC1123Z), time.Now().UnixNano(), subject)
	id, _, err := s.DB.Deliver(context.Background(), core.Delivery{AccountID: a.ID, FolderID: folder}, strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// MarkRead stores messages as read, so that opening them writes nothing.
// Tests that delete mark them first: a write racing with the engine's
// Delete can end the Delete with SQLITE_BUSY (see the report to the lead;
// storage's deferred transactions upgrade from read to write).
func (s *Store) MarkRead(t *testing.T, ids ...int64) {
	t.Helper()
	for _, id := range ids {
		if err := s.DB.SetFlags(context.Background(), core.FlagChange{ID: id, Flags: core.Flags{Seen: true}}); err != nil {
			t.Fatal(err)
		}
	}
}

// SendingAccount adds an account that sends through host:port without
// TLS or a login, its passwords (none) in the file store.
func (s *Store) SendingAccount(t *testing.T, name, display, host string, port int) core.Account {
	t.Helper()
	a := core.Account{Name: name, DisplayName: display, Email: strings.ToLower(name) + "@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: host, Port: port, Encryption: core.EncryptionNone}}
	if err := s.DB.CreateAccount(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// DeliverRaw stores a raw message in an account's Inbox.
func (s *Store) DeliverRaw(t *testing.T, a core.Account, raw string) int64 {
	t.Helper()
	folder, err := s.DB.FolderByRole(context.Background(), a.ID, core.RoleInbox)
	if err != nil {
		t.Fatal(err)
	}
	raw = strings.ReplaceAll(strings.ReplaceAll(raw, "\r\n", "\n"), "\n", "\r\n")
	id, _, err := s.DB.Deliver(context.Background(), core.Delivery{AccountID: a.ID, FolderID: folder}, strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// PlansMessage is a reply to Beta, copied to Alpha, Dave and Erin, that
// the composer and reader tests answer and forward.
const PlansMessage = `From: Carol Jones <carol@example.test>
To: Bea Ta <beta@example.test>, Dave <dave@example.test>
Cc: alpha@example.test, "Doe, Erin" <erin@example.test>
Subject: RE: Plans for Friday
Date: Wed, 04 Mar 2026 08:15:00 +0000
Message-ID: <plans-2@example.test>
In-Reply-To: <plans-1@example.test>
References: <plans-0@example.test> <plans-1@example.test>

Shall we meet at noon?

> Earlier: what about Friday?
`

// NewShell is a shell over st for the app fa, with Do as OnUI. When the
// test ends its context ends and its background work is waited for,
// before the store closes and the directory goes.
func NewShell(t *testing.T, fa fyne.App, st *Store) *shell.Shell {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sh := shell.New(ctx, fa, st.DB, st.Engine)
	sh.Do = OnUI
	t.Cleanup(func() {
		cancel()
		sh.Wait()
	})
	return sh
}
