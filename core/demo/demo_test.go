package demo

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

var base = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func TestSeedIsDeterministic(t *testing.T) {
	a := newSeeder(seed, base, IMAPAddress).mailbox(IMAPMessages)
	b := newSeeder(seed, base, IMAPAddress).mailbox(IMAPMessages)
	if len(a) != IMAPMessages {
		t.Fatalf("mailbox(%d) made %d messages", IMAPMessages, len(a))
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("message %d differs between two seeders with the same seed and base", i)
		}
	}
}

// The demo mail has every kind the issue asks for, and every message
// parses and has its own Message-ID.
func TestSeedVariety(t *testing.T) {
	msgs := newSeeder(seed, base, IMAPAddress).mailbox(IMAPMessages)
	ids := map[string]bool{}
	for i, raw := range msgs {
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("message %d does not parse: %v", i, err)
		}
		id := m.Header.Get("Message-ID")
		if id == "" || ids[id] {
			t.Errorf("message %d has Message-ID %q, empty or seen before", i, id)
		}
		ids[id] = true
		if d, err := m.Header.Date(); err != nil || d.After(base) {
			t.Errorf("message %d: Date %v, %v; want a date before %v", i, d, err, base)
		}
	}
	tests := []struct {
		name string
		has  func(raw []byte) bool
	}{
		{"HTML newsletter", func(r []byte) bool { return bytes.Contains(r, []byte("Content-Type: text/html")) }},
		{"attachment", func(r []byte) bool { return bytes.Contains(r, []byte(`filename="figures.csv"`)) }},
		{"large", func(r []byte) bool { return len(r) > 2<<20 }},
		{"reply in a thread", func(r []byte) bool {
			return bytes.Contains(r, []byte("\r\nIn-Reply-To: <demo-")) && bytes.Contains(r, []byte("\r\nReferences: <demo-"))
		}},
		{"Japanese", func(r []byte) bool { return bytes.Contains(r, []byte("打ち合わせ")) }},
		{"Chinese", func(r []byte) bool { return bytes.Contains(r, []byte("数据迁移")) }},
		{"Arabic (RTL)", func(r []byte) bool { return bytes.Contains(r, []byte("الاجتماع")) }},
		{"Hebrew (RTL)", func(r []byte) bool { return bytes.Contains(r, []byte("הפגישה")) }},
		{"German", func(r []byte) bool { return bytes.Contains(r, []byte("Grüße")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			for _, raw := range msgs {
				if tt.has(raw) {
					n++
				}
			}
			if n == 0 {
				t.Errorf("no demo message is %s", tt.name)
			}
		})
	}
}

func startDemo(t *testing.T) *Servers {
	t.Helper()
	d, err := Start(context.Background(), &Options{Now: func() time.Time { return base }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// pop3 runs one POP3 command and returns the status line.
func pop3(t *testing.T, c *textproto.Conn, cmd string) string {
	t.Helper()
	if err := c.PrintfLine("%s", cmd); err != nil {
		t.Fatal(err)
	}
	line, err := c.ReadLine()
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return line
}

func dialPOP3(t *testing.T, d *Servers) *textproto.Conn {
	t.Helper()
	c, err := textproto.Dial("tcp", d.POP3.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if greet, _ := c.ReadLine(); !strings.HasPrefix(greet, "+OK") {
		t.Fatalf("greeting %q", greet)
	}
	return c
}

func TestPOP3Session(t *testing.T) {
	d := startDemo(t)
	c := dialPOP3(t, d)
	steps := []struct{ cmd, want string }{
		{"STAT", "-ERR"},
		{"USER " + POP3Address, "+OK"},
		{"PASS wrong", "-ERR [AUTH]"},
		{"USER " + POP3Address, "+OK"},
		{"PASS " + Password, fmt.Sprintf("+OK maildrop has %d messages", POP3Messages)},
		{"RETR 0", "-ERR"},
		{"DELE 1", "+OK"},
		{"RETR 1", "-ERR"},
		{"QUIT", "+OK"},
	}
	for _, s := range steps {
		if got := pop3(t, c, s.cmd); !strings.HasPrefix(got, s.want) {
			t.Fatalf("%s = %q, want %q...", s.cmd, got, s.want)
		}
	}
	c = dialPOP3(t, d)
	pop3(t, c, "USER "+POP3Address)
	if got, want := pop3(t, c, "PASS "+Password), fmt.Sprintf("+OK maildrop has %d messages", POP3Messages-1); got != want {
		t.Errorf("after DELE and QUIT, PASS = %q, want %q", got, want)
	}
	if got := pop3(t, c, "UIDL 1"); got != "+OK 1 demo-000002" {
		t.Errorf("UIDL 1 = %q, want the second message's UIDL", got)
	}
	if got := pop3(t, c, "RETR 1"); !strings.HasPrefix(got, "+OK") {
		t.Fatalf("RETR 1 = %q", got)
	}
	lines, err := c.ReadDotLines()
	if err != nil || len(lines) < 5 {
		t.Fatalf("RETR 1 body: %d lines, %v", len(lines), err)
	}
}

// The SMTP server delivers mail for the POP3 address into its maildrop
// and everything else into the IMAP INBOX, so replies come back.
func TestSMTPDelivers(t *testing.T) {
	d := startDemo(t)
	tests := []struct {
		name               string
		to                 string
		wantIMAP, wantPOP3 int
	}{
		{"to a correspondent", "alice@riverside.example", IMAPMessages + 1, POP3Messages},
		{"to the POP3 account", POP3Address, IMAPMessages + 1, POP3Messages + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := "From: " + IMAPAddress + "\r\nTo: " + tt.to + "\r\nSubject: hello\r\n\r\nHi.\r\n"
			auth := smtp.PlainAuth("", IMAPAddress, Password, d.SMTP.Host)
			if err := smtp.SendMail(d.SMTP.Addr(), auth, IMAPAddress, []string{tt.to}, []byte(msg)); err != nil {
				t.Fatal(err)
			}
			st, err := d.user.Status("INBOX", &imap.StatusOptions{NumMessages: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := int(*st.NumMessages); got != tt.wantIMAP {
				t.Errorf("IMAP INBOX has %d messages, want %d", got, tt.wantIMAP)
			}
			d.pop3.mu.Lock()
			got := len(d.pop3.drop)
			d.pop3.mu.Unlock()
			if got != tt.wantPOP3 {
				t.Errorf("POP3 maildrop has %d messages, want %d", got, tt.wantPOP3)
			}
		})
	}
	if err := smtp.SendMail(d.SMTP.Addr(), nil, IMAPAddress, []string{"x@example.com"}, []byte("Subject: x\r\n\r\nx\r\n")); err == nil {
		t.Error("SendMail without AUTH succeeded, want it refused")
	}
}
