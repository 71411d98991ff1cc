package testcert

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
)

// TestNew checks that a client trusting the PEM accepts the certificate
// under every name a test dials, and that the fingerprint is the one the
// server presents.
func TestNew(t *testing.T) {
	serverTLS, caPEM, fp := New(t, "testcert")
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatalf("New() PEM = %q, want a certificate", caPEM)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", serverTLS)
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
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				c.(*tls.Conn).Handshake()
			}()
		}
	}()
	for _, name := range []string{"127.0.0.1", "::1", "localhost"} {
		t.Run(name, func(t *testing.T) {
			var got string
			cfg := &tls.Config{
				RootCAs:    roots,
				ServerName: name,
				MinVersion: tls.VersionTLS12,
				VerifyConnection: func(cs tls.ConnectionState) error {
					got = core.Fingerprint(cs.PeerCertificates[0])
					return nil
				},
			}
			d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: cfg}
			c, err := d.DialContext(t.Context(), "tcp", ln.Addr().String())
			if err != nil {
				t.Fatalf("handshake as %s = %v, want nil", name, err)
			}
			c.Close()
			if got != fp {
				t.Errorf("New() fingerprint = %s, server presented %s", fp, got)
			}
		})
	}
}
