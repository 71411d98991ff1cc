package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrLocked is returned by Lock when another process runs the engine on the
// same data directory.
var ErrLocked = errors.New("another Tributary is running on this data directory; close it first (read-only commands such as inbox, show and search still work)")

// LockFile is the name of the engine lock inside the data directory.
const LockFile = "engine.lock"

// Lock takes the data directory's engine lock: only one process at a time
// may retrieve, send or change sync state. The operating system drops the
// lock when the process dies, so a kill never leaves a stale lock behind.
// Call the returned function to release it.
func Lock(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("storage: open lock: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}
