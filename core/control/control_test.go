package control

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
	"github.com/tributary-mail/tributary/storage"
)

// fixture is a data directory with one IMAP account over an in-process
// server holding INBOX (three messages) and Archive, synced once.
type fixture struct {
	dir string
	db  *storage.DB
	e   *engine.Engine
	srv *imaptest.Server
	a   core.Account
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{dir: t.TempDir(), srv: imaptest.Start(t, imaptest.Options{})}
	db, err := storage.Open(ctx, f.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.db = db
	f.e = engine.New(db, engine.Options{DataDir: f.dir, DialTimeout: 5 * time.Second, IOTimeout: 5 * time.Second})
	f.srv.Create(t, "Archive")
	for i := range 3 {
		f.srv.Append(t, "INBOX", fmt.Appendf(nil, "From: s@example.test\r\nSubject: ctl %d\r\nMessage-ID: <c%d@example.test>\r\n\r\nbody\r\n", i, i))
	}
	ep := f.srv.Endpoint(core.EncryptionNone)
	f.a = core.Account{Name: "ctl", Email: imaptest.User, PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: "127.0.0.1", Port: 1, Encryption: core.EncryptionNone},
		Sources: []core.Source{{Protocol: core.ProtocolIMAP, Host: ep.Host, Port: ep.Port, Username: imaptest.User,
			Encryption: core.EncryptionNone, Method: core.MethodManual, Folder: core.DefaultFolder}}}
	if err := db.CreateAccount(ctx, &f.a); err != nil {
		t.Fatal(err)
	}
	if err := f.e.SavePasswords(f.a, core.Passwords{Sources: []string{imaptest.Password}}); err != nil {
		t.Fatal(err)
	}
	if errs := f.e.SyncOnce(ctx, ""); len(errs) > 0 {
		t.Fatal(errs)
	}
	return f
}

// serve starts a control server for ops and returns a client of it.
func (f *fixture) serve(t *testing.T, ops Ops) *Client {
	t.Helper()
	srv, err := Listen(f.dir, ops)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve = %v", err)
		}
	})
	c, err := Dial(context.Background(), f.dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) ids(t *testing.T) []int64 {
	t.Helper()
	list, err := f.db.List(context.Background(), storage.ListQuery{Search: "ctl"})
	if err != nil || len(list) != 3 {
		t.Fatalf("List = %v, %v; want 3 messages", list, err)
	}
	var ids []int64
	for _, m := range list {
		ids = append(ids, m.ID)
	}
	return ids
}

func yes() *bool { b := true; return &b }

func TestClientDrivesTheEngine(t *testing.T) {
	f := newFixture(t)
	shown := atomic.Int32{}
	c := f.serve(t, &Local{Engine: f.e, Store: f.db, Running: true, Show: func() { shown.Add(1) }})
	ctx := context.Background()

	info, err := os.Stat(SocketPath(f.dir))
	if err != nil || info.Mode()&os.ModeSocket == 0 || info.Mode().Perm() != 0o600 {
		t.Fatalf("socket = %v, %v; want a socket with mode 0600", info.Mode(), err)
	}

	ids := f.ids(t)
	if err := c.Mark(ctx, ids, Mark{Seen: yes(), Flagged: yes()}); err != nil {
		t.Fatalf("Mark = %v", err)
	}
	for _, m := range f.srv.Messages(t, "INBOX") {
		if !slices.Contains(m.Flags, goimap.FlagSeen) || !slices.Contains(m.Flags, goimap.FlagFlagged) {
			t.Errorf("server flags after Mark = %v, want \\Seen and \\Flagged", m.Flags)
		}
	}
	if err := c.Move(ctx, ids[:1], "archive"); err != nil {
		t.Fatalf("Move = %v", err)
	}
	if n := len(f.srv.Messages(t, "Archive")); n != 1 {
		t.Errorf("Archive holds %d messages after Move, want 1", n)
	}

	// Errors come back with the engine's wording, one per message.
	err = c.Move(ctx, []int64{ids[1], 999999}, "Nowhere")
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("message %d: account \"ctl\" has no folder named \"Nowhere\"", ids[1])) ||
		!strings.Contains(err.Error(), "message 999999: ") {
		t.Errorf("Move to a missing folder = %v, want both messages named", err)
	}
	if _, err := c.OutboxRetry(ctx, 4242); err == nil || !strings.Contains(err.Error(), "4242") {
		t.Errorf("OutboxRetry of a missing message = %v, want an error naming it", err)
	}

	if err := c.ShowWindow(ctx); err != nil || shown.Load() != 1 {
		t.Errorf("ShowWindow = %v, shown %d times; want the callback once", err, shown.Load())
	}
}

func TestShowWithoutAWindow(t *testing.T) {
	f := newFixture(t)
	c := f.serve(t, &Local{Engine: f.e, Store: f.db, Running: true})
	if err := c.ShowWindow(context.Background()); err == nil || !strings.Contains(err.Error(), "no window") {
		t.Errorf("ShowWindow of tributary sync = %v, want no window", err)
	}
}

func TestSyncAsksTheRunningEngine(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.e.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	c := f.serve(t, &Local{Engine: f.e, Store: f.db, Running: true})
	f.srv.Append(t, "INBOX", []byte("From: s@example.test\r\nSubject: late\r\n\r\nx\r\n"))
	reports, err := c.Sync(context.Background(), "")
	if err != nil {
		t.Fatalf("Sync = %v", err)
	}
	if len(reports) != 1 || reports[0].New != 1 || !strings.Contains(reports[0].Label, "ctl") {
		t.Errorf("Sync reports = %+v, want one source with 1 new", reports)
	}
	if _, err := c.Sync(context.Background(), "nobody"); err == nil || !strings.Contains(err.Error(), `no account named "nobody"`) {
		t.Errorf("Sync of a missing account = %v", err)
	}
}

func TestEveryRequestGetsOneReply(t *testing.T) {
	f := newFixture(t)
	f.serve(t, &Local{Engine: f.e, Store: f.db})
	for _, tc := range []struct{ name, send, want string }{
		{"not JSON", "hello\n", "unreadable request"},
		{"unknown op", `{"op":"frobnicate"}` + "\n", `unknown request "frobnicate"`},
		{"bad arguments", `{"op":"mark","args":{"ids":"x"}}` + "\n", "bad arguments for mark"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("unix", SocketPath(f.dir))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.Write([]byte(tc.send))
			var lines []string
			sc := bufio.NewScanner(conn)
			for sc.Scan() {
				lines = append(lines, sc.Text())
			}
			var resp response
			if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &resp) != nil || !strings.Contains(resp.Error, tc.want) {
				t.Errorf("replies to %q = %q, want one error reply with %q", tc.send, lines, tc.want)
			}
		})
	}
}

func TestStaleSocketIsReplaced(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("unix", SocketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // as a process that died would leave it
	if _, err := Dial(context.Background(), dir); err == nil {
		t.Fatal("Dial of a stale socket succeeded")
	}
	srv, err := Listen(dir, &Local{})
	if err != nil {
		t.Fatalf("Listen over a stale socket = %v", err)
	}
	defer srv.Close()
	if _, err := Listen(dir, &Local{}); err == nil || !strings.Contains(err.Error(), "already answers") {
		t.Errorf("second Listen = %v, want already answers", err)
	}
	srv.Close()
	if _, err := os.Stat(SocketPath(dir)); !os.IsNotExist(err) {
		t.Errorf("socket file after Close: %v, want it removed", err)
	}
}
