package imap_test

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
	"github.com/tributary-mail/tributary/core/netconn"
	"github.com/tributary-mail/tributary/storage"
)

// quick keeps a test that hangs from hanging the suite: every network
// wait in these tests is far shorter.
var quick = &netconn.Options{DialTimeout: 5 * time.Second, IOTimeout: 10 * time.Second}

// testStore is a real store with one account and its IMAP source.
type testStore struct {
	*storage.DB
	accountID, sourceID int64
}

func newStore(t testing.TB) *testStore {
	t.Helper()
	db, err := storage.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatalf("storage.Open() = %v", err)
	}
	t.Cleanup(func() { db.Close() })
	a := &core.Account{
		Name: "Test", DisplayName: "Alice", Email: imaptest.User,
		SMTP:          core.SMTPSettings{Host: "127.0.0.1", Port: 25, Encryption: core.EncryptionNone},
		PasswordStore: core.PasswordStoreFile,
		Sources: []core.Source{{
			Protocol: core.ProtocolIMAP, Host: "127.0.0.1", Port: 143, Username: imaptest.User,
			Encryption: core.EncryptionNone, Method: core.MethodManual,
		}},
	}
	if err := db.CreateAccount(t.Context(), a); err != nil {
		t.Fatalf("CreateAccount() = %v", err)
	}
	return &testStore{DB: db, accountID: a.ID, sourceID: a.Sources[0].ID}
}

// state is what the store remembers of a mailbox.
func (s *testStore) state(t *testing.T, mb imap.Mailbox) core.MailboxState {
	t.Helper()
	st, err := s.IMAPMailbox(t.Context(), s.accountID, s.sourceID, mb.Name, mb.Folder, mb.Role)
	if err != nil {
		t.Fatalf("IMAPMailbox(%q) = %v", mb.Name, err)
	}
	return st
}

// count is how many messages the mailbox's local folder holds.
func (s *testStore) count(t *testing.T, mb imap.Mailbox) int {
	t.Helper()
	n, err := s.Count(t.Context(), storage.ListQuery{FolderID: s.state(t, mb).FolderID})
	if err != nil {
		t.Fatalf("Count() = %v", err)
	}
	return n
}

// uids maps each UID the store holds for the mailbox to its message.
func (s *testStore) uids(t *testing.T, mb imap.Mailbox) map[uint32]int64 {
	t.Helper()
	m, _, err := s.IMAPUIDs(t.Context(), s.state(t, mb).ID, false)
	if err != nil {
		t.Fatalf("IMAPUIDs() = %v", err)
	}
	return m
}

// raw reads a stored message's file.
func (s *testStore) raw(t *testing.T, id int64) []byte {
	t.Helper()
	_, hash, err := s.Message(t.Context(), id)
	if err != nil {
		t.Fatalf("Message(%d) = %v", id, err)
	}
	f, err := s.OpenBlob(hash)
	if err != nil {
		t.Fatalf("OpenBlob(%s) = %v", hash, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("reading message %d: %v", id, err)
	}
	return b
}

// flags reads a stored message's flags.
func (s *testStore) flags(t *testing.T, id int64) core.Flags {
	t.Helper()
	m, _, err := s.Message(t.Context(), id)
	if err != nil {
		t.Fatalf("Message(%d) = %v", id, err)
	}
	return m.Flags
}

// sync runs one SyncMailbox on a connection of its own, as the engine
// does.
func (s *testStore) sync(t *testing.T, srv *imaptest.Server, mb imap.Mailbox) (imap.SyncResult, error) {
	t.Helper()
	c := dial(t, srv.Endpoint(core.EncryptionNone), nil)
	return c.SyncMailbox(t.Context(), s, s.accountID, s.sourceID, mb, nil)
}

// mustSync is sync that fails the test on error.
func (s *testStore) mustSync(t *testing.T, srv *imaptest.Server, mb imap.Mailbox) imap.SyncResult {
	t.Helper()
	res, err := s.sync(t, srv, mb)
	if err != nil {
		t.Fatalf("SyncMailbox(%q) = %v", mb.Name, err)
	}
	return res
}

// dial connects and logs in as imaptest.User; the client closes when the
// test ends.
func dial(t *testing.T, ep core.Endpoint, opts *netconn.Options) *imap.Client {
	t.Helper()
	if opts == nil {
		opts = quick
	}
	c, err := imap.Dial(t.Context(), ep, opts, nil)
	if err != nil {
		t.Fatalf("Dial(%s, %s) = %v", ep.Addr(), ep.Encryption, err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(t.Context(), imaptest.User, imaptest.Password); err != nil {
		t.Fatalf("Login() = %v", err)
	}
	return c
}

// inbox is how Mailboxes reports INBOX.
var inbox = imap.Mailbox{Name: "INBOX", Folder: core.DefaultFolder, Role: core.RoleInbox}

// message makes the i-th test message, CRLF-terminated.
func message(i int) []byte {
	return fmt.Appendf(nil, "From: Bob <bob@example.test>\r\n"+
		"To: Alice <alice@example.test>\r\n"+
		"Subject: Message %d\r\n"+
		"Date: Mon, 02 Feb 2026 10:%02d:00 +0000\r\n"+
		"Message-ID: <m%d@example.test>\r\n"+
		"\r\n"+
		"Body of message %d.\r\n", i, i%60, i, i)
}

// appendN puts messages first..first+n-1 into mailbox.
func appendN(t *testing.T, srv *imaptest.Server, mailbox string, first, n int) {
	t.Helper()
	for i := first; i < first+n; i++ {
		srv.Append(t, mailbox, message(i))
	}
}

// progressLog records progress callbacks, which run on the sync's
// goroutine; each may act on a count.
type progressLog struct {
	mu    sync.Mutex
	calls [][2]int
	at    map[int]func()
}

func (p *progressLog) report(done, total int) {
	p.mu.Lock()
	p.calls = append(p.calls, [2]int{done, total})
	f := p.at[done]
	p.mu.Unlock()
	if f != nil {
		f()
	}
}

func (p *progressLog) last() [2]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.calls) == 0 {
		return [2]int{}
	}
	return p.calls[len(p.calls)-1]
}

// checkSteady fails unless done counts up by one from 1 and total never
// changes.
func (p *progressLog) checkSteady(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, c := range p.calls {
		if c[0] != i+1 || c[1] != p.calls[0][1] {
			t.Fatalf("progress call %d = (%d, %d), want (%d, %d)", i, c[0], c[1], i+1, p.calls[0][1])
		}
	}
}

// sameBytes fails with the first difference.
func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	t.Errorf("%s: stored %d bytes, want %d, first difference at byte %d:\n got %q\nwant %q",
		what, len(got), len(want), i, got[max(0, i-20):min(len(got), i+20)], want[max(0, i-20):min(len(want), i+20)])
}

// within fails if f takes longer than d, so a hang reads as a failure.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
	}
}
