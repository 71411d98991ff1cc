package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
	"github.com/tributary-mail/tributary/core/rules"
	"github.com/tributary-mail/tributary/storage"
)

func (f *fixture) addRule(t *testing.T, name, match string, actions ...string) {
	t.Helper()
	r := rules.Rule{Name: name, Match: match}
	for _, s := range actions {
		a, err := rules.ParseAction(s)
		if err != nil {
			t.Fatal(err)
		}
		r.Actions = append(r.Actions, a)
	}
	if _, err := f.e.SaveRule(context.Background(), r); err != nil {
		t.Fatalf("SaveRule(%s) = %v", name, err)
	}
}

// syncEvents syncs once and returns the new-mail events it published.
func (f *fixture) syncEvents(t *testing.T) []Event {
	t.Helper()
	sub := f.e.Subscribe()
	if errs := f.e.SyncOnce(context.Background(), ""); len(errs) > 0 {
		t.Fatalf("SyncOnce = %v", errs)
	}
	sub.Finish()
	var out []Event
	for ev := range sub.C() {
		if ev.Kind == EventNewMail {
			out = append(out, ev)
		}
	}
	return out
}

func ruleMail(subject, extra string) []byte {
	return fmt.Appendf(nil, "From: s@example.test\r\nTo: r@example.test\r\nSubject: %s\r\nMessage-ID: <%s@example.test>\r\n%s\r\nbody of %s\r\n",
		subject, strings.ReplaceAll(subject, " ", "."), extra, subject)
}

func (f *fixture) find(t *testing.T, search string) core.MessageSummary {
	t.Helper()
	list, err := f.db.List(context.Background(), storage.ListQuery{Search: search})
	if err != nil || len(list) != 1 {
		t.Fatalf("List(%q) = %v, %v, want one message", search, list, err)
	}
	return list[0]
}

func TestRulesOnPOP3Arrival(t *testing.T) {
	f := newFixture(t)
	srv := pop3Server(t, "alice", 0)
	srv.Add("alice", ruleMail("release notes", "List-Id: <announce.example.org>\r\n"))
	srv.Add("alice", ruleMail("hello there", ""))
	srv.Add("alice", ruleMail("casino night", ""))
	f.addPOP3(t, "alice", srv, true, 0)
	f.addRule(t, "lists", "header:List-Id:announce", "move=Lists", "read")
	f.addRule(t, "spam", "subject:casino", "delete")

	evs := f.syncEvents(t)
	if len(evs) != 1 || len(evs[0].MessageIDs) != 1 || len(evs[0].Filed) != 2 {
		t.Fatalf("new-mail events = %+v, want one announcing 1 message, 2 filed", evs)
	}
	if m := f.find(t, "hello"); evs[0].MessageIDs[0] != m.ID || m.Folder != core.DefaultFolder {
		t.Errorf("announced %v, want only %q (in %s), the message no rule took", evs[0].MessageIDs, m.Subject, m.Folder)
	}
	if m := f.find(t, "release"); m.Folder != "Lists" || !m.Seen {
		t.Errorf("list mail in %s seen=%v, want Lists, read", m.Folder, m.Seen)
	}
	if m := f.find(t, "casino"); m.Folder != "Trash" {
		t.Errorf("spam in %s, want Trash", m.Folder)
	}
	// The next sync retrieves nothing again (the UIDLs committed with the
	// rules' changes).
	if evs := f.syncEvents(t); len(evs) != 0 {
		t.Errorf("second sync's new mail = %+v, want none", evs)
	}
}

