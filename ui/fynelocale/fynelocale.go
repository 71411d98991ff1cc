// Package fynelocale makes the process's language settings readable by
// Fyne before Fyne reads them. main imports it for its side effect:
//
//	import _ "github.com/tributary-mail/tributary/ui/fynelocale"
//
// Fyne's lang package looks up the user's languages in its package init
// (through github.com/jeandeaual/go-locale, which reads LC_ALL,
// LC_MESSAGES, LANG and LANGUAGE) and parses each as a BCP 47 tag. A
// POSIX value that is not a tag after go-locale's trimming, such as
// C.UTF-8 (Debian's default in containers and on servers; go-locale
// keeps "C"), or de_DE@euro, makes it log "Fyne error: Error parsing
// user locale" three lines at a time, on every run, CLI commands
// included. Go links and initialises every imported package, so the CLI
// cannot keep Fyne's init from running, and main runs too late to change
// the environment. This package's init runs before Fyne's: the Go
// specification (since Go 1.21) initialises packages in import-path
// order, each as soon as its own imports are done; this one imports only
// os and strings, and Fyne's lang imports golang.org/x/text/language,
// which needs fmt and so os, and sorts after github.com/tributary-mail,
// so this package is always initialised first. Keep its imports to the
// standard library's os and strings, or that argument breaks (the
// binary's test in main_test.go would catch it).
//
// The fix sets LANGUAGE, which go-locale (and gettext) read before
// LANG, to the same languages written as tags: "en" for the C and POSIX
// locales, whose messages are English, and the modifier dropped
// otherwise. LANG and LC_* stay as they are, so character sets and
// formats are unchanged for libc and any child process.
package fynelocale

import (
	"os"
	"strings"
)

func init() {
	if v, ok := Languages(os.Getenv); ok {
		os.Setenv("LANGUAGE", v)
	}
}

// Languages returns the LANGUAGE value that says what the environment
// says in a form Fyne parses, and false when no change is needed.
func Languages(getenv func(string) string) (string, bool) {
	loc := ""
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = getenv(k); loc != "" {
			break
		}
	}
	if loc == "" || loc == "C" || loc == "POSIX" {
		return "", false // go-locale reads no language, and Fyne uses English
	}
	list := getenv("LANGUAGE")
	if list == "" {
		list = loc
	}
	var out []string
	changed := false
	for _, e := range strings.Split(list, ":") {
		lang, region := split(e)
		if isLanguage(lang) && (region == "" || isRegion(region)) {
			out = append(out, e)
			continue
		}
		changed = true
		noModifier, _, _ := strings.Cut(e, "@")
		lang, region = split(noModifier)
		switch {
		case !isLanguage(lang): // C, POSIX or not a language at all
		case isRegion(region):
			out = append(out, lang+"_"+region)
		default:
			out = append(out, lang)
		}
	}
	if !changed {
		return "", false
	}
	if len(out) == 0 {
		out = []string{"en"}
	}
	return strings.Join(out, ":"), true
}

// split is go-locale's reading of one POSIX locale: the codeset cut off,
// then language and territory.
func split(loc string) (lang, region string) {
	loc, _, _ = strings.Cut(loc, ".")
	loc = strings.ReplaceAll(loc, "-", "_")
	lang, region, _ = strings.Cut(loc, "_")
	return lang, region
}

// isLanguage: a language subtag golang.org/x/text parses, 2 or 3
// letters (it refuses "POSIX").
func isLanguage(s string) bool { return len(s) >= 2 && len(s) <= 3 && all(s, isLetter) }

// isRegion: what may follow the language: a region of 2 letters or 3
// digits, or a script of 4 letters (zh_Hans).
func isRegion(s string) bool {
	return ((len(s) == 2 || len(s) == 4) && all(s, isLetter)) || (len(s) == 3 && all(s, func(c byte) bool { return c >= '0' && c <= '9' }))
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func all(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}
