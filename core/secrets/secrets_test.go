package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
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
