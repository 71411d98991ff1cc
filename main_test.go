package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/ui/cli"
)

// binary builds tributary once for the tests that run it as users do:
// what happens before main (Fyne's package init) is only seen that way.
func binary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tributary")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runBinary runs bin with only the given environment (plus PATH and HOME).
func runBinary(t *testing.T, bin string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// A DISPLAY naming no X server (a stale one in tmux, ssh -X without
// forwarding) gets a clear error, not GLFW's panic through Fyne.
func TestBinaryWithADisplayGone(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		t.Skip("Windows and macOS always have a display")
	}
	bin := binary(t)
	code, _, errOut := runBinary(t, bin, []string{"TRIBUTARY_DATA_DIR=" + t.TempDir(), "LANG=C.UTF-8", "DISPLAY=:4242"})
	if code != 1 || !strings.Contains(errOut, "the desktop app cannot open its window") || !strings.Contains(errOut, ":4242") || strings.Contains(errOut, "panic") {
		t.Errorf("tributary with DISPLAY=:4242 = %d, %q; want 1 and the display it could not open", code, errOut)
	}
}

func TestBinaryWithoutDisplay(t *testing.T) {
	bin := binary(t)
	version, err := cli.ParseAppVersion(fyneApp)
	if err != nil {
		t.Fatal(err)
	}
	data := "TRIBUTARY_DATA_DIR=" + t.TempDir()
	locales := map[string][]string{
		"unset":                 nil,
		"C":                     {"LANG=C"},
		"C.UTF-8":               {"LANG=C.UTF-8"},
		"POSIX":                 {"LANG=POSIX"},
		"LC_ALL=C.UTF-8":        {"LC_ALL=C.UTF-8", "LANG=en_US.UTF-8"},
		"de_DE@euro":            {"LANG=de_DE@euro"},
		"fr_FR.UTF-8":           {"LANG=fr_FR.UTF-8"}, // Fyne's language, not Tributary's
		"en_US.UTF-8":           {"LANG=en_US.UTF-8"},
		"C.UTF-8 with LANGUAGE": {"LANG=C.UTF-8", "LANGUAGE=C"},
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{"--version", []string{"--version"}, 0, "tributary " + version + "\n", ""},
		{"version", []string{"version"}, 0, "tributary " + version + "\n", ""},
		{"a command", []string{"account", "list"}, 0, "no accounts", ""},
		{"an unknown command", []string{"frobnicate"}, 1, "", "unknown command"},
		{"a broken mailto: link", []string{"mailto:ann@example.com?subject=%zz"}, 2, "", "mailto: subject: bad percent-encoding"},
	}
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" {
		tests = append(tests, struct {
			name     string
			args     []string
			code     int
			out, err string
		}{"no command", nil, 2, "", "the desktop app needs a display"}, struct {
			name     string
			args     []string
			code     int
			out, err string
		}{"a mailto: link", []string{"mailto:ann@example.com?subject=Hi"}, 2, "", "the desktop app needs a display"})
	}
	// What a person reads comes in their language.
	german := map[string]string{"the desktop app needs a display": "die Desktop-App braucht einen Bildschirm", "unknown command": "unbekannter Befehl", "no accounts": "keine Konten"}
	for lname, lenv := range locales {
		for _, tc := range tests {
			t.Run(lname+"/"+tc.name, func(t *testing.T) {
				if lname == "de_DE@euro" {
					if msg, ok := german[tc.err]; ok {
						tc.err = msg
					}
					if msg, ok := german[tc.out]; ok {
						tc.out = msg
					}
				}
				code, out, errOut := runBinary(t, bin, append([]string{data}, lenv...), tc.args...)
				if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.err) {
					t.Errorf("tributary %v = %d, %q, %q; want %d, %q, %q", tc.args, code, out, errOut, tc.code, tc.out, tc.err)
				}
				if strings.Contains(errOut, "Fyne") || strings.Contains(errOut, "panic") {
					t.Errorf("tributary %v wrote %q to stderr, want nothing of Fyne's", tc.args, errOut)
				}
				if tc.code == 2 && tc.name != "a broken mailto: link" {
					if lines := strings.Count(errOut, "\n"); lines != 1 || !strings.Contains(errOut, strings.Join(cli.CommandNames(), ", ")) {
						t.Errorf("headless message = %q, want one line listing the commands", errOut)
					}
				}
			})
		}
	}
}
