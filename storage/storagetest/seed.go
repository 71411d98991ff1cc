// Package storagetest fills a store with many messages quickly, for
// benchmarks of the store and of the message list.
package storagetest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/storage"
)

// SeedListing adds three accounts and n listing rows spread over their
// inboxes (Seed with its default accounts), failing tb on an error.
func SeedListing(tb testing.TB, db *storage.DB, n int) {
	tb.Helper()
	if err := Seed(context.Background(), db, n); err != nil {
		tb.Fatal(err)
	}
}

// DefaultAccounts are the accounts Seed spreads its rows over when given
// none.
var DefaultAccounts = []string{"Work", "Home", "Old ISP"}

// seedBatch is how many rows Seed commits at a time: one transaction of a
// million rows would grow the WAL to the size of the whole database
// before its checkpoint.
const seedBatch = 50_000

// Seed adds n listing rows spread over the inboxes of the named accounts
// (DefaultAccounts when none are named; an account missing from the store
// is made, with a password in a file), inserted straight into SQLite, a
// transaction per seedBatch rows: going through Deliver would time the
// disk (two fsyncs a message), not the queries; then the folders'
// counts are set from them (storage.RecountFolders). The rows have no message
// files, so only lists, counts and search work on them. Row i's subject is
// "Report i about project i%97"; every third row is read; each row is its
// own conversation. scripts/seedstore and the benchmarks use it.
func Seed(ctx context.Context, db *storage.DB, n int, accounts ...string) error {
	if len(accounts) == 0 {
		accounts = DefaultAccounts
	}
	var folders [][2]int64
	for _, name := range accounts {
		a, err := db.AccountByName(ctx, name)
		if errors.Is(err, storage.ErrNotFound) {
			a = core.Account{Name: name, Email: "me@" + name[:1] + ".example", PasswordStore: core.PasswordStoreFile,
				SMTP: core.SMTPSettings{Host: "smtp.example.test", Port: 587, Encryption: core.EncryptionSTARTTLS}}
			err = db.CreateAccount(ctx, &a)
		}
		if err != nil {
			return fmt.Errorf("seed account %s: %w", name, err)
		}
		f, err := db.FolderByRole(ctx, a.ID, core.RoleInbox)
		if err != nil {
			return fmt.Errorf("seed: the inbox of %s: %w", name, err)
		}
		folders = append(folders, [2]int64{a.ID, f})
	}
	conn, err := Conn(db.Dir())
	if err != nil {
		return fmt.Errorf("seed: open: %w", err)
	}
	defer conn.Close()
	for from := 0; from < n; from += seedBatch {
		if err := seedRows(ctx, conn, folders, from, min(n, from+seedBatch)); err != nil {
			return fmt.Errorf("seed rows %d to %d: %w", from, min(n, from+seedBatch)-1, err)
		}
	}
	// The rows went in around the store, which keeps the folders' counts.
	return db.RecountFolders(ctx)
}

