package cli

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core/mailtest/pop3test"
)

// TestKilledMidSyncLosesNothing kills a real tributary process with
// SIGKILL at random moments while it retrieves a POP3 mailbox whose
// messages are deleted from the server once stored. After a final
// uninterrupted sync, every message is stored exactly once and the
// server is empty: nothing was deleted before it was safely stored.
func TestKilledMidSyncLosesNothing(t *testing.T) {
	const total = 1000
	srv := pop3test.Start(t, pop3test.Options{Users: map[string]string{"kim": "kim-pw"}})
	body := strings.Repeat("All work and no play makes a durable mail client.\r\n", 150)
	for i := range total {
		srv.Add("kim", fmt.Appendf(nil, "From: s@example.test\r\nSubject: killed %d\r\nMessage-ID: <k%d@example.test>\r\n\r\n%s", i, i, body))
	}
	host, port, _ := net.SplitHostPort(srv.Addr)
	dir := t.TempDir()
	vars := map[string]string{"TRIBUTARY_SMTP_PASSWORD": "x", "TRIBUTARY_SOURCE_PASSWORD": "kim-pw"}
	mustRunWith(t, dir, vars, "account", "add", "--name", "kim", "--email", "kim@example.test", "--smtp-host", "127.0.0.1",
		"--smtp-encryption", "starttls", "--password-store", "file", "--source-protocol", "pop3", "--source-host", host,
		"--source-port", port, "--source-username", "kim", "--source-encryption", "none", "--allow-cleartext-password", "--leave-on-server=false", "--retrieval", "manual")

	// Kill later each round until a kill has landed mid-sync, however
	// fast or slow this machine is (under -race on a busy machine the
	// first commit, of a batch of up to 100 messages, can take seconds).
	interrupted := false
	for round := 0; round < 30 && !interrupted; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "--data-dir", dir, "sync", "--once")
		cmd.Env = append(os.Environ(), "TRIBUTARY_CLI_CHILD=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(200*(round+1)+rand.IntN(100)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		stored := len(listAll(t, dir))
		t.Logf("round %d: killed with %d stored; server holds %d", round, stored, len(srv.Messages("kim")))
		interrupted = interrupted || (stored > 0 && stored < total)
	}
	if !interrupted {
		t.Fatal("no kill landed in the middle of the sync; the test proved nothing")
	}
	if code, out, errOut := cliRun(t, dir, nil, nil, "sync", "--once"); code != 0 {
		t.Fatalf("sync after the kills = %d: %s %s", code, out, errOut)
	}
	seen := map[string]bool{}
	for _, m := range listAll(t, dir) {
		if seen[m.Subject] {
			t.Errorf("%q stored twice", m.Subject)
		}
		seen[m.Subject] = true
	}
	if len(seen) != total {
		t.Errorf("stored %d distinct messages, want %d", len(seen), total)
	}
	if n := len(srv.Messages("kim")); n != 0 {
		t.Errorf("server still holds %d messages after the final sync, want 0", n)
	}
	if stale, _ := filepath.Glob(filepath.Join(dir, "messages", "incoming-*.tmp")); len(stale) != 0 {
		t.Errorf("temporary files left after the recovery sync: %v", stale)
	}
}

func mustRunWith(t *testing.T, dir string, vars map[string]string, args ...string) {
	t.Helper()
	if code, out, errOut := cliRun(t, dir, vars, nil, args...); code != 0 {
		t.Fatalf("tributary %v = %d: %s %s", args, code, out, errOut)
	}
}

func listAll(t *testing.T, dir string) []messageJSON {
	t.Helper()
	_, out, errOut := cliRun(t, dir, nil, nil, "inbox", "--json", "--limit", "100000")
	var list []messageJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("inbox --json = %q %q: %v", out, errOut, err)
	}
	return list
}
