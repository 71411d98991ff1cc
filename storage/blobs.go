package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Blob is a raw message written to disk, named by the SHA-256 of its bytes.
type Blob struct {
	Hash string
	Size int64
}

// blobPath spreads files over 256 directories so that no directory grows
// to hundreds of thousands of entries.
func (db *DB) blobPath(hash string) string {
	return filepath.Join(db.blobs, hash[:2], hash+".eml")
}

// stagedBlob is a message written and synced to a temporary file, waiting
// for its final name.
type stagedBlob struct {
	Blob
	tmp string
}

// discard removes the temporary file; it is a no-op once placed.
func (s stagedBlob) discard() { os.Remove(s.tmp) }

// stageBlob streams r to a temporary file while hashing it, and fsyncs it.
// The message is never held in memory, however large it is.
func (db *DB) stageBlob(ctx context.Context, r io.Reader) (stagedBlob, error) {
	tmp, err := os.CreateTemp(db.blobs, "incoming-*.tmp")
	if err != nil {
		return stagedBlob{}, fail("create message file", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), contextReader{ctx, r})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return stagedBlob{}, fail("write message file", err)
	}
	return stagedBlob{Blob{Hash: hex.EncodeToString(h.Sum(nil)), Size: n}, tmp.Name()}, nil
}

// placeBlob gives a staged file its final name and makes the rename
// durable. A file that already has that name holds the same bytes, so it is
// kept. The caller holds db.blobMu until the row that refers to the file is
// committed, so that removeUnreferencedBlobs cannot delete it in between.
func (db *DB) placeBlob(s stagedBlob) error {
	defer s.discard()
	final := db.blobPath(s.Hash)
	if _, err := os.Stat(final); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return fail("create message directory", err)
	}
	if err := os.Rename(s.tmp, final); err != nil {
		return fail("store message file", err)
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return fail("sync message directory", err)
	}
	return nil
}

// OpenBlob opens the raw bytes of a stored message.
func (db *DB) OpenBlob(hash string) (*os.File, error) {
	if len(hash) != sha256.Size*2 {
		return nil, fmt.Errorf("storage: bad message hash %q", hash)
	}
	f, err := os.Open(db.blobPath(hash))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("storage: message file %s is missing: %w", hash, ErrNotFound)
	}
	return f, err
}

// removeUnreferencedBlobs deletes the files of the given hashes that no
// message and no outbox entry refers to any more. It runs after the rows
// are gone, so a crash in between leaves a file too many, never a row
// without its file.
func (db *DB) removeUnreferencedBlobs(ctx context.Context, hashes []string) error {
	db.blobMu.Lock()
	defer db.blobMu.Unlock()
	for _, h := range hashes {
		var used int
		err := db.sql.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM messages WHERE blob = ?) OR EXISTS(SELECT 1 FROM outbox WHERE blob = ?) OR EXISTS(SELECT 1 FROM journal WHERE blob = ?)`, h, h, h).Scan(&used)
		if err != nil {
			return fail(fmt.Sprintf("check message file %s", h), err)
		}
		if used == 0 {
			if err := os.Remove(db.blobPath(h)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fail("remove message file", err)
			}
		}
	}
	return nil
}

// contextReader stops a long copy when its context is cancelled.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// RemoveStaleFiles deletes temporary message files left by a process that
// was killed while writing them. Only the holder of the engine lock may
// call it: another process's temporary files are in use.
func (db *DB) RemoveStaleFiles() error {
	stale, err := filepath.Glob(filepath.Join(db.blobs, "incoming-*.tmp"))
	if err != nil {
		return err
	}
	for _, f := range stale {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fail("remove stale file", err)
		}
	}
	return nil
}
