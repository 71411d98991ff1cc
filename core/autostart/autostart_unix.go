//go:build !windows

package autostart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// entryPath is the file whose presence means "start at login".
func entryPath() (string, error) {
	home := os.Getenv("HOME")
	if runtime.GOOS == "darwin" {
		if home == "" {
			return "", errors.New("autostart: HOME is not set")
		}
		return filepath.Join(home, "Library", "LaunchAgents", appID+".plist"), nil
	}
	base := os.Getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(base) {
		if home == "" {
			return "", errors.New("autostart: neither XDG_CONFIG_HOME nor HOME is set")
		}
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, "autostart", appID+".desktop"), nil
}

// Enabled reports whether the app starts at login.
func Enabled() (bool, error) {
	path, err := entryPath()
	if err != nil {
		return false, err
	}
	_, err = os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Enable makes the app at exe start at login, minimised.
func Enable(exe string) error {
	path, err := entryPath()
	if err != nil {
		return err
	}
	var content []byte
	if runtime.GOOS == "darwin" {
		content, err = launchAgent(exe)
	} else {
		content = desktopEntry(exe)
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, content, 0o600); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

// Disable stops the app starting at login; it is no error when it did not.
func Disable() error {
	path, err := entryPath()
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

func desktopEntry(exe string) []byte {
	return []byte(strings.Join([]string{
		"[Desktop Entry]",
		"Type=Application",
		"Name=Tributary",
		"Comment=Check mail at login, in the tray",
		"Icon=" + appID,
		"Exec=" + desktopExecQuote(exe) + " " + MinimizedFlag,
		"Terminal=false",
		"X-GNOME-Autostart-enabled=true",
		"",
	}, "\n"))
}

func launchAgent(exe string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString("<plist version=\"1.0\"><dict>\n<key>Label</key><string>" + appID + "</string>\n<key>ProgramArguments</key><array>")
	for _, arg := range []string{exe, MinimizedFlag} {
		b.WriteString("<string>")
		if err := xml.EscapeText(&b, []byte(arg)); err != nil {
			return nil, err
		}
		b.WriteString("</string>")
	}
	b.WriteString("</array>\n<key>RunAtLoad</key><true/>\n</dict></plist>\n")
	return b.Bytes(), nil
}
