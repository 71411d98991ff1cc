package smtp

import (
	"errors"
	"io"
	"maps"
	"net"
	"slices"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/smtptest"
	"github.com/tributary-mail/tributary/core/netconn"
)

func TestProbe(t *testing.T) {
	serverTLS, fp := smtptest.TestTLSConfig(t)
	tests := []struct {
		name     string
		opts     smtptest.Options
		enc      core.Encryption
		pin      bool
		want     []string // offered
		wantNot  []string // not offered
		wantIs   error    // nil: success
		wantCert bool
	}{
		// STARTTLS is offered before TLS only, AUTH (by go-smtp) after it.
		{name: "STARTTLS pinned", opts: smtptest.Options{Users: users(), TLS: serverTLS}, enc: core.EncryptionSTARTTLS, pin: true,
			want: []string{"AUTH", "8BITMIME", "PIPELINING"}, wantNot: []string{"STARTTLS"}},
		{name: "implicit TLS pinned", opts: smtptest.Options{Users: users(), TLS: serverTLS, ImplicitTLS: true}, enc: core.EncryptionSSL, pin: true,
			want: []string{"AUTH"}, wantNot: []string{"STARTTLS"}},
		{name: "plain", opts: smtptest.Options{TLS: serverTLS}, enc: core.EncryptionNone,
			want: []string{"STARTTLS"}, wantNot: []string{"AUTH"}},
		{name: "STARTTLS untrusted", opts: smtptest.Options{Users: users(), TLS: serverTLS}, enc: core.EncryptionSTARTTLS, wantCert: true},
		{name: "STARTTLS not offered", opts: smtptest.Options{Users: users(), AllowInsecureAuth: true}, enc: core.EncryptionSTARTTLS,
			wantIs: core.ErrSTARTTLSNotOffered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.opts)
			var pins netconn.Pins
			if tt.pin {
				pins = netconn.Pins{srv.Addr: {fp}}
			}
			exts, err := Probe(t.Context(), settings(srv, tt.enc, false).Server(), options(pins))
			var ce *core.CertificateError
			switch {
			case tt.wantCert:
				if !errors.As(err, &ce) || ce.Fingerprint != fp || core.KindOf(err) != core.KindTLS {
					t.Errorf("Probe(%s) = %v, want a *core.CertificateError for %s", tt.enc, err, fp)
				}
			case tt.wantIs != nil:
				if !errors.Is(err, tt.wantIs) || core.KindOf(err) != core.KindTLS {
					t.Errorf("Probe(%s) = %v, want %v of kind TLS", tt.enc, err, tt.wantIs)
				}
			case err != nil:
				t.Fatalf("Probe(%s) = %v, want the extensions", tt.enc, err)
			}
			for _, k := range tt.want {
				if !exts.Has(k) {
					t.Errorf("Probe(%s) = %v, want %s among them", tt.enc, exts, k)
				}
			}
			for _, k := range tt.wantNot {
				if exts.Has(k) {
					t.Errorf("Probe(%s) = %v, want no %s", tt.enc, exts, k)
				}
			}
			if got := srv.AuthAttempts(); len(got) != 0 {
				t.Errorf("Probe(%s) tried to log in as %q, want no AUTH", tt.enc, got)
			}
		})
	}
}

// TestProbeTranscript checks the whole conversation: EHLO, then QUIT, and
// the extensions as the EHLO reply named them, parameters included.
func TestProbeTranscript(t *testing.T) {
	s, got := scripted(t, 0)
	exts, err := Probe(t.Context(), s.Server(), options(nil))
	if err != nil {
		t.Fatalf("Probe() = %v, want the extensions", err)
	}
	if want := (Extensions{"8BITMIME": "", "PIPELINING": ""}); !maps.Equal(exts, want) {
		t.Errorf("Probe() = %v, want %v", exts, want)
	}
	if lines, want := <-got, []string{"EHLO localhost", "QUIT"}; !slices.Equal(lines, want) {
		t.Errorf("Probe() sent %q, want %q", lines, want)
	}
	if !exts.Has("pipelining") {
		t.Errorf("Extensions.Has(pipelining) = false, want true: keywords are case-insensitive")
	}
}

func TestProbeNotSMTP(t *testing.T) {
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
			t.Cleanup(func() { c.Close() })
			_, _ = io.WriteString(c, "+OK Dovecot ready.\r\n")
		}
	}()
	tcp := ln.Addr().(*net.TCPAddr)
	tests := []struct {
		name string
		enc  core.Encryption
		want core.ErrorKind
	}{
		{"POP3 server", core.EncryptionNone, core.KindProtocol},
		{"POP3 server with STARTTLS", core.EncryptionSTARTTLS, core.KindProtocol},
		{"no encryption named", "", core.KindConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exts, err := Probe(t.Context(), core.Endpoint{Host: "127.0.0.1", Port: tcp.Port, Encryption: tt.enc}, options(nil))
			if err == nil || core.KindOf(err) != tt.want || exts != nil {
				t.Errorf("Probe(%s) = %v, %v; want an error of kind %v", tt.enc, exts, err, tt.want)
			}
		})
	}
}
