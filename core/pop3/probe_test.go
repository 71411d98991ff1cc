package pop3

import (
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/pop3test"
	"github.com/tributary-mail/tributary/core/netconn"
)

func TestProbe(t *testing.T) {
	serverTLS, _, fp := pop3test.TestTLSConfig(t)
	tests := []struct {
		name     string
		server   pop3test.Options
		enc      core.Encryption
		pin      bool
		wantCaps []string // each must be offered; the listing itself when wantAll
		wantNot  []string // none may be offered
		wantAll  bool
		wantCmds []string // what the server got, in order
		wantIs   error    // nil: success
		wantCert bool
	}{
		{name: "plain", server: pop3test.Options{UTF8: true}, enc: core.EncryptionNone,
			wantCaps: []string{"USER", "TOP", "RESP-CODES", "AUTH-RESP-CODE", "UIDL", "UTF8 USER", "IMPLEMENTATION pop3test"}, wantAll: true,
			wantCmds: []string{"CAPA", "QUIT"}},
		{name: "implicit TLS pinned", server: pop3test.Options{TLS: serverTLS, ImplicitTLS: true}, enc: core.EncryptionSSL, pin: true,
			wantCaps: []string{"uidl", "top"}, wantCmds: []string{"CAPA", "QUIT"}},
		// The listing asked over TLS no longer offers STLS.
		{name: "STARTTLS pinned", server: pop3test.Options{TLS: serverTLS}, enc: core.EncryptionSTARTTLS, pin: true,
			wantCaps: []string{"UIDL"}, wantNot: []string{"STLS"}, wantCmds: []string{"CAPA", "STLS", "CAPA", "QUIT"}},
		{name: "STARTTLS untrusted", server: pop3test.Options{TLS: serverTLS}, enc: core.EncryptionSTARTTLS,
			wantCert: true, wantCmds: []string{"CAPA", "STLS"}},
		{name: "STARTTLS not offered", enc: core.EncryptionSTARTTLS,
			wantIs: core.ErrSTARTTLSNotOffered, wantCmds: []string{"CAPA"}},
		{name: "without CAPA", server: pop3test.Options{NoCAPA: true}, enc: core.EncryptionNone,
			wantAll: true, wantCmds: []string{"CAPA", "QUIT"}},
		{name: "without CAPA, taking STLS", server: pop3test.Options{NoCAPA: true, TLS: serverTLS}, enc: core.EncryptionSTARTTLS, pin: true,
			wantAll: true, wantCmds: []string{"CAPA", "STLS", "CAPA", "QUIT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := pop3test.Start(t, tc.server)
			var pins netconn.Pins
			if tc.pin {
				pins = netconn.Pins{s.Addr: {fp}}
			}
			caps, err := Probe(t.Context(), endpoint(t, s.Addr, tc.enc), options(pins))
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
			case tc.wantAll && !slices.Equal(caps, Capabilities(tc.wantCaps)):
				t.Errorf("Probe(%s) = %q, want %q", tc.enc, caps, tc.wantCaps)
			}
			for _, c := range tc.wantCaps {
				name, _, _ := strings.Cut(c, " ")
				if !caps.Has(name) {
					t.Errorf("Probe(%s) = %q, want %s among them", tc.enc, caps, name)
				}
			}
			for _, c := range tc.wantNot {
				if caps.Has(c) {
					t.Errorf("Probe(%s) = %q, want no %s", tc.enc, caps, c)
				}
			}
			if got := s.Commands(); !slices.Equal(got, tc.wantCmds) {
				t.Errorf("Probe(%s): the server got %q, want %q", tc.enc, got, tc.wantCmds)
			}
		})
	}
}

func TestProbeNotPOP3(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, "* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n")
			t.Cleanup(func() { c.Close() })
		}
	}()
	tests := []struct {
		name string
		enc  core.Encryption
		want core.ErrorKind
	}{
		{"IMAP server", core.EncryptionNone, core.KindProtocol},
		{"IMAP server with STARTTLS", core.EncryptionSTARTTLS, core.KindProtocol},
		{"no encryption named", "", core.KindConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			caps, err := Probe(t.Context(), endpoint(t, ln.Addr().String(), tc.enc), options(nil))
			if caps != nil {
				t.Errorf("Probe(%s) = %q, want none", tc.enc, caps)
			}
			wantKind(t, "Probe("+string(tc.enc)+")", err, tc.want)
		})
	}
}
