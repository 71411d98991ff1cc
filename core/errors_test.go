package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		kind      ErrorKind
		temporary bool
		says      string
	}{
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, KindNetwork, true, "connection refused"},
		{"timeout", os.ErrDeadlineExceeded, KindNetwork, true, "no answer from the server in time"},
		{"dropped", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), KindNetwork, true, "closed the connection"},
		{"unknown host", &net.DNSError{Err: "no such host", Name: "mail.example.invalid"}, KindNetwork, true, "cannot find the server"},
		{"certificate", &CertificateError{Server: "h:993", Fingerprint: strings.Repeat("ab", 32), Err: errors.New("x509: unknown authority")}, KindTLS, false, "AB:AB:AB"},
		{"no STARTTLS", ErrSTARTTLSNotOffered, KindTLS, false, "does not offer STARTTLS"},
		{"server nonsense", errors.New("unexpected reply"), KindProtocol, true, "unexpected reply"},
		{"already classified", &Error{Kind: KindAuth, Server: "h:1", Err: errors.New("535 no")}, KindAuth, false, "wrong username or password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Classify("connect", "mail.example.com:993", tc.err)
			if KindOf(err) != tc.kind || IsTemporary(err) != tc.temporary || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("Classify(%v) = %v (kind %v, temporary %v), want kind %v, temporary %v, saying %q",
					tc.err, err, KindOf(err), IsTemporary(err), tc.kind, tc.temporary, tc.says)
			}
		})
	}
	if err := Classify("x", "h:1", context.Canceled); !errors.Is(err, context.Canceled) || IsTemporary(err) {
		t.Errorf("Classify(context.Canceled) = %v, want it unchanged and not temporary", err)
	}
}

func TestFingerprints(t *testing.T) {
	fp := strings.Repeat("0f", 32)
	for _, in := range []string{fp, strings.ToUpper(fp), FormatFingerprint(fp), "SHA256 " + FormatFingerprint(fp)} {
		if got, err := NormalizeFingerprint(in); got != fp || err != nil {
			t.Errorf("NormalizeFingerprint(%q) = %q, %v; want %q", in, got, err, fp)
		}
	}
	for _, bad := range []string{"", "abc", strings.Repeat("zz", 32), strings.Repeat("0f", 20)} {
		if _, err := NormalizeFingerprint(bad); err == nil {
			t.Errorf("NormalizeFingerprint(%q) = nil error, want one", bad)
		}
	}
}
