package cli

import (
	"regexp"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/ui/i18n/i18ntest"
)

// isoMinute is a table's date: ISO 8601 in every language.
var isoMinute = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d`)

// TestGermanOutput runs commands with German chosen: usage, errors,
// counted confirmations, table headings and flag help are German, while
// what scripts read (--json, the synopsis, ISO dates) stays the same.
func TestGermanOutput(t *testing.T) {
	f := newEngineFixture(t)
	ids := f.ids(t)
	english := mustRunOut(t, f.dir, "inbox", "--json")

	i18ntest.Use(t, "de")

	if german := mustRunOut(t, f.dir, "inbox", "--json"); german != english {
		t.Errorf("inbox --json in German =\n%s\nin English =\n%s\nwant the same bytes", german, english)
	}
	table := mustRunOut(t, f.dir, "inbox")
	heading, _, _ := strings.Cut(table, "\n")
	for _, want := range []string{"ID", "DATUM", "KONTO", "VON", "BETREFF"} {
		if !strings.Contains(heading, want) {
			t.Errorf("inbox heading = %q, want %q in it", heading, want)
		}
	}
	if !isoMinute.MatchString(table) {
		t.Errorf("inbox = %q, want ISO 8601 dates", table)
	}

	errorCases := []struct {
		name string
		args []string
		want string
	}{
		{"usage", []string{"show"}, "Aufruf: tributary show ID [--raw]\n"},
		{"error", []string{"show", "abc"}, "tributary: \"abc\" ist keine Nachrichten-ID\n"},
		{"unknown command", []string{"bogus"}, "tributary: unbekannter Befehl \"bogus\"\nAufruf: tributary [--data-dir DIR] [COMMAND [ARGS]]\nOhne Befehl startet die Desktop-App. Befehle:\n"},
		{"flag help", []string{"inbox", "-h"}, "Aufruf von inbox:\n"},
	}
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, f.dir, nil, tc.args...)
			if code != 1 || out != "" || !strings.HasPrefix(errOut, tc.want) {
				t.Errorf("tributary %v = %d, %q, %q; want 1 and stderr starting %q", tc.args, code, out, errOut, tc.want)
			}
		})
	}
	if _, _, errOut := run(t, f.dir, nil, "inbox", "-h"); !strings.Contains(errOut, "nur dieses Konto") {
		t.Errorf("inbox -h = %q, want the flags' help in German", errOut)
	}

	counted := []struct {
		name string
		args []string
		want string
	}{
		{"one", []string{"mark", ids[0], "--read"}, "1 Nachricht markiert: gelesen\n"},
		{"several", []string{"mark", ids[1], ids[2], "--read", "--flag"}, "2 Nachrichten markiert: gelesen und markiert\n"},
		{"archived", []string{"archive", ids[1], ids[2]}, "2 Nachrichten archiviert\n"},
	}
	for _, tc := range counted {
		t.Run(tc.name, func(t *testing.T) {
			if out := mustRunOut(t, f.dir, tc.args...); out != tc.want {
				t.Errorf("tributary %v = %q, want %q", tc.args, out, tc.want)
			}
		})
	}
}
