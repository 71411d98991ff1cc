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
	"github.com/tributary-mail/tributary/storage"
)

// imapFixture is an account whose IMAP source is an in-process server
// with INBOX, Archive and Trash, synced once.
func imapFixture(t *testing.T) (*fixture, *imaptest.Server, core.Account) {
	t.Helper()
	f := newFixture(t)
	srv := imaptest.Start(t, imaptest.Options{})
	srv.Create(t, "Archive")
	srv.SetSubscribed(t, "Archive", true)
	srv.Create(t, "Trash", goimap.MailboxAttrTrash)
	for i := range 3 {
		srv.Append(t, "INBOX", fmt.Appendf(nil, "From: s@example.test\r\nSubject: action %d\r\nMessage-ID: <a%d@example.test>\r\n\r\nbody\r\n", i, i))
	}
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
	if errs := f.e.SyncOnce(context.Background(), ""); len(errs) > 0 {
		t.Fatal(errs)
	}
	return f, srv, a
}

func (f *fixture) inboxMessage(t *testing.T, subject string) core.MessageSummary {
	t.Helper()
	list, err := f.db.List(context.Background(), storage.ListQuery{Search: subject})
	if err != nil || len(list) != 1 {
		t.Fatalf("find %q: %v, %v", subject, list, err)
	}
	return list[0]
}

func serverSubjects(t *testing.T, srv *imaptest.Server, mailbox string) map[string][]goimap.Flag {
	t.Helper()
	out := map[string][]goimap.Flag{}
	for _, m := range srv.Messages(t, mailbox) {
		var subject string
		fmt.Sscanf(string(m.Raw[len("From: s@example.test\r\nSubject: "):]), "action %s", &subject)
		out["action "+subject[:1]] = m.Flags
	}
	return out
}

func TestActionsSyncBackToIMAP(t *testing.T) {
	f, srv, a := imapFixture(t)
	ctx := context.Background()

	m := f.inboxMessage(t, "action 0")
	m.Seen, m.Flagged = true, true
	if err := f.e.SetFlags(ctx, m.ID, m.Flags); err != nil {
		t.Fatalf("SetFlags = %v", err)
	}
	flags := serverSubjects(t, srv, "INBOX")["action 0"]
	if !slices.Contains(flags, goimap.FlagSeen) || !slices.Contains(flags, goimap.FlagFlagged) {
		t.Errorf("server flags after SetFlags = %v, want \\Seen and \\Flagged", flags)
	}

	archive, err := f.db.EnsureFolder(ctx, a.ID, "Archive", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.e.Move(ctx, f.inboxMessage(t, "action 1").ID, archive); err != nil {
		t.Fatalf("Move = %v", err)
	}
	if _, ok := serverSubjects(t, srv, "Archive")["action 1"]; !ok {
		t.Errorf("Archive on the server = %v, want the moved message", serverSubjects(t, srv, "Archive"))
	}

	doomed := f.inboxMessage(t, "action 2")
	if err := f.e.Delete(ctx, doomed.ID); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	if _, ok := serverSubjects(t, srv, "Trash")["action 2"]; !ok {
		t.Errorf("Trash on the server = %v, want the deleted message", serverSubjects(t, srv, "Trash"))
	}
	if _, ok := serverSubjects(t, srv, "INBOX")["action 2"]; ok {
		t.Error("the deleted message is still in the server's INBOX")
	}

	// A sync afterwards stores nothing twice and keeps the flags set here.
	if errs := f.e.SyncOnce(ctx, ""); len(errs) > 0 {
		t.Fatal(errs)
	}
	for subject, want := range map[string]int{"action 0": 1, "action 1": 1, "action 2": 1} {
		n, _ := f.db.Count(ctx, storage.ListQuery{Search: subject})
		if n != want {
			t.Errorf("%q stored %d times after a sync, want %d", subject, n, want)
		}
	}
	if got := f.inboxMessage(t, "action 0"); !got.Seen || !got.Flagged {
		t.Errorf("flags after a sync = %+v, want seen and flagged", got.Flags)
	}
}

// TestExpungedElsewhereIsHiddenNotDestroyed deletes a message on the
// server with another client: the next sync hides it here, keeps its
// file, and a message that comes back shows again.
func TestExpungedElsewhereIsHiddenNotDestroyed(t *testing.T) {
	f, srv, _ := imapFixture(t)
	ctx := context.Background()
	m := f.inboxMessage(t, "action 1")
	_, blob, _ := f.db.Message(ctx, m.ID)
	c := srv.Dial(t)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	var uid goimap.UID
	for _, sm := range srv.Messages(t, "INBOX") {
		if strings.Contains(string(sm.Raw), "action 1") {
			uid = sm.UID
		}
	}
	set := goimap.UIDSetNum(uid)
	if err := c.Store(set, &goimap.StoreFlags{Op: goimap.StoreFlagsAdd, Flags: []goimap.Flag{goimap.FlagDeleted}, Silent: true}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.UIDExpunge(set).Close(); err != nil {
		t.Fatal(err)
	}
	if errs := f.e.SyncOnce(ctx, ""); len(errs) > 0 {
		t.Fatal(errs)
	}
	if n, _ := f.db.Count(ctx, storage.ListQuery{Search: "action 1"}); n != 0 {
		t.Errorf("a message expunged on the server is still listed (%d)", n)
	}
	if file, err := f.db.OpenBlob(blob); err != nil {
		t.Errorf("the hidden message's file is gone: %v", err)
	} else {
		file.Close()
	}
	// It comes back (another client restores it): it shows again, once.
	srv.Append(t, "INBOX", []byte("From: s@example.test\r\nSubject: action 1\r\nMessage-ID: <a1@example.test>\r\n\r\nbody\r\n"))
	if errs := f.e.SyncOnce(ctx, ""); len(errs) > 0 {
		t.Fatal(errs)
	}
	if n, _ := f.db.Count(ctx, storage.ListQuery{Search: "action 1"}); n != 1 {
		t.Errorf("a restored message is listed %d times, want 1", n)
	}
}
