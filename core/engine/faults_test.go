package engine

// Fault injection at the engine level: each test drives the engine, the
// real storage and an in-process server that misbehaves on purpose, and
// checks what the user would care about: nothing lost, nothing sent or
// stored twice, and the state still right after storage is reopened.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
	"github.com/tributary-mail/tributary/core/mailtest/smtptest"
	"github.com/tributary-mail/tributary/storage"
)

// reopen closes f's storage and opens the data directory again with a new
// engine, as a restart of the program would.
func (f *fixture) reopen(t *testing.T) {
	t.Helper()
	f.e.Close()
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(context.Background(), f.dir)
	if err != nil {
		t.Fatalf("reopen storage: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	f.db = db
	f.e = New(db, Options{DataDir: f.dir, Now: func() time.Time { return f.now }, DialTimeout: 2 * time.Second, IOTimeout: 2 * time.Second})
}

// TestOutboxFaultsOverOneSession queues one message per SMTP fault and
// drains them over the account's one session: each ends in the state its
// fault calls for, the states survive a restart, the retries go out once
// their backoff is over, and no message reaches the server twice.
func TestOutboxFaultsOverOneSession(t *testing.T) {
	faults := []struct {
		name  string
		fault smtptest.Fault
		first core.OutboxState // after the first drain
		final core.OutboxState // after the retries
	}{
		{"accepted", smtptest.FaultNone, core.OutboxSent, core.OutboxSent},
		{"closed before DATA", smtptest.FaultDropBeforeData, core.OutboxRetry, core.OutboxSent},
		{"closed after DATA", smtptest.FaultDropAfterData, core.OutboxUnknown, core.OutboxUnknown},
		{"4xx", smtptest.FaultTemporary, core.OutboxRetry, core.OutboxSent},
		{"5xx", smtptest.FaultPermanent, core.OutboxFailed, core.OutboxFailed},
		{"stalled", smtptest.FaultStall, core.OutboxRetry, core.OutboxSent},
		{"accepted after the faults", smtptest.FaultNone, core.OutboxSent, core.OutboxSent},
	}
	f := newFixture(t)
	ctx := context.Background()
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{"alice": "pw"}, AllowInsecureAuth: true})
	a := f.addSMTP(t, "alice", srv, "pw")
	ids := make([]int64, len(faults))
	msgIDs := map[string]string{} // Message-ID -> case name
	for i, fc := range faults {
		d := draft()
		d.Subject = fc.name
		item, err := f.e.Queue(ctx, a, d)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = item.ID
		msgIDs[strings.Trim(item.MessageID, "<>")] = fc.name
		srv.Faults(fc.fault)
	}

	errs := f.e.DrainOutbox(ctx)
	if want := 5; len(errs) != want { // the five faults
		t.Errorf("DrainOutbox = %d errors %v, want %d", len(errs), errs, want)
	}
	check := func(stage string, want func(int) core.OutboxState) {
		t.Helper()
		for i, fc := range faults {
			item, err := f.db.OutboxItem(ctx, ids[i])
			if err != nil {
				t.Fatalf("%s: outbox item %q: %v", stage, fc.name, err)
			}
			if item.State != want(i) {
				t.Errorf("%s: %q is %s (%s), want %s", stage, fc.name, item.State, item.LastError, want(i))
			}
			// The store keeps whole seconds.
			if wait := item.NextAttempt.Sub(f.now); item.State == core.OutboxRetry && (wait > RetryBase || wait <= RetryBase-time.Second) {
				t.Errorf("%s: %q retries in %v, want the backoff %v", stage, fc.name, item.NextAttempt.Sub(f.now), RetryBase)
			}
			if item.State != core.OutboxSent && item.LastError == "" {
				t.Errorf("%s: %q is %s with no error for the user", stage, fc.name, item.State)
			}
		}
	}
	check("after the first drain", func(i int) core.OutboxState { return faults[i].first })
	// Nothing is due before the backoff is over.
	if errs := f.e.DrainOutbox(ctx); len(errs) != 0 {
		t.Errorf("a drain before the backoff is over = %v, want nothing tried", errs)
	}

	f.reopen(t)
	check("after a restart", func(i int) core.OutboxState { return faults[i].first })
	f.now = f.now.Add(RetryBase + time.Second)
	if errs := f.e.DrainOutbox(ctx); len(errs) != 0 {
		t.Errorf("DrainOutbox after the backoff = %v, want every retry sent", errs)
	}
	check("after the retries", func(i int) core.OutboxState { return faults[i].final })

	got := map[string]int{}
	for _, m := range srv.Messages() {
		mid := messageID(t, m.Data)
		if _, ok := msgIDs[mid]; !ok {
			t.Errorf("server received an unknown message %q", mid)
		}
		got[mid]++
	}
	for mid, name := range msgIDs {
		want := 1
		if name == "closed after DATA" || name == "5xx" {
			want = 0 // the server dropped or refused it; only the user resends
		}
		if got[mid] != want {
			t.Errorf("server received %q %d times, want %d", name, got[mid], want)
		}
	}
}

