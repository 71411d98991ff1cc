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
	// A timeout after the greeting is no sign of a wrong port.
	if err := Classify("fetch", "mail.example.com:993", os.ErrDeadlineExceeded); strings.Contains(err.Error(), "SSL/TLS") {
		t.Errorf("a fetch that timed out on port 993 = %q, want no advice about SSL/TLS", err)
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

// TestServerTextIsCleaned: what an IMAP, POP3 or SMTP server says reaches
// the user through these errors, so it must carry no terminal escapes.
func TestServerTextIsCleaned(t *testing.T) {
	hostile := errors.New("NO \x1b]52;c;cm0gLXJm\x07\x1b[2J\u009b\u202eexe.pdf\r\nfake: prompt")
	tests := []struct {
		name string
		err  error
	}{
		{"classified", Classify("select", "imap.example.com:993", hostile)},
		{"login refused", &Error{Kind: KindAuth, Op: "login", Server: "smtp.example.com:465", Err: hostile}},
		{"TLS", &Error{Kind: KindTLS, Op: "STARTTLS", Server: "h:143", Err: hostile}},
		{"wrapped", fmt.Errorf("sync: %w", Classify("fetch", "h:993", fmt.Errorf("uid fetch: %w", hostile)))},
		{"certificate", &CertificateError{Server: "h:993", Subject: "CN=\x1b[2J", Fingerprint: strings.Repeat("ab", 32), Err: hostile}},
		{"long", Classify("fetch", "h:993", errors.New(strings.Repeat("x", 5000)))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := tc.err.Error()
			if strings.ContainsAny(msg, "\x1b\x07\r\n\u009b\u202e") || len(msg) > 2100 {
				t.Errorf("%T.Error() = %q (%d bytes), want no control or bidi characters and at most 2100 bytes", tc.err, msg, len(msg))
			}
			if tc.name != "long" && !strings.Contains(msg, `\u001b]52`) {
				t.Errorf("%T.Error() = %q, want the escape shown as \\u001b", tc.err, msg)
			}
		})
	}
}

func TestCertificateChanged(t *testing.T) {
	old, now := strings.Repeat("0a", 32), strings.Repeat("0b", 32)
	first := &CertificateError{Server: "imap.example.com:993", Fingerprint: now, Err: errors.New("x509: unknown authority")}
	changed := &CertificateError{Server: "imap.example.com:993", Fingerprint: now, Pinned: []string{old}, Err: errors.New("x509: unknown authority")}
	if first.Changed() || strings.Contains(first.Error(), "changed") {
		t.Errorf("first sight: Changed() = %v, Error() = %q; want false and no word of a change", first.Changed(), first.Error())
	}
	msg := changed.Error()
	if !changed.Changed() || !strings.Contains(msg, "the certificate of imap.example.com:993 changed") ||
		!strings.Contains(msg, FormatFingerprint(old)) || !strings.Contains(msg, FormatFingerprint(now)) {
		t.Errorf("changed: Changed() = %v, Error() = %q; want it to say the certificate of imap.example.com:993 changed, with both fingerprints", changed.Changed(), msg)
	}
	if KindOf(Classify("connect", "imap.example.com:993", changed)) != KindTLS {
		t.Errorf("KindOf(changed certificate) != KindTLS")
	}
}

func TestStorageErrorSaysTheDiskIsFull(t *testing.T) {
	tests := []struct {
		name string
		err  error
		full bool
	}{
		{"ENOSPC", &os.PathError{Op: "write", Path: "/d/m.tmp", Err: syscall.ENOSPC}, true},
		{"SQLITE_FULL", fmt.Errorf("%w: database or disk is full (13)", ErrDiskFull), true},
		{"permission", &os.PathError{Op: "open", Path: "/d/m.tmp", Err: syscall.EACCES}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := &StorageError{Op: "write message file", Err: tc.err}
			if got := strings.Contains(err.Error(), "the disk is full; free some space"); got != tc.full {
				t.Errorf("StorageError{%v}.Error() = %q, says the disk is full: %v, want %v", tc.err, err, got, tc.full)
			}
			if KindOf(err) != KindStorage || IsTemporary(err) {
				t.Errorf("KindOf = %v, temporary %v; want storage, not temporary", KindOf(err), IsTemporary(err))
			}
		})
	}
}
