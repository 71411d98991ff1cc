// Package storage keeps Tributary's data on the user's disk: SQLite (in WAL
// mode, through modernc.org/sqlite, so no cgo) for accounts, listings, sync
// state, the outbox and the full-text index, and one file per message for
// the raw RFC 5322 bytes. docs/ARCHITECTURE.md explains why the raw bytes
// live in files. Passwords are never stored here.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB is an open data directory.
type DB struct {
	sql    *sql.DB
	dir    string
	blobs  string
	blobMu sync.Mutex // see placeBlob
}

// DBFile is the name of the SQLite database inside the data directory.
const DBFile = "tributary.db"

// Open opens (creating if needed) the data directory dir and applies any
// pending migrations.
func Open(ctx context.Context, dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("storage: create data directory: %w", err)
	}
	blobs := filepath.Join(dir, "messages")
	if err := os.MkdirAll(blobs, 0o700); err != nil {
		return nil, fmt.Errorf("storage: create message directory: %w", err)
	}
	// synchronous(FULL): a POP3 message is deleted on the server once its
	// row is committed, so a commit must survive a power cut, not just a
	// crash of this process.
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "busy_timeout(10000)"} {
		q.Add("_pragma", p)
	}
	dsn := "file:" + filepath.ToSlash(filepath.Join(dir, DBFile)) + "?" + q.Encode()
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("storage: open: %w", err)
	}
	db := &DB{sql: sqldb, dir: dir, blobs: blobs}
	if err := db.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Dir is the data directory.
func (db *DB) Dir() string { return db.dir }

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("storage: not found")

func (db *DB) migrate(ctx context.Context) error {
	var version int
	if err := db.sql.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("storage: read schema version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("storage: the data directory has schema version %d, newer than this Tributary knows (%d); use a newer Tributary", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		tx, err := db.sql.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("storage: migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			tx.Rollback()
			return fmt.Errorf("storage: migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("storage: migration %d: %w", i+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("storage: migration %d: %w", i+1, err)
		}
	}
	return nil
}

// withTx runs fn in a transaction, committing if it returns nil.
func (db *DB) withTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
