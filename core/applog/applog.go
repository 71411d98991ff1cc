// Package applog writes the desktop app's log to a file in a known
// place, rotated, so that what happened can be read after the fact: the
// app has no terminal. Every string value is made safe for a terminal on
// the way in, since errors carry server text and the file is read with
// cat and less.
package applog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/natefinch/lumberjack.v2"

	"github.com/tributary-mail/tributary/core/termsafe"
)

// FileName is the log file's name; rotated copies keep it as a prefix.
const FileName = "tributary.log"

// Rotation: a few megabytes are weeks of an app's life; three old files
// cover a problem that began before the last rotation.
const (
	maxSizeMB  = 5
	maxBackups = 3
	maxAgeDays = 60
)

// StateDir is where the logs of the default data directory go: the
// XDG state directory on Linux and the BSDs, Library/Logs on macOS, the
// local application data on Windows.
func StateDir(goos string, getenv func(string) string) (string, error) {
	home := getenv("HOME")
	switch goos {
	case "windows":
		if d := getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "Tributary", "Logs"), nil
		}
		return "", errors.New("applog: LOCALAPPDATA is not set")
	case "darwin", "ios":
		if home == "" {
			return "", errors.New("applog: HOME is not set")
		}
		return filepath.Join(home, "Library", "Logs", "Tributary"), nil
	}
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "Tributary"), nil
	}
	if home == "" {
		return "", errors.New("applog: neither XDG_STATE_HOME nor HOME is set")
	}
	return filepath.Join(home, ".local", "state", "Tributary"), nil
}

// Path is the log file of the app running on dataDir. The default data
// directory logs to the state directory; any other one (the demo's, a
// test's, one named with --data-dir) keeps its log inside itself, so that
// two apps never write one file and a throwaway directory takes its log
// with it.
func Path(dataDir, defaultDataDir, goos string, getenv func(string) string) (string, error) {
	if filepath.Clean(dataDir) != filepath.Clean(defaultDataDir) {
		return filepath.Join(dataDir, "logs", FileName), nil
	}
	dir, err := StateDir(goos, getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, FileName), nil
}

// Log is an open log file.
type Log struct {
	Path   string
	Logger *slog.Logger
	file   *lumberjack.Logger
}

// Open starts logging to path at level and above, and to also when it is
// not nil (the terminal the app was started from). The directory is made
// private: errors name servers and folders.
func Open(path string, level slog.Level, also io.Writer) (*Log, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("applog: make the log directory: %w", err)
	}
	file := &lumberjack.Logger{Filename: path, MaxSize: maxSizeMB, MaxBackups: maxBackups, MaxAge: maxAgeDays}
	// lumberjack opens the file on the first write; open it now so that a
	// directory the user cannot write is reported here, not lost.
	if _, err := file.Write(nil); err != nil {
		return nil, fmt.Errorf("applog: open %s: %w", path, err)
	}
	var w io.Writer = file
	if also != nil {
		w = io.MultiWriter(file, also)
	}
	h := slog.NewTextHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: safeAttr})
	return &Log{Path: path, Logger: slog.New(h), file: file}, nil
}

// Close closes the file; the logger must not be used after.
func (l *Log) Close() error { return l.file.Close() }

// safeAttr replaces control characters and bidi overrides in string
// values with visible escapes, as termsafe does for the CLI.
func safeAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		return slog.String(a.Key, termsafe.Line(a.Value.String()))
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			return slog.String(a.Key, termsafe.Line(err.Error()))
		}
	}
	return a
}

// Problems returns the last n warnings and errors in the log at path,
// oldest first: what a bug report needs. A missing log has none.
func Problems(path string, n int) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var last []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, " level=WARN ") && !strings.Contains(line, " level=ERROR ") {
			continue
		}
		last = append(last, line)
		if len(last) > n {
			last = last[1:]
		}
	}
	return last, sc.Err()
}
