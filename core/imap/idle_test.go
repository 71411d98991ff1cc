package imap_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
)

func TestWatchInbox(t *testing.T) {
	s := imaptest.Start(t, imaptest.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	notified := make(chan struct{}, 10)
	done := make(chan error, 1)
	go func() {
		done <- imap.WatchInbox(ctx, s.Endpoint(core.EncryptionNone), quick, imaptest.User, imaptest.Password, func() {
			notified <- struct{}{}
		})
	}()
	s.WaitIdle(t, 5*time.Second)

	// Another client delivers, over its own connection.
	other := s.Dial(t)
	raw := message(1)
	cmd := other.Append("INBOX", int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		t.Fatalf("APPEND from another client: %v", err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatalf("APPEND from another client: %v", err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("APPEND from another client: %v", err)
	}
	select {
	case <-notified:
	case err := <-done:
		t.Fatalf("WatchInbox() = %v before any notification", err)
	case <-time.After(5 * time.Second):
		t.Fatal("WatchInbox() did not notify within 5 s of an APPEND to INBOX")
	}

	// It goes back to IDLE and hears the next one too.
	s.WaitIdle(t, 5*time.Second)
	s.Append(t, "INBOX", message(2))
	select {
	case <-notified:
	case <-time.After(5 * time.Second):
		t.Fatal("WatchInbox() did not notify of a second message")
	}

	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("WatchInbox() after cancel = %v, want context.Canceled", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("WatchInbox() did not return within 3 s of the cancel")
	}
}

func TestWatchInboxFails(t *testing.T) {
	tests := []struct {
		name     string
		password string
		wantKind core.ErrorKind
	}{
		{"wrong password", "wrong", core.KindAuth},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := imaptest.Start(t, imaptest.Options{})
			var err error
			within(t, 5*time.Second, "WatchInbox", func() {
				err = imap.WatchInbox(t.Context(), s.Endpoint(core.EncryptionNone), quick, imaptest.User, tc.password, func() {})
			})
			if core.KindOf(err) != tc.wantKind || err == nil {
				t.Errorf("WatchInbox(%s) = %v, want kind %v", tc.name, err, tc.wantKind)
			}
		})
	}
}

// TestWatchInboxCancelFromNotify cancels just as WatchInbox goes back to
// IDLE, which must still read as the caller's cancel, not a network error.
func TestWatchInboxCancelFromNotify(t *testing.T) {
	s := imaptest.Start(t, imaptest.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- imap.WatchInbox(ctx, s.Endpoint(core.EncryptionNone), quick, imaptest.User, imaptest.Password, cancel)
	}()
	s.WaitIdle(t, 5*time.Second)
	s.Append(t, "INBOX", message(1))
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || core.IsTemporary(err) {
			t.Errorf("WatchInbox() cancelled by notify = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WatchInbox() did not return within 5 s of being cancelled by notify")
	}
}
