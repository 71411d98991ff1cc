package engine

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/smtptest"
	"github.com/tributary-mail/tributary/core/smtp"
	"github.com/tributary-mail/tributary/storage"
)

// addSMTP adds an account that sends through srv with a confirmed
// cleartext login.
func (f *fixture) addSMTP(t *testing.T, name string, srv *smtptest.Server, password string) core.Account {
	t.Helper()
	a := core.Account{Name: name, DisplayName: "User " + name, Email: name + "@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: srv.Host, Port: srv.Port, Username: name, Encryption: core.EncryptionNone, Auth: true}}
	if err := f.db.CreateAccount(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	if err := f.e.SavePasswords(a, core.Passwords{SMTP: password}); err != nil {
		t.Fatal(err)
	}
	return a
}

func draft() smtp.Draft {
	return smtp.Draft{To: []*mail.Address{{Address: "rcpt@example.test"}}, Bcc: []*mail.Address{{Address: "hidden@example.test"}}, Subject: "Grüße", Text: "hello\n"}
}

func TestOutboxOutcomes(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(*smtptest.Server)
		password string
		state    core.OutboxState
		retry    bool
	}{
		{"sent", func(*smtptest.Server) {}, "pw", core.OutboxSent, false},
		{"temporary refusal", func(s *smtptest.Server) {
			s.FailRcpt(&gosmtp.SMTPError{Code: 450, Message: "mailbox busy"})
		}, "pw", core.OutboxRetry, true},
		{"permanent refusal", func(s *smtptest.Server) {
			s.FailMail(&gosmtp.SMTPError{Code: 550, Message: "sender rejected"})
		}, "pw", core.OutboxFailed, false},
		{"wrong password", func(*smtptest.Server) {}, "wrong", core.OutboxFailed, false},
		{"dropped after DATA", func(s *smtptest.Server) { s.DropAfterData() }, "pw", core.OutboxUnknown, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{"alice": "pw"}, AllowInsecureAuth: true})
			tc.setup(srv)
			a := f.addSMTP(t, "alice", srv, tc.password)
			ctx := context.Background()
			item, err := f.e.Queue(ctx, a, draft())
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.e.Send(ctx, item.ID)
			if got.State != tc.state || (err == nil) != (tc.state == core.OutboxSent) {
				t.Fatalf("Send = %s, %v; want %s", got.State, err, tc.state)
			}
			stored, _ := f.db.OutboxItem(ctx, item.ID)
			if stored.State != tc.state || stored.Attempts != 1 {
				t.Errorf("stored outbox item = %+v, want %s after 1 attempt", stored, tc.state)
			}
			if tc.retry != !stored.NextAttempt.IsZero() {
				t.Errorf("next attempt = %v, want one scheduled: %v", stored.NextAttempt, tc.retry)
			}
			if tc.state != core.OutboxSent && stored.LastError == "" {
				t.Error("a failed attempt left no error for the user")
			}
			// Only a retry is due again; unknown is never re-sent by itself.
			due, _ := f.db.Outbox(ctx, time.Now().Add(2*RetryBase))
			if wantDue := tc.retry; (len(due) == 1) != wantDue {
				t.Errorf("due after the retry delay = %d items, want due: %v", len(due), wantDue)
			}
			msgs := srv.Messages()
			if tc.state == core.OutboxSent {
				if len(msgs) != 1 || msgs[0].From != a.Email || strings.Join(msgs[0].To, ",") != "rcpt@example.test,hidden@example.test" {
					t.Fatalf("server received %+v, want one message from %s to both recipients", msgs, a.Email)
				}
				if strings.Contains(string(msgs[0].Data), "hidden@example.test") {
					t.Error("the Bcc recipient is visible in the message")
				}
				sent, _ := f.db.FolderByRole(ctx, a.ID, core.RoleSent)
				if n, _ := f.db.Count(ctx, storage.ListQuery{FolderID: sent}); n != 1 {
					t.Errorf("Sent folder holds %d messages, want the 1 sent", n)
				}
			} else if len(msgs) != 0 {
				t.Errorf("server recorded %d messages, want none", len(msgs))
			}
		})
	}
}

