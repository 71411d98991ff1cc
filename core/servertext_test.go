package core_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
)

// TestIMAPServerTextIsCleaned: what an IMAP server says in a refusal
// reaches the user through core.Error, cleaned, as POP3's and SMTP's does.
func TestIMAPServerTextIsCleaned(t *testing.T) {
	const evil = "\x1b]52;c;cm0gLXJm\x07 denied \u009b2J \u202eexe"
	fake := imaptest.StartFake(t, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi", func(tag, command string) []string {
		if strings.HasPrefix(strings.ToUpper(command), "LOGIN") {
			return []string{tag + " NO " + evil}
		}
		return nil
	})
	c, err := imap.Dial(t.Context(), fake.Endpoint(core.EncryptionNone), nil, nil)
	if err != nil {
		t.Fatalf("imap.Dial = %v", err)
	}
	defer c.Close()
	err = c.Login(t.Context(), "alice", "pw")
	var e *core.Error
	if !errors.As(err, &e) || e.Kind != core.KindAuth {
		t.Fatalf("Login = %v, want a core.Error of kind authentication", err)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\x1b\x07\u009b\u202e") || !strings.Contains(msg, `\u001b]52;c;cm0gLXJm\u0007 denied`) {
		t.Errorf("Login = %q, want the server's text with its escapes shown, not obeyed", msg)
	}
}
