package smtptest

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// dial opens a raw connection to s and reads the greeting.
func dial(t *testing.T, s *Server, tlsConfig *tls.Config) *textproto.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if tlsConfig != nil {
		c = tls.Client(c, tlsConfig)
	}
	tc := textproto.NewConn(c)
	t.Cleanup(func() { tc.Close() })
	if code, msg, err := tc.ReadResponse(220); err != nil {
		t.Fatalf("greeting = %d %q, %v, want 220", code, msg, err)
	}
	return tc
}

// cmd sends one line and returns the reply's code and text.
func cmd(t *testing.T, tc *textproto.Conn, line string) (int, string) {
	t.Helper()
	id, err := tc.Cmd("%s", line)
	if err != nil {
		t.Fatalf("sending %q: %v", line, err)
	}
	tc.StartResponse(id)
	defer tc.EndResponse(id)
	code, msg, err := tc.ReadResponse(0)
	var proto *textproto.Error
	if err != nil && !errors.As(err, &proto) {
		t.Fatalf("reply to %q: %v", line, err)
	}
	return code, msg
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestTranscript drives a plain-text server with raw commands, so that the
// client tests stand on a server that logs in, unstuffs dots and records
// envelopes as RFC 5321 and RFC 4954 say.
func TestTranscript(t *testing.T) {
	s := Start(t, Options{Users: map[string]string{"alice": "secret"}, AllowInsecureAuth: true})
	tc := dial(t, s, nil)
	steps := []struct {
		send     string
		wantCode int
		wantMsg  string // a substring of the reply
	}{
		{"EHLO client.test", 250, "AUTH PLAIN LOGIN"},
		{"AUTH PLAIN " + b64("\x00alice\x00wrong"), 535, "Authentication failed"},
		{"AUTH PLAIN " + b64("\x00mallory\x00secret"), 535, "Authentication failed"},
		{"AUTH LOGIN", 334, b64("Username:")},
		{b64("alice"), 334, b64("Password:")},
		{b64("secret"), 235, ""},
		{"MAIL FROM:<alice@example.com>", 250, ""},
		{"RCPT TO:<bob@example.com>", 250, ""},
		{"RCPT TO:<carol@example.com>", 250, ""},
		{"DATA", 354, ""},
		{"Subject: dots\r\n\r\n..hidden\r\n..\r\nend\r\n.", 250, ""},
		{"QUIT", 221, ""},
	}
	for _, st := range steps {
		code, msg := cmd(t, tc, st.send)
		if code != st.wantCode || !strings.Contains(msg, st.wantMsg) {
			t.Fatalf("%q = %d %q, want %d containing %q", st.send, code, msg, st.wantCode, st.wantMsg)
		}
	}
	want := []Message{{
		From:     "alice@example.com",
		To:       []string{"bob@example.com", "carol@example.com"},
		Data:     []byte("Subject: dots\r\n\r\n.hidden\r\n.\r\nend\r\n"),
		AuthUser: "alice",
	}}
	if got := s.Messages(); !messagesEqual(got, want) {
		t.Errorf("Messages() = %q, want %q", got, want)
	}
	if got, want := s.AuthAttempts(), []string{"alice", "mallory", "alice"}; !slices.Equal(got, want) {
		t.Errorf("AuthAttempts() = %q, want %q", got, want)
	}
}

func messagesEqual(a, b []Message) bool {
	return slices.EqualFunc(a, b, func(x, y Message) bool {
		return x.From == y.From && slices.Equal(x.To, y.To) && bytes.Equal(x.Data, y.Data) && x.AuthUser == y.AuthUser
	})
}

// TestCapabilities checks what EHLO offers for each configuration: AUTH
// only where a login may happen, STARTTLS only before TLS.
func TestCapabilities(t *testing.T) {
	serverTLS, _ := TestTLSConfig(t)
	users := map[string]string{"alice": "secret"}
	clientTLS := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}
	tests := []struct {
		name      string
		opts      Options
		clientTLS *tls.Config // for implicit TLS
		want      []string
		notWant   []string
	}{
		{name: "no users", opts: Options{AllowInsecureAuth: true}, notWant: []string{"AUTH", "STARTTLS"}},
		{name: "users, plain text", opts: Options{Users: users}, notWant: []string{"AUTH", "STARTTLS"}},
		{name: "users, plain text allowed", opts: Options{Users: users, AllowInsecureAuth: true}, want: []string{"AUTH PLAIN LOGIN"}, notWant: []string{"STARTTLS"}},
		{name: "users, STARTTLS", opts: Options{Users: users, TLS: serverTLS}, want: []string{"STARTTLS"}, notWant: []string{"AUTH"}},
		{name: "users, implicit TLS", opts: Options{Users: users, TLS: serverTLS, ImplicitTLS: true}, clientTLS: clientTLS, want: []string{"AUTH PLAIN LOGIN"}, notWant: []string{"STARTTLS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t, tt.opts)
			tc := dial(t, s, tt.clientTLS)
			code, msg := cmd(t, tc, "EHLO client.test")
			if code != 250 {
				t.Fatalf("EHLO = %d %q, want 250", code, msg)
			}
			caps := strings.Split(msg, "\n")
			for _, w := range tt.want {
				if !slices.Contains(caps, w) {
					t.Errorf("EHLO = %q, want %q", caps, w)
				}
			}
			for _, nw := range tt.notWant {
				if slices.ContainsFunc(caps, func(c string) bool { return strings.HasPrefix(c, nw) }) {
					t.Errorf("EHLO = %q, want no %q", caps, nw)
				}
			}
		})
	}
}

