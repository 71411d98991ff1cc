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

	"github.com/tributary-mail/tributary/storage"
)

// run runs a command line against dataDir with no servers involved.
func run(t *testing.T, dataDir string, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return vars[k] }}
	code := Run(context.Background(), append([]string{"--data-dir", dataDir}, args...), env)
	return code, out.String(), errOut.String()
}

var addArgs = []string{"account", "add", "--name", "Work", "--email", "me@example.test", "--display-name", "Me",
	"--smtp-host", "smtp.example.test", "--smtp-encryption", "starttls", "--password-store", "file",
	"--source-protocol", "imap", "--source-host", "imap.example.test"}

var passwords = map[string]string{"TRIBUTARY_SMTP_PASSWORD": "smtp-pw", "TRIBUTARY_SOURCE_PASSWORD": "src-pw"}

func TestAccountAddAndList(t *testing.T) {
	dir := t.TempDir()
	if code, out, errOut := run(t, dir, passwords, addArgs...); code != 0 {
		t.Fatalf("account add = %d, %q %q; want 0", code, out, errOut)
	}
	_, out, _ := run(t, dir, nil, "account", "list")
	for _, want := range []string{"Work <me@example.test>", "SMTP smtp.example.test:587 (starttls", "IMAP imap.example.test:993 (ssl)", "automatic every 10m0s"} {
		if !strings.Contains(out, want) {
			t.Errorf("account list = %q, want it to contain %q", out, want)
		}
	}
	// Passwords are in the 0600 file, never in the database.
	db, err := storage.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw, _ := readAll(dir + "/" + storage.DBFile)
	if bytes.Contains(raw, []byte("smtp-pw")) || bytes.Contains(raw, []byte("src-pw")) {
		t.Error("a password is in the SQLite file")
	}
	if pw, _ := readAll(dir + "/passwords.json"); !bytes.Contains(pw, []byte("smtp-pw")) {
		t.Error("the SMTP password is not in the chosen password file")
	}
}

func TestAccountAddRefusals(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"no password and no terminal", map[string]string{}, addArgs, "TRIBUTARY_SMTP_PASSWORD"},
		{"bad email", passwords, replace(addArgs, "me@example.test", "not an address"), "Email address"},
		{"bad host", passwords, replace(addArgs, "smtp.example.test", "smtp..example"), "SMTP server address"},
		{"bad port", passwords, append(append([]string{}, addArgs...), "--smtp-port", "70000"), "SMTP port"},
		{"cleartext password", passwords, replace(addArgs, "starttls", "none"), "--allow-cleartext-password"},
		{"unknown encryption", passwords, replace(addArgs, "starttls", "tls1.3"), "unknown encryption"},
		{"bad interval", passwords, append(append([]string{}, addArgs...), "--interval", "5s"), "interval"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := run(t, t.TempDir(), tc.vars, tc.args...)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("account add = %d, %q; want 1 and %q", code, errOut, tc.want)
			}
		})
	}
	dir := t.TempDir()
	run(t, dir, passwords, addArgs...)
	if code, _, errOut := run(t, dir, passwords, addArgs...); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("adding Work twice = %d, %q; want 1, already exists", code, errOut)
	}
}

func replace(args []string, old, new string) []string {
	out := append([]string{}, args...)
	for i, a := range out {
		if a == old {
			out[i] = new
		}
	}
	return out
}

func TestFlagsAfterArguments(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, passwords, addArgs...)
	for _, args := range [][]string{{"show", "12", "--raw"}, {"show", "--raw", "12"}} {
		code, _, errOut := run(t, dir, nil, args...)
		if code != 1 || !strings.Contains(errOut, "no message 12") {
			t.Errorf("%v = %d, %q; want the lookup of message 12 to fail plainly", args, code, errOut)
		}
	}
	if code, _, errOut := run(t, dir, nil, "show"); code != 1 || !strings.Contains(errOut, "usage: tributary show") {
		t.Errorf("show without an ID = %d, %q; want usage", code, errOut)
	}
	if code, _, errOut := run(t, dir, nil, "frobnicate"); code != 1 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command = %d, %q", code, errOut)
	}
}

