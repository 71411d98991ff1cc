// Package secrets keeps account passwords out of the database: in the
// operating system's keyring, or, only when the user explicitly chose it,
// in a file readable by the user alone. There is no silent fallback from
// one to the other.
package secrets

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/zalando/go-keyring"

	"github.com/tributary-mail/tributary/core"
)

// Store reads and writes passwords by reference.
type Store interface {
	Get(ref string) (string, error)
	Set(ref, password string) error
	Delete(ref string) error
}

var (
	// ErrNotFound means no password is stored under a reference.
	ErrNotFound = errors.New("secrets: no password stored")
	// ErrNoKeyring means the operating system offers no keyring to use.
	ErrNoKeyring = errors.New("no OS keyring is available: start one (on Linux a Secret Service such as GNOME Keyring or KWallet), or add the account with --password-store file to keep its passwords in a file only you can read")
)

// SMTPRef and SourceRef name the passwords of an account's SMTP server and
// of a retrieval source. They are derived from IDs, so the database needs
// no column for them and holds nothing secret.
func SMTPRef(accountID int64) string { return fmt.Sprintf("account/%d/smtp", accountID) }

// OAuthRef names an OAuth2 account's grant (its refresh token), which
// signs in every server of the account.
func OAuthRef(accountID int64) string { return fmt.Sprintf("account/%d/oauth", accountID) }

// SourceRef names a retrieval source's password.
func SourceRef(sourceID int64) string { return fmt.Sprintf("source/%d", sourceID) }

// FileName is the password file inside the data directory.
const FileName = "passwords.json"

// Open returns the store an account chose. For the file store it returns
// the same *File for the same path every time.
func Open(kind core.PasswordStore, dataDir string) Store {
	if kind == core.PasswordStoreFile {
		return openFile(filepath.Join(dataDir, FileName))
	}
	return Keyring{}
}

// files holds the one *File of each path in this process.
var files sync.Map // canonical path -> *File

func openFile(path string) *File {
	f, _ := files.LoadOrStore(canonical(path), &File{Path: path})
	return f.(*File)
}

// pathLocks serialise the load-modify-save of one path inside the process,
// even across File values made without Open; the file lock does the same
// between processes.
var pathLocks sync.Map // canonical path -> *sync.Mutex

func pathLock(path string) *sync.Mutex {
	mu, _ := pathLocks.LoadOrStore(canonical(path), new(sync.Mutex))
	return mu.(*sync.Mutex)
}

func canonical(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}

// Keyring is the OS keyring: Secret Service on Linux, Keychain on macOS,
// Credential Manager on Windows.
type Keyring struct{}

const service = "Tributary"

// Get reads a password from the keyring.
func (Keyring) Get(ref string) (string, error) {
	pw, err := keyring.Get(service, ref)
	return pw, keyringError(err)
}

// Set writes a password to the keyring.
func (Keyring) Set(ref, password string) error {
	return keyringError(keyring.Set(service, ref, password))
}

// Delete removes a password from the keyring; a missing one is not an error.
func (Keyring) Delete(ref string) error {
	err := keyringError(keyring.Delete(service, ref))
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

func keyringError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return fmt.Errorf("secrets: password too long for this keyring: %w", err)
	case runtime.GOOS == "linux" && isNoSecretService(err):
		return fmt.Errorf("%w (%v)", ErrNoKeyring, err)
	}
	return fmt.Errorf("secrets: keyring: %w", err)
}

// isNoSecretService recognises the D-Bus errors of a session with no
// Secret Service, no session bus at all, or a keyring that is locked with
// nobody to unlock it.
func isNoSecretService(err error) bool {
	s := err.Error()
	for _, sign := range []string{"org.freedesktop.secrets", "DBUS_SESSION_BUS_ADDRESS", "dbus", "ServiceUnknown", "failed to unlock"} {
		if strings.Contains(s, sign) {
			return true
		}
	}
	return false
}

// File keeps passwords in a JSON file of mode 0600. It refuses to read a
// file others can read, as ssh does with keys.
//
// Set and Delete read the whole file, change one entry and write it back
// (through a renamed temporary file, so a reader never sees half of it).
// Two of them at once would each write back what they read, and the first
// one's entry would be lost: they are serialised by a mutex per path and,
// between processes (the GUI and the CLI), by a lock on Path+".lock". Any
// number of File values for one path may be used at once.
type File struct {
	Path string
}

// update runs change on the stored passwords under both locks and saves
// them when change reports a change.
func (f *File) update(change func(map[string]string) bool) error {
	mu := pathLock(f.Path)
	mu.Lock()
	defer mu.Unlock()
	unlock, err := lockFile(f.Path + ".lock")
	if err != nil {
		return fmt.Errorf("secrets: lock %s: %w", f.Path, err)
	}
	defer unlock()
	m, err := f.load()
	if err != nil {
		return err
	}
	if !change(m) {
		return nil
	}
	return f.save(m)
}

func (f *File) load() (map[string]string, error) {
	info, err := os.Stat(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secrets: %s has mode %v, readable by others; run chmod 600 on it", f.Path, info.Mode().Perm())
	}
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("secrets: %s is damaged: %w", f.Path, err)
	}
	return m, nil
}

func (f *File) save(m map[string]string) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.Path), ".passwords-*")
	if err != nil {
		return fmt.Errorf("secrets: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return fmt.Errorf("secrets: %w", err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), f.Path)
	}
	if err != nil {
		return fmt.Errorf("secrets: write %s: %w", f.Path, err)
	}
	return nil
}

// Get reads a password from the file. It takes no file lock: the file is
// only ever replaced whole, by a rename. The mutex keeps this process's
// own reads out of the way of that rename, which Windows refuses while
// the file is open.
func (f *File) Get(ref string) (string, error) {
	mu := pathLock(f.Path)
	mu.Lock()
	m, err := f.load()
	mu.Unlock()
	if err != nil {
		return "", err
	}
	pw, ok := m[ref]
	if !ok {
		return "", ErrNotFound
	}
	return pw, nil
}

// Set writes a password to the file.
func (f *File) Set(ref, password string) error {
	return f.update(func(m map[string]string) bool {
		m[ref] = password
		return true
	})
}

// Delete removes a password from the file.
func (f *File) Delete(ref string) error {
	if _, err := os.Stat(filepath.Dir(f.Path)); errors.Is(err, os.ErrNotExist) {
		return nil // no directory, so nothing stored, and no lock file to make
	}
	return f.update(func(m map[string]string) bool {
		if _, ok := m[ref]; !ok {
			return false
		}
		delete(m, ref)
		return true
	})
}
