package cli

// These tests drive the command line against real Dovecot and Postfix,
// started on loopback by scripts/mailservers.sh. Under CI=true a missing
// server is a failure, never a skip.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/mailtest"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// servers holds the env file written by scripts/mailservers.sh.
var servers map[string]string

func TestMain(m *testing.M) {
	// Tests read English, whatever language the machine has; a child
	// inherits it through the environment.
	i18n.Use("en")
	// The test binary doubles as the tributary command for tests that
	// need a real process to kill.
	if os.Getenv("TRIBUTARY_CLI_CHILD") == "1" {
		args := os.Args[1:]
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		os.Exit(Run(context.Background(), args, Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}))
	}
	if env, err := mailtest.ReadServers(mailtest.ServersFile()); err == nil {
		servers = env
		// Trust the test CA the way a user's system trusts real CAs. Go
		// reads SSL_CERT_FILE once, at the first verification, which has
		// not happened yet.
		os.Setenv("SSL_CERT_FILE", servers["CA_FILE"])
	}
	os.Exit(m.Run())
}

func needServers(t *testing.T) {
	t.Helper()
	if servers != nil {
		return
	}
	mailtest.Missing(t, "real mail servers are not running: run scripts/mailservers.sh start first; CI runs this test")
}

// cliRun runs one command line in dataDir with extra environment.
func cliRun(t *testing.T, dataDir string, envVars map[string]string, now func() time.Time, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := Env{
		Stdin:  strings.NewReader(""),
		Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return envVars[k] },
		Engine: engine.Options{Now: now, DialTimeout: 10 * time.Second, IOTimeout: 20 * time.Second},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := Run(ctx, append([]string{"--data-dir", dataDir}, args...), env)
	return code, out.String(), errOut.String()
}

