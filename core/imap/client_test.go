package imap_test

import (
	"errors"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
	"github.com/tributary-mail/tributary/core/mailtest/testcert"
	"github.com/tributary-mail/tributary/core/netconn"
)

func TestDial(t *testing.T) {
	serverTLS, _, fp := testcert.New(t, "imaptest")
	pinned := func(s *imaptest.Server) *netconn.Options {
		return &netconn.Options{DialTimeout: quick.DialTimeout, IOTimeout: quick.IOTimeout,
			Pins: netconn.Pins{s.Addr(): {fp}}}
	}
	unpinned := func(*imaptest.Server) *netconn.Options { return quick }
	tests := []struct {
		name   string
		server imaptest.Options
		enc    core.Encryption
		opts   func(*imaptest.Server) *netconn.Options
		// wantErr is "" for success, else what the error must be.
		wantErr string
	}{
		{"none", imaptest.Options{}, core.EncryptionNone, unpinned, ""},
		{"implicit TLS pinned", imaptest.Options{TLS: serverTLS, ImplicitTLS: true}, core.EncryptionSSL, pinned, ""},
		{"implicit TLS untrusted", imaptest.Options{TLS: serverTLS, ImplicitTLS: true}, core.EncryptionSSL, unpinned, "certificate"},
		{"STARTTLS pinned", imaptest.Options{TLS: serverTLS}, core.EncryptionSTARTTLS, pinned, ""},
		{"STARTTLS untrusted", imaptest.Options{TLS: serverTLS}, core.EncryptionSTARTTLS, unpinned, "certificate"},
		{"STARTTLS not offered", imaptest.Options{}, core.EncryptionSTARTTLS, pinned, "starttls"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := imaptest.Start(t, tc.server)
			ep := s.Endpoint(tc.enc)
			c, err := imap.Dial(t.Context(), ep, tc.opts(s), nil)
			switch tc.wantErr {
			case "":
				if err != nil {
					t.Fatalf("Dial(%s) = %v, want nil", tc.enc, err)
				}
				defer c.Close()
				// A STARTTLS server refuses LOGIN in the clear, so a
				// login that works proves the upgrade happened.
				if err := c.Login(t.Context(), imaptest.User, imaptest.Password); err != nil {
					t.Fatalf("Login() after Dial(%s) = %v, want nil", tc.enc, err)
				}
				return
			case "certificate":
				var ce *core.CertificateError
				if !errors.As(err, &ce) || core.KindOf(err) != core.KindTLS {
					t.Fatalf("Dial(%s) = %v, want a *core.CertificateError of kind TLS", tc.enc, err)
				}
				if ce.Fingerprint != fp {
					t.Errorf("Dial(%s) fingerprint = %s, want %s", tc.enc, ce.Fingerprint, fp)
				}
			case "starttls":
				if !errors.Is(err, core.ErrSTARTTLSNotOffered) || core.KindOf(err) != core.KindTLS {
					t.Fatalf("Dial(%s) = %v, want ErrSTARTTLSNotOffered of kind TLS", tc.enc, err)
				}
			}
			if c != nil {
				t.Errorf("Dial(%s) returned a client with error %v", tc.enc, err)
			}
			if n := s.Logins(); n != 0 || loginCommand.MatchString(s.Transcript()) {
				t.Errorf("Dial(%s) failed, but the server saw %d logins; transcript:\n%s", tc.enc, n, s.Transcript())
			}
		})
	}
}

// loginCommand finds a LOGIN command in a transcript.
var loginCommand = regexp.MustCompile(`(?im)^\S+ (LOGIN|AUTHENTICATE) `)

func TestDialRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ep := core.Endpoint{Host: "127.0.0.1", Port: port, Encryption: core.EncryptionNone}
	_, err = imap.Dial(t.Context(), ep, quick, nil)
	if core.KindOf(err) != core.KindNetwork || err == nil {
		t.Fatalf("Dial(closed port) = %v, want a network error", err)
	}
}

func TestLogin(t *testing.T) {
	s := imaptest.Start(t, imaptest.Options{})
	tests := []struct {
		name, user, password string
		wantKind             core.ErrorKind // ignored when wantOK
		wantOK               bool
		wantLogins           int // at the server, for this attempt
	}{
		{"right password", imaptest.User, imaptest.Password, 0, true, 1},
		{"wrong password", imaptest.User, "hunter2-wrong", core.KindAuth, false, 1},
		{"unknown user", "mallory@example.test", imaptest.Password, core.KindAuth, false, 1},
		{"line break in password", imaptest.User, "x\r\nA1 DELETE INBOX", core.KindConfig, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Logins()
			c, err := imap.Dial(t.Context(), s.Endpoint(core.EncryptionNone), quick, nil)
			if err != nil {
				t.Fatalf("Dial() = %v", err)
			}
			defer c.Close()
			err = c.Login(t.Context(), tc.user, tc.password)
			switch {
			case tc.wantOK && err != nil:
				t.Errorf("Login(%q) = %v, want nil", tc.user, err)
			case !tc.wantOK && (err == nil || core.KindOf(err) != tc.wantKind):
				t.Errorf("Login(%q) = %v (kind %v), want kind %v", tc.user, err, core.KindOf(err), tc.wantKind)
			}
			if err != nil && strings.Contains(err.Error(), tc.password) {
				t.Errorf("Login(%q) error %q shows the password", tc.user, err)
			}
			if got := s.Logins() - before; got != tc.wantLogins {
				t.Errorf("Login(%q) reached the server %d times, want %d", tc.user, got, tc.wantLogins)
			}
		})
	}
}

// TestIdleConnectionOutlivesTheIOTimeout: the engine keeps a logged-in
// connection between requests, and go-imap's reader waits in Read all
// that time. The I/O timeout must not run there: its timeouts piled up
// while idle and, the fourth in a row, ended the connection, also just
// as the next command went out (the engine's load-sensitive "list: no
// answer from the server in time" in TestIMAPDisconnectMidFetchResumes).
func TestIdleConnectionOutlivesTheIOTimeout(t *testing.T) {
	const timeout = 500 * time.Millisecond
	s := imaptest.Start(t, imaptest.Options{})
	c, err := imap.Dial(t.Context(), s.Endpoint(core.EncryptionNone), &netconn.Options{DialTimeout: quick.DialTimeout, IOTimeout: timeout}, nil)
	if err != nil {
		t.Fatalf("Dial() = %v", err)
	}
	defer c.Close()
	if err := c.Login(t.Context(), imaptest.User, imaptest.Password); err != nil {
		t.Fatalf("Login() = %v", err)
	}
	if err := c.Noop(t.Context()); err != nil {
		t.Fatalf("Noop() = %v", err)
	}
	// Idle for several timeouts, as between two syncs; the reader was
	// already waiting when the pause began. go-imap's reader reads on
	// after a timeout at the start of a response, but four in a row
	// (one per step of reading a tag) end the connection.
	time.Sleep(5 * timeout)
	select {
	case <-c.Closed():
		t.Fatal("the connection closed while idle for longer than the I/O timeout")
	default:
	}
	if err := c.Noop(t.Context()); err != nil {
		t.Fatalf("Noop() after an idle pause longer than the I/O timeout = %v, want nil", err)
	}
}
