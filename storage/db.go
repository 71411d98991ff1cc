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
	"time"

	"github.com/tributary-mail/tributary/core"
	"modernc.org/sqlite" // also registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// DB is an open data directory.
//
// It holds two pools on the same file: sql for reads, which WAL lets run
// alongside a write, and w, one connection for every write. With a single
// writer, concurrent sources queue for the write lock inside this process
// instead of racing SQLite for it; and since every transaction on w starts
// with BEGIN IMMEDIATE, a transaction that reads and then writes can never
// fail with SQLITE_BUSY when it tries to upgrade (another process, such as
// a CLI command, waits on busy_timeout instead).
type DB struct {
	sql    *sql.DB
	w      *sql.DB
	dir    string
	blobs  string
	blobMu sync.Mutex // see placeBlobs
	// pinned counts, by hash, the placed files whose rows are not
	// committed yet (see place); guarded by blobMu.
	pinned map[string]int
}

// DBFile is the name of the SQLite database inside the data directory.
const DBFile = "tributary.db"

// Open opens (creating if needed) the data directory dir and applies any
// pending migrations.
func Open(ctx context.Context, dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fail("create data directory", err)
	}
	blobs := filepath.Join(dir, "messages")
	if err := os.MkdirAll(blobs, 0o700); err != nil {
		return nil, fail("create message directory", err)
	}
	// synchronous(FULL): a POP3 message is deleted on the server once its
	// row is committed, so a commit must survive a power cut, not just a
	// crash of this process.
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "busy_timeout(10000)"} {
		q.Add("_pragma", p)
	}
	path := filepath.Join(dir, DBFile)
	dsn := "file:" + filepath.ToSlash(path) + "?" + q.Encode()
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fail("open", err)
	}
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		sqldb.Close()
		return nil, fail("open", err)
	}
	w.SetMaxOpenConns(1)
	db := &DB{sql: sqldb, w: w, dir: dir, blobs: blobs, pinned: map[string]int{}}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.backfillThreads(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// createPrivate creates the database file readable by its owner only, so
// that SQLite (which creates it 0644 under a usual umask) never exposes
// the user's mail listing; the -wal and -shm files SQLite creates later
// take the database file's mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fail("create database", err)
	}
	f.Close()
	if err := os.Chmod(path, 0o600); err != nil {
		return fail("protect database", err)
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error { return errors.Join(db.w.Close(), db.sql.Close()) }

// Dir is the data directory.
func (db *DB) Dir() string { return db.dir }

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("storage: not found")

func (db *DB) migrate(ctx context.Context) error {
	version, err := db.schemaVersion(ctx)
	if err != nil {
		return fail("read schema version", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("storage: the data directory has schema version %d, newer than this Tributary knows (%d); use a newer Tributary", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		tx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			return fail(fmt.Sprintf("migration %d", i+1), err)
		}
		// Another process opening the same fresh store (the demo and a
		// CLI command beside it) may have run this migration while this
		// one waited for the write lock: read the version again under it.
		var now int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&now); err != nil {
			tx.Rollback()
			return fail(fmt.Sprintf("migration %d", i+1), err)
		}
		if now > i {
			tx.Rollback()
			continue
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			tx.Rollback()
			return fail(fmt.Sprintf("migration %d", i+1), err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			tx.Rollback()
			return fail(fmt.Sprintf("migration %d", i+1), err)
		}
		if err := tx.Commit(); err != nil {
			return fail(fmt.Sprintf("migration %d", i+1), err)
		}
	}
	return nil
}

// schemaVersion reads the store's schema version on the writer, which
// opens its connection. A connection opened while another process turns
// the same fresh store to WAL can get SQLITE_BUSY from its journal_mode
// pragma at once, without the busy handler waiting; it is tried again
// for as long as busy_timeout would have waited.
func (db *DB) schemaVersion(ctx context.Context) (int, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		var version int
		err := db.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return version, err
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// withTx runs fn in a write transaction on the one writer connection,
// committing if it returns nil. fn must use tx only: any other write from
// inside it would wait for the connection fn holds.
func (db *DB) withTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fail("begin", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fail("commit", err)
	}
	return nil
}

// fail marks err as a failure of the local store, so that it is never
// taken for a server's failure. A not-found stays recognisable with
// errors.Is(err, ErrNotFound).
func fail(op string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL {
		err = fmt.Errorf("%w: %w", core.ErrDiskFull, err)
	}
	return &core.StorageError{Op: op, Err: err}
}
