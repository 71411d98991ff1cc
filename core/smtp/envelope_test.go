package smtp

import (
	"bytes"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"testing"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/smtptest"
	"github.com/tributary-mail/tributary/core/netconn"
)

// unquoted is what net/mail makes of an address whose quoted local part
// holds an angle bracket and a parameter, as reply-all can copy it from a
// header: written as it is after "RCPT TO:<", it would end the path at the
// '>' and add NOTIFY=NEVER, or deliver to x@evil.example instead.
func unquoted(t *testing.T, header string) string {
	t.Helper()
	a, err := mail.ParseAddress(header)
	if err != nil {
		t.Fatalf("mail.ParseAddress(%q) = %v", header, err)
	}
	return a.Address
}

func TestEnvelopePath(t *testing.T) {
	tests := []struct {
		name, addr, want string // want "" means refused
	}{
		{"plain", "bob@example.org", "<bob@example.org>"},
		{"dots and atext", "o'brien.x+tag@example.org", "<o'brien.x+tag@example.org>"},
		{"UTF-8 local part", "jörg@example.org", "<jörg@example.org>"},
		{"space is quoted", "john smith@example.org", `<"john smith"@example.org>`},
		{"quote and backslash are escaped", `a"b\c@example.org`, `<"a\"b\\c"@example.org>`},
		{"at sign in the local part is quoted", "x@y@example.org", `<"x@y"@example.org>`},
		{"leading dot is quoted", ".x@example.org", `<".x"@example.org>`},
		{"parameter injection", "x@evil.example> NOTIFY=NEVER@example.com", ""},
		{"bracket", "x<y@example.org", ""},
		{"CRLF", "x\r\nRSET@example.org", ""},
		{"tab", "x\ty@example.org", ""},
		{"C1", "x\u0085y@example.org", ""},
		{"no domain", "bob@", ""},
		{"no local part", "@example.org", ""},
		{"no at", "bob", ""},
		{"space in the domain", "bob@example.org NOTIFY=NEVER", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := envelopePath(tt.addr)
			switch {
			case tt.want == "" && (err == nil || !errors.Is(err, ErrBadAddress)):
				t.Errorf("envelopePath(%q) = %q, %v; want ErrBadAddress", tt.addr, got, err)
			case tt.want != "" && (err != nil || got != tt.want):
				t.Errorf("envelopePath(%q) = %q, %v; want %q", tt.addr, got, err, tt.want)
			}
		})
	}
}

// TestSendRefusesInjection: the recording server must never see a
// recipient or parameter taken from inside a quoted local part.
func TestSendRefusesInjection(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Users: users(), AllowInsecureAuth: true})
	evil := unquoted(t, `"x@evil.example> NOTIFY=NEVER"@example.com`)
	for _, tt := range []struct {
		name, from string
		rcpts      []string
	}{
		{"recipient", envFrom, []string{"bob@example.org", evil}},
		{"sender", evil, []string{"bob@example.org"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Send(t.Context(), settings(srv, core.EncryptionNone, true), password, tt.from, tt.rcpts, strings.NewReader(raw), options(nil))
			if !errors.Is(err, ErrBadAddress) || core.KindOf(err) != core.KindConfig || core.IsTemporary(err) {
				t.Errorf("Send(to %q) = %v (kind %v), want ErrBadAddress of kind configuration, not retried", tt.rcpts, err, core.KindOf(err))
			}
		})
	}
	if got := srv.Messages(); len(got) != 0 {
		t.Errorf("the server received %d messages (envelope %s -> %q), want none", len(got), got[0].From, got[0].To)
	}
	if got := srv.AuthAttempts(); len(got) != 0 {
		t.Errorf("Send with a refused address logged in (%q), want no connection at all", got)
	}

	var buf bytes.Buffer
	d := Draft{From: alice, To: []*mail.Address{bob, {Address: evil}}, Text: "hi"}
	if _, err := Build(d, &buf); !errors.Is(err, ErrBadAddress) || buf.Len() != 0 {
		t.Errorf("Build(to %q) = %v after writing %d bytes, want ErrBadAddress before anything is queued", evil, err, buf.Len())
	}
}

// TestSendQuotesLocalParts: a local part with a space is legal when quoted;
// the server must read it whole, as one recipient.
func TestSendQuotesLocalParts(t *testing.T) {
	odd := unquoted(t, `"john smith"@example.org`)
	srv := smtptest.Start(t, smtptest.Options{})
	if err := Send(t.Context(), settings(srv, core.EncryptionNone, false), "", envFrom, []string{odd, "bob@example.org"}, strings.NewReader(raw), options(nil)); err != nil {
		t.Fatalf("Send(to %q) = %v, want nil", odd, err)
	}
	if got := srv.Messages(); len(got) != 1 || !slices.Equal(got[0].To, []string{odd, "bob@example.org"}) {
		t.Errorf("Send(to %q) delivered %+v, want one message to %q and bob@example.org", odd, got, odd)
	}

	s, lines := scripted(t, 0)
	if err := Send(t.Context(), s, "", envFrom, []string{odd}, strings.NewReader(raw), options(nil)); err != nil {
		t.Fatalf("Send() = %v, want nil", err)
	}
	if got := <-lines; !slices.Contains(got, `RCPT TO:<"john smith"@example.org>`) {
		t.Errorf("Send(to %q) wrote %q, want RCPT TO:<\"john smith\"@example.org>", odd, got)
	}
}

// TestSendRefusesUnknownEncryption: a stored encryption that is none of
// none, ssl and starttls must not fall through to plain text and AUTH.
func TestSendRefusesUnknownEncryption(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Users: users(), AllowInsecureAuth: true})
	for _, enc := range []core.Encryption{"", "tls", "SSL", "starttls "} {
		for _, auth := range []bool{true, false} {
			s := settings(srv, enc, auth)
			err := Send(t.Context(), s, password, envFrom, envRcpts, strings.NewReader(raw), options(nil))
			if !errors.Is(err, netconn.ErrUnknownEncryption) || core.KindOf(err) != core.KindConfig {
				t.Errorf("Send(encryption %q, auth %v) = %v, want ErrUnknownEncryption of kind configuration", enc, auth, err)
			}
			if err := Test(t.Context(), s, password, options(nil)); !errors.Is(err, netconn.ErrUnknownEncryption) {
				t.Errorf("Test(encryption %q) = %v, want ErrUnknownEncryption", enc, err)
			}
		}
	}
	if got := srv.AuthAttempts(); len(got) != 0 {
		t.Errorf("AUTH was sent %d times (%q) with an unknown encryption, want never", len(got), got)
	}
	if got := srv.Messages(); len(got) != 0 {
		t.Errorf("the server received %d messages with an unknown encryption, want none", len(got))
	}
}

// TestServerTextIsCleaned: a refusal carries the server's words to the
// outbox and the terminal, without the escapes a hostile server adds.
func TestServerTextIsCleaned(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	srv.FailRcpt(&gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no \x1b]52;c;eA==\x07 such \u009b2J user \u202eexe"})
	err := Send(t.Context(), settings(srv, core.EncryptionNone, false), "", envFrom, envRcpts[:1], strings.NewReader(raw), options(nil))
	var rejected *RejectedError
	if !errors.As(err, &rejected) {
		t.Fatalf("Send() = %v, want a *RejectedError", err)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\x1b\x07\u009b\u202e") || !strings.Contains(msg, `no \u001b]52;c;eA==\u0007 such`) {
		t.Errorf("Send() = %q, want the server's text with its escapes shown, not obeyed", msg)
	}
}
