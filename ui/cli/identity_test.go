package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
)

func TestIdentityCommands(t *testing.T) {
	f := newEngineFixture(t)
	sig := writeTemp(t, "Ann Sales\nACME\n")
	if out := mustRunOut(t, f.dir, "identity", "add", "--account", "box", "--email", "sales@example.test", "--display-name", "Ann Sales",
		"--reply-to", "team@example.test", "--bcc-self", "--signature-file", sig); !strings.Contains(out, "added identity sales@example.test") {
		t.Errorf("identity add printed %q", out)
	}
	// The same through a running engine's control socket.
	f.runEngine(t)
	mustRunOut(t, f.dir, "identity", "add", "--account", "box", "--email", "other@example.test", "--plain-text")

	var list []identityJSON
	out := mustRunOut(t, f.dir, "identity", "list", "--json")
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 3 {
		t.Fatalf("identity list --json = %s (%v), want 3 identities", out, err)
	}
	if list[0].Email != imaptest.User || list[0].Position != 0 {
		t.Errorf("first identity = %+v, want the account's own", list[0])
	}
	if s := list[1]; s.Email != "sales@example.test" || s.DisplayName != "Ann Sales" || s.ReplyTo != "team@example.test" || !s.BccSelf || s.Signature != "Ann Sales\nACME\n" {
		t.Errorf("alias = %+v", s)
	}
	if !list[2].PlainTextOnly {
		t.Errorf("second alias = %+v, want plain-text only", list[2])
	}
	if out := mustRunOut(t, f.dir, "identity", "list"); !strings.Contains(out, "Ann Sales <sales@example.test>") || !strings.Contains(out, "bcc-self") {
		t.Errorf("identity list = %q", out)
	}

	// send --from takes an identity's address: From and MAIL FROM are it.
	body := writeTemp(t, "hello\n")
	mustRunOut(t, f.dir, "send", "--from", "SALES@example.test", "--to", "zed@example.test", "--subject", "from the alias", "--body-file", body)
	msgs := f.smtp.Messages()
	if len(msgs) != 1 || msgs[0].From != "sales@example.test" || !strings.Contains(string(msgs[0].Data), "From: \"Ann Sales\" <sales@example.test>") ||
		!strings.Contains(string(msgs[0].Data), "Reply-To: <team@example.test>") {
		t.Fatalf("send --from ALIAS delivered %+v, want MAIL FROM and From the alias with its Reply-To", msgs)
	}
	if code, _, errOut := run(t, f.dir, nil, "send", "--from", "nobody@example.test", "--to", "zed@example.test", "--subject", "x", "--body-file", body); code != 1 || !strings.Contains(errOut, "none sends as it") {
		t.Errorf("send --from an unknown address = %d, %q; want a refusal", code, errOut)
	}

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"the account's own identity", []string{"identity", "remove", "--account", "box", "--email", imaptest.User}, "cannot be removed"},
		{"an unknown alias", []string{"identity", "remove", "--account", "box", "--email", "nobody@example.test"}, "nobody@example.test"},
		{"the same alias twice", []string{"identity", "add", "--account", "box", "--email", "sales@example.test"}, "already has an identity"},
		{"a bad address", []string{"identity", "add", "--account", "box", "--email", "not-an-address"}, "Email address"},
		{"no account", []string{"identity", "add", "--email", "x@example.test"}, "usage: tributary identity"},
		{"unknown account", []string{"identity", "add", "--account", "nope", "--email", "x@example.test"}, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, errOut := run(t, f.dir, nil, tt.args...); code != 1 || !strings.Contains(errOut, tt.want) {
				t.Errorf("%v = %d, %q; want 1 and %q", tt.args, code, errOut, tt.want)
			}
		})
	}
	mustRunOut(t, f.dir, "identity", "remove", "--account", "box", "--email", "other@example.test")
	if out := mustRunOut(t, f.dir, "identity", "list"); strings.Contains(out, "other@example.test") {
		t.Errorf("identity list after remove = %q", out)
	}
}

func TestReplyAnswersFromTheAlias(t *testing.T) {
	f := newEngineFixture(t)
	mustRunOut(t, f.dir, "identity", "add", "--account", "box", "--email", "alias@example.test", "--display-name", "Box Alias")
	f.imap.Append(t, "INBOX", []byte("From: Zed <zed@example.test>\r\nTo: alias@example.test\r\nSubject: to the alias\r\nMessage-ID: <alias1@example.test>\r\n\r\nhi\r\n"))
	mustRunWith(t, f.dir, nil, "sync", "--once")
	var id string
	for _, m := range listAll(t, f.dir) {
		if m.Subject == "to the alias" {
			id = fmt.Sprint(m.ID)
		}
	}
	if id == "" {
		t.Fatal("the message to the alias did not arrive")
	}
	mustRunOut(t, f.dir, "reply", id, "--body-file", writeTemp(t, "Thanks\n"))
	msgs := f.smtp.Messages()
	if len(msgs) != 1 || msgs[0].From != "alias@example.test" || !strings.Contains(string(msgs[0].Data), "From: \"Box Alias\" <alias@example.test>") {
		t.Fatalf("reply delivered %+v, want it from the alias", msgs)
	}
}
