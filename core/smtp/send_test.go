package smtp

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/smtptest"
	"github.com/tributary-mail/tributary/core/netconn"
)

const (
	user     = "alice"
	password = "correct horse battery"
)

// prompt is how long a cancelled call may take to return. The I/O timeout
// in options is far longer, so a pass proves cancellation, not a timeout.
const prompt = 5 * time.Second

// raw is the message the Send tests hand over: lines that need dot
// stuffing, 8-bit text, and a final CRLF, so that "byte-exact" means it.
const raw = "From: Alice <alice@example.com>\r\n" +
	"To: Bob <bob@example.org>\r\n" +
	"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: 8bit\r\n" +
	"\r\n" +
	"Grüße.\r\n" +
	".\r\n" +
	".hidden\r\n" +
	"..two dots\r\n" +
	"end\r\n"

var (
	envFrom  = "alice@example.com"
	envRcpts = []string{"bob@example.org", "carol@example.net", "dave@example.com"}
)

func settings(s *smtptest.Server, enc core.Encryption, auth bool) core.SMTPSettings {
	return core.SMTPSettings{Host: s.Host, Port: s.Port, Username: user, Encryption: enc, Auth: auth}
}

func options(pins netconn.Pins) *netconn.Options {
	return &netconn.Options{DialTimeout: 10 * time.Second, IOTimeout: time.Minute, Pins: pins}
}

func users() map[string]string { return map[string]string{user: password} }

func TestSend(t *testing.T) {
	serverTLS, fp := smtptest.TestTLSConfig(t)
	tests := []struct {
		name     string
		opts     smtptest.Options
		enc      core.Encryption
		auth     bool
		wantUser string
	}{
		{
			name:     "STARTTLS, pinned, login",
			opts:     smtptest.Options{Users: users(), TLS: serverTLS},
			enc:      core.EncryptionSTARTTLS,
			auth:     true,
			wantUser: user,
		},
		{
			name:     "implicit TLS, pinned, login",
			opts:     smtptest.Options{Users: users(), TLS: serverTLS, ImplicitTLS: true},
			enc:      core.EncryptionSSL,
			auth:     true,
			wantUser: user,
		},
		{
			name:     "no encryption, login in clear as the user confirmed",
			opts:     smtptest.Options{Users: users(), AllowInsecureAuth: true},
			enc:      core.EncryptionNone,
			auth:     true,
			wantUser: user,
		},
		{
			name: "STARTTLS, authentication off",
			opts: smtptest.Options{Users: users(), TLS: serverTLS},
			enc:  core.EncryptionSTARTTLS,
		},
		{
			name: "no encryption, authentication off, AUTH offered",
			opts: smtptest.Options{Users: users(), AllowInsecureAuth: true},
			enc:  core.EncryptionNone,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.opts)
			err := Send(t.Context(), settings(srv, tt.enc, tt.auth), password, envFrom, envRcpts, strings.NewReader(raw), options(netconn.Pins{srv.Addr: {fp}}))
			if err != nil {
				t.Fatalf("Send(%s, auth %v) = %v, want nil", tt.enc, tt.auth, err)
			}
			got := srv.Messages()
			if len(got) != 1 {
				t.Fatalf("Send(%s, auth %v) delivered %d messages, want 1", tt.enc, tt.auth, len(got))
			}
			m := got[0]
			if m.From != envFrom || !slices.Equal(m.To, envRcpts) {
				t.Errorf("Send(%s) envelope = %s -> %q, want %s -> %q", tt.enc, m.From, m.To, envFrom, envRcpts)
			}
			if string(m.Data) != raw {
				t.Errorf("Send(%s) delivered %q, want %q", tt.enc, m.Data, raw)
			}
			if m.AuthUser != tt.wantUser {
				t.Errorf("Send(%s, auth %v) logged in as %q, want %q", tt.enc, tt.auth, m.AuthUser, tt.wantUser)
			}
			attempts := srv.AuthAttempts()
			if tt.auth && !slices.Equal(attempts, []string{user}) {
				t.Errorf("Send(%s, auth on) AUTH attempts = %q, want [%s]", tt.enc, attempts, user)
			}
			if !tt.auth && len(attempts) != 0 {
				t.Errorf("Send(%s, auth off) AUTH attempts = %q, want none", tt.enc, attempts)
			}
		})
	}
}

