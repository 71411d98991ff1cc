package smtp

// STARTTLS and TLS regression tests (issue 11, §3) against a scripted
// peer that turns to TLS in mid-session.

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/testcert"
	"github.com/tributary-mail/tributary/core/mailtest/tlspeer"
	"github.com/tributary-mail/tributary/core/netconn"
)

// smtpPeer is an SMTP server for tlspeer: ehlo is its EHLO reply in the
// clear, starttls its answer to STARTTLS (upgrading when it starts with
// 220); over TLS its EHLO says SIZE 222.
func smtpPeer(t *testing.T, cfg *tls.Config, ehlo, starttls string) *tlspeer.Peer {
	t.Helper()
	return tlspeer.Start(t, tlspeer.Options{Greeting: "220 peer ESMTP\r\n", TLS: cfg,
		Reply: func(line string, secure bool) (string, bool, bool) {
			verb, _, _ := strings.Cut(strings.ToUpper(line), " ")
			switch {
			case verb == "EHLO" && !secure:
				return ehlo, false, false
			case verb == "EHLO":
				return "250-peer\r\n250-AUTH PLAIN\r\n250 SIZE 222\r\n", false, false
			case verb == "STARTTLS" && !secure:
				return starttls, strings.HasPrefix(starttls, "220"), false
			case verb == "AUTH" && secure:
				return "235 2.7.0 accepted\r\n", false, false
			case verb == "NOOP" || verb == "RSET":
				return "250 ok\r\n", false, false
			case verb == "QUIT":
				return "221 bye\r\n", false, true
			}
			return "502 unknown command\r\n", false, false
		}})
}

func TestSTARTTLSRegressions(t *testing.T) {
	good, _, fp := testcert.New(t, "smtp starttls")
	_, _, otherFP := testcert.New(t, "someone else")
	old := good.Clone()
	old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	const (
		offered = "250-peer\r\n250-STARTTLS\r\n250-AUTH PLAIN\r\n250 SIZE 111\r\n"
		begin   = "220 go ahead\r\n"
	)
	tests := []struct {
		name           string
		cfg            *tls.Config
		ehlo, starttls string
		pin            string
		// want: "" for success, "starttls", "certificate", "changed",
		// "tls" (a TLS failure that is not about the certificate),
		// "discarded" (success, and the injected lines never counted).
		want string
	}{
		{"upgraded, extensions read again", good, offered, begin, fp, ""},
		{"STARTTLS not advertised", good, "250-peer\r\n250 AUTH PLAIN\r\n", begin, fp, "starttls"},
		{"STARTTLS refused", good, offered, "454 4.7.0 not now\r\n", fp, "starttls"},
		{"lines injected after the STARTTLS reply", good, offered, begin + "250-peer\r\n250 SIZE 333\r\n", fp, "discarded"},
		{"unknown CA", good, offered, begin, "", "certificate"},
		{"pinned certificate changed", good, offered, begin, otherFP, "changed"},
		{"TLS 1.1 only", old, offered, begin, fp, "tls"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := smtpPeer(t, tc.cfg, tc.ehlo, tc.starttls)
			ep := p.Endpoint(core.EncryptionSTARTTLS)
			opts := &netconn.Options{DialTimeout: 5 * time.Second, IOTimeout: 10 * time.Second}
			if tc.pin != "" {
				opts.Pins = netconn.Pins{ep.Addr(): {tc.pin}}
			}
			exts, err := Probe(t.Context(), ep, opts)
			var ce *core.CertificateError
			switch tc.want {
			case "", "discarded":
				if err != nil {
					t.Fatalf("Probe() = %v, want nil", err)
				}
				if exts["SIZE"] != "222" || exts.Has("STARTTLS") {
					t.Errorf("Probe() extensions = %v, want those offered over TLS only (SIZE 222, no STARTTLS)", exts)
				}
				settings := core.SMTPSettings{Host: ep.Host, Port: ep.Port, Username: "user", Encryption: ep.Encryption, Auth: true}
				if err := Test(t.Context(), settings, "secret", opts); err != nil {
					t.Fatalf("Test() = %v", err)
				}
			case "starttls":
				if !errors.Is(err, core.ErrSTARTTLSNotOffered) || core.KindOf(err) != core.KindTLS {
					t.Fatalf("Probe() = %v, want ErrSTARTTLSNotOffered of kind TLS", err)
				}
			case "certificate", "changed":
				if !errors.As(err, &ce) || ce.Changed() != (tc.want == "changed") {
					t.Fatalf("Probe() = %v, want a *core.CertificateError with Changed() = %v", err, tc.want == "changed")
				}
			case "tls":
				if err == nil || core.KindOf(err) != core.KindTLS || errors.As(err, &ce) {
					t.Fatalf("Probe() = %v (kind %v), want a TLS error other than the certificate", err, core.KindOf(err))
				}
			}
			for _, l := range p.Lines() {
				verb, _, _ := strings.Cut(strings.ToUpper(l.Text), " ")
				if !l.Secure && verb != "EHLO" && verb != "STARTTLS" && verb != "QUIT" {
					t.Errorf("client sent %q in the clear; only EHLO, STARTTLS and QUIT may be", l.Text)
				}
			}
		})
	}
}
