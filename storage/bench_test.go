package storage

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"
)

// seedListing inserts n listing rows straight into SQLite, spread over
// three accounts' inboxes, for benchmarks: going through Deliver would
// time the disk, not the queries.
func seedListing(b *testing.B, db *DB, n int) {
	b.Helper()
	ctx := context.Background()
	var folders [][2]int64
	for _, name := range []string{"Work", "Home", "Old ISP"} {
		a := testAccount(name)
		if err := db.CreateAccount(ctx, a); err != nil {
			b.Fatal(err)
		}
		f, _ := db.FolderByRole(ctx, a.ID, "inbox")
		folders = append(folders, [2]int64{a.ID, f})
	}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO messages (account_id, folder_id, in_inbox, blob, size, message_id, date, from_name, from_addr, to_addrs, subject, snippet, attachments, seen) VALUES (?,?,1,?,?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		fts, err := tx.PrepareContext(ctx, `INSERT INTO messages_fts (rowid, subject, addresses, body) VALUES (?,?,?,?)`)
		if err != nil {
			return err
		}
		for i := range n {
			f := folders[i%len(folders)]
			subject := fmt.Sprintf("Report %d about project %d", i, i%97)
			res, err := stmt.ExecContext(ctx, f[0], f[1], fmt.Sprintf("%064x", i), 2000, fmt.Sprintf("m%d@example.test", i),
				base+int64(i)*60, "Sender", fmt.Sprintf("s%d@example.test", i%500), "me@example.test", subject, "the first words of the body", i%7, i%3 == 0)
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			if _, err := fts.ExecContext(ctx, id, subject, "Sender s@example.test", "the first words of the body"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkUnifiedInbox100k measures what the message list does with
// 100,000 messages in the store: the row count, the first page, a page
// scrolled to the middle, and a search.
func BenchmarkUnifiedInbox100k(b *testing.B) {
	db, err := Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	seedListing(b, db, 100_000)
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		run  func() error
	}{
		{"count", func() error { _, err := db.Count(ctx, ListQuery{}); return err }},
		{"first_page", func() error { _, err := db.List(ctx, ListQuery{Limit: 100}); return err }},
		{"scroll_one_page", func() error { _, err := db.List(ctx, ListQuery{Limit: 100, Offset: 100}); return err }},
		{"page_at_50k", func() error { _, err := db.List(ctx, ListQuery{Limit: 100, Offset: 50_000}); return err }},
		{"search_as_you_type", func() error { _, err := db.List(ctx, ListQuery{Search: "proj 42", Limit: 100}); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := bc.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
