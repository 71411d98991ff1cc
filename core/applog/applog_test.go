package applog

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestStateDir(t *testing.T) {
	tests := []struct {
		name, goos string
		env        map[string]string
		want       string
	}{
		{"xdg state home", "linux", map[string]string{"HOME": "/home/ann", "XDG_STATE_HOME": "/srv/state"}, "/srv/state/Tributary"},
		{"relative xdg ignored", "linux", map[string]string{"HOME": "/home/ann", "XDG_STATE_HOME": "state"}, "/home/ann/.local/state/Tributary"},
		{"linux default", "linux", map[string]string{"HOME": "/home/ann"}, "/home/ann/.local/state/Tributary"},
		{"freebsd default", "freebsd", map[string]string{"HOME": "/home/ann"}, "/home/ann/.local/state/Tributary"},
		{"macos", "darwin", map[string]string{"HOME": "/Users/ann"}, "/Users/ann/Library/Logs/Tributary"},
		{"windows", "windows", map[string]string{"LOCALAPPDATA": `C:\Users\ann\AppData\Local`}, filepath.Join(`C:\Users\ann\AppData\Local`, "Tributary", "Logs")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := StateDir(tc.goos, env(tc.env))
			if err != nil || got != tc.want {
				t.Errorf("StateDir = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if _, err := StateDir("linux", env(nil)); err == nil {
		t.Error("StateDir without HOME or XDG_STATE_HOME: no error")
	}
}

func TestPathKeepsOtherDataDirectoriesApart(t *testing.T) {
	e := env(map[string]string{"HOME": "/home/ann"})
	def := "/home/ann/.config/Tributary"
	if got, _ := Path(def+"/", def, "linux", e); got != "/home/ann/.local/state/Tributary/tributary.log" {
		t.Errorf("default data directory logs to %q", got)
	}
	if got, _ := Path("/tmp/demo", def, "linux", e); got != "/tmp/demo/logs/tributary.log" {
		t.Errorf("another data directory logs to %q", got)
	}
}

func TestOpenWritesAPrivateFileSafeForTerminals(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "Tributary", FileName)
	l, err := Open(path, slog.LevelInfo, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Logger.Debug("not at this level")
	l.Logger.Info("synced", "account", "Work")
	l.Logger.Warn("login refused", "error", errors.New("NO \x1b[2Jfake prompt\x07"), "server", "imap\x1b]52;c;aGk=\x07.example.com")
	l.Logger.Error("engine stopped", "error", errors.New("disk full"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("log file mode %v, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(filepath.Dir(path)); di.Mode().Perm() != 0o700 {
		t.Errorf("log directory mode %v, want 0700", di.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	text := string(raw)
	if strings.ContainsAny(text, "\x1b\x07") {
		t.Errorf("the log holds control characters: %q", text)
	}
	if strings.Contains(text, "not at this level") || !strings.Contains(text, "synced") {
		t.Errorf("levels not kept: %q", text)
	}
	problems, err := Problems(path, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 2 || !strings.Contains(problems[0], "login refused") || !strings.Contains(problems[1], "disk full") {
		t.Errorf("Problems = %q, want the warning and the error, oldest first", problems)
	}
	if last, _ := Problems(path, 1); len(last) != 1 || !strings.Contains(last[0], "disk full") {
		t.Errorf("Problems(1) = %q, want the last one", last)
	}
}

func TestProblemsOfAMissingLog(t *testing.T) {
	got, err := Problems(filepath.Join(t.TempDir(), "none.log"), 5)
	if err != nil || len(got) != 0 {
		t.Errorf("Problems = %q, %v; want none", got, err)
	}
}

func TestOpenReportsAnUnwritableDirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(file, "logs", FileName), slog.LevelInfo, nil); err == nil {
		t.Error("Open under a file: no error")
	}
}