// failure says what a failed Send or Test must have returned.
type failure struct {
	kind            core.ErrorKind // checked when no RejectedError is expected
	notOffered      bool           // errors.Is ErrSTARTTLSNotOffered
	fingerprint     string         // a *core.CertificateError with it
	rejected        *RejectedError // Step, Code and Permanent() compared
	unknown         bool           // errors.Is ErrOutcomeUnknown
	credentialsSent bool           // AuthAttempts may be non-empty
}

func (want failure) check(t *testing.T, call string, err error, srv *smtptest.Server) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s = nil, want an error", call)
	}
	if got := errors.Is(err, core.ErrSTARTTLSNotOffered); got != want.notOffered {
		t.Errorf("%s = %v; errors.Is ErrSTARTTLSNotOffered = %v, want %v", call, err, got, want.notOffered)
	}
	if got := errors.Is(err, ErrOutcomeUnknown); got != want.unknown {
		t.Errorf("%s = %v; errors.Is ErrOutcomeUnknown = %v, want %v", call, err, got, want.unknown)
	}
	var cert *core.CertificateError
	switch {
	case want.fingerprint != "" && !errors.As(err, &cert):
		t.Errorf("%s = %v (%T), want a *core.CertificateError", call, err, err)
	case want.fingerprint != "" && (cert.Fingerprint != want.fingerprint || cert.Server != srv.Addr):
		t.Errorf("%s = certificate of %s with fingerprint %s, want %s with %s", call, cert.Server, cert.Fingerprint, srv.Addr, want.fingerprint)
	}
	var rej *RejectedError
	switch {
	case want.rejected == nil && errors.As(err, &rej):
		t.Errorf("%s = %v, a *RejectedError, want a %v error", call, err, want.kind)
	case want.rejected == nil && !want.unknown && core.KindOf(err) != want.kind:
		t.Errorf("%s = %v; core.KindOf = %v, want %v", call, err, core.KindOf(err), want.kind)
	case want.rejected != nil && !errors.As(err, &rej):
		t.Errorf("%s = %v (%T), want a *RejectedError", call, err, err)
	case want.rejected != nil && (rej.Step != want.rejected.Step || rej.Code != want.rejected.Code || rej.Permanent() != want.rejected.Permanent()):
		t.Errorf("%s = %s %d (permanent %v), want %s %d (permanent %v)", call, rej.Step, rej.Code, rej.Permanent(), want.rejected.Step, want.rejected.Code, want.rejected.Permanent())
	}
	if got := srv.AuthAttempts(); !want.credentialsSent && len(got) != 0 {
		t.Errorf("%s sent credentials for %q, want none sent", call, got)
	}
	if got := srv.Messages(); len(got) != 0 {
		t.Errorf("%s = %v, yet the server accepted %d messages", call, err, len(got))
	}
}

