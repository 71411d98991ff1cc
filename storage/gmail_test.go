package storage

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

// A Gmail message downloaded once in INBOX is linked into All Mail by
// its X-GM-MSGID: one file, a row per folder with that folder's UID and
// flags, found by search in both, and listed once in the unified inbox.
func TestGmailCopyLinksAStoredMessage(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a, other := addAccount(t, db, "Gmail"), addAccount(t, db, "Other")
	src := a.Sources[0].ID
	in, err := db.IMAPMailbox(ctx, a.ID, src, "INBOX", core.DefaultFolder, core.RoleInbox)
	if err != nil {
		t.Fatal(err)
	}
	all, err := db.IMAPMailbox(ctx, a.ID, src, "[Gmail]/All Mail", "All Mail", "")
	if err != nil {
		t.Fatal(err)
	}
	// The high bit set: the column keeps all 64 bits.
	const gm, gmOther = uint64(1)<<63 | 1278455344230334865, 77
	raw := rawMessage("labels@x", "under two labels", "Mon, 2 Nov 2026 10:00:00 +0000", "quarterly figures")
	staged := stageAll(t, db, raw, rawMessage("else@x", "else", "Mon, 2 Nov 2026 11:00:00 +0000", "x"))
	res, err := db.StoreBatch(ctx, []core.Pending{
		{Delivery: core.Delivery{AccountID: a.ID, FolderID: in.FolderID, IMAP: &core.IMAPRef{MailboxID: in.ID, UID: 4, GmailID: gm}}, Staged: staged[0]},
		{Delivery: core.Delivery{AccountID: other.ID, FolderID: inbox(t, db, other)}, Staged: staged[1]},
	})
	if err != nil {
		t.Fatal(err)
	}
	first := res[0].ID

	found, err := db.GmailMessages(ctx, a.ID, []uint64{gm, gmOther})
	if err != nil || len(found) != 1 || found[gm] != first {
		t.Fatalf("GmailMessages(%d, %d) = %v, %v; want only %d → %d", gm, gmOther, found, err, gm, first)
	}
	if found, err := db.GmailMessages(ctx, other.ID, []uint64{gm}); err != nil || len(found) != 0 {
		t.Errorf("GmailMessages of another account = %v, %v; want none", found, err)
	}

	copied, err := db.StageCopy(ctx, first)
	if err != nil {
		t.Fatalf("StageCopy(%d) = %v", first, err)
	}
	res, err = db.StoreBatch(ctx, []core.Pending{{Delivery: core.Delivery{
		AccountID: a.ID, FolderID: all.FolderID, Flags: core.Flags{Seen: true, Flagged: true},
		IMAP: &core.IMAPRef{MailboxID: all.ID, UID: 901, GmailID: gm},
	}, Staged: copied}})
	if err != nil {
		t.Fatalf("StoreBatch(copy) = %v", err)
	}
	link := res[0].ID
	if !res[0].IsNew || link == first {
		t.Fatalf("StoreBatch(copy) = %+v, want a new row besides %d", res[0], first)
	}
	m, blob, err := db.Message(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	_, firstBlob, _ := db.Message(ctx, first)
	if blob != firstBlob || m.Subject != "under two labels" || !m.Seen || !m.Flagged || m.FolderID != all.FolderID {
		t.Errorf("linked row = %+v blob %s, want the same file %s and subject, seen and flagged, in All Mail", m, blob, firstBlob)
	}
	if uids, _, _ := db.IMAPUIDs(ctx, all.ID, false); uids[901] != link {
		t.Errorf("All Mail UIDs = %v, want 901 → %d", uids, link)
	}
	if st, _ := db.IMAPMailbox(ctx, a.ID, src, "[Gmail]/All Mail", "All Mail", ""); st.LastUID != 901 {
		t.Errorf("All Mail last UID = %d, want 901", st.LastUID)
	}
	for _, tc := range []struct {
		name string
		q    ListQuery
		want int
	}{
		{"unified inbox", ListQuery{}, 2},
		{"INBOX", ListQuery{FolderID: in.FolderID}, 1},
		{"All Mail", ListQuery{FolderID: all.FolderID}, 1},
		{"search in All Mail", ListQuery{Search: `quarterly in:"All Mail"`}, 1},
		{"search everywhere", ListQuery{Search: "quarterly"}, 2},
	} {
		if n, err := db.Count(ctx, tc.q); err != nil || n != tc.want {
			t.Errorf("%s: Count = %d, %v; want %d", tc.name, n, err, tc.want)
		}
	}
	if found, _ := db.GmailMessages(ctx, a.ID, []uint64{gm}); found[gm] != first {
		t.Errorf("GmailMessages after the link = %v, want the oldest row %d", found, first)
	}
}

// A copy whose file went away after it was staged never commits a row
// without its file.
func TestGmailCopyOfAFileGone(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := addAccount(t, db, "Gmail")
	id, _, err := db.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: inbox(t, db, a)}, strings.NewReader(rawMessage("gone@x", "gone", "Mon, 2 Nov 2026 10:00:00 +0000", "x")))
	if err != nil {
		t.Fatal(err)
	}
	copied, err := db.StageCopy(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	_, hash, _ := db.Message(ctx, id)
	if err := os.Remove(db.blobPath(hash)); err != nil {
		t.Fatal(err)
	}
	folder, err := db.EnsureFolder(ctx, a.ID, "All Mail", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.StoreBatch(ctx, []core.Pending{{Delivery: core.Delivery{AccountID: a.ID, FolderID: folder}, Staged: copied}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("StoreBatch(copy of a removed file) = %v, want ErrNotFound", err)
	}
	if n, _ := db.Count(ctx, ListQuery{FolderID: folder}); n != 0 {
		t.Errorf("All Mail lists %d after the failed copy, want 0", n)
	}
	if _, err := db.StageCopy(ctx, id+100); !errors.Is(err, ErrNotFound) {
		t.Errorf("StageCopy(no such message) = %v, want ErrNotFound", err)
	}
}

// The lookup of each batch reads the index, not every message of the
// account.
func TestGmailMessagesUsesTheIndex(t *testing.T) {
	db := openTest(t)
	plan := queryPlan(t, db, gmailQuery(3), 1, 10, 11, 12)
	if !slices.ContainsFunc(plan, func(d string) bool {
		return strings.Contains(d, "USING INDEX messages_gm_msgid") || strings.Contains(d, "USING COVERING INDEX messages_gm_msgid")
	}) {
		t.Errorf("plan of the Gmail lookup = %q, want it to use messages_gm_msgid", plan)
	}
}

// queryPlan is the detail column of SQLite's EXPLAIN QUERY PLAN for q.
func queryPlan(t *testing.T, db *DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.sql.Query(`EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}
