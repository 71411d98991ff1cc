package cli

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// doveadm runs Dovecot's admin tool on the test servers' configuration,
// to see what the server holds without going through Tributary.
func doveadm(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("doveadm", append([]string{"-c", servers["MAIL_DIR"] + "/dovecot.conf"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("doveadm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// appendList puts a mailing-list message with token in its subject into
// user's INBOX, over IMAP, and removes every message with token from the
// user's mailboxes when the test ends.
func appendList(t *testing.T, user, pass, token string) {
	t.Helper()
	c := dovecot(t, user, pass)
	defer c.Close()
	raw := fmt.Appendf(nil, "From: News <news@lists.example>\r\nTo: %s\r\nSubject: Release %s\r\nList-Id: Rules test <rules-e2e.example.org>\r\nMessage-ID: <%s@lists.example>\r\n\r\nnew version\r\n", user, token, token)
	cmd := c.Append("INBOX", int64(len(raw)), nil)
	cmd.Write(raw)
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		exec.Command("doveadm", "-c", servers["MAIL_DIR"]+"/dovecot.conf", "expunge", "-u", user, "mailbox", "*", "subject", token).Run()
	})
}

func searchJSON(t *testing.T, dir, query string) []messageJSON {
	t.Helper()
	_, out, _ := cliRun(t, dir, nil, nil, "search", query, "--json")
	var found []messageJSON
	if err := json.Unmarshal([]byte(out), &found); err != nil {
		t.Fatalf("search %q printed %q: %v", query, out, err)
	}
	return found
}

// A POP3 source: the rule files the message in a local folder and marks
// it read as it is stored, and it is not announced as new.
func TestRealRulesPOP3MoveAndRead(t *testing.T) {
	user, pass := envUser(t, 13, "mallory@example.test")
	token := "pop" + strconv.FormatInt(time.Now().UnixNano(), 36)
	dir := t.TempDir()
	addAccount(t, dir, "mallory", user, pass, servers["SUBMISSION_PORT"], "starttls",
		"--source-protocol", "pop3", "--source-host", servers["HOST"], "--source-port", servers["POP3S_PORT"], "--source-encryption", "ssl")
	mustRun(t, dir, nil, "sync", "--once") // what was there before this test
	mustRun(t, dir, nil, "rule", "add", "--name", "lists", "--match", "header:List-Id:rules-e2e.example.org subject:"+token,
		"--action", "move=Lists", "--action", "read")
	appendList(t, user, pass, token)
	out := mustRun(t, dir, nil, "sync", "--once")
	if strings.Contains(out, ": 1 new") {
		t.Errorf("sync = %q: the filed message was announced as new", out)
	}
	if got := searchJSON(t, dir, token+" in:Lists is:read"); len(got) != 1 {
		t.Errorf("search in:Lists is:read = %+v, want the list message, filed and read", got)
	}
	if got := searchJSON(t, dir, token+" in:Inbox"); len(got) != 0 {
		t.Errorf("search in:Inbox = %+v, want nothing left in the Inbox", got)
	}
}

// An IMAP source: the rule's move and flag reach Dovecot in the sync
// that stored the message, into a mailbox made for it.
func TestRealRulesIMAPServerSideMove(t *testing.T) {
	needServers(t)
	token := "imap" + strconv.FormatInt(time.Now().UnixNano(), 36)
	folder := "Rules" + token
	user, pass := envUser(t, 13, "mallory@example.test")
	dir := t.TempDir()
	addAccount(t, dir, "mallory", user, pass, servers["SUBMISSION_PORT"], "starttls",
		"--source-protocol", "imap", "--source-host", servers["HOST"], "--source-port", servers["IMAPS_PORT"], "--source-encryption", "ssl")
	mustRun(t, dir, nil, "rule", "add", "--name", "lists", "--match", "header:List-Id:rules-e2e subject:"+token,
		"--action", "move="+folder, "--action", "read")
	appendList(t, user, pass, token)
	t.Cleanup(func() {
		exec.Command("doveadm", "-c", servers["MAIL_DIR"]+"/dovecot.conf", "mailbox", "delete", "-u", user, "-s", folder).Run()
	})
	mustRun(t, dir, nil, "sync", "--once")
	if got := doveadm(t, "search", "-u", user, "mailbox", "INBOX", "subject", token); strings.TrimSpace(got) != "" {
		t.Errorf("doveadm search INBOX = %q, want the message moved out", got)
	}
	flags := doveadm(t, "fetch", "-u", user, "flags", "mailbox", folder, "subject", token)
	if !strings.Contains(flags, `\Seen`) {
		t.Errorf("doveadm fetch flags in %s = %q, want the message there, \\Seen", folder, flags)
	}
	// The next sync finds it in the new mailbox and stores it once.
	mustRun(t, dir, nil, "sync", "--once")
	if got := searchJSON(t, dir, token); len(got) != 1 || got[0].Folder != folder || !got[0].Seen {
		t.Errorf("search after a second sync = %+v, want one read copy in %s", got, folder)
	}
}
