package cli

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/storage"
)

// A draft saved here appears in Dovecot's Drafts, flagged \Draft; a new
// version APPENDed there by another client (the old one expunged) comes
// back here at the next sync; discarding the draft here removes it there.
func TestRealDraftsSyncWithDovecot(t *testing.T) {
	needServers(t)
	user, pass := envUser(t, 11, "ivan@example.test")
	token := "draft" + strconv.FormatInt(time.Now().UnixNano(), 36)
	dir := t.TempDir()
	addAccount(t, dir, "grace", user, pass, servers["SUBMISSION_PORT"], "starttls",
		"--source-protocol", "imap", "--source-host", servers["HOST"], "--source-port", servers["IMAPS_PORT"], "--source-encryption", "ssl")
	t.Cleanup(func() {
		exec.Command("doveadm", "-c", servers["MAIL_DIR"]+"/dovecot.conf", "expunge", "-u", user, "mailbox", "Drafts", "subject", token).Run()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := storage.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := engine.New(db, engine.Options{DataDir: dir, DialTimeout: 10 * time.Second, IOTimeout: 20 * time.Second, DraftPushEvery: -1})
	accounts, err := db.Accounts(ctx)
	if err != nil || len(accounts) != 1 {
		t.Fatalf("accounts = %v, %v", accounts, err)
	}

	d := core.Draft{AccountID: accounts[0].ID, To: "bob@example.test", Subject: "Plan " + token, Body: "written in Tributary\n"}
	if err := e.SaveDraft(ctx, &d); err != nil {
		t.Fatalf("SaveDraft = %v", err)
	}
	flags := doveadm(t, "fetch", "-u", user, "flags", "mailbox", "Drafts", "subject", token)
	if strings.Count(flags, "flags:") != 1 || !strings.Contains(flags, `\Draft`) {
		t.Fatalf("doveadm fetch flags in Drafts = %q, want one message, \\Draft", flags)
	}
	d.Body = "second version\n"
	if err := e.SaveDraft(ctx, &d); err != nil {
		t.Fatalf("SaveDraft = %v", err)
	}
	body := doveadm(t, "fetch", "-u", user, "body", "mailbox", "Drafts", "subject", token)
	if strings.Count(body, "body:") != 1 || !strings.Contains(body, "second version") {
		t.Fatalf("doveadm fetch body in Drafts = %q, want only the second version", body)
	}

	// Another client edits it: APPEND of a new version, the old expunged.
	doveadm(t, "expunge", "-u", user, "mailbox", "Drafts", "subject", token)
	c := dovecot(t, user, pass)
	raw := fmt.Appendf(nil, "From: %s\r\nTo: bob@example.test\r\nSubject: Plan %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n\r\nedited on the phone\r\n",
		user, token, time.Now().Add(time.Hour).Format(time.RFC1123Z), d.MessageID)
	cmd := c.Append("Drafts", int64(len(raw)), &goimap.AppendOptions{Flags: []goimap.Flag{goimap.FlagDraft}})
	cmd.Write(raw)
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if errs := e.SyncOnce(ctx, ""); len(errs) > 0 {
		t.Fatal(errs)
	}
	got, err := db.Draft(ctx, d.ID)
	if err != nil || strings.TrimSpace(got.Body) != "edited on the phone" {
		t.Fatalf("draft here after the sync = %+v, %v; want the version edited on the server", got, err)
	}

	if err := e.DeleteDraft(ctx, d.ID); err != nil {
		t.Fatalf("DeleteDraft = %v", err)
	}
	if left := doveadm(t, "search", "-u", user, "mailbox", "Drafts", "subject", token); strings.TrimSpace(left) != "" {
		t.Errorf("doveadm search Drafts after DeleteDraft = %q, want nothing", left)
	}
}
