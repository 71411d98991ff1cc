package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A message to an alias (Postfix's virtual_alias_maps, into its target's
// mailbox) is answered from the alias through the account's own Postfix
// submission: at Dovecot, the answer's From and its envelope sender
// (Return-Path) are the alias.
func TestRealReplyFromAlias(t *testing.T) {
	needServers(t)
	alias, target := servers["ALIAS1"], servers["ALIAS1_TARGET"]
	if alias == "" || target != servers["USER1"] {
		t.Fatalf("the mail servers have no alias (ALIAS1 in %s/env): restart them with scripts/mailservers.sh start", servers["MAIL_DIR"])
	}
	bob := t.TempDir()
	addAccount(t, bob, "bob", servers["USER2"], servers["PASS2"], servers["SUBMISSION_PORT"], "starttls")
	alice := t.TempDir()
	addAccount(t, alice, "alice", servers["USER1"], servers["PASS1"], servers["SUBMISSION_PORT"], "starttls",
		"--source-protocol", "imap", "--source-host", servers["HOST"], "--source-port", servers["IMAPS_PORT"], "--source-encryption", "ssl", "--retrieval", "manual")
	mustRun(t, alice, nil, "identity", "add", "--account", "alice", "--email", alias, "--display-name", "Alice Alias")

	token := strconv.FormatInt(time.Now().UnixNano(), 10)
	mustRun(t, bob, nil, "send", "--from", "bob", "--to", alias, "--subject", "to the alias "+token, "--body-file", writeTemp(t, "Hello alias\n"))
	found := waitFor(t, alice, "alice", token)
	mustRun(t, alice, nil, "reply", strconv.FormatInt(found[0].ID, 10), "--body-file", writeTemp(t, "Answered from the alias\n"))

	// Read the answer where Dovecot delivered it, in bob's Maildir.
	dir := filepath.Join(servers["MAIL_DIR"], "mail", "example.test", strings.TrimSuffix(servers["USER2"], "@example.test"), "Maildir")
	deadline := time.Now().Add(45 * time.Second)
	var raw string
	for raw == "" {
		for _, sub := range []string{"new", "cur"} {
			files, _ := os.ReadDir(filepath.Join(dir, sub))
			for _, f := range files {
				b, err := os.ReadFile(filepath.Join(dir, sub, f.Name()))
				if err == nil && strings.Contains(string(b), "Re: to the alias "+token) {
					raw = string(b)
				}
			}
		}
		if raw == "" {
			if time.Now().After(deadline) {
				t.Fatalf("the answer did not reach %s within 45 s", dir)
			}
			time.Sleep(300 * time.Millisecond)
		}
	}
	header, _, _ := strings.Cut(strings.ReplaceAll(raw, "\r\n", "\n"), "\n\n")
	if !strings.Contains(header, "Return-Path: <"+alias+">") {
		t.Errorf("delivered header:\n%s\nwant Return-Path <%s> (the envelope sender)", header, alias)
	}
	if !strings.Contains(header, "\nFrom: \"Alice Alias\" <"+alias+">") {
		t.Errorf("delivered header:\n%s\nwant From: \"Alice Alias\" <%s>", header, alias)
	}
}
