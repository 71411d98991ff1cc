package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/pop3test"
	"github.com/tributary-mail/tributary/storage"
)

type fixture struct {
	db  *storage.DB
	e   *Engine
	dir string
	now time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	db, err := storage.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{db: db, dir: dir, now: time.Now()}
	f.e = New(db, Options{DataDir: dir, Now: func() time.Time { return f.now }, DialTimeout: 2 * time.Second, IOTimeout: 2 * time.Second})
	return f
}

// addPOP3 adds an account whose POP3 source is srv, with its password in
// the file store.
func (f *fixture) addPOP3(t *testing.T, name string, srv *pop3test.Server, leave bool, deleteAfter int) core.Account {
	t.Helper()
	host, portStr, _ := net.SplitHostPort(srv.Addr)
	port, _ := strconv.Atoi(portStr)
	a := core.Account{Name: name, Email: name + "@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: "127.0.0.1", Port: 1, Encryption: core.EncryptionNone},
		Sources: []core.Source{{Protocol: core.ProtocolPOP3, Host: host, Port: port, Username: name, Encryption: core.EncryptionNone,
			Method: core.MethodManual, Folder: core.DefaultFolder, LeaveOnServer: leave, DeleteAfterDays: deleteAfter}}}
	if err := f.db.CreateAccount(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	if err := f.e.SavePasswords(a, core.Passwords{Sources: []string{"pw-" + name}}); err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) count(t *testing.T, a core.Account) int {
	t.Helper()
	n, err := f.db.Count(context.Background(), storage.ListQuery{AccountID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func testMail(i int) []byte {
	return fmt.Appendf(nil, "From: s@example.test\r\nTo: r@example.test\r\nSubject: message %d\r\nMessage-ID: <m%d@example.test>\r\n\r\nbody %d\r\n", i, i, i)
}

func pop3Server(t *testing.T, user string, n int) *pop3test.Server {
	t.Helper()
	srv := pop3test.Start(t, pop3test.Options{Users: map[string]string{user: "pw-" + user}})
	for i := range n {
		srv.Add(user, testMail(i))
	}
	return srv
}

func TestPOP3Policies(t *testing.T) {
	tests := []struct {
		name          string
		leave         bool
		deleteAfter   int
		later         time.Duration
		onServerFirst int
		onServerLater int
	}{
		{"leave on server", true, 0, 100 * 24 * time.Hour, 3, 3},
		{"delete at once", false, 0, time.Hour, 0, 0},
		{"delete after 3 days, 2 days later", true, 3, 2 * 24 * time.Hour, 3, 3},
		{"delete after 3 days, 4 days later", true, 3, 4 * 24 * time.Hour, 3, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			srv := pop3Server(t, "alice", 3)
			a := f.addPOP3(t, "alice", srv, tc.leave, tc.deleteAfter)
			ctx := context.Background()
			if errs := f.e.SyncOnce(ctx, ""); len(errs) > 0 {
				t.Fatalf("SyncOnce = %v", errs)
			}
			if got := len(srv.Messages("alice")); got != tc.onServerFirst {
				t.Errorf("on server after the first sync = %d, want %d", got, tc.onServerFirst)
			}
			f.now = f.now.Add(tc.later)
			if errs := f.e.SyncOnce(ctx, ""); len(errs) > 0 {
				t.Fatalf("second SyncOnce = %v", errs)
			}
			if got := len(srv.Messages("alice")); got != tc.onServerLater {
				t.Errorf("on server %v later = %d, want %d", tc.later, got, tc.onServerLater)
			}
			if got := f.count(t, a); got != 3 {
				t.Errorf("local messages = %d, want 3 (never lost, never duplicated)", got)
			}
		})
	}
}

// TestPOP3ServerGoesAwayMidSync cuts the connection in the middle of the
// second RETR. What was stored stays, nothing is deleted on the server, and
// the next sync finishes the job without duplicates.
func TestPOP3ServerGoesAwayMidSync(t *testing.T) {
	f := newFixture(t)
	srv := pop3Server(t, "alice", 3)
	a := f.addPOP3(t, "alice", srv, false, 0)
	srv.DropAfter("RETR", 2)
	errs := f.e.SyncOnce(context.Background(), "")
	if len(errs) != 1 || core.KindOf(errs[0]) != core.KindNetwork {
		t.Fatalf("SyncOnce with a dropped connection = %v, want one network error", errs)
	}
	if got := f.count(t, a); got != 1 {
		t.Errorf("local messages after the drop = %d, want the 1 fully received", got)
	}
	if got := len(srv.Messages("alice")); got != 3 {
		t.Errorf("on server after the drop = %d, want 3 (no QUIT, so no deletion)", got)
	}
	if errs := f.e.SyncOnce(context.Background(), ""); len(errs) > 0 {
		t.Fatalf("SyncOnce after reconnecting = %v", errs)
	}
	if got := f.count(t, a); got != 3 {
		t.Errorf("local messages after the retry = %d, want 3", got)
	}
	if got := len(srv.Messages("alice")); got != 0 {
		t.Errorf("on server after the retry = %d, want 0", got)
	}
}

// TestFailingAccountDoesNotBlockOthers stalls one server; the other
// account still syncs, and the failure is named.
func TestFailingAccountDoesNotBlockOthers(t *testing.T) {
	f := newFixture(t)
	good := pop3Server(t, "bob", 2)
	bad := pop3Server(t, "carol", 2)
	bad.Stall("UIDL")
	b := f.addPOP3(t, "bob", good, true, 0)
	f.addPOP3(t, "carol", bad, true, 0)
	sub := f.e.Subscribe()
	defer sub.Close()
	errs := f.e.SyncOnce(context.Background(), "")
	var se *SourceError
	if len(errs) != 1 || !errors.As(errs[0], &se) || se.Account != "carol" {
		t.Fatalf("SyncOnce = %v, want one error for carol", errs)
	}
	if got := f.count(t, b); got != 2 {
		t.Errorf("bob's messages = %d, want 2", got)
	}
	var newMail, failed int
	timeout := time.After(5 * time.Second)
	for newMail == 0 || failed == 0 {
		select {
		case ev := <-sub.C():
			switch ev.Kind {
			case EventNewMail:
				newMail += len(ev.MessageIDs)
			case EventError:
				failed++
			}
		case <-timeout:
			t.Fatalf("events: %d new, %d errors; want 2 new and 1 error", newMail, failed)
		}
	}
	if newMail != 2 {
		t.Errorf("new-mail events name %d messages, want 2", newMail)
	}
}

func TestWrongPasswordIsAnAuthError(t *testing.T) {
	f := newFixture(t)
	srv := pop3test.Start(t, pop3test.Options{Users: map[string]string{"alice": "other"}})
	a := f.addPOP3(t, "alice", srv, true, 0)
	errs := f.e.SyncOnce(context.Background(), "alice")
	if len(errs) != 1 || core.KindOf(errs[0]) != core.KindAuth || core.IsTemporary(errs[0]) {
		t.Errorf("SyncOnce with a wrong password = %v, want one permanent authentication error", errs)
	}
	results := f.e.CheckAccount(context.Background(), a, nil)
	if len(results) != 2 || core.KindOf(results[1].Err) != core.KindAuth {
		t.Errorf("CheckAccount = %+v, want the POP3 login refused", results)
	}
}

// TestSubscriptionCoalescesProgressOnly publishes to a subscriber that is
// not reading: progress collapses to the latest, new mail and errors are
// all kept, and publishing never blocks.
func TestSubscriptionCoalescesProgressOnly(t *testing.T) {
	e := New(nil, Options{})
	sub := e.Subscribe()
	defer sub.Close()
	done := make(chan struct{})
	go func() {
		for i := range 1000 {
			e.publish(Event{Kind: EventProgress, SourceID: 1, Done: i + 1, Total: 1000})
			if i%100 == 0 {
				e.publish(Event{Kind: EventNewMail, SourceID: 1, MessageIDs: []int64{int64(i)}})
			}
		}
		e.publish(Event{Kind: EventError, SourceID: 2, Err: errors.New("boom")})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("publish blocked on a subscriber that does not read")
	}
	var newMail, errs, lastDone int
	for newMail < 10 || errs < 1 {
		select {
		case ev := <-sub.C():
			switch ev.Kind {
			case EventNewMail:
				newMail++
			case EventError:
				errs++
			case EventProgress:
				lastDone = ev.Done
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("got %d new-mail and %d error events, want 10 and 1", newMail, errs)
		}
	}
	if lastDone != 1000 {
		t.Errorf("last progress seen = %d, want 1000", lastDone)
	}
}

// TestFinishDeliversWhatIsQueued: a command that exits right after its
// work must still print every event it caused.
func TestFinishDeliversWhatIsQueued(t *testing.T) {
	e := New(nil, Options{})
	sub := e.Subscribe()
	for i := range 3 {
		e.publish(Event{Kind: EventNewMail, MessageIDs: []int64{int64(i)}})
	}
	sub.Finish()
	got := 0
	timeout := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-sub.C():
			if !ok {
				if got != 3 {
					t.Errorf("events delivered before the channel closed = %d, want 3", got)
				}
				return
			}
			got++
		case <-timeout:
			t.Fatalf("channel not closed after Finish; %d events read", got)
		}
	}
}