// seedRows inserts rows from to to-1 of Seed in one transaction.
func seedRows(ctx context.Context, conn *sql.DB, folders [][2]int64, from, to int) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO messages (account_id, folder_id, in_inbox, blob, size, message_id, date, from_name, from_addr, to_addrs, subject, snippet, attachments, seen) VALUES (?,?,1,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return err
	}
	fts, err := tx.PrepareContext(ctx, `INSERT INTO messages_fts (rowid, subject, addresses, body) VALUES (?,?,?,?)`)
	if err != nil {
		return err
	}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	var first, last int64
	for i := from; i < to; i++ {
		f := folders[i%len(folders)]
		subject := fmt.Sprintf("Report %d about project %d", i, i%97)
		res, err := stmt.ExecContext(ctx, f[0], f[1], fmt.Sprintf("%064x", i), 2000, fmt.Sprintf("m%d@example.test", i),
			base+int64(i)*60, "Sender", fmt.Sprintf("s%d@example.test", i%500), "me@example.test", subject, "the first words of the body", i%7, i%3 == 0)
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if i == from {
			first = id
		}
		last = id
		if _, err := fts.ExecContext(ctx, id, subject, "Sender s@example.test", "the first words of the body"); err != nil {
			return err
		}
	}
	// Each message its own conversation, as the store would thread them.
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET thread_id = id WHERE id BETWEEN ? AND ?`, first, last); err != nil {
		return err
	}
	return tx.Commit()
}

// SeedConversations adds an account and n messages in conversations of
// five (a message and four replies, the replies naming their ancestors in
// References and In-Reply-To), every second one in Sent, with their raw
// files, and leaves them unthreaded, as a store made before threading
// existed: the next storage.Open threads them (the backfill).
func SeedConversations(tb testing.TB, db *storage.DB, n int) {
	tb.Helper()
	ctx := context.Background()
	a := core.Account{Name: "Threads", Email: "me@t.example", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: "smtp.example.test", Port: 587, Encryption: core.EncryptionSTARTTLS}}
	if err := db.CreateAccount(ctx, &a); err != nil {
		tb.Fatal(err)
	}
	inbox, err := db.FolderByRole(ctx, a.ID, core.RoleInbox)
	if err != nil {
		tb.Fatal(err)
	}
	sent, err := db.EnsureFolder(ctx, a.ID, "Sent", core.RoleSent)
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := Conn(db.Dir())
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO messages (account_id, folder_id, in_inbox, blob, size, message_id, date, from_name, from_addr, to_addrs, subject, snippet, attachments) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,0)`)
	if err != nil {
		tb.Fatal(err)
	}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		conv, pos := i/5, i%5
		id := fmt.Sprintf("c%d.%d@example.test", conv, pos)
		subject := fmt.Sprintf("Conversation %d", conv)
		raw := fmt.Sprintf("From: Sender <s%d@example.test>\r\nTo: me@t.example\r\nDate: %s\r\nMessage-ID: <%s>\r\n", conv%500, base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z), id)
		if pos > 0 {
			subject = "Re: " + subject
			refs := make([]string, pos)
			for p := range pos {
				refs[p] = fmt.Sprintf("<c%d.%d@example.test>", conv, p)
			}
			raw += "In-Reply-To: " + refs[pos-1] + "\r\nReferences: " + strings.Join(refs, " ") + "\r\n"
		}
		raw += "Subject: " + subject + "\r\n\r\nthe first words of the body\r\n"
		sum := sha256.Sum256([]byte(raw))
		hash := hex.EncodeToString(sum[:])
		// The layout of storage's message files (blobPath).
		path := filepath.Join(db.Dir(), "messages", hash[:2], hash+".eml")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(raw), 0o600); err != nil {
			tb.Fatal(err)
		}
		folder, inInbox := inbox, 1
		if pos%2 == 1 {
			folder, inInbox = sent, 0
		}
		if _, err := stmt.ExecContext(ctx, a.ID, folder, inInbox, hash, len(raw), id, base.Unix()+int64(i)*60, "Sender", fmt.Sprintf("s%d@example.test", conv%500), "me@t.example", subject, "the first words of the body"); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	if err := db.RecountFolders(ctx); err != nil {
		tb.Fatal(err)
	}
}

// Unthread makes the store in dir look as if made before threading, so
// that the next storage.Open threads it again. The store must be closed.
func Unthread(tb testing.TB, dir string) {
	tb.Helper()
	Exec(tb, dir,
		`UPDATE messages SET thread_id = 0, in_reply_to = '', refs = '', cc_addrs = '', subject_key = '', subject_reply = 0`,
		`DELETE FROM message_refs`)
}

// Conn opens the database of the store in dir directly, for statements
// beside the store's own: seeding it, or making it look as an older or
// untidier store would.
func Conn(dir string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+filepath.ToSlash(filepath.Join(dir, storage.DBFile))+"?_pragma=busy_timeout(10000)")
}

// Exec runs stmts in order on the database of the store in dir (see
// Conn), failing tb at the first that fails.
func Exec(tb testing.TB, dir string, stmts ...string) {
	tb.Helper()
	conn, err := Conn(dir)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	for _, stmt := range stmts {
		if _, err := conn.Exec(stmt); err != nil {
			tb.Fatalf("%s: %v", stmt, err)
		}
	}
}