// TestRefusedLoginIsRecorded checks that credentials sent where the server
// does not offer AUTH are refused and still recorded, which is what lets
// a client test prove it sent none.
func TestRefusedLoginIsRecorded(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		wantCode int
	}{
		{"no users", Options{}, 502},
		{"plain text not allowed", Options{Users: map[string]string{"alice": "secret"}}, 538},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t, tt.opts)
			tc := dial(t, s, nil)
			cmd(t, tc, "EHLO client.test")
			if code, msg := cmd(t, tc, "AUTH PLAIN "+b64("\x00alice\x00secret")); code != tt.wantCode {
				t.Errorf("AUTH PLAIN = %d %q, want %d", code, msg, tt.wantCode)
			}
			if got := s.AuthAttempts(); !slices.Equal(got, []string{"alice"}) {
				t.Errorf("AuthAttempts() = %q, want [alice]", got)
			}
		})
	}
}

// TestFailures checks the switchable refusals and the dropped connection.
func TestFailures(t *testing.T) {
	tempRcpt := &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 1}, Message: "mailbox busy"}
	badMail := &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "sender refused"}
	badData := &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "content refused"}
	tests := []struct {
		name     string
		set      func(*Server)
		failAt   string // the command whose reply is refused
		wantCode int    // 0: connection closed
	}{
		{"MAIL", func(s *Server) { s.FailMail(badMail) }, "MAIL", 550},
		{"RCPT", func(s *Server) { s.FailRcpt(tempRcpt) }, "RCPT", 450},
		{"DATA", func(s *Server) { s.FailData(badData) }, "end of data", 554},
		{"drop after DATA", func(s *Server) { s.DropAfterData() }, "end of data", 0},
		{"cleared", func(s *Server) { s.FailMail(badMail); s.FailMail(nil) }, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t, Options{})
			tt.set(s)
			tc := dial(t, s, nil)
			cmd(t, tc, "EHLO client.test")
			steps := []struct{ name, line string }{
				{"MAIL", "MAIL FROM:<alice@example.com>"},
				{"RCPT", "RCPT TO:<bob@example.com>"},
				{"DATA", "DATA"},
				{"end of data", "Subject: x\r\n\r\nx\r\n."},
			}
			for _, st := range steps {
				if st.name == tt.failAt && tt.wantCode == 0 {
					id, err := tc.Cmd("%s", st.line)
					if err != nil {
						t.Fatal(err)
					}
					tc.StartResponse(id)
					line, err := tc.ReadLine()
					tc.EndResponse(id)
					if !errors.Is(err, io.EOF) {
						t.Errorf("after %s: read %q, %v, want EOF", st.name, line, err)
					}
					break
				}
				code, msg := cmd(t, tc, st.line)
				if st.name == tt.failAt {
					if code != tt.wantCode {
						t.Errorf("%s = %d %q, want %d", st.name, code, msg, tt.wantCode)
					}
					break
				}
				if code >= 400 {
					t.Fatalf("%s = %d %q, want success", st.name, code, msg)
				}
			}
			wantMessages := 0
			if tt.failAt == "" {
				wantMessages = 1
			}
			if got := s.Messages(); len(got) != wantMessages {
				t.Errorf("Messages() = %q, want %d", got, wantMessages)
			}
		})
	}
}

// TestFaults: each mail transaction takes the next fault in order, and
// the ones after the list are accepted.
func TestFaults(t *testing.T) {
	s := Start(t, Options{})
	s.Faults(FaultTemporary, FaultPermanent, FaultDropBeforeData)
	tc := dial(t, s, nil)
	cmd(t, tc, "EHLO client.example")
	send := func(tc *textproto.Conn) int {
		t.Helper()
		cmd(t, tc, "MAIL FROM:<a@example.test>")
		cmd(t, tc, "RCPT TO:<b@example.test>")
		if code, _ := cmd(t, tc, "DATA"); code != 354 {
			t.Fatalf("DATA = %d, want 354", code)
		}
		code, _ := cmd(t, tc, "Subject: x\r\n\r\nbody\r\n.")
		return code
	}
	if code := send(tc); code != 451 {
		t.Errorf("first transaction = %d, want 451", code)
	}
	if code := send(tc); code != 554 {
		t.Errorf("second transaction = %d, want 554", code)
	}
	cmd(t, tc, "MAIL FROM:<a@example.test>")
	if _, err := tc.Cmd("RCPT TO:<b@example.test>"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tc.ReadResponse(250); err == nil {
		t.Error("third transaction: RCPT answered, want the connection closed before DATA")
	}
	tc = dial(t, s, nil)
	cmd(t, tc, "EHLO client.example")
	if code := send(tc); code != 250 {
		t.Errorf("after the faults = %d, want 250", code)
	}
	if got := len(s.Messages()); got != 1 {
		t.Errorf("recorded %d messages, want only the one accepted", got)
	}
}
