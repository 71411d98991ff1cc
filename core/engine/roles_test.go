package engine

import (
	"context"
	"slices"
	"testing"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/storage"
)

// TestFileJunkNotJunkArchive: "mark as junk" moves to Junk (created here
// and on the server, which had none) with $Junk; "not junk" moves back to
// the Inbox with $NotJunk; archive moves to Archive. Junk is never in the
// unified inbox.
func TestFileJunkNotJunkArchive(t *testing.T) {
	f, srv, a := imapFixture(t)
	ctx := context.Background()
	m := f.inboxMessage(t, "action 0")
	if err := f.e.File(ctx, m.ID, core.RoleJunk); err != nil {
		t.Fatalf("File(junk) = %v", err)
	}
	flags, ok := serverSubjects(t, srv, "Junk")["action 0"]
	if !ok || !slices.Contains(flags, goimap.Flag("$Junk")) {
		t.Errorf("server Junk = %v, want the message with $Junk", serverSubjects(t, srv, "Junk"))
	}
	junk, err := f.db.FolderByRole(ctx, a.ID, core.RoleJunk)
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := f.db.Message(ctx, m.ID); got.FolderID != junk {
		t.Errorf("local folder = %d, want Junk %d", got.FolderID, junk)
	}
	unified, err := f.db.List(ctx, storage.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(unified, func(s core.MessageSummary) bool { return s.ID == m.ID }) {
		t.Error("a junk message is in the unified inbox")
	}
	// A sync brings the server's copy in Junk; "not junk" takes that one
	// back.
	if errs := f.e.SyncOnce(ctx, ""); len(errs) > 0 {
		t.Fatal(errs)
	}
	list, err := f.db.List(ctx, storage.ListQuery{Search: "action 0 in:junk"})
	if err != nil || len(list) != 1 {
		t.Fatalf("in:junk after a sync = %v, %v", list, err)
	}
	if err := f.e.File(ctx, list[0].ID, core.RoleInbox); err != nil {
		t.Fatalf("File(inbox) = %v", err)
	}
	flags, ok = serverSubjects(t, srv, "INBOX")["action 0"]
	if !ok || !slices.Contains(flags, goimap.Flag("$NotJunk")) || slices.Contains(flags, goimap.Flag("$Junk")) {
		t.Errorf("server INBOX flags of the message = %v (found %v), want $NotJunk and not $Junk", flags, ok)
	}

	// Archive exists on this server (not subscribed to a role); the
	// account has no archive folder: File makes one with the role.
	if err := f.e.File(ctx, f.inboxMessage(t, "action 1").ID, core.RoleArchive); err != nil {
		t.Fatalf("File(archive) = %v", err)
	}
	if _, ok := serverSubjects(t, srv, "Archive")["action 1"]; !ok {
		t.Errorf("server Archive = %v, want the archived message", serverSubjects(t, srv, "Archive"))
	}
	if err := f.e.File(ctx, m.ID, "bogus"); err == nil {
		t.Error("File(bogus role) = nil, want an error")
	}
}