func TestUnknownIsNeverResentByTheEngine(t *testing.T) {
	f := newFixture(t)
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{"alice": "pw"}, AllowInsecureAuth: true})
	srv.DropAfterData()
	a := f.addSMTP(t, "alice", srv, "pw")
	ctx := context.Background()
	item, _ := f.e.Queue(ctx, a, draft())
	f.e.Send(ctx, item.ID)
	if errs := f.e.DrainOutbox(ctx); len(errs) != 0 {
		t.Errorf("DrainOutbox touched an unknown message: %v", errs)
	}
	if _, err := f.e.Send(ctx, item.ID); err == nil {
		t.Error("Send of an unknown message succeeded; only the user may resend it")
	}
	stored, _ := f.db.OutboxItem(ctx, item.ID)
	if stored.State != core.OutboxUnknown || stored.Attempts != 1 {
		t.Errorf("unknown message after drains = %+v, want unknown after 1 attempt", stored)
	}
}

func TestRetriesGiveUpAfterMaxAttempts(t *testing.T) {
	f := newFixture(t)
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{"alice": "pw"}, AllowInsecureAuth: true})
	srv.FailRcpt(&gosmtp.SMTPError{Code: 451, Message: "try later"})
	a := f.addSMTP(t, "alice", srv, "pw")
	ctx := context.Background()
	item, _ := f.e.Queue(ctx, a, draft())
	var last core.OutboxItem
	for i := range MaxAttempts {
		last, _ = f.e.Send(ctx, item.ID)
		if i < MaxAttempts-1 && last.State != core.OutboxRetry {
			t.Fatalf("attempt %d: state %s, want retry", i+1, last.State)
		}
		if want := min(RetryBase<<i, RetryMax); i < MaxAttempts-1 && last.NextAttempt.Sub(f.now) != want {
			t.Errorf("attempt %d: next attempt in %v, want %v", i+1, last.NextAttempt.Sub(f.now), want)
		}
	}
	if last.State != core.OutboxFailed {
		t.Errorf("after %d temporary failures: %s, want failed", MaxAttempts, last.State)
	}
}

func TestKilledWhileSendingBecomesUnknown(t *testing.T) {
	f := newFixture(t)
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{"alice": "pw"}, AllowInsecureAuth: true})
	a := f.addSMTP(t, "alice", srv, "pw")
	ctx := context.Background()
	item, _ := f.e.Queue(ctx, a, draft())
	// A claim with no outcome is what a kill in the middle leaves behind.
	if err := f.db.Claim(ctx, item.ID); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- f.e.Run(runCtx) }()
	time.Sleep(200 * time.Millisecond)
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	stored, _ := f.db.OutboxItem(ctx, item.ID)
	if stored.State != core.OutboxUnknown || len(srv.Messages()) != 0 {
		t.Errorf("after a restart: %s with %d messages sent, want unknown and nothing sent", stored.State, len(srv.Messages()))
	}
}

func TestQueueRefusesAMissingAttachment(t *testing.T) {
	f := newFixture(t)
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{"alice": "pw"}, AllowInsecureAuth: true})
	a := f.addSMTP(t, "alice", srv, "pw")
	d := draft()
	d.Attachments = []string{"/nonexistent/report.pdf"}
	if _, err := f.e.Queue(context.Background(), a, d); err == nil || !strings.Contains(err.Error(), "report.pdf") {
		t.Errorf("Queue with a missing attachment = %v, want an error naming it", err)
	}
	if items, _ := f.db.Outbox(context.Background(), time.Time{}); len(items) != 0 {
		t.Errorf("outbox after a refused draft = %+v, want empty", items)
	}
}

func TestOutboxDrainsOverOneSessionPerAccount(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{"alice": "pw"}, AllowInsecureAuth: true})
	a := f.addSMTP(t, "alice", srv, "pw")
	const n = 10
	for range n {
		if _, err := f.e.Queue(ctx, a, draft()); err != nil {
			t.Fatal(err)
		}
	}
	if errs := f.e.DrainOutbox(ctx); len(errs) > 0 {
		t.Fatalf("DrainOutbox = %v", errs)
	}
	if got := len(srv.Messages()); got != n {
		t.Errorf("messages delivered = %d, want %d", got, n)
	}
	if got := len(srv.AuthAttempts()); got != 1 {
		t.Errorf("logins for %d messages = %d, want 1", n, got)
	}
	items, err := f.db.Outbox(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.State != core.OutboxSent {
			t.Errorf("%s, want sent", it.Describe())
		}
	}
}
