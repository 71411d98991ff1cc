// Package diag writes the diagnostics a user pastes into a bug report:
// the version, the system, how each account reaches its servers and the
// last problems logged. It names servers and ports and never a password
// or a token (there are none in what it is given); addresses are
// shortened to their first letter and domain, as a report may be public.
package diag

import (
	"fmt"
	"regexp"
	"runtime"
	"strings"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/termsafe"
)

// Info is what a report is made of.
type Info struct {
	Version  string
	DataDir  string
	LogFile  string
	Accounts []core.Account
	Problems []string // the last warnings and errors logged
}

// Report writes info as plain text, one fact a line.
func Report(info Info) string {
	var b strings.Builder
	line := func(format string, args ...any) {
		b.WriteString(termsafe.Line(fmt.Sprintf(format, args...)))
		b.WriteByte('\n')
	}
	version := info.Version
	if version == "" {
		version = "development build"
	}
	line("Tributary %s", version)
	line("System: %s/%s, %s", runtime.GOOS, runtime.GOARCH, runtime.Version())
	line("Data directory: %s", Redact(info.DataDir))
	line("Log file: %s", Redact(info.LogFile))
	line("Accounts: %d", len(info.Accounts))
	for _, a := range info.Accounts {
		auth := "password"
		if a.UsesOAuth() {
			auth = "OAuth2 " + a.OAuth.Provider + a.OAuth.Issuer
		}
		line("- %s <%s>, sign-in %s, stored in %s", a.Name, Redact(a.Email), auth, orDefault(string(a.PasswordStore), "keyring"))
		line("  SMTP %s:%d %s, authentication %s, user %s", a.SMTP.Host, a.SMTP.Port, orDefault(string(a.SMTP.Encryption), "none"), onOff(a.SMTP.Auth), redactUser(a.SMTP.Username))
		for _, s := range a.Sources {
			line("  %s %s:%d %s, %s, user %s", strings.ToUpper(string(s.Protocol)), s.Host, s.Port, orDefault(string(s.Encryption), "none"), s.Method, redactUser(s.Username))
		}
	}
	line("Last problems logged: %d", len(info.Problems))
	for _, p := range info.Problems {
		line("  %s", Redact(p))
	}
	return b.String()
}

// emailPattern finds addresses in free text: user names and log lines
// carry them.
var emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})`)

// homePattern finds the user's name in a home directory path.
var homePattern = regexp.MustCompile(`(/home/|/Users/|\\Users\\)[^/\\]+`)

// Redact shortens every address in s to its first letter and its domain
// (ann@example.com becomes a…@example.com) and hides the user's name in
// home directory paths.
func Redact(s string) string {
	s = emailPattern.ReplaceAllStringFunc(s, func(addr string) string {
		at := strings.LastIndexByte(addr, '@')
		return addr[:1] + "…" + addr[at:]
	})
	return homePattern.ReplaceAllString(s, "${1}…")
}

// redactUser shortens a user name as Redact does an address, whether or
// not it is one.
func redactUser(u string) string {
	if u == "" || strings.Contains(u, "@") {
		return Redact(u)
	}
	r := []rune(u)
	return string(r[:1]) + "…"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