func TestSendFails(t *testing.T) {
	serverTLS, fp := smtptest.TestTLSConfig(t)
	_, otherFP := smtptest.TestTLSConfig(t)
	tempRcpt := &gosmtp.SMTPError{Code: 450, EnhancedCode: gosmtp.EnhancedCode{4, 2, 1}, Message: "mailbox busy, try later"}
	badMail := &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 7, 1}, Message: "sender not allowed"}
	badData := &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 6, 0}, Message: "message refused"}
	tests := []struct {
		name     string
		opts     smtptest.Options
		setup    func(*smtptest.Server)
		enc      core.Encryption
		password string
		pin      string // "" pins fp
		want     failure
	}{
		{
			name:     "wrong password",
			opts:     smtptest.Options{Users: users(), TLS: serverTLS},
			enc:      core.EncryptionSTARTTLS,
			password: "wrong",
			want:     failure{kind: core.KindAuth, credentialsSent: true},
		},
		{
			name: "STARTTLS chosen, server offers none",
			// The server would take a login in clear: a client that
			// fell back to plain text would show in AuthAttempts.
			opts: smtptest.Options{Users: users(), AllowInsecureAuth: true},
			enc:  core.EncryptionSTARTTLS,
			want: failure{kind: core.KindTLS, notOffered: true},
		},
		{
			name: "STARTTLS, certificate not trusted",
			opts: smtptest.Options{Users: users(), TLS: serverTLS},
			enc:  core.EncryptionSTARTTLS,
			pin:  otherFP,
			want: failure{kind: core.KindTLS, fingerprint: fp},
		},
		{
			name: "implicit TLS, certificate not trusted",
			opts: smtptest.Options{Users: users(), TLS: serverTLS, ImplicitTLS: true},
			enc:  core.EncryptionSSL,
			pin:  otherFP,
			want: failure{kind: core.KindTLS, fingerprint: fp},
		},
		{
			name: "450 on RCPT",
			opts: smtptest.Options{Users: users(), TLS: serverTLS},
			setup: func(s *smtptest.Server) {
				s.FailRcpt(tempRcpt)
			},
			enc:  core.EncryptionSTARTTLS,
			want: failure{rejected: &RejectedError{Step: "RCPT TO <" + envRcpts[0] + ">", Code: 450}, credentialsSent: true},
		},
		{
			name:  "550 on MAIL",
			opts:  smtptest.Options{Users: users(), TLS: serverTLS},
			setup: func(s *smtptest.Server) { s.FailMail(badMail) },
			enc:   core.EncryptionSTARTTLS,
			want:  failure{rejected: &RejectedError{Step: "MAIL FROM", Code: 550}, credentialsSent: true},
		},
		{
			name:  "554 after DATA",
			opts:  smtptest.Options{Users: users(), TLS: serverTLS},
			setup: func(s *smtptest.Server) { s.FailData(badData) },
			enc:   core.EncryptionSTARTTLS,
			want:  failure{rejected: &RejectedError{Step: "DATA", Code: 554}, credentialsSent: true},
		},
		{
			name:  "connection dropped after DATA",
			opts:  smtptest.Options{Users: users(), TLS: serverTLS},
			setup: func(s *smtptest.Server) { s.DropAfterData() },
			enc:   core.EncryptionSTARTTLS,
			want:  failure{unknown: true, credentialsSent: true},
		},
		{
			name:  "connection dropped after DATA, implicit TLS",
			opts:  smtptest.Options{Users: users(), TLS: serverTLS, ImplicitTLS: true},
			setup: func(s *smtptest.Server) { s.DropAfterData() },
			enc:   core.EncryptionSSL,
			want:  failure{unknown: true, credentialsSent: true},
		},
		{
			name: "implicit TLS to a plain-text server",
			opts: smtptest.Options{Users: users(), AllowInsecureAuth: true},
			enc:  core.EncryptionSSL,
			want: failure{kind: core.KindTLS},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.opts)
			if tt.setup != nil {
				tt.setup(srv)
			}
			pw := password
			if tt.password != "" {
				pw = tt.password
			}
			pin := fp
			if tt.pin != "" {
				pin = tt.pin
			}
			err := Send(t.Context(), settings(srv, tt.enc, true), pw, envFrom, envRcpts, strings.NewReader(raw), options(netconn.Pins{srv.Addr: {pin}}))
			tt.want.check(t, "Send("+string(tt.enc)+")", err, srv)
		})
	}
}

