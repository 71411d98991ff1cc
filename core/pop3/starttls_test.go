package pop3

// STARTTLS and TLS regression tests (issue 11, §3) against a scripted
// peer that turns to TLS in mid-session.

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/testcert"
	"github.com/tributary-mail/tributary/core/mailtest/tlspeer"
	"github.com/tributary-mail/tributary/core/netconn"
)

// pop3Peer is a POP3 server for tlspeer: capa is its CAPA listing in the
// clear, stls its answer to STLS (upgrading when it starts with +OK);
// over TLS it lists X-POSTTLS.
func pop3Peer(t *testing.T, cfg *tls.Config, capa, stls string) *tlspeer.Peer {
	t.Helper()
	return tlspeer.Start(t, tlspeer.Options{Greeting: "+OK ready\r\n", TLS: cfg,
		Reply: func(line string, secure bool) (string, bool, bool) {
			verb, _, _ := strings.Cut(strings.ToUpper(line), " ")
			switch {
			case verb == "CAPA" && !secure:
				return capa, false, false
			case verb == "CAPA":
				return "+OK\r\nUSER\r\nUIDL\r\nX-POSTTLS\r\n.\r\n", false, false
			case verb == "STLS" && !secure:
				return stls, strings.HasPrefix(stls, "+OK"), false
			case (verb == "USER" || verb == "PASS") && secure:
				return "+OK\r\n", false, false
			case verb == "QUIT":
				return "+OK bye\r\n", false, true
			}
			return "-ERR unknown command\r\n", false, false
		}})
}

func TestSTARTTLSRegressions(t *testing.T) {
	good, _, fp := testcert.New(t, "pop3 starttls")
	_, _, otherFP := testcert.New(t, "someone else")
	old := good.Clone()
	old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	const (
		offered = "+OK\r\nSTLS\r\nUSER\r\nX-PRETLS\r\n.\r\n"
		begin   = "+OK begin TLS\r\n"
	)
	tests := []struct {
		name       string
		cfg        *tls.Config
		capa, stls string
		pin        string
		want       string // as in checkOutcome
	}{
		{"upgraded, capabilities read again", good, offered, begin, fp, ""},
		{"STLS not advertised", good, "+OK\r\nUSER\r\n.\r\n", begin, fp, "starttls"},
		{"STLS refused", good, offered, "-ERR not now\r\n", fp, "starttls"},
		{"lines injected after the STLS reply", good, offered, begin + "+OK\r\nUSER\r\nX-INJECTED\r\n.\r\n", fp, "refused"},
		{"unknown CA", good, offered, begin, "", "certificate"},
		{"pinned certificate changed", good, offered, begin, otherFP, "changed"},
		{"TLS 1.1 only", old, offered, begin, fp, "tls"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := pop3Peer(t, tc.cfg, tc.capa, tc.stls)
			ep := p.Endpoint(core.EncryptionSTARTTLS)
			var pins netconn.Pins
			if tc.pin != "" {
				pins = netconn.Pins{ep.Addr(): {tc.pin}}
			}
			caps, err := Probe(t.Context(), ep, options(pins))
			checkOutcome(t, err, tc.want)
			if tc.want == "" {
				if !caps.Has("X-POSTTLS") || caps.Has("X-PRETLS") {
					t.Errorf("Probe() capabilities = %v, want those listed over TLS only (X-POSTTLS)", caps)
				}
				c, err := Dial(t.Context(), ep, options(pins))
				if err != nil {
					t.Fatalf("Dial() = %v", err)
				}
				defer c.Close()
				if err := c.Login(t.Context(), "user", "secret"); err != nil {
					t.Fatalf("Login() = %v", err)
				}
			}
			for _, l := range p.Lines() {
				if verb, _, _ := strings.Cut(strings.ToUpper(l.Text), " "); !l.Secure && verb != "CAPA" && verb != "STLS" {
					t.Errorf("client sent %q in the clear; only CAPA and STLS may be", l.Text)
				}
			}
		})
	}
}

// checkOutcome checks err against a want of TestSTARTTLSRegressions: ""
// for success, "starttls", "certificate", "changed", "tls" (a TLS failure
// that is not about the certificate) or "refused" (any error).
func checkOutcome(t *testing.T, err error, want string) {
	t.Helper()
	var ce *core.CertificateError
	switch want {
	case "":
		if err != nil {
			t.Fatalf("err = %v, want nil", err)
		}
	case "starttls":
		if !errors.Is(err, core.ErrSTARTTLSNotOffered) || core.KindOf(err) != core.KindTLS {
			t.Fatalf("err = %v, want ErrSTARTTLSNotOffered of kind TLS", err)
		}
	case "certificate", "changed":
		if !errors.As(err, &ce) || ce.Changed() != (want == "changed") {
			t.Fatalf("err = %v, want a *core.CertificateError with Changed() = %v", err, want == "changed")
		}
	case "tls":
		if err == nil || core.KindOf(err) != core.KindTLS || errors.As(err, &ce) {
			t.Fatalf("err = %v (kind %v), want a TLS error other than the certificate", err, core.KindOf(err))
		}
	case "refused":
		if err == nil {
			t.Fatalf("err = nil, want the session refused")
		}
	}
}
