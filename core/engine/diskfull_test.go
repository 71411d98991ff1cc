//go:build linux

package engine

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest"
	"github.com/tributary-mail/tributary/core/mailtest/pop3test"
	"github.com/tributary-mail/tributary/storage"
)

// smallDisk mounts a tmpfs of size bytes and returns its directory, and a
// function that resizes it. It needs root; under CI=true a failure to
// mount fails the test, elsewhere it skips.
func smallDisk(t *testing.T, size string) (dir string, resize func(string)) {
	t.Helper()
	dir = t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput()
	if err != nil {
		mailtest.Missing(t, fmt.Sprintf("cannot mount a tmpfs for the disk-full test (needs root): %v %s", err, out))
	}
	// Registered after TempDir's own cleanup, so it runs first.
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir, func(size string) {
		t.Helper()
		if out, err := exec.Command("mount", "-o", "remount,size="+size, dir).CombinedOutput(); err != nil {
			t.Fatalf("resize the tmpfs: %v %s", err, out)
		}
	}
}

// checkStoreIntact opens the database directly: integrity_check must say
// ok and every message row must have its file with the bytes its name
// promises. It returns the number of messages.
func checkStoreIntact(t *testing.T, dir string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, storage.DBFile)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("PRAGMA integrity_check = %q, %v; want ok", check, err)
	}
	rows, err := db.Query("SELECT blob FROM messages")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var blob string
		if err := rows.Scan(&blob); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(filepath.Join(dir, "messages", blob[:2], blob+".eml"))
		if err != nil {
			t.Fatalf("a stored message has no file: %v", err)
		}
		h := sha256.New()
		io.Copy(h, f)
		f.Close()
		if got := hex.EncodeToString(h.Sum(nil)); got != blob {
			t.Fatalf("message file %s holds bytes hashing to %s: damaged", blob, got)
		}
		n++
	}
	return n
}

// TestDiskFullDuringPOP3Sync runs a POP3 sync that deletes from the
// server into a data directory on a small tmpfs, with three times as much
// mail waiting. The sync stops with a storage error that says the disk is
// full; what was stored is intact; the server deleted nothing; and once
// there is room, the next sync stores the rest, each message once. Small
// messages fill the disk at a database commit (SQLITE_FULL), large ones
// while their file is written (ENOSPC).
func TestDiskFullDuringPOP3Sync(t *testing.T) {
	tests := []struct {
		name  string
		disk  string
		total int
		lines int // of 64 bytes per message
	}{
		{"at a database commit", "2m", 96, 1000},
		{"while writing a message file", "3m", 10, 10000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { diskFullPOP3(t, tc.disk, tc.total, tc.lines) })
	}
}

func diskFullPOP3(t *testing.T, disk string, total, lines int) {
	dir, resize := smallDisk(t, disk)
	ctx := context.Background()
	db, err := storage.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, dir: dir, now: time.Now()}
	f.e = New(db, Options{DataDir: dir, Now: func() time.Time { return f.now }, DialTimeout: 2 * time.Second, IOTimeout: 2 * time.Second})
	t.Cleanup(func() { f.e.Close(); f.db.Close() })

	srv := pop3test.Start(t, pop3test.Options{Users: map[string]string{"alice": "pw-alice"}})
	filler := strings.Repeat("This line fills the disk of the test, sixty-four bytes or so.\r\n", lines)
	for i := range total {
		srv.Add("alice", fmt.Appendf(nil, "From: s@example.test\r\nSubject: full %d\r\nMessage-ID: <full%d@example.test>\r\n\r\n%s", i, i, filler))
	}
	a := f.addPOP3(t, "alice", srv, false, 0)

	errs := f.e.SyncOnce(ctx, "")
	if len(errs) != 1 {
		t.Fatalf("SyncOnce on a full disk = %v, want one error", errs)
	}
	err = errs[0]
	if core.KindOf(err) != core.KindStorage || core.IsTemporary(err) {
		t.Errorf("SyncOnce on a full disk = %v (kind %v), want a storage error that is not retried as a network one", err, core.KindOf(err))
	}
	if msg := err.Error(); !strings.Contains(msg, "disk is full") || !strings.Contains(msg, "free") {
		t.Errorf("SyncOnce on a full disk says %q, want it to say the disk is full and to free space", msg)
	}
	kept := f.count(t, a)
	if kept == 0 || kept >= total {
		t.Fatalf("stored %d of %d before the disk filled; the test needs some, not all", kept, total)
	}
	if got := len(srv.Messages("alice")); got != total {
		t.Errorf("the server holds %d messages after the failed sync, want all %d: nothing may be deleted", got, total)
	}
	f.e.Close()
	f.db.Close()
	if n := checkStoreIntact(t, dir); n != kept {
		t.Errorf("the reopened store holds %d messages, want the %d stored before the disk filled", n, kept)
	}

	resize("64m")
	db, err = storage.Open(ctx, dir)
	if err != nil {
		t.Fatalf("reopen after freeing space: %v", err)
	}
	f.db = db
	f.e = New(db, Options{DataDir: dir, Now: func() time.Time { return f.now }, DialTimeout: 2 * time.Second, IOTimeout: 2 * time.Second})
	if errs := f.e.SyncOnce(ctx, ""); len(errs) != 0 {
		t.Fatalf("SyncOnce after freeing space = %v", errs)
	}
	list, err := f.db.List(ctx, storage.ListQuery{AccountID: a.ID, Limit: 2 * total})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range list {
		seen[m.MessageID]++
	}
	if len(list) != total || len(seen) != total {
		t.Errorf("after freeing space: %d stored, %d distinct, want %d each", len(list), len(seen), total)
	}
	if got := len(srv.Messages("alice")); got != 0 {
		t.Errorf("the server holds %d messages after the completed sync, want 0", got)
	}
}