// TestSendCanceled checks that a context cancelled before Send starts
// stops it at once with context.Canceled, and nothing reaches the server.
func TestSendCanceled(t *testing.T) {
	serverTLS, fp := smtptest.TestTLSConfig(t)
	srv := smtptest.Start(t, smtptest.Options{Users: users(), TLS: serverTLS})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	err := Send(ctx, settings(srv, core.EncryptionSTARTTLS, true), password, envFrom, envRcpts, strings.NewReader(raw), options(netconn.Pins{srv.Addr: {fp}}))
	if took := time.Since(start); !errors.Is(err, context.Canceled) || took > prompt {
		t.Errorf("Send(cancelled) = %v after %v, want context.Canceled within %v", err, took, prompt)
	}
	if core.IsTemporary(err) {
		t.Errorf("core.IsTemporary(%v) = true, want false: the user cancelled", err)
	}
	if got := srv.Messages(); len(got) != 0 {
		t.Errorf("Send(cancelled) delivered %d messages, want none", len(got))
	}
	if got := srv.AuthAttempts(); len(got) != 0 {
		t.Errorf("Send(cancelled) sent credentials for %q, want none", got)
	}
}

func TestTest(t *testing.T) {
	serverTLS, fp := smtptest.TestTLSConfig(t)
	tests := []struct {
		name     string
		opts     smtptest.Options
		enc      core.Encryption
		auth     bool
		password string
		want     *failure // nil: success
	}{
		{name: "STARTTLS and login", opts: smtptest.Options{Users: users(), TLS: serverTLS}, enc: core.EncryptionSTARTTLS, auth: true, password: password},
		{name: "implicit TLS and login", opts: smtptest.Options{Users: users(), TLS: serverTLS, ImplicitTLS: true}, enc: core.EncryptionSSL, auth: true, password: password},
		{name: "authentication off", opts: smtptest.Options{TLS: serverTLS}, enc: core.EncryptionSTARTTLS},
		{
			name: "wrong password", opts: smtptest.Options{Users: users(), TLS: serverTLS}, enc: core.EncryptionSTARTTLS, auth: true, password: "wrong",
			want: &failure{kind: core.KindAuth, credentialsSent: true},
		},
		{
			name: "STARTTLS not offered", opts: smtptest.Options{Users: users(), AllowInsecureAuth: true}, enc: core.EncryptionSTARTTLS, auth: true, password: password,
			want: &failure{kind: core.KindTLS, notOffered: true},
		},
		{
			name: "login required, server offers none", opts: smtptest.Options{TLS: serverTLS}, enc: core.EncryptionSTARTTLS, auth: true, password: password,
			want: &failure{kind: core.KindConfig},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.opts)
			err := Test(t.Context(), settings(srv, tt.enc, tt.auth), tt.password, options(netconn.Pins{srv.Addr: {fp}}))
			if tt.want != nil {
				tt.want.check(t, "Test("+string(tt.enc)+")", err, srv)
				return
			}
			if err != nil {
				t.Fatalf("Test(%s, auth %v) = %v, want nil", tt.enc, tt.auth, err)
			}
			wantAttempts := 0
			if tt.auth {
				wantAttempts = 1
			}
			if got := srv.AuthAttempts(); len(got) != wantAttempts {
				t.Errorf("Test(%s, auth %v) AUTH attempts = %q, want %d", tt.enc, tt.auth, got, wantAttempts)
			}
		})
	}
}

