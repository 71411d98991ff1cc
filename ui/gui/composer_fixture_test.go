package gui

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/emersion/go-smtp"

	"github.com/tributary-mail/tributary/core"
)

// This file holds what the reader, composer and outbox tests share.

// sentMail is a message the recording SMTP server accepted.
type sentMail struct {
	From string
	To   []string
	Data string
}

// mailSink is a recording SMTP server on 127.0.0.1. The project's
// recording server, core/internal/smtptest, cannot be imported from ui/
// (Go's internal rule: only core/... may), so these tests keep this
// minimal one: it accepts every message and records its envelope.
type mailSink struct {
	host string
	port int
	mu   sync.Mutex
	got  []sentMail
}

func startMailSink(t *testing.T) *mailSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	s := &mailSink{host: addr.IP.String(), port: addr.Port}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "sink.localhost"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return s
}

func (s *mailSink) messages() []sentMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sentMail(nil), s.got...)
}

type sinkSession struct {
	s    *mailSink
	from string
	to   []string
}

func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }
func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.got = append(ss.s.got, sentMail{From: ss.from, To: ss.to, Data: string(b)})
	ss.s.mu.Unlock()
	return nil
}

// sendingAccount adds an account that sends through host:port without
// TLS or a login, its passwords (none) in the file store.
func sendingAccount(t *testing.T, f *mainFixture, name, display, host string, port int) core.Account {
	t.Helper()
	a := core.Account{Name: name, DisplayName: display, Email: strings.ToLower(name) + "@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: host, Port: port, Encryption: core.EncryptionNone}}
	if err := f.db.CreateAccount(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// deliverRaw stores a raw message in an account's Inbox.
func deliverRaw(t *testing.T, f *mainFixture, a core.Account, raw string) int64 {
	t.Helper()
	folder, err := f.db.FolderByRole(context.Background(), a.ID, core.RoleInbox)
	if err != nil {
		t.Fatal(err)
	}
	raw = strings.ReplaceAll(strings.ReplaceAll(raw, "\r\n", "\n"), "\n", "\r\n")
	id, _, err := f.db.Deliver(context.Background(), core.Delivery{AccountID: a.ID, FolderID: folder}, strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// openComposers returns the composers open now.
func openComposers(a *App) []*composer {
	var out []*composer
	onUI(func() {
		for c := range a.mailWindows().composers {
			out = append(out, c)
		}
	})
	return out
}

// onlyComposer returns the one open composer.
func onlyComposer(t *testing.T, a *App) *composer {
	t.Helper()
	cs := openComposers(a)
	if len(cs) != 1 {
		t.Fatalf("%d composers open, want 1", len(cs))
	}
	return cs[0]
}

// tapButton taps the visible button labelled label in a window, the
// dialog on top first. Call it on the UI goroutine (inside onUI).
func tapButton(t *testing.T, w fyne.Window, label string) {
	t.Helper()
	overlays := w.Canvas().Overlays().List()
	for i := len(overlays) - 1; i >= 0; i-- {
		if b := findButton(overlays[i], label); b != nil {
			test.Tap(b)
			return
		}
	}
	if b := findButton(w.Canvas().Content(), label); b != nil {
		test.Tap(b)
		return
	}
	t.Fatalf("no button %q in window %q", label, w.Title())
}