// messageID reads the Message-ID header of raw.
func messageID(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse sent message: %v", err)
	}
	return strings.Trim(m.Header.Get("Message-ID"), "<>")
}

// cutProxy forwards TCP connections to a server and cuts the first one
// once the server has sent it cutAfter bytes, as a network that fails
// would, while the server stays up. Later connections pass untouched.
type cutProxy struct {
	ln     net.Listener
	target string

	mu       sync.Mutex
	conns    []net.Conn
	cutAfter int64
	cuts     int
}

func startProxy(t *testing.T, target string, cutAfter int64) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, cutAfter: cutAfter}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			limit := p.cutAfter
			p.cutAfter = 0
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() {
				if limit > 0 {
					io.CopyN(c, s, limit)
					p.cut()
					return
				}
				io.Copy(c, s)
				c.Close()
			}()
		}
	}()
	return p
}

func (p *cutProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// cut closes every connection open now.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.cuts++
}

// addIMAP adds an account whose IMAP source is at 127.0.0.1:port, logging
// in to an imaptest server.
func (f *fixture) addIMAP(t *testing.T, name string, port int) core.Account {
	t.Helper()
	a := core.Account{Name: name, Email: name + "@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: "127.0.0.1", Port: 1, Encryption: core.EncryptionNone},
		Sources: []core.Source{{Protocol: core.ProtocolIMAP, Host: "127.0.0.1", Port: port, Username: imaptest.User,
			Encryption: core.EncryptionNone, Method: core.MethodManual, Folder: core.DefaultFolder}}}
	if err := f.db.CreateAccount(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	if err := f.e.SavePasswords(a, core.Passwords{Sources: []string{imaptest.Password}}); err != nil {
		t.Fatal(err)
	}
	return a
}

// faultMail is message i, about 1 KiB.
func faultMail(i int) []byte {
	return fmt.Appendf(nil, "From: s@example.test\r\nSubject: fault %d\r\nMessage-ID: <f%d@example.test>\r\n\r\nbody %d\r\n%s", i, i, i,
		strings.Repeat("Sixteen bytes.\r\n", 64))
}

// storedOnce checks that a's messages are exactly the Message-IDs of
// faultMail(0..n-1), each once.
func (f *fixture) storedOnce(t *testing.T, a core.Account, n int) {
	t.Helper()
	list, err := f.db.List(context.Background(), storage.ListQuery{AccountID: a.ID, Limit: 10 * n})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range list {
		seen[m.MessageID]++
	}
	for i := range n {
		mid := "f" + strconv.Itoa(i) + "@example.test"
		if seen[mid] != 1 && seen["<"+mid+">"] != 1 {
			t.Errorf("message %s stored %d times, want once", mid, seen[mid]+seen["<"+mid+">"])
		}
	}
	if len(list) != n {
		t.Errorf("%s holds %d messages, want %d", a.Name, len(list), n)
	}
}

// TestIMAPDisconnectMidFetchResumes cuts the connection in the middle of
// the FETCH of the second batch (after about 75 KiB of 120 messages of 1
// KiB); the next sync, through the worker's new connection, fetches the
// rest, and every message is stored once.
func TestIMAPDisconnectMidFetchResumes(t *testing.T) {
	const total = 2*imap.BatchSize + 20
	f := newFixture(t)
	srv := imaptest.Start(t, imaptest.Options{})
	for i := range total {
		srv.Append(t, "INBOX", faultMail(i))
	}
	proxy := startProxy(t, srv.Addr(), int64(len(faultMail(0)))*(imap.BatchSize*3/2))
	a := f.addIMAP(t, "alice", proxy.port())
	ctx := context.Background()
	errs := f.e.SyncOnce(ctx, "")
	if len(errs) != 1 || core.KindOf(errs[0]) != core.KindNetwork || !core.IsTemporary(errs[0]) {
		t.Fatalf("SyncOnce cut mid-fetch = %v, want one temporary network error", errs)
	}
	kept := f.count(t, a)
	if kept < imap.BatchSize || kept >= total {
		t.Fatalf("after the cut %d of %d are stored, want the first batch and not all", kept, total)
	}
	if errs := f.e.SyncOnce(ctx, ""); len(errs) != 0 {
		t.Fatalf("SyncOnce after the cut = %v", errs)
	}
	f.storedOnce(t, a, total)
	if errs := f.e.SyncOnce(ctx, ""); len(errs) != 0 || f.count(t, a) != total {
		t.Errorf("a third sync = %v with %d stored, want nothing new", errs, f.count(t, a))
	}
}

// TestUIDValidityChangeLosesNoLocalMail: the server renumbers INBOX (new
// UIDVALIDITY, the old mail under new UIDs, one message new, and one
// message gone). Every message stored before keeps its local row (and the
// user's flag on it); the new one is added once.
func TestUIDValidityChangeLosesNoLocalMail(t *testing.T) {
	const n = 12
	f := newFixture(t)
	srv := imaptest.Start(t, imaptest.Options{})
	for i := range n {
		srv.Append(t, "INBOX", faultMail(i))
	}
	a := f.addIMAP(t, "alice", srv.Port)
	ctx := context.Background()
	if errs := f.e.SyncOnce(ctx, ""); len(errs) != 0 {
		t.Fatal(errs)
	}
	before, err := f.db.List(ctx, storage.ListQuery{AccountID: a.ID, Limit: 100})
	if err != nil || len(before) != n {
		t.Fatalf("first sync stored %d, %v; want %d", len(before), err, n)
	}
	old := srv.UIDValidity(t, "INBOX")
	srv.Delete(t, "INBOX")
	srv.Create(t, "INBOX")
	srv.Append(t, "INBOX", faultMail(n)) // new, and first: it takes UID 1
	for i := range n {
		srv.Append(t, "INBOX", faultMail(i))
	}
	if srv.UIDValidity(t, "INBOX") == old {
		t.Fatal("recreating INBOX kept its UIDVALIDITY; the test proves nothing")
	}
	if errs := f.e.SyncOnce(ctx, ""); len(errs) != 0 {
		t.Fatalf("SyncOnce after the UIDVALIDITY change = %v", errs)
	}
	f.storedOnce(t, a, n+1)
	after, _ := f.db.List(ctx, storage.ListQuery{AccountID: a.ID, Limit: 100})
	ids := map[int64]bool{}
	for _, m := range after {
		ids[m.ID] = true
	}
	for _, m := range before {
		if !ids[m.ID] {
			t.Errorf("local message %d (%s) was replaced or lost after the UIDVALIDITY change", m.ID, m.Subject)
		}
	}
}

// stallListener accepts connections and never says a word until release,
// as a server that hangs would.
func stallListener(t *testing.T) (port int, release func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		once  sync.Once
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	release = func() {
		once.Do(func() {
			ln.Close()
			mu.Lock()
			defer mu.Unlock()
			for _, c := range conns {
				c.Close()
			}
		})
	}
	t.Cleanup(release)
	return ln.Addr().(*net.TCPAddr).Port, release
}

// TestIMAPServerDownNeverBlocksOthers: of three IMAP accounts, one server
// hangs without a greeting (with an I/O timeout far longer than the test
// waits) and one refuses connections; the third account syncs to the end
// while the hung one is still hanging.
func TestIMAPServerDownNeverBlocksOthers(t *testing.T) {
	f := newFixture(t)
	f.e = New(f.db, Options{DataDir: f.dir, Now: func() time.Time { return f.now }, DialTimeout: time.Minute, IOTimeout: time.Minute})
	good := imaptest.Start(t, imaptest.Options{})
	for i := range 5 {
		good.Append(t, "INBOX", faultMail(i))
	}
	hungPort, release := stallListener(t)
	down, _ := net.Listen("tcp", "127.0.0.1:0")
	downPort := down.Addr().(*net.TCPAddr).Port
	down.Close() // nothing listens there any more: connection refused
	f.addIMAP(t, "hung", hungPort)
	f.addIMAP(t, "down", downPort)
	g := f.addIMAP(t, "good", good.Port)
	sub := f.e.Subscribe()
	defer sub.Close()
	result := make(chan []error, 1)
	go func() { result <- f.e.SyncOnce(context.Background(), "") }()

	var downFailed bool
	guard := time.After(30 * time.Second) // far below the hung server's minute
	for synced := false; !synced || !downFailed; {
		select {
		case ev := <-sub.C():
			switch {
			case ev.Kind == EventSynced && ev.Account == "good":
				synced = true
			case ev.Kind == EventError && ev.Account == "down":
				downFailed = true
			case ev.Kind == EventError:
				t.Fatalf("unexpected error event for %s: %v", ev.Account, ev.Err)
			}
		case <-result:
			t.Fatal("SyncOnce returned before the hung server was released")
		case <-guard:
			t.Fatalf("good synced: %v, down failed: %v while the hung server hangs; want both", synced, downFailed)
		}
	}
	if got := f.count(t, g); got != 5 {
		t.Errorf("good account holds %d messages while another server hangs, want 5", got)
	}
	release()
	errs := <-result
	var failed []string
	for _, err := range errs {
		var se *SourceError
		if errors.As(err, &se) {
			failed = append(failed, se.Account)
		}
	}
	if len(errs) != 2 || len(failed) != 2 {
		t.Errorf("SyncOnce = %v, want errors for hung and down only", errs)
	}
}
