package storage

import (
	"context"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

// The same mailbox read by two sources (POP3 into one account, IMAP into
// another) stores each message twice, one blob: the unified inbox shows
// it once, each account's own inbox shows its copy, and when the shown
// copy goes, the other shows.
func TestUnifiedInboxShowsACopyOnce(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	pop, imap, other := addAccount(t, db, "ViaPOP"), addAccount(t, db, "ViaIMAP"), addAccount(t, db, "Other")
	raw := rawMessage("same@x", "read twice", "Mon, 2 Nov 2026 10:00:00 +0000", "one mailbox, two sources")
	first, _, err := db.Deliver(ctx, core.Delivery{AccountID: pop.ID, FolderID: inbox(t, db, pop)}, strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := db.Deliver(ctx, core.Delivery{AccountID: imap.ID, FolderID: inbox(t, db, imap)}, strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	// A different message (other bytes) to the third account shows as well.
	if _, _, err := db.Deliver(ctx, core.Delivery{AccountID: other.ID, FolderID: inbox(t, db, other)}, strings.NewReader(rawMessage("else@x", "another", "Mon, 2 Nov 2026 11:00:00 +0000", "x"))); err != nil {
		t.Fatal(err)
	}
	unified := func() []int64 {
		t.Helper()
		list, err := db.List(ctx, ListQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, m := range list {
			if m.Subject == "read twice" {
				ids = append(ids, m.ID)
			}
		}
		if n, _ := db.Count(ctx, ListQuery{}); n != len(ids)+1 {
			t.Errorf("unified count %d, listed %d copies + 1 other", n, len(ids))
		}
		return ids
	}
	if got := unified(); len(got) != 1 || got[0] != first {
		t.Fatalf("unified inbox shows %v, want only the first copy %d", got, first)
	}
	if n, _ := db.UnreadInbox(ctx); n != 2 {
		t.Errorf("unread in the unified inbox = %d, want 2 (the copy once, and the other)", n)
	}
	for _, a := range []*core.Account{pop, imap} {
		if n, _ := db.Count(ctx, ListQuery{AccountID: a.ID}); n != 1 {
			t.Errorf("%s's own inbox lists %d, want its copy", a.Name, n)
		}
	}

	// The shown copy moves out of the inbox: the other shows.
	lists, err := db.EnsureFolder(ctx, pop.ID, "Lists", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.MoveJournaled(ctx, first, lists, core.IMAPLocation{}, ""); err != nil {
		t.Fatal(err)
	}
	if got := unified(); len(got) != 1 || got[0] != second {
		t.Fatalf("after the move the unified inbox shows %v, want the second copy %d", got, second)
	}
	// Back in: the oldest row is shown again, still once.
	if _, err := db.MoveJournaled(ctx, first, inbox(t, db, pop), core.IMAPLocation{}, ""); err != nil {
		t.Fatal(err)
	}
	if got := unified(); len(got) != 1 {
		t.Fatalf("after moving back the unified inbox shows %v, want one copy", got)
	}
	// The shown copy is removed for good: the other shows.
	if _, err := db.RemoveJournaled(ctx, first); err != nil {
		t.Fatal(err)
	}
	if got := unified(); len(got) != 1 || got[0] != second {
		t.Fatalf("after removing it the unified inbox shows %v, want %d", got, second)
	}
	// Removing the account of the shown copy shows a third one.
	third, _, err := db.Deliver(ctx, core.Delivery{AccountID: other.ID, FolderID: inbox(t, db, other)}, strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveAccount(ctx, imap.ID); err != nil {
		t.Fatal(err)
	}
	if got := unified(); len(got) != 1 || got[0] != third {
		t.Fatalf("after removing the account the unified inbox shows %v, want %d", got, third)
	}
}
