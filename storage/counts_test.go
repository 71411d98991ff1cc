package storage

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

// keptCounts is one folder's counts: total, unread, unified_total,
// unified_unread.
type keptCounts [4]int

// checkKeptCounts fails t when a folder's kept counts differ from its
// messages counted, or the unified inbox's and the tray's counts from
// theirs; step names what was done last.
func checkKeptCounts(t *testing.T, db *DB, step string) {
	t.Helper()
	ctx := context.Background()
	read := func(q string) map[int64]keptCounts {
		t.Helper()
		rows, err := db.sql.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		defer rows.Close()
		out := map[int64]keptCounts{}
		for rows.Next() {
			var id int64
			var c keptCounts
			if err := rows.Scan(&id, &c[0], &c[1], &c[2], &c[3]); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			out[id] = c
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		return out
	}
	kept := read(`SELECT id, total, unread, unified_total, unified_unread FROM folders`)
	counted := read(`SELECT f.id, count(m.id), count(CASE WHEN m.seen = 0 THEN 1 END), count(CASE WHEN m.in_inbox = 1 THEN 1 END), count(CASE WHEN m.in_inbox = 1 AND m.seen = 0 THEN 1 END)
FROM folders f LEFT JOIN messages m ON m.folder_id = f.id AND m.deleted = 0 GROUP BY f.id`)
	if fmt.Sprint(kept) != fmt.Sprint(counted) {
		t.Errorf("after %s: kept counts (total, unread, unified, unified unread) by folder = %v, counted %v", step, kept, counted)
	}
	var unified, unread int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*), count(CASE WHEN seen = 0 THEN 1 END) FROM messages WHERE in_inbox = 1 AND deleted = 0`).Scan(&unified, &unread); err != nil {
		t.Fatal(err)
	}
	if n, err := db.Count(ctx, ListQuery{}); n != unified || err != nil {
		t.Errorf("after %s: Count(unified inbox) = %d, %v; counted %d", step, n, err, unified)
	}
	if n, err := db.UnreadInbox(ctx); n != unread || err != nil {
		t.Errorf("after %s: UnreadInbox = %d, %v; counted %d", step, n, err, unread)
	}
	for id, c := range counted {
		if n, err := db.Count(ctx, ListQuery{FolderID: id}); n != c[0] || err != nil {
			t.Errorf("after %s: Count(folder %d) = %d, %v; counted %d", step, id, n, err, c[0])
		}
	}
}

// The counts each folder keeps (for the sidebar, the tray and the
// unified inbox's row count) equal the messages counted after every kind
// of change to messages: deliveries and batches, copies of one message
// in two accounts, flag changes, hiding and showing, moves, removals,
// IMAP expunges and relinks, and removing an account.
func TestKeptCountsFollowEveryChange(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a, b := addAccount(t, db, "Alpha"), addAccount(t, db, "Beta")
	inboxA, inboxB := inbox(t, db, a), inbox(t, db, b)
	lists, err := db.EnsureFolder(ctx, a.ID, "Lists", "")
	if err != nil {
		t.Fatal(err)
	}
	mailbox, err := db.IMAPMailbox(ctx, a.ID, a.Sources[0].ID, "Archive", "Archive", "")
	if err != nil {
		t.Fatal(err)
	}
	raw := func(i int) string {
		return rawMessage(fmt.Sprintf("m%d@x", i), fmt.Sprintf("message %d", i), "Mon, 2 Nov 2026 10:00:00 +0000", "body")
	}
	ids := map[string]int64{}
	deliver := func(name string, d core.Delivery, i int) error {
		id, _, err := db.Deliver(ctx, d, strings.NewReader(raw(i)))
		ids[name] = id
		return err
	}
	for _, step := range []struct {
		name string
		do   func() error
	}{
		{"deliveries", func() error {
			if err := deliver("a1", core.Delivery{AccountID: a.ID, FolderID: inboxA}, 1); err != nil {
				return err
			}
			if err := deliver("a2", core.Delivery{AccountID: a.ID, FolderID: inboxA, Flags: core.Flags{Seen: true}}, 2); err != nil {
				return err
			}
			return deliver("hidden", core.Delivery{AccountID: a.ID, FolderID: inboxA, Flags: core.Flags{Deleted: true}}, 3)
		}},
		{"the same message again (deduplicated)", func() error {
			return deliver("again", core.Delivery{AccountID: a.ID, FolderID: inboxA}, 1)
		}},
		{"a copy in a second account (a twin)", func() error {
			return deliver("twin", core.Delivery{AccountID: b.ID, FolderID: inboxB}, 1)
		}},
		{"a batch", func() error {
			staged := stageAll(t, db, raw(4), raw(5))
			_, err := db.StoreBatch(ctx, []core.Pending{
				{Delivery: core.Delivery{AccountID: b.ID, FolderID: inboxB}, Staged: staged[0]},
				{Delivery: core.Delivery{AccountID: a.ID, FolderID: lists, Flags: core.Flags{Seen: true}}, Staged: staged[1]},
			})
			return err
		}},
		{"marked read", func() error { _, err := db.ChangeFlags(ctx, ids["a1"], core.Flags{Seen: true}); return err }},
		{"marked unread", func() error { _, err := db.ChangeFlags(ctx, ids["a2"], core.Flags{}); return err }},
		{"flagged only", func() error { _, err := db.ChangeFlags(ctx, ids["a2"], core.Flags{Flagged: true}); return err }},
		{"hidden by a flag", func() error {
			return db.SetFlags(ctx, core.FlagChange{ID: ids["a2"], Flags: core.Flags{Deleted: true}})
		}},
		{"shown again", func() error { return db.SetFlags(ctx, core.FlagChange{ID: ids["hidden"], Flags: core.Flags{}}) }},
		{"moved out of the inbox (its twin shows)", func() error {
			_, err := db.MoveJournaled(ctx, ids["a1"], lists, core.IMAPLocation{}, "")
			return err
		}},
		{"moved back", func() error {
			_, err := db.MoveJournaled(ctx, ids["a1"], inboxA, core.IMAPLocation{}, "")
			return err
		}},
		{"removed for good", func() error { _, err := db.RemoveJournaled(ctx, ids["hidden"]); return err }},
		{"delivered from IMAP", func() error {
			return deliver("imap", core.Delivery{AccountID: a.ID, FolderID: mailbox.FolderID, IMAP: &core.IMAPRef{MailboxID: mailbox.ID, UID: 7}}, 6)
		}},
		{"expunged on the server", func() error { return db.ExpungeIMAP(ctx, mailbox.ID, 7) }},
		{"found again on the server, read", func() error {
			return deliver("imap", core.Delivery{AccountID: a.ID, FolderID: mailbox.FolderID, Flags: core.Flags{Seen: true}, IMAP: &core.IMAPRef{MailboxID: mailbox.ID, UID: 8}}, 6)
		}},
		{"rules on arrival move, mark read and copy", func() error {
			saveRules(t, db, mustRule(t, "lists", "subject:listed", "move=Lists", "read", "copy=Big"))
			pop := core.Delivery{AccountID: a.ID, FolderID: inboxA, POP3: &core.POP3Ref{SourceID: a.Sources[0].ID, UIDL: "u1"}}
			if _, _, err := db.Deliver(ctx, pop, strings.NewReader(rawMessage("l@x", "listed", "Mon, 2 Nov 2026 10:00:00 +0000", "body"))); err != nil {
				return err
			}
			if n, err := db.Count(ctx, ListQuery{Search: "subject:listed is:read"}); n != 2 || err != nil {
				return fmt.Errorf("the rule left %d read copies, %v; want 2 (in Lists and Big)", n, err)
			}
			return nil
		}},
		{"the account of the shown copy removed (the twin shows)", func() error { return db.RemoveAccount(ctx, a.ID) }},
	} {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		checkKeptCounts(t, db, step.name)
	}
	// What the steps must have left, so that the check above compared
	// something: Beta's inbox holds the twin (now in the unified inbox)
	// and message 4, both unread.
	if n, _ := db.Count(ctx, ListQuery{}); n != 2 {
		t.Errorf("unified inbox at the end = %d, want 2", n)
	}
	if n, _ := db.UnreadInbox(ctx); n != 2 {
		t.Errorf("unread at the end = %d, want 2", n)
	}
}

// The migration that adds the kept counts sets them from the messages a
// store already has (countFolders, which RecountFolders runs).
func TestCountFoldersSetsCountsOfExistingMail(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := addAccount(t, db, "Alpha")
	for i, f := range []core.Flags{{}, {Seen: true}, {Deleted: true}, {}} {
		raw := rawMessage(fmt.Sprintf("m%d@x", i), "old mail", "Mon, 2 Nov 2026 10:00:00 +0000", "body")
		if _, _, err := db.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: inbox(t, db, a), Flags: f}, strings.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
	}
	// As a store made before the counts were kept: none kept yet.
	if _, err := db.w.ExecContext(ctx, `UPDATE folders SET total = 0, unread = 0, unified_total = 0, unified_unread = 0`); err != nil {
		t.Fatal(err)
	}
	if err := db.RecountFolders(ctx); err != nil {
		t.Fatal(err)
	}
	checkKeptCounts(t, db, "RecountFolders")
	if n, _ := db.Count(ctx, ListQuery{}); n != 3 {
		t.Errorf("unified inbox after RecountFolders = %d, want 3", n)
	}
}
