package netconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/testcert"
)

// TestVerifyAgainstTrustedRoot runs itself again in a child process whose
// system roots are a test CA (SSL_CERT_FILE, which crypto/x509 reads once
// per process): then a certificate from that CA is trusted, and only what
// is wrong with the certificate itself (host, dates) or the server (an
// unknown CA, TLS 1.1) makes the connection fail. Every protocol dials
// through here, SMTP's STARTTLS through TLSConfig.
func TestVerifyAgainstTrustedRoot(t *testing.T) {
	dir := os.Getenv("NETCONN_TEST_CA_DIR")
	if dir == "" {
		dir = t.TempDir()
		ca := testcert.NewCA(t, "Tributary test root")
		for name, b := range map[string][]byte{"ca.pem": ca.PEM, "ca.key": ca.KeyPEM(t)} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestVerifyAgainstTrustedRoot$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "NETCONN_TEST_CA_DIR="+dir,
			"SSL_CERT_FILE="+filepath.Join(dir, "ca.pem"), "SSL_CERT_DIR="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child test failed: %v\n%s", err, out)
		}
		t.Logf("child test:\n%s", out)
		return
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ca := testcert.LoadCA(t, read("ca.pem"), read("ca.key"))
	other := testcert.NewCA(t, "someone else's root")
	good, goodFP := ca.Issue(t, testcert.Leaf{})
	wrongHost, _ := ca.Issue(t, testcert.Leaf{DNSNames: []string{"mail.example.org"}})
	expired, expiredFP := ca.Issue(t, testcert.Leaf{NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)})
	unknownCA, _ := other.Issue(t, testcert.Leaf{})
	old := good.Clone()
	old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS11

	tests := []struct {
		name string
		cfg  *tls.Config
		pin  string
		// want: "" for success, "certificate" for a *core.CertificateError
		// with the given x509 error, "tls" for another TLS failure.
		want     string
		x509Err  any
		pinnedOK bool // whether pinning this certificate makes it work
	}{
		{name: "trusted", cfg: good},
		{name: "wrong host", cfg: wrongHost, want: "certificate", x509Err: x509.HostnameError{}},
		{name: "expired", cfg: expired, want: "certificate", x509Err: x509.CertificateInvalidError{}},
		{name: "unknown CA", cfg: unknownCA, want: "certificate", x509Err: x509.UnknownAuthorityError{}},
		{name: "TLS 1.1 only", cfg: old, want: "tls"},
		{name: "TLS 1.1 only, pinned", cfg: old, pin: goodFP, want: "tls"},
		// A pin is the user's word for that one certificate, dates
		// included (as a mail client's exception is).
		{name: "expired, pinned", cfg: expired, pin: expiredFP},
		{name: "expired, another pinned", cfg: expired, pin: goodFP, want: "certificate", x509Err: x509.CertificateInvalidError{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ep := serveTLS(t, tc.cfg)
			var opts *Options
			if tc.pin != "" {
				opts = &Options{Pins: Pins{ep.Addr(): {tc.pin}}}
			}
			c, err := Dial(context.Background(), ep, opts)
			if c != nil {
				c.Close()
			}
			var ce *core.CertificateError
			switch tc.want {
			case "":
				if err != nil {
					t.Fatalf("Dial() = %v, want success", err)
				}
			case "certificate":
				if !errors.As(err, &ce) || core.KindOf(err) != core.KindTLS {
					t.Fatalf("Dial() = %v, want a CertificateError", err)
				}
				if ok := matchX509(ce.Err, tc.x509Err); !ok {
					t.Errorf("Dial() certificate error = %T %v, want %T", ce.Err, ce.Err, tc.x509Err)
				}
				if ce.Changed() != (tc.pin != "") {
					t.Errorf("Dial() Changed() = %v, want %v", ce.Changed(), tc.pin != "")
				}
			case "tls":
				if err == nil || core.KindOf(err) != core.KindTLS || errors.As(err, &ce) {
					t.Fatalf("Dial() = %v (kind %v), want a TLS error other than the certificate", err, core.KindOf(err))
				}
			}
		})
	}
	// The TLS 1.1 server does speak TLS 1.1: the refusal is ours.
	ep := serveTLS(t, old)
	c, err := tls.Dial("tcp", ep.Addr(), &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11, InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("a TLS 1.1 client to the TLS 1.1 server: %v", err)
	}
	c.Close()
}

func matchX509(err error, want any) bool {
	switch want.(type) {
	case x509.HostnameError:
		var e x509.HostnameError
		return errors.As(err, &e)
	case x509.CertificateInvalidError:
		var e x509.CertificateInvalidError
		return errors.As(err, &e) && e.Reason == x509.Expired
	case x509.UnknownAuthorityError:
		var e x509.UnknownAuthorityError
		return errors.As(err, &e)
	}
	return false
}

// serveTLS accepts TLS connections with cfg and completes handshakes.
func serveTLS(t *testing.T, cfg *tls.Config) core.Endpoint {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
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
			go func() {
				c.(*tls.Conn).Handshake()
				c.Close()
			}()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := strconv.Atoi(port)
	return core.Endpoint{Host: "127.0.0.1", Port: p, Encryption: core.EncryptionSSL}
}
