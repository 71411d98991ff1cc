package cli

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/applog"
	"github.com/tributary-mail/tributary/storage"
)

func TestParseAppVersion(t *testing.T) {
	tests := []struct {
		name, toml, want, err string
	}{
		{"version and build", "Website = \"x\"\n[Details]\nName = \"T\"\nVersion = \"1.2.3\"\nBuild = 7\n", "1.2.3 (build 7)", ""},
		{"no build", "[Details]\nVersion = \"1.2.3\"\n", "1.2.3", ""},
		{"Version of another table", "[Other]\nVersion = \"9\"\n[Details]\nVersion = \"1.0\"\n", "1.0", ""},
		{"missing", "[Details]\nName = \"T\"\n", "", "no Version"},
		{"unquoted", "[Details]\nVersion = 1.0\n", "", "quoted"},
		{"bad build", "[Details]\nVersion = \"1\"\nBuild = two\n", "", "not a number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAppVersion([]byte(tc.toml))
			if got != tc.want || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("ParseAppVersion() = %q, %v; want %q, %q", got, err, tc.want, tc.err)
			}
		})
	}
}

// The repository's FyneApp.toml parses: the binary embeds it.
func TestFyneAppVersion(t *testing.T) {
	raw, err := os.ReadFile("../../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := ParseAppVersion(raw); err != nil || !strings.Contains(v, "(build ") {
		t.Errorf("ParseAppVersion(FyneApp.toml) = %q, %v; want a version with its build", v, err)
	}
}

func TestVersionCommand(t *testing.T) {
	old := Version
	Version = "9.8.7 (build 6)"
	t.Cleanup(func() { Version = old })
	code, out, errOut := run(t, t.TempDir(), nil, "version")
	if code != 0 || out != "tributary 9.8.7 (build 6)\n" {
		t.Errorf("version = %d, %q %q; want 0 and the version", code, out, errOut)
	}
}

func TestDiagnosticsCommand(t *testing.T) {
	dir := t.TempDir()
	db, err := storage.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	a := core.Account{Name: "Work", DisplayName: "Ann", Email: "ann@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: "smtp.example.test", Port: 587, Username: "ann", Encryption: core.EncryptionSTARTTLS, Auth: true}}
	if err := db.CreateAccount(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// A data directory other than the default keeps its log inside.
	l, err := applog.Open(filepath.Join(dir, "logs", applog.FileName), slog.LevelInfo, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Logger.Error("send failed", "error", "550 \x1b[31mno")
	l.Close()
	code, out, errOut := cliRun(t, dir, nil, nil, "diagnostics")
	if code != 0 {
		t.Fatalf("diagnostics exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Accounts: 1", "- Work <a…@example.test>", "SMTP smtp.example.test:587 starttls, authentication on, user a…", "Last problems logged: 1", "send failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ann@") || strings.Contains(out, "\x1b") {
		t.Errorf("diagnostics show an address or an escape:\n%s", out)
	}
}
