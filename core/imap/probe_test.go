package imap_test

import (
	"errors"
	"regexp"
	"testing"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
	"github.com/tributary-mail/tributary/core/mailtest/testcert"
	"github.com/tributary-mail/tributary/core/netconn"
)

func TestProbe(t *testing.T) {
	serverTLS, _, fp := testcert.New(t, "imaptest")
	tests := []struct {
		name   string
		server imaptest.Options
		enc    core.Encryption
		pin    bool
		// wantCaps must all be offered, wantNot none of them.
		wantCaps, wantNot []goimap.Cap
		wantIs            error // nil: success
		wantCert          bool
	}{
		// imapserver, like Dovecot, lists most extensions only after
		// login; before it, the login methods.
		{name: "plain", enc: core.EncryptionNone,
			wantCaps: []goimap.Cap{goimap.CapIMAP4rev1, "AUTH=PLAIN"}},
		{name: "implicit TLS pinned", server: imaptest.Options{TLS: serverTLS, ImplicitTLS: true}, enc: core.EncryptionSSL, pin: true,
			wantCaps: []goimap.Cap{goimap.CapIMAP4rev1, "AUTH=PLAIN"}},
		// After STARTTLS the server no longer offers it, nor refuses
		// LOGIN: the capabilities are those read over TLS.
		{name: "STARTTLS pinned", server: imaptest.Options{TLS: serverTLS}, enc: core.EncryptionSTARTTLS, pin: true,
			wantCaps: []goimap.Cap{goimap.CapIMAP4rev1}, wantNot: []goimap.Cap{goimap.CapStartTLS, goimap.CapLoginDisabled}},
		{name: "STARTTLS untrusted", server: imaptest.Options{TLS: serverTLS}, enc: core.EncryptionSTARTTLS, wantCert: true},
		{name: "STARTTLS not offered", enc: core.EncryptionSTARTTLS, wantIs: core.ErrSTARTTLSNotOffered},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := imaptest.Start(t, tc.server)
			opts := &netconn.Options{DialTimeout: quick.DialTimeout, IOTimeout: quick.IOTimeout}
			if tc.pin {
				opts.Pins = netconn.Pins{s.Addr(): {fp}}
			}
			caps, err := imap.Probe(t.Context(), s.Endpoint(tc.enc), opts)
			var ce *core.CertificateError
			switch {
			case tc.wantCert:
				if !errors.As(err, &ce) || ce.Fingerprint != fp || core.KindOf(err) != core.KindTLS {
					t.Errorf("Probe(%s) = %v, want a *core.CertificateError for %s", tc.enc, err, fp)
				}
			case tc.wantIs != nil:
				if !errors.Is(err, tc.wantIs) || core.KindOf(err) != core.KindTLS {
					t.Errorf("Probe(%s) = %v, want %v of kind TLS", tc.enc, err, tc.wantIs)
				}
			case err != nil:
				t.Fatalf("Probe(%s) = %v, want the capabilities", tc.enc, err)
			}
			for _, c := range tc.wantCaps {
				if !caps.Has(c) {
					t.Errorf("Probe(%s) = %v, want %s among them", tc.enc, caps, c)
				}
			}
			for _, c := range tc.wantNot {
				if caps.Has(c) {
					t.Errorf("Probe(%s) = %v, want no %s", tc.enc, caps, c)
				}
			}
			if n := s.Logins(); n != 0 || loginCommand.MatchString(s.Transcript()) {
				t.Errorf("Probe(%s): the server saw %d logins; transcript:\n%s", tc.enc, n, s.Transcript())
			}
			if err == nil && !logoutCommand.MatchString(s.Transcript()) {
				t.Errorf("Probe(%s) did not log out; transcript:\n%s", tc.enc, s.Transcript())
			}
		})
	}
}

// logoutCommand finds a LOGOUT command in a transcript.
var logoutCommand = regexp.MustCompile(`(?im)^\S+ LOGOUT\r?$`)

func TestProbeNotIMAP(t *testing.T) {
	tests := []struct {
		name     string
		greeting string
		enc      core.Encryption
		wantKind core.ErrorKind
		wantIs   error
	}{
		{"SMTP server", "220 mail.example.com ESMTP", core.EncryptionNone, core.KindProtocol, nil},
		{"SMTP server with STARTTLS", "220 mail.example.com ESMTP", core.EncryptionSTARTTLS, core.KindTLS, core.ErrSTARTTLSNotOffered},
		{"IMAP server saying BYE", "* BYE too many connections", core.EncryptionNone, core.KindProtocol, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := imaptest.StartFake(t, tc.greeting, func(tag, command string) []string { return nil })
			caps, err := imap.Probe(t.Context(), f.Endpoint(tc.enc), quick)
			if err == nil || core.KindOf(err) != tc.wantKind || (tc.wantIs != nil && !errors.Is(err, tc.wantIs)) {
				t.Errorf("Probe() = %v, %v; want an error of kind %v", caps, err, tc.wantKind)
			}
		})
	}
}

func TestProbeUnknownEncryption(t *testing.T) {
	_, err := imap.Probe(t.Context(), core.Endpoint{Host: "127.0.0.1", Port: 1}, quick)
	if core.KindOf(err) != core.KindConfig {
		t.Errorf("Probe(no encryption) = %v, want a configuration error", err)
	}
}
