package engine

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest/corpus"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
	"github.com/tributary-mail/tributary/storage"
)

// A long initial sync announces its first committed batch while the rest
// still downloads (issue 10): the first EventNewMail holds that batch
// alone, comes before EventSynced, and names only messages the store
// already lists; all the events together name every new message once.
func TestNewMailAnnouncedAsBatchesCommit(t *testing.T) {
	f := newFixture(t)
	srv := imaptest.Start(t, imaptest.Options{})
	total := 2*imap.BatchSize + 10
	for i := range total {
		srv.Append(t, "INBOX", faultMail(i))
	}
	f.addIMAP(t, "imap", srv.Endpoint(core.EncryptionNone).Port)

	sub := f.e.Subscribe()
	errs := make(chan []error, 1)
	go func() { errs <- f.e.SyncOnce(context.Background(), "") }()
	var first []int64
	seen := map[int64]bool{}
	for ev := range sub.C() {
		if ev.Kind == EventSynced {
			break
		}
		if ev.Kind != EventNewMail {
			continue
		}
		if first == nil {
			first = ev.MessageIDs
		}
		for _, id := range ev.MessageIDs {
			if seen[id] {
				t.Errorf("message %d announced twice", id)
			}
			seen[id] = true
			if _, _, err := f.db.Message(context.Background(), id); err != nil {
				t.Errorf("announced message %d is not in the store yet: %v", id, err)
			}
		}
	}
	sub.Close()
	if e := <-errs; len(e) > 0 {
		t.Fatalf("SyncOnce = %v", e)
	}
	if len(first) != imap.FirstBatchSize {
		t.Errorf("first EventNewMail named %d messages, want the first batch (%d) alone", len(first), imap.FirstBatchSize)
	}
	if len(seen) != total {
		t.Errorf("EventNewMail named %d messages before EventSynced, want all %d", len(seen), total)
	}
}

// ruled counts what rules did to mail already announced and to mail
// still pending, so that the sync replays the journal either way.
func TestAnnouncerRuled(t *testing.T) {
	for _, tc := range []struct {
		name      string
		announced bool
		want      bool
	}{
		{name: "pending", announced: false, want: true},
		{name: "announced", announced: true, want: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &Engine{}
			n := &announcer{e: e}
			e.arrived.note([]core.Stored{{ID: 7, IsNew: true, Ruled: true}})
			if tc.announced {
				n.add([]int64{7})
			} else {
				n.pending = []int64{7}
			}
			if got := n.ruled(); got != tc.want {
				t.Errorf("ruled() = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("untouched", func(t *testing.T) {
		n := &announcer{e: &Engine{}}
		n.add([]int64{8})
		if n.ruled() {
			t.Error("ruled() = true for mail no rule touched")
		}
	})
}

// BenchmarkFirstMail times, from the start of an initial IMAP sync of
// 2,000 corpus messages into a fresh store, to the first EventNewMail
// (issue 10: the first message shows within 2 s), over go-imap's memory
// server; scripts/firstmail.sh measures the same against Dovecot's
// 20,000. Each run stops the sync once the first mail is announced.
func BenchmarkFirstMail(b *testing.B) {
	srv := imaptest.Start(b, imaptest.Options{})
	for i := range 2000 {
		srv.Append(b, "INBOX", corpus.Message(i))
	}
	ep := srv.Endpoint(core.EncryptionNone)
	var total time.Duration
	b.ResetTimer() // not the server's filling
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		db, err := storage.Open(context.Background(), dir)
		if err != nil {
			b.Fatal(err)
		}
		e := New(db, Options{DataDir: dir, DialTimeout: 5 * time.Second, IOTimeout: 30 * time.Second,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		a := core.Account{Name: "bench", Email: imaptest.User, PasswordStore: core.PasswordStoreFile,
			SMTP: core.SMTPSettings{Host: "127.0.0.1", Port: 1, Encryption: core.EncryptionNone},
			Sources: []core.Source{{Protocol: core.ProtocolIMAP, Host: ep.Host, Port: ep.Port, Username: imaptest.User,
				Encryption: core.EncryptionNone, Method: core.MethodManual, Folder: core.DefaultFolder}}}
		if err := db.CreateAccount(context.Background(), &a); err != nil {
			b.Fatal(err)
		}
		if err := e.SavePasswords(a, core.Passwords{Sources: []string{imaptest.Password}}); err != nil {
			b.Fatal(err)
		}
		sub := e.Subscribe()
		ctx, cancel := context.WithCancel(context.Background())
		synced := make(chan error, 1)
		b.StartTimer()
		start := time.Now()
		go func() { synced <- e.SyncSource(ctx, a, a.Sources[0]) }()
		for ev := range sub.C() {
			if ev.Kind == EventNewMail {
				total += time.Since(start)
				break
			}
			if ev.Kind == EventError {
				b.Fatalf("sync: %v", ev.Err)
			}
		}
		b.StopTimer()
		cancel()
		<-synced
		sub.Close()
		e.Close()
		db.Close()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "first-mail-ms")
}