// scripted runs a minimal SMTP server for one session. It answers every
// command with success after delay, and returns the lines the client sent,
// once the session ends. It speaks just enough RFC 5321 to check what
// go-smtp's lenient parser would accept unseen, and what go-smtp cannot
// do: answer slowly.
func scripted(t *testing.T, delay time.Duration) (core.SMTPSettings, <-chan []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan []string, 1)
	go func() {
		var lines []string
		defer func() { got <- lines }()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(30 * time.Second))
		tc := textproto.NewConn(c)
		tc.PrintfLine("220 fake ESMTP")
		inData := false
		for {
			line, err := tc.ReadLine()
			if err != nil {
				return
			}
			lines = append(lines, line)
			if inData && line != "." {
				continue
			}
			time.Sleep(delay)
			switch {
			case inData:
				inData = false
				tc.PrintfLine("250 2.0.0 queued")
			case strings.HasPrefix(line, "EHLO "):
				tc.PrintfLine("250-fake\r\n250-8BITMIME\r\n250 PIPELINING")
			case line == "DATA":
				inData = true
				tc.PrintfLine("354 go ahead")
			case line == "QUIT":
				tc.PrintfLine("221 bye")
				return
			default:
				tc.PrintfLine("250 ok")
			}
		}
	}()
	tcp := ln.Addr().(*net.TCPAddr)
	return core.SMTPSettings{Host: tcp.IP.String(), Port: tcp.Port, Encryption: core.EncryptionNone}, got
}

// TestSendTranscript compares the commands Send writes with RFC 5321's
// syntax: paths in angle brackets, DATA dot-stuffed, QUIT at the end.
func TestSendTranscript(t *testing.T) {
	s, got := scripted(t, 0)
	if err := Send(t.Context(), s, "", envFrom, envRcpts[:2], strings.NewReader(raw), options(nil)); err != nil {
		t.Fatalf("Send() = %v, want nil", err)
	}
	var body []string
	sc := bufio.NewScanner(strings.NewReader(raw))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, ".") {
			line = "." + line
		}
		body = append(body, line)
	}
	want := append([]string{
		"EHLO localhost",
		"MAIL FROM:<alice@example.com> BODY=8BITMIME",
		"RCPT TO:<bob@example.org>",
		"RCPT TO:<carol@example.net>",
		"DATA",
	}, append(body, ".", "QUIT")...)
	if lines := <-got; !slices.Equal(lines, want) {
		t.Errorf("Send() wrote\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// slowReader yields its text in pieces, waiting before each.
type slowReader struct {
	pieces []string
	delay  time.Duration
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.pieces) == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.delay)
	n := copy(p, r.pieces[0])
	r.pieces[0] = r.pieces[0][n:]
	if r.pieces[0] == "" {
		r.pieces = r.pieces[1:]
	}
	return n, nil
}

// TestSendSlow checks that the I/O timeout bounds each operation, not the
// whole session: a session far longer than the timeout, with no single
// wait near it, succeeds.
func TestSendSlow(t *testing.T) {
	const (
		timeout = time.Second
		step    = 250 * time.Millisecond // a quarter of the timeout
	)
	tests := []struct {
		name       string
		replyDelay time.Duration
		raw        func() io.Reader
	}{
		{
			// 7 replies: 1.75 s.
			name:       "server slow to answer each command",
			replyDelay: step,
			raw:        func() io.Reader { return strings.NewReader(raw) },
		},
		{
			// 6 pieces: 1.5 s spent writing the message.
			name: "message slow to read",
			raw: func() io.Reader {
				pieces := strings.SplitAfterN(raw, "\r\n", 6)
				return &slowReader{pieces: pieces, delay: step}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, got := scripted(t, tt.replyDelay)
			opts := options(nil)
			opts.IOTimeout = timeout
			start := time.Now()
			if err := Send(t.Context(), s, "", envFrom, envRcpts, tt.raw(), opts); err != nil {
				t.Fatalf("Send() = %v after %v, want nil with an I/O timeout of %v", err, time.Since(start), timeout)
			}
			if took := time.Since(start); took < timeout {
				t.Fatalf("Send() took %v, want longer than the I/O timeout %v for the test to mean anything", took, timeout)
			}
			if lines := <-got; !slices.Contains(lines, "QUIT") {
				t.Errorf("Send() wrote %q, want a whole session", lines)
			}
		})
	}
}
