package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
	"github.com/tributary-mail/tributary/core/mailtest/pop3test"
	"github.com/tributary-mail/tributary/storage"
)

// runEngine runs f's engine until the test ends and returns once every
// source synced once.
func (f *fixture) runEngine(t *testing.T, sources int) {
	t.Helper()
	sub := f.e.Subscribe()
	defer sub.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.e.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	})
	synced := 0
	timeout := time.After(20 * time.Second)
	for synced < sources {
		select {
		case ev := <-sub.C():
			switch ev.Kind {
			case EventSynced:
				synced++
			case EventError:
				t.Fatalf("sync error while starting: %v", ev.Err)
			}
		case <-timeout:
			t.Fatalf("only %d of %d sources synced", synced, sources)
		}
	}
}

// waitJournalEmpty waits until no change waits for any server.
func (f *fixture) waitJournalEmpty(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		p, err := f.e.PendingChanges(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(p) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("changes still waiting: %+v", p)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func makeAutomatic(t *testing.T, f *fixture, a core.Account) {
	t.Helper()
	for i := range a.Sources {
		a.Sources[i].Method, a.Sources[i].Interval = core.MethodAutomatic, time.Hour
		if err := f.db.UpdateSource(context.Background(), &a.Sources[i]); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTwentyFlagChangesCostNoNewLogin(t *testing.T) {
	f, srv, a := imapFixture(t)
	ctx := context.Background()
	for i := 3; i < 20; i++ {
		srv.Append(t, "INBOX", fmt.Appendf(nil, "From: s@example.test\r\nSubject: action %d\r\nMessage-ID: <a%d@example.test>\r\n\r\nbody\r\n", i, i))
	}
	makeAutomatic(t, f, a)
	f.runEngine(t, 1)
	srv.WaitIdle(t, 5*time.Second) // the IDLE watcher holds its own connection
	before := srv.Logins()

	list, err := f.db.List(ctx, storage.ListQuery{Limit: 100})
	if err != nil || len(list) != 20 {
		t.Fatalf("List = %d messages, %v; want 20", len(list), err)
	}
	for _, m := range list {
		m.Seen = true
		if err := f.e.SetFlags(ctx, m.ID, m.Flags); err != nil {
			t.Fatalf("SetFlags(%d) = %v", m.ID, err)
		}
	}
	f.waitJournalEmpty(t)

	if got := srv.Logins() - before; got != 0 {
		t.Errorf("logins for 20 flag changes = %d, want 0 (the worker's connection is reused)", got)
	}
	for _, m := range srv.Messages(t, "INBOX") {
		if !slices.Contains(m.Flags, goimap.FlagSeen) {
			t.Errorf("server message %d flags = %v, want \\Seen", m.UID, m.Flags)
		}
	}
}

func TestOfflineChangeReachesTheServerAfterARestart(t *testing.T) {
	f, srv, a := imapFixture(t)
	ctx := context.Background()
	m := f.inboxMessage(t, "action 1")

	srv.Close()
	m.Flagged = true
	err := f.e.SetFlags(ctx, m.ID, m.Flags)
	if !errors.Is(err, ErrChangesWaiting) {
		t.Fatalf("SetFlags with the server down = %v, want ErrChangesWaiting", err)
	}
	if got, _, _ := f.db.Message(ctx, m.ID); !got.Flagged {
		t.Errorf("local flags after an offline change = %+v, want flagged", got.Flags)
	}

	// A new process on the same data directory: the journal is on disk.
	f.db.Close()
	db, err := storage.Open(ctx, f.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.db = db
	f.e = New(db, f.e.opts)

	srv.Restart(t)
	a.Sources[0].Port = srv.Port
	if err := db.UpdateSource(ctx, &a.Sources[0]); err != nil {
		t.Fatal(err)
	}
	if errs := f.e.SyncOnce(ctx, ""); len(errs) > 0 {
		t.Fatalf("SyncOnce = %v", errs)
	}
	flags := serverSubjects(t, srv, "INBOX")["action 1"]
	if !slices.Contains(flags, goimap.FlagFlagged) {
		t.Errorf("server flags after the restart = %v, want \\Flagged", flags)
	}
	if got, _, _ := db.Message(ctx, m.ID); !got.Flagged {
		t.Errorf("local flags after the sync = %+v, want still flagged (the server's old flags must not win)", got.Flags)
	}
	if p, _ := f.e.PendingChanges(ctx); len(p) != 0 {
		t.Errorf("PendingChanges after replay = %+v, want none", p)
	}
}

func TestRefusedChangeIsSetAsideAndTheRestGoOn(t *testing.T) {
	f, srv, a := imapFixture(t)
	ctx := context.Background()
	srv.Create(t, "Projects")
	srv.SetSubscribed(t, "Projects", true)
	if errs := f.e.SyncOnce(ctx, ""); len(errs) > 0 {
		t.Fatal(errs)
	}
	projects, err := f.db.EnsureFolder(ctx, a.ID, "Projects", "")
	if err != nil {
		t.Fatal(err)
	}
	srv.Delete(t, "Projects") // gone on the server, still here
	m0, m2 := f.inboxMessage(t, "action 0"), f.inboxMessage(t, "action 2")
	if err := f.e.Move(ctx, m0.ID, projects); err != nil {
		t.Fatalf("Move = %v (a refusal is set aside, not returned)", err)
	}
	m2.Seen = true
	if err := f.e.SetFlags(ctx, m2.ID, m2.Flags); err != nil {
		t.Fatalf("SetFlags after a refused move = %v", err)
	}
	if !slices.Contains(serverSubjects(t, srv, "INBOX")["action 2"], goimap.FlagSeen) {
		t.Error("the change after a refused one did not reach the server")
	}
	p, err := f.e.PendingChanges(ctx)
	if err != nil || len(p) != 1 || p[0].Failed != 1 || p[0].Waiting != 0 || p[0].LastError == "" {
		t.Fatalf("PendingChanges = %+v, %v; want one failed entry with its error", p, err)
	}
	if err := f.e.DiscardFailedChanges(ctx, p[0].SourceID); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.e.PendingChanges(ctx); len(p) != 0 {
		t.Errorf("PendingChanges after discarding = %+v, want none", p)
	}
}

// Eight sources, POP3 and IMAP, syncing at once through one store: the
// single writer means none of them ever sees SQLITE_BUSY.
func TestEightSourcesSyncAtOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var imapServers []*imaptest.Server
	for i := range 4 {
		name := fmt.Sprintf("pop%d", i)
		srv := pop3test.Start(t, pop3test.Options{Users: map[string]string{name: "pw-" + name}})
		for j := range 30 {
			srv.Add(name, fmt.Appendf(nil, "From: p%d@example.test\r\nSubject: pop %d-%d\r\nMessage-ID: <p%d.%d@example.test>\r\n\r\nbody %d\r\n", i, i, j, i, j, j))
		}
		f.addPOP3(t, name, srv, true, 0)

		isrv := imaptest.Start(t, imaptest.Options{})
		imapServers = append(imapServers, isrv)
		ep := isrv.Endpoint(core.EncryptionNone)
		a := core.Account{Name: fmt.Sprintf("imap%d", i), Email: imaptest.User, PasswordStore: core.PasswordStoreFile,
			SMTP: core.SMTPSettings{Host: "127.0.0.1", Port: 1, Encryption: core.EncryptionNone},
			Sources: []core.Source{{Protocol: core.ProtocolIMAP, Host: ep.Host, Port: ep.Port, Username: imaptest.User,
				Encryption: core.EncryptionNone, Method: core.MethodManual, Folder: core.DefaultFolder}}}
		if err := f.e.AddAccount(ctx, &a, core.Passwords{Sources: []string{imaptest.Password}}); err != nil {
			t.Fatal(err)
		}
	}
	for round := range 20 {
		for i, srv := range imapServers {
			for j := range 3 {
				srv.Append(t, "INBOX", fmt.Appendf(nil, "From: i%d@example.test\r\nSubject: imap %d-%d-%d\r\nMessage-ID: <i%d.%d.%d@example.test>\r\n\r\nbody\r\n", i, round, i, j, round, i, j))
			}
		}
		if errs := f.e.SyncOnce(ctx, ""); len(errs) > 0 {
			t.Fatalf("round %d: SyncOnce = %v", round, errs)
		}
	}
	n, err := f.db.Count(ctx, storage.ListQuery{})
	if want := 4*30 + 4*20*3; err != nil || n != want {
		t.Errorf("messages stored = %d, %v; want %d", n, err, want)
	}
}

func TestDeleteOnAServerWithoutTrashCreatesIt(t *testing.T) {
	f, srv, _ := imapFixture(t)
	ctx := context.Background()
	srv.Delete(t, "Trash")
	m := f.inboxMessage(t, "action 1")
	if err := f.e.Delete(ctx, m.ID); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	if _, ok := serverSubjects(t, srv, "INBOX")["action 1"]; ok {
		t.Error("the deleted message is still in the server's INBOX")
	}
	if _, ok := serverSubjects(t, srv, "Trash")["action 1"]; !ok {
		t.Error("the deleted message is not in the server's (new) Trash")
	}
}

// A source never holds more than two connections (commands and IDLE), and
// the command connection closes when idle and opens again when needed.
func TestAnIMAPSourceHoldsAtMostTwoConnections(t *testing.T) {
	f, srv, a := imapFixture(t)
	ctx := context.Background()
	f.e.opts.IdleTimeout, f.e.opts.KeepAlive = 300*time.Millisecond, 50*time.Millisecond
	makeAutomatic(t, f, a)
	f.runEngine(t, 1)
	srv.WaitIdle(t, 5*time.Second)

	waitOpen := func(want int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			open, _ := srv.Connections()
			if open == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("connections open = %d, want %d", open, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitOpen(1) // the idle command connection closed; IDLE stays
	m := f.inboxMessage(t, "action 0")
	for i := range 3 {
		for range 10 {
			m.Seen = !m.Seen
			if err := f.e.SetFlags(ctx, m.ID, m.Flags); err != nil {
				t.Fatal(err)
			}
		}
		f.e.CheckNow()
		f.waitJournalEmpty(t)
		if i < 2 {
			waitOpen(1)
		}
	}
	if _, peak := srv.Connections(); peak > 2 {
		t.Errorf("most connections open at once = %d, want at most 2", peak)
	}
	if got := slices.Contains(serverSubjects(t, srv, "INBOX")["action 0"], goimap.FlagSeen); got != m.Seen {
		t.Errorf("server \\Seen = %v, want %v (the last change wins)", got, m.Seen)
	}
}

// Changes made one after another while the server is away act on the copy
// as the earlier ones left it.
func TestChangesQueuedBehindAWaitingMove(t *testing.T) {
	f, srv, a := imapFixture(t)
	ctx := context.Background()
	gone, kept := f.inboxMessage(t, "action 0"), f.inboxMessage(t, "action 1")

	srv.Close()
	// Deleted, then deleted again from the Trash: gone for good.
	if err := f.e.Delete(ctx, gone.ID); !errors.Is(err, ErrChangesWaiting) {
		t.Fatalf("Delete offline = %v, want ErrChangesWaiting", err)
	}
	if err := f.e.Delete(ctx, gone.ID); !errors.Is(err, ErrChangesWaiting) {
		t.Fatalf("Delete from the Trash offline = %v, want ErrChangesWaiting", err)
	}
	// Moved to the Trash, then flagged: it arrives flagged in the Trash.
	if err := f.e.Delete(ctx, kept.ID); !errors.Is(err, ErrChangesWaiting) {
		t.Fatalf("Delete offline = %v", err)
	}
	kept.Flagged = true
	if err := f.e.SetFlags(ctx, kept.ID, kept.Flags); !errors.Is(err, ErrChangesWaiting) {
		t.Fatalf("SetFlags offline = %v", err)
	}

	f.e.Close()
	f.e = New(f.db, f.e.opts)
	srv.Restart(t)
	a.Sources[0].Port = srv.Port
	if err := f.db.UpdateSource(ctx, &a.Sources[0]); err != nil {
		t.Fatal(err)
	}
	if errs := f.e.SyncOnce(ctx, ""); len(errs) > 0 {
		t.Fatalf("SyncOnce = %v", errs)
	}
	inbox, trash := serverSubjects(t, srv, "INBOX"), serverSubjects(t, srv, "Trash")
	if _, ok := inbox["action 0"]; ok {
		t.Error("a message deleted for good is still in the server's INBOX")
	}
	if _, ok := trash["action 0"]; ok {
		t.Error("a message deleted for good is in the server's Trash")
	}
	if flags, ok := trash["action 1"]; !ok || !slices.Contains(flags, goimap.FlagFlagged) {
		t.Errorf("the moved message in the server's Trash: present %v, flags %v; want flagged", ok, flags)
	}
	if p, _ := f.e.PendingChanges(ctx); len(p) != 0 {
		t.Errorf("PendingChanges = %+v, want none", p)
	}
}
