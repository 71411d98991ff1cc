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
// for its final name; without one (tmp ""), a file already stored that
// another row will share (StageCopy).
type stagedBlob struct {
	Blob
	tmp string
}

// discard removes the temporary file; it is a no-op once placed.
func (s stagedBlob) discard() {
	if s.tmp != "" {
		os.Remove(s.tmp)
	}
}

// stageBlob streams r to a temporary file while hashing it. The message
// is never held in memory, however large it is. The file is synced when
// it is placed (placeBlobs), together with the others of its batch.
func (db *DB) stageBlob(ctx context.Context, r io.Reader) (stagedBlob, error) {
	tmp, err := os.CreateTemp(db.blobs, "incoming-*.tmp")
	if err != nil {
		return stagedBlob{}, fail("create message file", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), contextReader{ctx, r})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return stagedBlob{}, fail("write message file", err)
	}
	return stagedBlob{Blob{Hash: hex.EncodeToString(h.Sum(nil)), Size: n}, tmp.Name()}, nil
}

// stageBytes is stageBlob for a message already in memory.
func (db *DB) stageBytes(ctx context.Context, raw []byte) (stagedBlob, error) {
	if err := ctx.Err(); err != nil {
		return stagedBlob{}, err
	}
	tmp, err := os.CreateTemp(db.blobs, "incoming-*.tmp")
	if err != nil {
		return stagedBlob{}, fail("create message file", err)
	}
	_, err = tmp.Write(raw)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return stagedBlob{}, fail("write message file", err)
	}
	sum := sha256.Sum256(raw)
	return stagedBlob{Blob{Hash: hex.EncodeToString(sum[:]), Size: int64(len(raw))}, tmp.Name()}, nil
}

// placeBlobs gives staged files their final names and makes them and the
// renames durable: every new file is synced, then renamed, then every
// directory that gained one is synced. The syncs of a batch run side by
// side, so that the file system commits them together instead of one
// journal commit each. A file that already has its name holds the same
// bytes, so it is kept. The caller holds db.blobMu, and keeps holding it
// or pins the files (place) until the rows that refer to them are
// committed, so that removeUnreferencedBlobs cannot delete them in
// between; the temporary files are removed by the caller (discard).
func (db *DB) placeBlobs(blobs []stagedBlob) error {
	var fresh []stagedBlob
	seen := make(map[string]bool, len(blobs))
	for _, s := range blobs {
		if seen[s.Hash] {
			continue
		}
		seen[s.Hash] = true
		if _, err := os.Stat(db.blobPath(s.Hash)); err == nil {
			continue
		}
		if s.tmp == "" {
			// A shared file removed since it was staged: its row must
			// not commit without it.
			return fmt.Errorf("storage: message file %s is gone: %w", s.Hash, ErrNotFound)
		}
		fresh = append(fresh, s)
	}
	if err := parallel(len(fresh), func(i int) error {
		if err := syncFile(fresh[i].tmp); err != nil {
			return fail("sync message file", err)
		}
		return nil
	}); err != nil {
		return err
	}
	dirs := map[string]bool{}
	for _, s := range fresh {
		final := db.blobPath(s.Hash)
		dir := filepath.Dir(final)
		if !dirs[dir] {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return fail("create message directory", err)
			}
			dirs[dir] = true
		}
		if err := os.Rename(s.tmp, final); err != nil {
			return fail("store message file", err)
		}
	}
	list := make([]string, 0, len(dirs))
	for d := range dirs {
		list = append(list, d)
	}
	return parallel(len(list), func(i int) error {
		if err := syncDir(list[i]); err != nil {
			return fail("sync message directory", err)
		}
		return nil
	})
}

// syncers bounds the syncs placeBlobs runs at once: enough for the file
// system to group them, few enough not to crowd out other work.
const syncers = 16

// parallel runs fn(0) to fn(n-1) on up to syncers goroutines and returns
// the first error.
func parallel(n int, fn func(int) error) error {
	if n == 1 {
		return fn(0)
	}
	next := make(chan int)
	errs := make(chan error, min(n, syncers))
	for range min(n, syncers) {
		go func() {
			var first error
			for i := range next {
				if err := fn(i); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	var first error
	for range min(n, syncers) {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// syncFile flushes a written file to disk.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
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
		if db.pinned[h] > 0 {
			continue // placed, its row not committed yet (see place)
		}
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
