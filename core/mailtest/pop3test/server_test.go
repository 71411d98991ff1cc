package pop3test

import (
	"bufio"
	"bytes"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestTranscript drives the server with raw commands and compares every
// reply byte for byte, so that the client tests stand on a server that
// speaks RFC 1939 as written.
func TestTranscript(t *testing.T) {
	first := []byte("Subject: one\r\n\r\n.dot\r\nbody\r\n")
	second := []byte("Subject: two\n\nLF only\n")
	s := Start(t, Options{
		Users:    map[string]string{"alice": "secret"},
		Messages: map[string][][]byte{"alice": {first, second}},
	})
	steps := []struct {
		send, want string
	}{
		{"CAPA", "+OK capability list follows\r\nUSER\r\nTOP\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nUIDL\r\nIMPLEMENTATION pop3test\r\n.\r\n"},
		{"STAT", "-ERR unknown command in AUTHORIZATION state\r\n"},
		{"STLS", "-ERR STLS not available\r\n"},
		{"PASS secret", "-ERR send USER first\r\n"},
		{"USER alice", "+OK send PASS\r\n"},
		{"PASS wrong", "-ERR [AUTH] invalid user name or password\r\n"},
		{"user alice", "+OK send PASS\r\n"},
		{"pass secret", "+OK maildrop has 2 messages\r\n"},
		{"STAT", "+OK 2 53\r\n"},
		{"LIST", "+OK 2 messages\r\n1 28\r\n2 25\r\n.\r\n"},
		{"LIST 2", "+OK 2 25\r\n"},
		{"LIST 3", "-ERR no such message\r\n"},
		{"UIDL", "+OK 2 messages\r\n1 pop3test-000001\r\n2 pop3test-000002\r\n.\r\n"},
		{"UIDL 1", "+OK 1 pop3test-000001\r\n"},
		{"TOP 1 0", "+OK top of message follows\r\nSubject: one\r\n\r\n.\r\n"},
		{"TOP 1 1", "+OK top of message follows\r\nSubject: one\r\n\r\n..dot\r\n.\r\n"},
		{"RETR 1", "+OK 28 octets\r\nSubject: one\r\n\r\n..dot\r\nbody\r\n.\r\n"},
		{"RETR 2", "+OK 25 octets\r\nSubject: two\r\n\r\nLF only\r\n.\r\n"},
		{"DELE 1", "+OK message 1 deleted\r\n"},
		{"DELE 1", "-ERR message 1 already deleted\r\n"},
		{"RETR 1", "-ERR message 1 already deleted\r\n"},
		{"LIST", "+OK 1 messages\r\n2 25\r\n.\r\n"},
		{"RSET", "+OK maildrop has 2 messages\r\n"},
		{"LIST", "+OK 2 messages\r\n1 28\r\n2 25\r\n.\r\n"},
		{"DELE 2", "+OK message 2 deleted\r\n"},
		{"NOOP", "+OK\r\n"},
		{"XYZZY", "-ERR unknown command\r\n"},
		{"QUIT", "+OK bye\r\n"},
	}
	c, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	if got := readReply(t, r, false); got != "+OK pop3test ready\r\n" {
		t.Fatalf("greeting = %q, want %q", got, "+OK pop3test ready\r\n")
	}
	for _, st := range steps {
		if _, err := c.Write([]byte(st.send + "\r\n")); err != nil {
			t.Fatal(err)
		}
		multi := strings.Count(st.want, "\r\n") > 1
		if got := readReply(t, r, multi); got != st.want {
			t.Errorf("%s = %q, want %q", st.send, got, st.want)
		}
	}
	if got := s.Messages("alice"); !slices.EqualFunc(got, [][]byte{first}, bytes.Equal) {
		t.Errorf("after QUIT the maildrop holds %q, want only the first message", got)
	}
	if got := s.Commands(); got[5] != "PASS ***" || got[7] != "pass ***" {
		t.Errorf("Commands() = %q, want PASS arguments hidden", got)
	}
}

func readReply(t *testing.T, r *bufio.Reader, multi bool) string {
	t.Helper()
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading a reply after %q: %v", b.String(), err)
		}
		b.WriteString(line)
		if !multi || line == ".\r\n" || strings.HasPrefix(line, "-ERR") {
			return b.String()
		}
	}
}

func TestSessionEndWithoutQuit(t *testing.T) {
	s := Start(t, Options{
		Users:    map[string]string{"alice": "secret"},
		Messages: map[string][][]byte{"alice": {[]byte("Subject: x\r\n\r\nx\r\n")}},
	})
	for _, name := range []string{"first session", "second session, after the first let go"} {
		c, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(c)
		readReply(t, r, false)
		for _, cmd := range []string{"USER alice", "PASS secret", "DELE 1"} {
			if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
				t.Fatal(err)
			}
			if got := readReply(t, r, false); !strings.HasPrefix(got, "+OK") {
				t.Fatalf("%s: %s = %q, want +OK", name, cmd, got)
			}
		}
		c.Close()
		// The server notices the close asynchronously.
		deadline := time.Now().Add(5 * time.Second)
		for {
			s.mu.Lock()
			locked := s.locked["alice"]
			s.mu.Unlock()
			if !locked || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if n := len(s.Messages("alice")); n != 1 {
			t.Errorf("%s: maildrop holds %d messages after a close without QUIT, want 1", name, n)
		}
	}
}
