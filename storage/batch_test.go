package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

// stageAll stages each raw message from memory.
func stageAll(t *testing.T, db *DB, raws ...string) []core.Staged {
	t.Helper()
	out := make([]core.Staged, len(raws))
	for i, r := range raws {
		s, err := db.StageBytes(context.Background(), []byte(r))
		if err != nil {
			t.Fatalf("StageBytes(%d) = %v", i, err)
		}
		out[i] = s
	}
	return out
}

func TestStoreBatch(t *testing.T) {
	const date = "Mon, 02 Jan 2006 15:04:05 +0000"
	one := rawMessage("one@x", "One", date, "first body")
	two := rawMessage("two@x", "Two", date, "second body")
	tests := []struct {
		name    string
		raws    []string
		badLast bool // the last message goes to a folder that does not exist
		wantNew []bool
		wantErr bool
	}{
		{name: "all new", raws: []string{one, two}, wantNew: []bool{true, true}},
		{name: "same message twice in one batch", raws: []string{one, one}, wantNew: []bool{true, false}},
		{name: "a failure stores nothing", raws: []string{one, two}, badLast: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			ctx := context.Background()
			a := addAccount(t, db, "Work")
			folder := inbox(t, db, a)
			staged := stageAll(t, db, tt.raws...)
			batch := make([]core.Pending, len(staged))
			for i, s := range staged {
				d := core.Delivery{AccountID: a.ID, FolderID: folder, POP3: &core.POP3Ref{SourceID: a.Sources[0].ID, UIDL: string(rune('a' + i))}}
				if tt.badLast && i == len(staged)-1 {
					d.FolderID = 9999
				}
				batch[i] = core.Pending{Delivery: d, Staged: s}
			}
			res, err := db.StoreBatch(ctx, batch)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("StoreBatch = %v, nil; want an error", res)
				}
				if n, _ := db.Count(ctx, ListQuery{}); n != 0 {
					t.Errorf("after a failed batch the inbox holds %d messages, want 0", n)
				}
				if uidls, _ := db.POP3Retrieved(ctx, a.Sources[0].ID); len(uidls) != 0 {
					t.Errorf("after a failed batch POP3Retrieved = %v, want none", uidls)
				}
			} else {
				if err != nil {
					t.Fatalf("StoreBatch = %v", err)
				}
				for i, r := range res {
					if r.IsNew != tt.wantNew[i] {
						t.Errorf("StoreBatch result %d new = %v, want %v", i, r.IsNew, tt.wantNew[i])
					}
					_, blob, err := db.Message(ctx, r.ID)
					if err != nil {
						t.Fatalf("Message(%d) = %v", r.ID, err)
					}
					f, err := db.OpenBlob(blob)
					if err != nil {
						t.Fatalf("OpenBlob = %v", err)
					}
					got, _ := io.ReadAll(f)
					f.Close()
					if string(got) != tt.raws[i] {
						t.Errorf("stored bytes of message %d = %q, want %q", i, got, tt.raws[i])
					}
				}
			}
			left, _ := filepath.Glob(filepath.Join(db.blobs, "incoming-*.tmp"))
			if len(left) != 0 {
				t.Errorf("temporary files left behind: %v", left)
			}
		})
	}
}

