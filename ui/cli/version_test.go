package cli

import (
	"os"
	"strings"
	"testing"
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