// mustRun fails the test unless the command exits 0.
func mustRun(t *testing.T, dataDir string, envVars map[string]string, args ...string) string {
	t.Helper()
	code, out, errOut := cliRun(t, dataDir, envVars, nil, args...)
	if code != 0 {
		t.Fatalf("tributary %s = exit %d, want 0\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// addAccount adds an account whose SMTP and source log in as user.
func addAccount(t *testing.T, dataDir, name, user, pass string, smtpPort, smtpEnc string, source ...string) {
	t.Helper()
	args := []string{"account", "add", "--name", name, "--email", user, "--display-name", "Test " + name,
		"--smtp-host", servers["HOST"], "--smtp-port", smtpPort, "--smtp-encryption", smtpEnc, "--smtp-username", user,
		"--password-store", "file"}
	args = append(args, source...)
	mustRun(t, dataDir, map[string]string{"TRIBUTARY_SMTP_PASSWORD": pass, "TRIBUTARY_SOURCE_PASSWORD": pass}, args...)
}

func uniqueSubject(t *testing.T) string {
	return fmt.Sprintf("Grüße %s %d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano())
}

// waitFor syncs until search finds subject, as delivery through Postfix
// and LMTP takes a moment. It returns the matching messages.
func waitFor(t *testing.T, dataDir, account, token string) []messageJSON {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		cliRun(t, dataDir, nil, nil, "sync", "--once", "--account", account)
		_, out, _ := cliRun(t, dataDir, nil, nil, "search", token, "--json")
		var found []messageJSON
		if err := json.Unmarshal([]byte(out), &found); err != nil {
			t.Fatalf("search --json printed %q: %v", out, err)
		}
		if len(found) > 0 {
			return found
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %q did not arrive within 45 s", token)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func TestRealSendThroughSubmissionThenRetrieve(t *testing.T) {
	needServers(t)
	alice := t.TempDir()
	addAccount(t, alice, "alice", servers["USER1"], servers["PASS1"], servers["SUBMISSION_PORT"], "starttls")
	attachment := filepath.Join(t.TempDir(), "report.txt")
	os.WriteFile(attachment, []byte("attached bytes\n"), 0o600)
	body := filepath.Join(t.TempDir(), "body.txt")
	os.WriteFile(body, []byte("Hallo Bob, schöne Grüße — ✓ unicode body\n"), 0o600)
	subject := uniqueSubject(t)
	token := strconv.FormatInt(time.Now().UnixNano(), 10)
	subject += " " + token
	mustRun(t, alice, nil, "send", "--from", "alice", "--to", servers["USER2"], "--subject", subject, "--body-file", body, "--attach", attachment)

	for _, tc := range []struct {
		name   string
		source []string
	}{
		{"pop3 starttls", []string{"--source-protocol", "pop3", "--source-host", servers["HOST"], "--source-port", servers["POP3_PORT"], "--source-encryption", "starttls", "--retrieval", "manual"}},
		{"imap ssl", []string{"--source-protocol", "imap", "--source-host", servers["HOST"], "--source-port", servers["IMAPS_PORT"], "--source-encryption", "ssl"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bob := t.TempDir()
			addAccount(t, bob, "bob", servers["USER2"], servers["PASS2"], servers["SUBMISSION_PORT"], "starttls", tc.source...)
			found := waitFor(t, bob, "bob", token)
			m := found[0]
			if m.Subject != subject || m.Attachments != 1 || m.Folder != core.DefaultFolder || m.Account != "bob" {
				t.Errorf("search = %+v, want subject %q, 1 attachment, in bob's Inbox", m, subject)
			}
			if !strings.Contains(m.From, servers["USER1"]) || !strings.Contains(m.From, "Test alice") {
				t.Errorf("from = %q, want Test alice <%s>", m.From, servers["USER1"])
			}
			inbox := mustRun(t, bob, nil, "inbox", "--json")
			if !strings.Contains(inbox, token) {
				t.Errorf("unified inbox does not list the message:\n%s", inbox)
			}
			shown := mustRun(t, bob, nil, "show", strconv.FormatInt(m.ID, 10))
			if !strings.Contains(shown, "schöne Grüße — ✓ unicode body") || !strings.Contains(shown, "report.txt") {
				t.Errorf("show = %q, want the non-ASCII body and the attachment", shown)
			}
			raw := mustRun(t, bob, nil, "show", "--raw", strconv.FormatInt(m.ID, 10))
			if !strings.Contains(raw, "Message-ID:") || !strings.Contains(raw, "\r\n") {
				t.Errorf("show --raw does not look like the raw message: %.200q", raw)
			}
		})
	}
}

func TestRealImplicitTLSSubmission(t *testing.T) {
	needServers(t)
	alice := t.TempDir()
	addAccount(t, alice, "alice", servers["USER1"], servers["PASS1"], servers["SMTPS_PORT"], "ssl",
		"--source-protocol", "imap", "--source-host", servers["HOST"], "--source-port", servers["IMAP_PORT"], "--source-encryption", "starttls")
	token := strconv.FormatInt(time.Now().UnixNano(), 10)
	mustRun(t, alice, nil, "send", "--from", "alice", "--to", servers["USER2"], "--subject", "implicit "+token, "--body-file", writeTemp(t, "hi\n"))
	// The sent copy is filed locally and appended to the server's Sent;
	// syncing Sent afterwards must not store it twice.
	mustRun(t, alice, nil, "sync", "--once")
	out := mustRun(t, alice, nil, "inbox", "--folder", "Sent", "--json")
	var sent []messageJSON
	json.Unmarshal([]byte(out), &sent)
	n := 0
	for _, m := range sent {
		if strings.Contains(m.Subject, token) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("Sent holds %d copies of the sent message, want 1:\n%s", n, out)
	}
	bob := t.TempDir()
	addAccount(t, bob, "bob", servers["USER2"], servers["PASS2"], servers["SUBMISSION_PORT"], "starttls",
		"--source-protocol", "imap", "--source-host", servers["HOST"], "--source-port", servers["IMAPS_PORT"], "--source-encryption", "ssl")
	waitFor(t, bob, "bob", token)
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "body.txt")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRealWrongPassword(t *testing.T) {
	needServers(t)
	dir := t.TempDir()
	addAccount(t, dir, "alice", servers["USER1"], "not-the-password", servers["SUBMISSION_PORT"], "starttls",
		"--source-protocol", "imap", "--source-host", servers["HOST"], "--source-port", servers["IMAPS_PORT"], "--source-encryption", "ssl")
	code, out, _ := cliRun(t, dir, nil, nil, "account", "test", "alice")
	if code != 1 {
		t.Errorf("account test with a wrong password = exit %d, want 1", code)
	}
	if got := strings.Count(out, "wrong username or password"); got != 2 {
		t.Errorf("account test reported %d authentication failures, want 2 (SMTP and IMAP):\n%s", got, out)
	}
}

func TestRealUntrustedCertificate(t *testing.T) {
	needServers(t)
	dir := t.TempDir()
	addAccount(t, dir, "alice", servers["USER1"], servers["PASS1"], servers["SMTPS_UNTRUSTED_PORT"], "ssl")
	code, out, _ := cliRun(t, dir, nil, nil, "account", "test", "alice")
	if code != 1 || !strings.Contains(out, "certificate not trusted") || !strings.Contains(out, servers["UNTRUSTED_FINGERPRINT"]) {
		t.Fatalf("account test = exit %d, %q; want 1, a TLS error with fingerprint %s", code, out, servers["UNTRUSTED_FINGERPRINT"])
	}
	if code, _, errOut := cliRun(t, dir, nil, nil, "account", "trust", "alice", "--fingerprint", strings.Repeat("ab", 32)); code != 1 || !strings.Contains(errOut, "no server") {
		t.Errorf("trusting a fingerprint no server presents = exit %d, %q; want 1, no server", code, errOut)
	}
	mustRun(t, dir, nil, "account", "trust", "alice", "--fingerprint", core.FormatFingerprint(servers["UNTRUSTED_FINGERPRINT"]))
	if out := mustRun(t, dir, nil, "account", "test", "alice"); !strings.Contains(out, "login OK") {
		t.Errorf("account test after trust = %q, want login OK", out)
	}
}

func TestRealSTARTTLSNotOffered(t *testing.T) {
	needServers(t)
	dir := t.TempDir()
	addAccount(t, dir, "alice", servers["USER1"], servers["PASS1"], servers["SUBMISSION_NOTLS_PORT"], "starttls")
	code, _, errOut := cliRun(t, dir, nil, nil, "send", "--from", "alice", "--to", servers["USER2"], "--subject", "never", "--body-file", writeTemp(t, "x\n"))
	if code != 1 || !strings.Contains(errOut, "does not offer STARTTLS") || !strings.Contains(errOut, "FAILED") {
		t.Errorf("send over a server without STARTTLS = exit %d, %q; want 1, FAILED, does not offer STARTTLS", code, errOut)
	}
}

// countMessages syncs a fresh data directory against user's POP3 maildrop
// and reports how many messages the server still holds.
func countOnServer(t *testing.T, user, pass string) int {
	t.Helper()
	dir := t.TempDir()
	addAccount(t, dir, "probe", user, pass, servers["SUBMISSION_PORT"], "starttls",
		"--source-protocol", "pop3", "--source-host", servers["HOST"], "--source-port", servers["POP3S_PORT"], "--source-encryption", "ssl")
	mustRun(t, dir, nil, "sync", "--once")
	out := mustRun(t, dir, nil, "inbox", "--json", "--limit", "1000")
	var list []messageJSON
	json.Unmarshal([]byte(out), &list)
	return len(list)
}

func TestRealPOP3LeaveAndDeleteAfterDays(t *testing.T) {
	needServers(t)
	user, pass := servers["USER3"], servers["PASS3"]
	sender := t.TempDir()
	addAccount(t, sender, "alice", servers["USER1"], servers["PASS1"], servers["SUBMISSION_PORT"], "starttls")
	// Start from an empty maildrop.
	drain := t.TempDir()
	addAccount(t, drain, "carol", user, pass, servers["SUBMISSION_PORT"], "starttls",
		"--source-protocol", "pop3", "--source-host", servers["HOST"], "--source-port", servers["POP3S_PORT"], "--source-encryption", "ssl", "--leave-on-server=false")
	mustRun(t, drain, nil, "sync", "--once")

	token := strconv.FormatInt(time.Now().UnixNano(), 10)
	mustRun(t, sender, nil, "send", "--from", "alice", "--to", user, "--subject", "keep "+token, "--body-file", writeTemp(t, "x\n"))
	keep := t.TempDir()
	addAccount(t, keep, "carol", user, pass, servers["SUBMISSION_PORT"], "starttls",
		"--source-protocol", "pop3", "--source-host", servers["HOST"], "--source-port", servers["POP3S_PORT"], "--source-encryption", "ssl", "--delete-after-days", "3")
	waitFor(t, keep, "carol", token)
	if n := countOnServer(t, user, pass); n != 1 {
		t.Fatalf("after a leave-on-server sync the server holds %d messages, want 1", n)
	}
	inFourDays := func() time.Time { return time.Now().Add(4 * 24 * time.Hour) }
	if code, out, errOut := cliRun(t, keep, nil, inFourDays, "sync", "--once"); code != 0 {
		t.Fatalf("sync four days later = exit %d: %s %s", code, out, errOut)
	}
	if n := countOnServer(t, user, pass); n != 0 {
		t.Errorf("four days after retrieval with delete-after-days 3 the server holds %d messages, want 0", n)
	}
	// The local copy stays.
	if out := mustRun(t, keep, nil, "search", token, "--json"); !strings.Contains(out, token) {
		t.Errorf("local copy gone after the server deleted it: %s", out)
	}
}

func TestRealIMAPIncremental(t *testing.T) {
	needServers(t)
	sender := t.TempDir()
	addAccount(t, sender, "alice", servers["USER1"], servers["PASS1"], servers["SUBMISSION_PORT"], "starttls")
	// dave's mailbox is this test's alone, so nothing else arrives in it.
	bob := t.TempDir()
	addAccount(t, bob, "dave", servers["USER4"], servers["PASS4"], servers["SUBMISSION_PORT"], "starttls",
		"--source-protocol", "imap", "--source-host", servers["HOST"], "--source-port", servers["IMAPS_PORT"], "--source-encryption", "ssl")
	first := strconv.FormatInt(time.Now().UnixNano(), 10)
	mustRun(t, sender, nil, "send", "--from", "alice", "--to", servers["USER4"], "--subject", "first "+first, "--body-file", writeTemp(t, "1\n"))
	waitFor(t, bob, "dave", first)
	// Nothing new on the server: a sync stores nothing.
	if out := mustRun(t, bob, nil, "sync", "--once"); strings.Contains(out, "new") {
		t.Errorf("a sync with nothing new reported %q", out)
	}
	second := strconv.FormatInt(time.Now().UnixNano(), 10)
	mustRun(t, sender, nil, "send", "--from", "alice", "--to", servers["USER4"], "--subject", "second "+second, "--body-file", writeTemp(t, "2\n"))
	deadline := time.Now().Add(45 * time.Second)
	for {
		out := mustRun(t, bob, nil, "sync", "--once")
		if strings.Contains(out, "new") {
			if !strings.Contains(out, ": 1 new") {
				t.Errorf("incremental sync = %q, want exactly 1 new", out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("second message did not arrive within 45 s")
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestRealChangedCertificate: a server whose certificate is not the one
// pinned for it gets "changed", with both fingerprints, not the first-sight
// offer to trust it.
func TestRealChangedCertificate(t *testing.T) {
	needServers(t)
	dir := t.TempDir()
	addAccount(t, dir, "alice", servers["USER1"], servers["PASS1"], servers["SMTPS_UNTRUSTED_PORT"], "ssl")
	server := net.JoinHostPort(servers["HOST"], servers["SMTPS_UNTRUSTED_PORT"])
	old := strings.Repeat("ab", 32)
	db, err := storage.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Pin(context.Background(), server, old); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, out, _ := cliRun(t, dir, nil, nil, "account", "test", "alice")
	for _, want := range []string{"the certificate of " + server + " changed", core.FormatFingerprint(old),
		core.FormatFingerprint(servers["UNTRUSTED_FINGERPRINT"]), "not the one you trusted"} {
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("account test with another certificate pinned = exit %d, %q; want 1 and %q", code, out, want)
		}
	}
	if strings.Contains(out, "to trust it after checking") {
		t.Errorf("account test with a changed certificate = %q, want no first-sight offer", out)
	}
}