func TestEmptyListsAsJSON(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"inbox", "--json"}, {"search", "anything", "--json"}, {"outbox", "--json"}} {
		code, out, errOut := run(t, dir, nil, args...)
		var v []map[string]any
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil || len(v) != 0 {
			t.Errorf("%v = %d, %q, %q; want 0 and an empty JSON array", args, code, out, errOut)
		}
	}
}

func TestSecondEngineIsRefused(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, passwords, addArgs...)
	unlock, err := storage.Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if code, _, errOut := run(t, dir, nil, "sync", "--once"); code != 1 || !strings.Contains(errOut, "another Tributary is running") {
		t.Errorf("sync while another engine runs = %d, %q; want 1, another Tributary is running", code, errOut)
	}
	if code, _, errOut := run(t, dir, nil, "inbox"); code != 0 {
		t.Errorf("inbox while another engine runs = %d, %q; want 0 (read-only works)", code, errOut)
	}
}

func TestDataDirFlagWinsOverEnvironment(t *testing.T) {
	flagDir, envDir := t.TempDir(), t.TempDir()
	vars := map[string]string{"TRIBUTARY_DATA_DIR": envDir, "TRIBUTARY_SMTP_PASSWORD": "a", "TRIBUTARY_SOURCE_PASSWORD": "b"}
	list := func(args ...string) string {
		var out bytes.Buffer
		Run(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(k string) string { return vars[k] }})
		return out.String()
	}
	list(addArgs...) // into TRIBUTARY_DATA_DIR
	if out := list("account", "list"); !strings.Contains(out, "Work") {
		t.Errorf("account list with TRIBUTARY_DATA_DIR = %q, want Work", out)
	}
	if out := list("account", "list", "--data-dir", flagDir); !strings.Contains(out, "no accounts") {
		t.Errorf("account list --data-dir (empty) with TRIBUTARY_DATA_DIR set = %q, want no accounts", out)
	}
}

func readAll(path string) ([]byte, error) { return os.ReadFile(path) }

func TestImportDemoMessages(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, passwords, addArgs...)
	files, _ := filepath.Glob("../gui/testdata/demo/*.eml")
	if len(files) < 8 {
		t.Fatalf("demo messages: %d files", len(files))
	}
	args := append([]string{"import", "--account", "Work"}, files...)
	if code, out, errOut := run(t, dir, nil, args...); code != 0 || !strings.Contains(out, fmt.Sprintf("imported %d of %d", len(files), len(files))) {
		t.Fatalf("import = %d, %q %q", code, out, errOut)
	}
	// Importing again stores nothing twice.
	if _, out, _ := run(t, dir, nil, args...); !strings.Contains(out, "imported 0 of") {
		t.Errorf("second import = %q, want nothing new", out)
	}
	_, out, _ := run(t, dir, nil, "search", "Feldberg", "--json")
	var found []messageJSON
	json.Unmarshal([]byte(out), &found)
	if len(found) != 1 || found[0].Subject != "Wanderung am Samstag? 🥾" || found[0].From != "Jonas Müller <jonas@home.example>" {
		t.Errorf("search after import = %+v, want the decoded German message", found)
	}
	_, out, _ = run(t, dir, nil, "search", "from:jonas", "-is:flagged", "--json")
	found = nil
	json.Unmarshal([]byte(out), &found)
	if len(found) != 1 || found[0].From != "Jonas Müller <jonas@home.example>" {
		t.Errorf("search from:jonas -is:flagged = %+v, want Jonas's message", found)
	}
	if code, out, errOut := run(t, dir, nil, "search", "from:jonas", "before:someday"); code != 1 || out != "" ||
		!strings.Contains(errOut, `search "from:jonas before:someday": at character 19: expected a date such as 2026-12-01`) {
		t.Errorf("search with a bad date = %d, %q, %q; want 1 and the mistake in words", code, out, errOut)
	}
	raw, _ := os.ReadFile(files[2])
	_, shown, _ := run(t, dir, nil, "show", "--raw", fmt.Sprint(found[0].ID))
	if shown != string(raw) {
		t.Error("show --raw of an imported message differs from the file")
	}
}
