package pop3test

import (
	"crypto/tls"
	"testing"

	"github.com/tributary-mail/tributary/core/mailtest/testcert"
)

// TestTLSConfig makes a self-signed certificate for 127.0.0.1, ::1 and
// localhost with testcert.New. It returns a server configuration using it,
// the certificate in PEM (to trust it as a root), and its SHA-256
// fingerprint as core.Fingerprint writes it (to pin it, or to compare with
// a core.CertificateError).
func TestTLSConfig(t testing.TB) (server *tls.Config, caPEM []byte, fingerprint string) {
	t.Helper()
	return testcert.New(t, "pop3test")
}
