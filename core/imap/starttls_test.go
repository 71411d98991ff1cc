package imap_test

// STARTTLS and TLS regression tests (issue 11, §3) against a scripted
// peer that turns to TLS in mid-session.

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest/testcert"
	"github.com/tributary-mail/tributary/core/mailtest/tlspeer"
	"github.com/tributary-mail/tributary/core/netconn"
)

// imapPeer is an IMAP server for tlspeer: greeting, then starttls answers
// "T0 STARTTLS" (upgrading when it starts with "T0 OK"); over TLS it
// lists X-POSTTLS among its capabilities.
func imapPeer(t *testing.T, cfg *tls.Config, greeting, starttls string) *tlspeer.Peer {
	t.Helper()
	return tlspeer.Start(t, tlspeer.Options{Greeting: greeting, TLS: cfg,
		Reply: func(line string, secure bool) (string, bool, bool) {
			tag, cmd, _ := strings.Cut(line, " ")
			verb, _, _ := strings.Cut(strings.ToUpper(cmd), " ")
			switch {
			case verb == "STARTTLS" && !secure:
				return starttls, strings.HasPrefix(starttls, tag+" OK"), false
			case verb == "CAPABILITY":
				return "* CAPABILITY IMAP4rev1 AUTH=PLAIN X-POSTTLS\r\n" + tag + " OK done\r\n", false, false
			case verb == "LOGIN" && secure:
				return tag + " OK logged in\r\n", false, false
			case verb == "LOGOUT":
				return "* BYE bye\r\n" + tag + " OK done\r\n", false, true
			}
			return tag + " BAD unknown command\r\n", false, false
		}})
}

func TestSTARTTLSRegressions(t *testing.T) {
	good, _, fp := testcert.New(t, "imap starttls")
	_, _, otherFP := testcert.New(t, "someone else")
	old := good.Clone()
	old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	const (
		offered = "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED X-PRETLS] ready\r\n"
		begin   = "T0 OK begin TLS\r\n"
	)
	tests := []struct {
		name     string
		cfg      *tls.Config
		greeting string
		starttls string
		pin      string
		// want: "" for success, "starttls", "certificate", "changed",
		// "tls" (a TLS failure that is not about the certificate),
		// "refused" (any error).
		want string
	}{
		{"upgraded, capabilities read again", good, offered, begin, fp, ""},
		{"STARTTLS not advertised", good, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n", "T0 BAD unknown command\r\n", fp, "starttls"},
		{"STARTTLS refused", good, offered, "T0 NO not now\r\n", fp, "starttls"},
		{"lines injected after the STARTTLS reply", good, offered, begin + "* CAPABILITY IMAP4rev1 AUTH=PLAIN X-INJECTED\r\nT1 OK [CAPABILITY IMAP4rev1 X-INJECTED] injected\r\n", fp, "refused"},
		{"PREAUTH on a connection to upgrade", good, "* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] logged in already\r\n", begin, fp, "starttls"},
		{"unknown CA", good, offered, begin, "", "certificate"},
		{"pinned certificate changed", good, offered, begin, otherFP, "changed"},
		{"TLS 1.1 only", old, offered, begin, fp, "tls"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := imapPeer(t, tc.cfg, tc.greeting, tc.starttls)
			ep := p.Endpoint(core.EncryptionSTARTTLS)
			opts := &netconn.Options{DialTimeout: quick.DialTimeout, IOTimeout: quick.IOTimeout}
			if tc.pin != "" {
				opts.Pins = netconn.Pins{ep.Addr(): {tc.pin}}
			}
			caps, err := imap.Probe(t.Context(), ep, opts)
			checkTLSOutcome(t, err, tc.want)
			if tc.want == "" {
				if !caps.Has("X-POSTTLS") || caps.Has("X-PRETLS") {
					t.Errorf("Probe() capabilities = %v, want those listed over TLS only (X-POSTTLS)", caps)
				}
				c, err := imap.Dial(t.Context(), ep, opts, nil)
				if err != nil {
					t.Fatalf("Dial() = %v", err)
				}
				defer c.Close()
				if err := c.Login(t.Context(), "user", "secret"); err != nil {
					t.Fatalf("Login() = %v", err)
				}
			}
			for _, l := range p.Lines() {
				if !l.Secure && !strings.EqualFold(l.Text, "T0 STARTTLS") {
					t.Errorf("client sent %q in the clear; only STARTTLS may be", l.Text)
				}
			}
			if seen, _ := p.Saw("T1 "); seen && tc.want != "" {
				t.Errorf("client went on after a refused upgrade: %v", p.Lines())
			}
		})
	}
}

// checkTLSOutcome checks err against a want of TestSTARTTLSRegressions.
func checkTLSOutcome(t *testing.T, err error, want string) {
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
