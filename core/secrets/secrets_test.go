package secrets

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

// TestKeyringRoundTrip talks to the real OS keyring (gnome-keyring under
// dbus-run-session in CI). Under CI=true a missing keyring is a failure.
func TestKeyringRoundTrip(t *testing.T) {
	k := Keyring{}
	ref := "test/" + t.Name()
	if err := k.Set(ref, "s3cret with spaces ✓"); err != nil {
		if errors.Is(err, ErrNoKeyring) && os.Getenv("CI") != "true" {
			t.Skipf("no keyring here: %v", err)
		}
		t.Fatalf("Keyring.Set = %v, want nil", err)
	}
	t.Cleanup(func() { k.Delete(ref) })
	if got, err := k.Get(ref); err != nil || got != "s3cret with spaces ✓" {
		t.Errorf("Keyring.Get = %q, %v; want the password", got, err)
	}
	if err := k.Delete(ref); err != nil {
		t.Errorf("Keyring.Delete = %v", err)
	}
	if _, err := k.Get(ref); !errors.Is(err, ErrNotFound) {
		t.Errorf("Keyring.Get after Delete = %v, want ErrNotFound", err)
	}
}

func TestFileStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	f := &File{Path: path}
	if _, err := f.Get("a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get on a missing file = %v, want ErrNotFound", err)
	}
	if err := f.Set("a", "pw-a"); err != nil {
		t.Fatal(err)
	}
	if err := f.Set("b", "pw-b"); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("password file mode = %v, %v; want 0600", info.Mode().Perm(), err)
	}
	if got, err := (&File{Path: path}).Get("b"); got != "pw-b" || err != nil {
		t.Errorf("Get(b) from a new File = %q, %v; want pw-b", got, err)
	}
	if err := f.Delete("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Get("a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}
	os.Chmod(path, 0o644)
	if _, err := f.Get("b"); err == nil {
		t.Error("Get from a world-readable password file = nil error, want a refusal")
	}
}

// TestFileConcurrentSets: every Set of many at once must survive, whether
// they share one File (as Open gives) or use separate File values for the
// same path. Before the locks, 40 concurrent sets kept only 3.
func TestFileConcurrentSets(t *testing.T) {
	const n = 40
	tests := []struct {
		name  string
		store func(dir string, i int) Store
	}{
		{"one File from Open", func(dir string, _ int) Store { return Open(core.PasswordStoreFile, dir) }},
		{"a File value each", func(dir string, _ int) Store { return &File{Path: filepath.Join(dir, FileName)} }},
		{"two File values", func(dir string, i int) Store {
			if i%2 == 0 {
				return &File{Path: filepath.Join(dir, FileName)}
			}
			return &File{Path: filepath.Join(dir, ".", FileName)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := range n {
				wg.Go(func() {
					errs <- tt.store(dir, i).Set(fmt.Sprintf("source/%d", i), fmt.Sprintf("pw-%d", i))
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("Set = %v", err)
				}
			}
			f := &File{Path: filepath.Join(dir, FileName)}
			lost := 0
			for i := range n {
				if got, err := f.Get(fmt.Sprintf("source/%d", i)); err != nil || got != fmt.Sprintf("pw-%d", i) {
					lost++
				}
			}
			if lost > 0 {
				t.Errorf("after %d concurrent Sets, %d passwords are missing, want none", n, lost)
			}
		})
	}
}

func TestOpenSharesOneFile(t *testing.T) {
	dir := t.TempDir()
	a, b := Open(core.PasswordStoreFile, dir), Open(core.PasswordStoreFile, dir+string(filepath.Separator))
	if a != b {
		t.Errorf("Open(file, %q) twice = %p and %p, want the same *File", dir, a, b)
	}
	if c := Open(core.PasswordStoreFile, t.TempDir()); c == a {
		t.Errorf("Open for another directory returned the same *File")
	}
}

// TestFileLockAcrossProcesses: the lock is a real file lock, so the Sets
// of another process (here a child running this test binary), started at
// the same moment, are not lost either.
func TestFileLockAcrossProcesses(t *testing.T) {
	const n = 100
	if dir := os.Getenv("TRIBUTARY_SECRETS_CHILD"); dir != "" {
		f := &File{Path: filepath.Join(dir, FileName)}
		fmt.Println("ready")
		bufio.NewReader(os.Stdin).ReadString('\n')
		for i := range n {
			if err := f.Set(fmt.Sprintf("child/%d", i), "c"); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
		}
		os.Exit(0)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFileLockAcrossProcesses$")
	cmd.Env = append(os.Environ(), "TRIBUTARY_SECRETS_CHILD="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		t.Fatalf("child process said %q, %v; want ready", line, err)
	}
	fmt.Fprintln(stdin, "go")
	f := &File{Path: filepath.Join(dir, FileName)}
	for i := range n {
		if err := f.Set(fmt.Sprintf("parent/%d", i), "p"); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child process: %v", err)
	}
	lost := 0
	for _, who := range []string{"parent", "child"} {
		for i := range n {
			if _, err := f.Get(fmt.Sprintf("%s/%d", who, i)); err != nil {
				lost++
			}
		}
	}
	if lost > 0 {
		t.Errorf("after two processes each set %d passwords at once, %d are missing, want none", n, lost)
	}
}
