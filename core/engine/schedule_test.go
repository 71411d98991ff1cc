package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/smtptest"
)

func smtpServer(t *testing.T) *smtptest.Server {
	t.Helper()
	return smtptest.Start(t, smtptest.Options{Users: map[string]string{"alice": "pw"}, AllowInsecureAuth: true})
}

// TestUndoWithinTheWindow: a message taken back during its undo window
// never reaches the server, even once the window is over, and comes back
// as a draft with everything it was written with.
func TestUndoWithinTheWindow(t *testing.T) {
	f := newFixture(t)
	srv := smtpServer(t)
	a := f.addSMTP(t, "alice", srv, "pw")
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(file, []byte("notes"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := draft()
	d.Attachments = []string{file}
	d.InReplyTo, d.References = "orig@example.test", []string{"root@example.test", "orig@example.test"}
	written := core.Draft{To: "Rcpt <rcpt@example.test>", Bcc: "hidden@example.test", Subject: d.Subject, Body: d.Text,
		InReplyTo: d.InReplyTo, References: d.References, Attachments: d.Attachments}
	item, err := f.e.QueueWith(ctx, a, d, QueueOptions{NotBefore: f.now.Add(10 * time.Second), Draft: &written, Answers: 42})
	if err != nil {
		t.Fatal(err)
	}
	if errs := f.e.DrainOutbox(ctx); len(errs) > 0 || len(srv.Messages()) != 0 {
		t.Fatalf("DrainOutbox inside the window = %v, %d sent; want nothing sent", errs, len(srv.Messages()))
	}
	comp, err := f.e.Unqueue(ctx, item.ID)
	if err != nil {
		t.Fatalf("Unqueue(%d) = %v", item.ID, err)
	}
	f.now = f.now.Add(time.Minute)
	if errs := f.e.DrainOutbox(ctx); len(errs) > 0 {
		t.Fatalf("DrainOutbox after the window = %v", errs)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("messages at the server after Undo = %d, want 0", n)
	}
	if items, _ := f.db.Outbox(ctx, time.Time{}); len(items) != 0 {
		t.Errorf("outbox after Undo = %+v, want empty", items)
	}
	if comp.Answers != 42 || comp.Draft.ID == 0 {
		t.Errorf("Unqueue composition = answers %d, draft %d; want 42 and a stored draft", comp.Answers, comp.Draft.ID)
	}
	stored, err := f.db.Draft(ctx, comp.Draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := written
	want.ID, want.AccountID, want.Updated = stored.ID, a.ID, stored.Updated
	if stored.To != want.To || stored.Bcc != want.Bcc || stored.Subject != want.Subject || stored.Body != want.Body ||
		stored.InReplyTo != want.InReplyTo || !slices.Equal(stored.References, want.References) ||
		!slices.Equal(stored.Attachments, want.Attachments) || stored.AccountID != a.ID {
		t.Errorf("draft after Undo = %+v, want %+v", stored, want)
	}
}

// TestUndoTooLate: once a message is handed to the server (or may have
// been), Unqueue refuses with a *TooLateError and the message stays.
func TestUndoTooLate(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, f *fixture, srv *smtptest.Server, id int64)
		state core.OutboxState
	}{
		{"sent", func(t *testing.T, f *fixture, _ *smtptest.Server, id int64) {
			if _, err := f.e.Send(context.Background(), id); err != nil {
				t.Fatal(err)
			}
		}, core.OutboxSent},
		{"being sent", func(t *testing.T, f *fixture, _ *smtptest.Server, id int64) {
			if err := f.db.Claim(context.Background(), id); err != nil {
				t.Fatal(err)
			}
		}, core.OutboxSending},
		{"dropped after DATA", func(t *testing.T, f *fixture, srv *smtptest.Server, id int64) {
			srv.DropAfterData()
			f.e.Send(context.Background(), id)
		}, core.OutboxUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			srv := smtpServer(t)
			a := f.addSMTP(t, "alice", srv, "pw")
			ctx := context.Background()
			item, err := f.e.QueueWith(ctx, a, draft(), QueueOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tc.setup(t, f, srv, item.ID)
			_, err = f.e.Unqueue(ctx, item.ID)
			var late *TooLateError
			if !errors.As(err, &late) || late.State != tc.state {
				t.Fatalf("Unqueue(%s) = %v, want a TooLateError for %s", tc.name, err, tc.state)
			}
			if stored, err := f.db.OutboxItem(ctx, item.ID); err != nil || stored.State != tc.state {
				t.Errorf("outbox after a refused Undo = %s, %v; want it kept, %s", stored.State, err, tc.state)
			}
		})
	}
}

// TestSendLaterSurvivesRestart: a message scheduled for later is not
// sent before its time, is still there after a restart, and goes when
// the engine runs at or after its time.
func TestSendLaterSurvivesRestart(t *testing.T) {
	f := newFixture(t)
	srv := smtpServer(t)
	a := f.addSMTP(t, "alice", srv, "pw")
	ctx := context.Background()
	at := f.now.Add(2 * time.Hour)
	item, err := f.e.QueueWith(ctx, a, draft(), QueueOptions{NotBefore: at})
	if err != nil {
		t.Fatal(err)
	}
	if errs := f.e.DrainOutbox(ctx); len(errs) > 0 || len(srv.Messages()) != 0 {
		t.Fatalf("DrainOutbox before its time = %v, %d sent; want nothing", errs, len(srv.Messages()))
	}
	if _, err := f.e.Send(ctx, item.ID); err == nil || len(srv.Messages()) != 0 {
		t.Fatalf("Send of a scheduled message = %v, %d sent; want a refusal", err, len(srv.Messages()))
	}
	f.reopen(t)
	stored, err := f.db.OutboxItem(ctx, item.ID)
	if err != nil || !stored.Scheduled(f.now) || stored.NotBefore.Before(at.Truncate(time.Second)) {
		t.Fatalf("after a restart: %+v, %v; want scheduled for %s", stored, err, at)
	}
	f.now = at.Add(time.Second)
	sub := f.e.Subscribe()
	defer sub.Close()
	runCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f.e.Run(runCtx) }()
	for sent := false; !sent; {
		select {
		case ev := <-sub.C():
			sent = ev.Kind == EventOutbox && ev.Outbox != nil && ev.Outbox.ID == item.ID && ev.Outbox.State == core.OutboxSent
		case <-runCtx.Done():
			t.Fatal("the scheduled message was not sent once its time had come")
		}
	}
	cancel()
	<-done
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("messages at the server = %d, want 1", n)
	}
}

// TestRunWakesForTheUndoWindow: the running engine sends a waiting
// message when its time comes, not only on its regular outbox interval.
func TestRunWakesForTheUndoWindow(t *testing.T) {
	f := newFixture(t)
	f.e.opts.Now = time.Now
	srv := smtpServer(t)
	a := f.addSMTP(t, "alice", srv, "pw")
	ctx := context.Background()
	sub := f.e.Subscribe()
	defer sub.Close()
	// Less than OutboxInterval: only the wake-up at the due time sends it
	// before the deadline.
	runCtx, cancel := context.WithTimeout(ctx, OutboxInterval*2/3)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f.e.Run(runCtx) }()
	item, err := f.e.QueueWith(ctx, a, draft(), QueueOptions{NotBefore: time.Now().Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	for sent := false; !sent; {
		select {
		case ev := <-sub.C():
			sent = ev.Kind == EventOutbox && ev.Outbox != nil && ev.Outbox.ID == item.ID && ev.Outbox.State == core.OutboxSent
		case <-runCtx.Done():
			t.Fatal("the message was not sent when its undo window ended")
		}
	}
	cancel()
	<-done
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("messages at the server = %d, want 1", n)
	}
}
