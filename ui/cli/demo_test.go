package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core/demo"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// inboxJSON lists the unified inbox of dir with tributary inbox --json.
func inboxJSON(t *testing.T, dir string) []messageJSON {
	t.Helper()
	code, out, errOut := run(t, dir, nil, "inbox", "--limit", "1000", "--json")
	if code != 0 {
		t.Fatalf("inbox = %d, %q; want 0", code, errOut)
	}
	var list []messageJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("inbox --json: %v in %q", err, out)
	}
	return list
}

// waitInbox polls the inbox, as a person running tributary inbox beside
// the demo would, until ok accepts it; the demo engine works meanwhile.
func waitInbox(t *testing.T, dir string, what string, ok func([]messageJSON) bool) []messageJSON {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		list := inboxJSON(t, dir)
		if ok(list) {
			return list
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 2 minutes the demo inbox has %d messages and still not %s", len(list), what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The demo headless: its servers and engine run while tributary inbox
// lists the demo mail from both accounts, and a reply sent through the
// demo's engine (over its control socket) comes back into the inbox.
func TestDemoHeadless(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		done <- Run(ctx, []string{"--data-dir", dir, "demo", "--headless"}, env)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("demo --headless = %d, stderr %q; want 0 after the interrupt", code, errOut.String())
		}
	})

	list := waitInbox(t, dir, "every seeded message", func(l []messageJSON) bool {
		return len(l) >= demo.IMAPMessages+demo.POP3Messages
	})
	perAccount := map[string]int{}
	for _, m := range list {
		perAccount[m.Account]++
	}
	if perAccount[demo.IMAPAccount] != demo.IMAPMessages || perAccount[demo.POP3Account] != demo.POP3Messages {
		t.Errorf("inbox per account = %v, want %d from %q and %d from %q", perAccount,
			demo.IMAPMessages, demo.IMAPAccount, demo.POP3Messages, demo.POP3Account)
	}
	if len(list) < 100 {
		t.Fatalf("inbox lists %d demo messages, want at least 100", len(list))
	}

	// Passwords are in the data directory's 0600 file: no keyring.
	fi, err := os.Stat(filepath.Join(dir, "passwords.json"))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("passwords.json mode = %v, want 0600", perm)
	}

	var orig messageJSON
	for _, m := range list {
		if m.Account == demo.IMAPAccount && !strings.HasPrefix(m.Subject, "Re:") && m.Attachments == 0 {
			orig = m
			break
		}
	}
	body := filepath.Join(t.TempDir(), "body.txt")
	if err := os.WriteFile(body, []byte("A reply from the demo test.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := run(t, dir, nil, "reply", strconv.FormatInt(orig.ID, 10), "--body-file", body); code != 0 {
		t.Fatalf("reply %d = %d, %q %q; want 0", orig.ID, code, stdout, stderr)
	}
	want := "Re: " + orig.Subject
	waitInbox(t, dir, "the reply "+want, func(l []messageJSON) bool {
		for _, m := range l {
			if m.Subject == want && strings.Contains(m.From, demo.IMAPAddress) && m.Account == demo.IMAPAccount {
				return true
			}
		}
		return false
	})
}

func TestDemoDataDir(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"TRIBUTARY_DATA_DIR names it", map[string]string{"TRIBUTARY_DATA_DIR": "/tmp/mine"}, "/tmp/mine"},
		{"beside the default one", nil, filepath.Join(filepath.Dir(DataDir(func(string) string { return "" })), "Tributary-demo")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DemoDataDir(func(k string) string { return tt.env[k] }); got != tt.want {
				t.Errorf("DemoDataDir() = %q, want %q", got, tt.want)
			}
		})
	}
	if d := DemoDataDir(func(string) string { return "" }); d == DataDir(func(string) string { return "" }) {
		t.Errorf("DemoDataDir() = %q, the real data directory", d)
	}
}
