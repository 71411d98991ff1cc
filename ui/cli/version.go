package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core/applog"
	"github.com/tributary-mail/tributary/core/diag"
)

// Version is the app's version as people read it, "0.1.0 (build 2)".
// main sets it from the FyneApp.toml it embeds, before anything else
// runs, so that the version needs neither a display nor Fyne.
var Version = "unknown"

// ParseAppVersion reads Version and Build of the [Details] table of a
// FyneApp.toml, the one place the version is written: Fyne's packager
// reads the same fields. It reads only what FyneApp.toml holds (quoted
// strings and integers), not TOML at large.
func ParseAppVersion(toml []byte) (string, error) {
	var version, build string
	table := ""
	sc := bufio.NewScanner(bytes.NewReader(toml))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			table = strings.Trim(line, "[] ")
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || table != "Details" {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.TrimSpace(key) {
		case "Version":
			v, err := strconv.Unquote(value)
			if err != nil {
				return "", fmt.Errorf(lang.L("FyneApp.toml: Version %s is not a quoted string"), value)
			}
			version = v
		case "Build":
			if _, err := strconv.Atoi(value); err != nil {
				return "", fmt.Errorf(lang.L("FyneApp.toml: Build %s is not a number"), value)
			}
			build = value
		}
	}
	if version == "" {
		return "", errors.New(lang.L("FyneApp.toml: no Version in [Details]"))
	}
	if build != "" {
		version += " (build " + build + ")"
	}
	return version, nil
}

func runVersion(_ context.Context, c *call) error {
	if err := c.parse(); err != nil || len(c.args) != 0 {
		return errUsage
	}
	printLine(c.env.Stdout, "tributary %s", Version) // i18n:ignore (the program's name, as scripts read it)
	return nil
}

// CommandNames lists the commands, sorted, for messages that name them.
func CommandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// runDiagnostics prints what the app's "Copy diagnostics" copies: the
// version, the system, each account's servers (never a password) and
// the last problems in the app's log.
func runDiagnostics(ctx context.Context, c *call) error {
	if err := c.parse(); err != nil || len(c.args) != 0 {
		return errUsage
	}
	if err := c.open(ctx, false); err != nil {
		return err
	}
	accounts, err := c.db.Accounts(ctx)
	if err != nil {
		return err
	}
	info := diag.Info{Version: Version, DataDir: c.dataDir, Accounts: accounts}
	info.LogFile, err = LogFile(c.dataDir, c.env.Getenv)
	if err == nil {
		info.Problems, err = applog.Problems(info.LogFile, 20)
	}
	if err != nil {
		// The report goes into bug reports, in English like the rest of it.
		info.Problems = []string{"cannot read the log: " + err.Error()}
	}
	_, err = io.WriteString(c.env.Stdout, diag.Report(info))
	return err
}

// LogFile is where the app running on dataDir logs (see applog.Path):
// the state directory for the default data directory, whatever
// TRIBUTARY_DATA_DIR says, else inside dataDir.
func LogFile(dataDir string, getenv func(string) string) (string, error) {
	return applog.Path(dataDir, DataDir(func(string) string { return "" }), runtime.GOOS, getenv)
}
