//go:build !windows && !darwin

package autostart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnableWritesAnXDGAutostartEntry(t *testing.T) {
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config)
	if on, err := Enabled(); err != nil || on {
		t.Fatalf("Enabled before = %v, %v; want off", on, err)
	}
	exe := `/opt/My Apps/tri$butary`
	if err := Enable(exe); err != nil {
		t.Fatal(err)
	}
	if on, err := Enabled(); err != nil || !on {
		t.Fatalf("Enabled after Enable = %v, %v", on, err)
	}
	raw, err := os.ReadFile(filepath.Join(config, "autostart", "io.github.tributary.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "\nExec=\"/opt/My Apps/tri\\$butary\" --minimized\n"; !strings.Contains(string(raw), want) {
		t.Errorf("entry %q lacks %q", raw, want)
	}
	if !strings.HasPrefix(string(raw), "[Desktop Entry]\n") {
		t.Errorf("entry does not start with its group: %q", raw)
	}
	if err := Disable(); err != nil {
		t.Fatal(err)
	}
	if on, _ := Enabled(); on {
		t.Error("Enabled after Disable")
	}
	if err := Disable(); err != nil {
		t.Errorf("Disable twice: %v", err)
	}
}

func TestDesktopExecQuote(t *testing.T) {
	tests := map[string]string{
		"/usr/bin/tributary": `"/usr/bin/tributary"`,
		`/a "b"/c`:           `"/a \"b\"/c"`,
		"/a`b":               "\"/a\\`b\"",
		`/100%/x`:            `"/100%%/x"`,
		`/back\slash`:        `"/back\\slash"`,
	}
	for in, want := range tests {
		if got := desktopExecQuote(in); got != want {
			t.Errorf("desktopExecQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestLaunchAgentEscapesThePath(t *testing.T) {
	got, err := launchAgent("/Applications/A&B <x>.app/tributary")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "<string>/Applications/A&amp;B &lt;x&gt;.app/tributary</string><string>--minimized</string>") {
		t.Errorf("plist %s", got)
	}
}