func TestStageBytesMatchesStage(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	raw := rawMessage("m@x", "Subject here", "Mon, 02 Jan 2006 15:04:05 +0000", "the body")
	a, err := db.StageBytes(ctx, []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Discard()
	f, err := os.CreateTemp(t.TempDir(), "raw")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(raw)
	f.Seek(0, 0)
	b, err := db.Stage(ctx, f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Discard()
	sa, sb := a.(*Staged), b.(*Staged)
	if sa.blob.Blob != sb.blob.Blob {
		t.Errorf("StageBytes blob = %+v, Stage blob = %+v; want the same", sa.blob.Blob, sb.blob.Blob)
	}
	if sa.parsed.Subject != sb.parsed.Subject || sa.parsed.Text != sb.parsed.Text || sa.parsed.MessageID != sb.parsed.MessageID {
		t.Errorf("StageBytes parsed %+v, Stage parsed %+v; want the same", sa.parsed, sb.parsed)
	}
}

// ftsWrites reads how many segments FTS5 has written to the index so far:
// the write counter of its structure record (fts5_index.c,
// fts5StructureDecode: a 4-byte cookie, an optional 4-byte version
// marker, then the varints nLevel, nSegment and nWriteCounter).
func ftsWrites(t *testing.T, db *DB) uint64 {
	t.Helper()
	var rec []byte
	if err := db.sql.QueryRow(`SELECT block FROM messages_fts_data WHERE id = 10`).Scan(&rec); err != nil {
		t.Fatalf("read the FTS5 structure record: %v", err)
	}
	i := 4
	if len(rec) >= 8 && string(rec[4:8]) == "\xff\x00\x00\x01" {
		i = 8
	}
	var v [3]uint64
	for k := range v {
		for {
			if i >= len(rec) {
				t.Fatalf("FTS5 structure record %x ends early", rec)
			}
			b := rec[i]
			i++
			v[k] = v[k]<<7 | uint64(b&0x7f)
			if b < 0x80 {
				break
			}
		}
	}
	return v[2]
}

// A batch from an IMAP sync reaches the full-text index as one segment,
// written at its commit. A statement that opens a statement journal (an
// INSERT OR REPLACE, an upsert of a column that references messages, a
// statement of a trigger) would make FTS5 write out the terms it holds at
// that statement's savepoint, for every message: a 20,000-message sync
// spent about a tenth of its CPU on that.
func TestBatchIndexesInOneWrite(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := addAccount(t, db, "Imap")
	mb, err := db.IMAPMailbox(ctx, a.ID, a.Sources[0].ID, "INBOX", core.DefaultFolder, core.RoleInbox)
	if err != nil {
		t.Fatal(err)
	}
	raws := make([]string, 40)
	for i := range raws {
		// Replies, references and shared subjects, so that threading's
		// statements run too.
		raws[i] = fmt.Sprintf("From: S <s@example.test>\r\nTo: you@example.test\r\nSubject: Re: topic %d\r\nMessage-ID: <m%d@x>\r\nReferences: <m%d@x>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nbody words %d\r\n", i%3, i, max(0, i-1), i)
	}
	staged := stageAll(t, db, raws...)
	batch := make([]core.Pending, len(staged))
	for i, s := range staged {
		batch[i] = core.Pending{Staged: s, Delivery: core.Delivery{AccountID: a.ID, FolderID: mb.FolderID, IMAP: &core.IMAPRef{MailboxID: mb.ID, UID: uint32(i + 1)}}}
	}
	before := ftsWrites(t, db)
	if _, err := db.StoreBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if got := ftsWrites(t, db) - before; got != 1 {
		t.Errorf("storing a batch of %d wrote %d FTS5 segments; want 1", len(batch), got)
	}
	// The UIDs were recorded, and a UID linked again names its new message.
	if err := db.LinkIMAPUID(ctx, mb.ID, 1, 2); err != nil {
		t.Fatal(err)
	}
	var msg int64
	if err := db.sql.QueryRow(`SELECT message FROM imap_uids WHERE mailbox_id = ? AND uid = 1`, mb.ID).Scan(&msg); err != nil || msg != 2 {
		t.Errorf("UID 1 after LinkIMAPUID names message %d, %v; want 2", msg, err)
	}
	var uids int
	if err := db.sql.QueryRow(`SELECT count(*) FROM imap_uids WHERE mailbox_id = ?`, mb.ID).Scan(&uids); err != nil || uids != len(batch) {
		t.Errorf("%d UIDs recorded, %v; want %d", uids, err, len(batch))
	}
}

// A batch placed ahead of its rows (PlaceBatch) keeps its files while
// the message they were shared with is removed for good in between, and
// stores as any batch; a placed batch discarded instead lets go of them.
func TestPlacedBatchKeepsItsFiles(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := addAccount(t, db, "Work")
	folder := inbox(t, db, a)
	lists, err := db.EnsureFolder(ctx, a.ID, "Lists", "")
	if err != nil {
		t.Fatal(err)
	}
	raw := rawMessage("shared@x", "Shared", "Mon, 2 Nov 2026 10:00:00 +0000", "the same bytes twice")
	old, _, err := db.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: folder}, strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	staged := stageAll(t, db, raw, rawMessage("own@x", "Own", "Mon, 2 Nov 2026 11:00:00 +0000", "a file of its own"))
	batch := []core.Pending{
		{Delivery: core.Delivery{AccountID: a.ID, FolderID: lists}, Staged: staged[0]},
		{Delivery: core.Delivery{AccountID: a.ID, FolderID: lists}, Staged: staged[1]},
	}
	if err := db.PlaceBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	// Placed: both files are under their final names before any row.
	for i, s := range staged {
		if _, err := os.Stat(db.blobPath(s.(*Staged).blob.Hash)); err != nil {
			t.Fatalf("message %d placed, but its file: %v", i, err)
		}
	}
	if _, err := db.RemoveJournaled(ctx, old); err != nil {
		t.Fatal(err)
	}
	res, err := db.StoreBatch(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		f, err := db.OpenBlob(staged[i].(*Staged).blob.Hash)
		if err != nil {
			t.Errorf("message %d (id %d) stored, but its file: %v", i, r.ID, err)
			continue
		}
		f.Close()
	}
	if len(db.pinned) != 0 {
		t.Errorf("after StoreBatch, files still held: %v", db.pinned)
	}

	// Placed and then discarded: the hold ends, and the file, which no
	// row names, goes with the next removal of its hash.
	again := stageAll(t, db, rawMessage("dropped@x", "Dropped", "Mon, 2 Nov 2026 12:00:00 +0000", "never stored"))
	hash := again[0].(*Staged).blob.Hash
	if err := db.PlaceBatch(ctx, []core.Pending{{Delivery: core.Delivery{AccountID: a.ID, FolderID: lists}, Staged: again[0]}}); err != nil {
		t.Fatal(err)
	}
	if err := db.removeUnreferencedBlobs(ctx, []string{hash}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(db.blobPath(hash)); err != nil {
		t.Fatalf("a placed file was removed before its row: %v", err)
	}
	again[0].Discard()
	if len(db.pinned) != 0 {
		t.Errorf("after Discard, files still held: %v", db.pinned)
	}
	if err := db.removeUnreferencedBlobs(ctx, []string{hash}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(db.blobPath(hash)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a discarded file no row names is still there: %v", err)
	}
}
