// Package storagetest fills a store with many messages quickly, for
// benchmarks of the store and of the message list.
package storagetest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/storage"
)

// SeedListing adds three accounts and n listing rows spread over their
// inboxes, inserted in one transaction straight into SQLite: going through
// Deliver would time the disk (two fsyncs a message), not the queries. The
// rows have no message files, so only lists, counts and search work on
// them.
func SeedListing(tb testing.TB, db *storage.DB, n int) {
	tb.Helper()
	ctx := context.Background()
	var folders [][2]int64
	for _, name := range []string{"Work", "Home", "Old ISP"} {
		a := core.Account{Name: name, Email: "me@" + name[:1] + ".example", PasswordStore: core.PasswordStoreFile,
			SMTP: core.SMTPSettings{Host: "smtp.example.test", Port: 587, Encryption: core.EncryptionSTARTTLS}}
		if err := db.CreateAccount(ctx, &a); err != nil {
			tb.Fatal(err)
		}
		f, err := db.FolderByRole(ctx, a.ID, core.RoleInbox)
		if err != nil {
			tb.Fatal(err)
		}
		folders = append(folders, [2]int64{a.ID, f})
	}
	conn, err := sql.Open("sqlite", "file:"+filepath.ToSlash(filepath.Join(db.Dir(), storage.DBFile))+"?_pragma=busy_timeout(10000)")
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO messages (account_id, folder_id, in_inbox, blob, size, message_id, date, from_name, from_addr, to_addrs, subject, snippet, attachments, seen) VALUES (?,?,1,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		tb.Fatal(err)
	}
	fts, err := tx.PrepareContext(ctx, `INSERT INTO messages_fts (rowid, subject, addresses, body) VALUES (?,?,?,?)`)
	if err != nil {
		tb.Fatal(err)
	}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for i := range n {
		f := folders[i%len(folders)]
		subject := fmt.Sprintf("Report %d about project %d", i, i%97)
		res, err := stmt.ExecContext(ctx, f[0], f[1], fmt.Sprintf("%064x", i), 2000, fmt.Sprintf("m%d@example.test", i),
			base+int64(i)*60, "Sender", fmt.Sprintf("s%d@example.test", i%500), "me@example.test", subject, "the first words of the body", i%7, i%3 == 0)
		if err != nil {
			tb.Fatal(err)
		}
		id, _ := res.LastInsertId()
		if _, err := fts.ExecContext(ctx, id, subject, "Sender s@example.test", "the first words of the body"); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}