func TestRulesOnIMAPArrivalGoToTheServer(t *testing.T) {
	f := newFixture(t)
	srv := imaptest.Start(t, imaptest.Options{})
	srv.Create(t, "Archive")
	srv.SetSubscribed(t, "Archive", true)
	srv.Create(t, "Trash", goimap.MailboxAttrTrash)
	srv.Append(t, "INBOX", ruleMail("release notes", "List-Id: <announce.example.org>\r\n"))
	srv.Append(t, "INBOX", ruleMail("please keep", ""))
	srv.Append(t, "INBOX", ruleMail("casino night", ""))
	srv.Append(t, "INBOX", ruleMail("hello there", ""))
	ep := srv.Endpoint(core.EncryptionNone)
	a := core.Account{Name: "imap", Email: imaptest.User, PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: "127.0.0.1", Port: 1, Encryption: core.EncryptionNone},
		Sources: []core.Source{{Protocol: core.ProtocolIMAP, Host: ep.Host, Port: ep.Port, Username: imaptest.User,
			Encryption: core.EncryptionNone, Method: core.MethodManual, Folder: core.DefaultFolder}}}
	if err := f.db.CreateAccount(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	if err := f.e.SavePasswords(a, core.Passwords{Sources: []string{imaptest.Password}}); err != nil {
		t.Fatal(err)
	}
	f.addRule(t, "lists", "header:List-Id:announce", "move=Lists", "read")
	f.addRule(t, "keep", "subject:keep", "copy=Archive", "flag")
	f.addRule(t, "spam", "subject:casino", "delete")

	evs := f.syncEvents(t)
	if len(evs) != 1 || len(evs[0].MessageIDs) != 2 || len(evs[0].Filed) != 2 {
		t.Fatalf("new-mail events = %+v, want one announcing 2, 2 filed", evs)
	}
	subjects := func(mailbox string) map[string][]goimap.Flag {
		out := map[string][]goimap.Flag{}
		for _, m := range srv.Messages(t, mailbox) {
			s := string(m.Raw)
			i := strings.Index(s, "Subject: ")
			out[s[i+9:i+9+strings.Index(s[i+9:], "\r")]] = m.Flags
		}
		return out
	}
	inbox := subjects("INBOX")
	if _, ok := inbox["release notes"]; ok || len(inbox) != 2 {
		t.Errorf("server INBOX = %v, want only the kept and the plain message", inbox)
	}
	if flags := inbox["please keep"]; !slices.Contains(flags, goimap.FlagFlagged) {
		t.Errorf("kept message's server flags = %v, want \\Flagged", flags)
	}
	if flags, ok := subjects("Lists")["release notes"]; !ok || !slices.Contains(flags, goimap.FlagSeen) {
		t.Errorf("server Lists = %v, want the list mail, seen (the mailbox made for the rule)", subjects("Lists"))
	}
	if _, ok := subjects("Archive")["please keep"]; !ok {
		t.Errorf("server Archive = %v, want a copy of the kept message", subjects("Archive"))
	}
	if _, ok := subjects("Trash")["casino night"]; !ok {
		t.Errorf("server Trash = %v, want the spam", subjects("Trash"))
	}
	pending, err := f.db.PendingChanges(context.Background())
	if err != nil || len(pending) != 0 {
		t.Errorf("PendingChanges = %+v, %v, want the journal empty after the sync", pending, err)
	}
	// The next sync finds the moved and copied messages where the rules
	// put them, and stores none twice.
	f.syncEvents(t)
	for subject, want := range map[string]int{"release": 1, "keep": 2, "casino": 1, "hello": 1} {
		if n, _ := f.db.Count(context.Background(), storage.ListQuery{Search: subject}); n != want {
			t.Errorf("%q stored %d times after a second sync, want %d", subject, n, want)
		}
	}
}

func TestRunRuleNow(t *testing.T) {
	f, srv, _ := imapFixture(t)
	ctx := context.Background()
	f.addRule(t, "first two", "subject:action -subject:2", "move=Archive")
	n, err := f.e.RunRule(ctx, "first two", "inbox")
	if err != nil || n != 2 {
		t.Fatalf("RunRule() = %d, %v, want 2", n, err)
	}
	if got := serverSubjects(t, srv, "Archive"); len(got) != 2 {
		t.Errorf("server Archive = %v, want the two moved messages", got)
	}
	if _, err := f.e.RunRule(ctx, "first two", "Nowhere"); err == nil || !strings.Contains(err.Error(), `no folder named "Nowhere"`) {
		t.Errorf("RunRule(unknown folder) = %v, want no folder named", err)
	}
}
