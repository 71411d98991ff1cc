package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/storage"
)

// hostile is a message a sender wrote to take over the reader's terminal:
// a clear-screen and a fake prompt, an OSC 52 clipboard write, a C1 CSI, a
// bidi override and a carriage return that overwrites the line, in the
// body, the subject and the sender's name.
const hostile = "From: =?utf-8?b?" + "TWFsbG9yeSDigK4gwps=" + "?= <mallory@example.test>\r\n" +
	"To: me@example.test\r\n" +
	"Subject: =?utf-8?b?" + "SW52b2ljZSDigK5mZHAuZXhlIMKbMkogG1sySg==" + "?=\r\n" +
	"Message-ID: <hostile@example.test>\r\n" +
	"Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: 8bit\r\n" +
	"\r\n" +
	"Hello\x1b[2J\x1b[H$ sudo password:\r\n" +
	"\x1b]52;c;cm0gLXJmIH4K\x07copied\r\n" +
	"csi \u009b31m red, bidi \u202etxt.exe, del \x7f\r\n" +
	"overwritten\rfake line\r\n"

// unsafeIn reports the first character of out that a terminal would obey.
func unsafeIn(out string) (rune, bool) {
	for _, r := range out {
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f,
			r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return r, true
		}
	}
	return 0, false
}

// fakeTerminal is a stdout that says it is a terminal.
type fakeTerminal struct{ bytes.Buffer }

func (*fakeTerminal) IsTerminal() bool { return true }

func importHostile(t *testing.T) (dir string, id int64) {
	t.Helper()
	dir = t.TempDir()
	if code, out, errOut := run(t, dir, passwords, addArgs...); code != 0 {
		t.Fatalf("account add = %d, %q %q", code, out, errOut)
	}
	path := filepath.Join(t.TempDir(), "hostile.eml")
	if err := os.WriteFile(path, []byte(hostile), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, dir, nil, "import", "--account", "Work", path); code != 0 {
		t.Fatalf("import = %d, %q %q", code, out, errOut)
	}
	_, out, _ := run(t, dir, nil, "inbox", "--json")
	var list []messageJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 {
		t.Fatalf("inbox --json = %q, %v; want one message", out, err)
	}
	return dir, list[0].ID
}

func TestOutputIsSafeForTerminals(t *testing.T) {
	dir, id := importHostile(t)
	db, err := storage.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := db.Accounts(context.Background())
	if err != nil || len(accounts) != 1 {
		t.Fatalf("Accounts() = %v, %v", accounts, err)
	}
	item := core.OutboxItem{AccountID: accounts[0].ID, Account: "Work", From: "me@example.test", Recipients: []string{"x@example.test"},
		To: "x\u202e@example.test", Subject: "re: \u009b2J\x1b[2J", MessageID: "out@example.test"}
	if err := db.Enqueue(context.Background(), &item, strings.NewReader("Subject: x\r\n\r\nhi\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := db.Claim(context.Background(), item.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.SetOutboxState(context.Background(), item.ID, core.OutboxRetry, "smtp.example.test:587: send: 451 \x1b]52;c;eA==\x07\u202e", time.Now()); err != nil {
		t.Fatal(err)
	}
	db.Close()

	tests := []struct {
		name string
		args []string
		want string // shown, escaped
	}{
		{"show", []string{"show", fmt.Sprint(id)}, `Hello\u001b[2J\u001b[H$ sudo password:`},
		{"show subject", []string{"show", fmt.Sprint(id)}, `Subject: Invoice \u202efdp.exe \u009b2J`},
		{"show sender", []string{"show", fmt.Sprint(id)}, `Mallory \u202e \u009b`},
		{"show carriage return", []string{"show", fmt.Sprint(id)}, `overwritten\u000dfake line`},
		{"inbox", []string{"inbox"}, `Invoice \u202efdp.exe`},
		{"inbox JSON", []string{"inbox", "--json"}, `\u202efdp.exe`},
		{"search", []string{"search", "Invoice"}, `Invoice \u202efdp.exe`},
		{"search JSON", []string{"search", "Invoice", "--json"}, `\u009b2J`},
		{"thread", []string{"thread", fmt.Sprint(id)}, `Invoice \u202efdp.exe`},
		{"thread JSON", []string{"thread", fmt.Sprint(id), "--json"}, `\u009b2J`},
		{"threads", []string{"inbox", "--threads"}, `Invoice \u202efdp.exe`},
		{"threads JSON", []string{"inbox", "--threads", "--json"}, `Mallory \u202e`},
		{"outbox", []string{"outbox"}, `451 \u001b]52;c;eA==\u0007\u202e`},
		{"outbox JSON", []string{"outbox", "--json"}, `x\u202e@example.test`},
		{"account list", []string{"account", "list"}, "Work <me@example.test>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, dir, nil, tc.args...)
			if code != 0 {
				t.Fatalf("%v = %d, %q %q; want 0", tc.args, code, out, errOut)
			}
			for name, s := range map[string]string{"stdout": out, "stderr": errOut} {
				if r, bad := unsafeIn(s); bad {
					t.Errorf("%v wrote %U to %s: %q", tc.args, r, name, s)
				}
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("%v = %q, want it to show %q", tc.args, out, tc.want)
			}
		})
	}

	// JSON output stays JSON, and means the same text.
	_, out, _ := run(t, dir, nil, "search", "Invoice", "--json")
	var list []messageJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 || list[0].Subject != "Invoice \u202efdp.exe \u009b2J  [2J" {
		t.Errorf("search --json = %q (%v), want valid JSON with the subject as stored", out, err)
	}
}

func TestShowRawIsExactAndWarns(t *testing.T) {
	dir, id := importHostile(t)
	var term fakeTerminal
	var errOut bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &term, Stderr: &errOut, Getenv: func(string) string { return "" }}
	if code := Run(context.Background(), []string{"--data-dir", dir, "show", "--raw", fmt.Sprint(id)}, env); code != 0 {
		t.Fatalf("show --raw = %d, %q", code, errOut.String())
	}
	if term.String() != hostile {
		t.Errorf("show --raw on a terminal wrote %q, want the message byte for byte", term.String())
	}
	if !strings.Contains(errOut.String(), "warning") {
		t.Errorf("show --raw on a terminal said %q on stderr, want a warning", errOut.String())
	}
	code, out, errText := run(t, dir, nil, "show", "--raw", fmt.Sprint(id))
	if code != 0 || out != hostile || errText != "" {
		t.Errorf("show --raw into a pipe = %d, %q, %q; want the exact bytes and no warning", code, out, errText)
	}
}

// TestErrorLinesAreSafe: Run's error lines may carry a server's or a
// file's text.
func TestErrorLinesAreSafe(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, passwords, addArgs...)
	missing := filepath.Join(t.TempDir(), "x\x1b[2J\u009b\u202e.eml")
	code, _, errOut := run(t, dir, nil, "import", "--account", "Work", missing)
	if code != 1 || !strings.Contains(errOut, `x\u001b[2J\u009b\u202e.eml`) {
		t.Errorf("import of a missing file = %d, %q; want 1 and the name escaped", code, errOut)
	}
	if r, bad := unsafeIn(errOut); bad {
		t.Errorf("the error line carries %U: %q", r, errOut)
	}
}
