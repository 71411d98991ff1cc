package cli

import (
	"strings"
	"testing"
)

// The page is generated from the command table, so every command the
// binary has is on it, with its usage as written there.
func TestManPageListsEveryCommand(t *testing.T) {
	var b strings.Builder
	if err := ManPage(&b, "1.2.3", "2026-12-01"); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, n := range CommandNames() {
		want := ".B " + roffEscape("tributary "+commands[n].usage) + "\n"
		if !strings.Contains(page, want) {
			t.Errorf("ManPage lacks command %s: want line %q", n, want)
		}
	}
	if !strings.HasPrefix(page, `.TH TRIBUTARY 1 "2026-12-01" "tributary 1.2.3"`) {
		t.Errorf("ManPage header = %q", strings.SplitN(page, "\n", 2)[0])
	}
}

func TestRoffEscape(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"hyphen", "--data-dir", `\-\-data\-dir`},
		{"backslash", `a\b`, `a\eb`},
		{"leading dot", ".x", `\&.x`},
		{"leading quote", "'x", `\&'x`},
		{"plain", "inbox", "inbox"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := roffEscape(tt.in); got != tt.want {
				t.Errorf("roffEscape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
