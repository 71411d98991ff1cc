//go:build !windows

package secrets

import (
	"os"
	"syscall"
)

// lockFile waits for an exclusive lock on path, creating it (mode 0600,
// empty) if needed, and returns the function that releases it. The lock
// file is kept: removing it would let two processes lock different files.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	// Closing the file releases the lock.
	return func() { f.Close() }, nil
}
