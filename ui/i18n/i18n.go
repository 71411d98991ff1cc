// Package i18n loads Tributary's translations into Fyne's lang package
// and formats dates and numbers the way the chosen language writes
// them. The GUI and the CLI write every user-visible string as
// lang.L("English text"), lang.N for counted forms and lang.X where one
// English text needs two translations; this package only has to be
// loaded once, before the first string is looked up.
//
// The language is the system's: LANGUAGE, LC_ALL, LC_MESSAGES and LANG
// on Linux, the user's display language on Windows and macOS (Fyne reads
// them through go-locale). Languages Tributary does not ship fall back
// to English.
//
// translations/ holds one pair of files per part of the program,
// AREA.en.json and AREA.de.json; check_test.go fails when a string used
// in the code is missing from a shipped language, or a file holds one
// the code no longer uses.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	// Before Fyne reads the locale; see there.
	_ "github.com/tributary-mail/tributary/ui/fynelocale"
)

//go:embed translations
var files embed.FS

// Shipped are the languages Tributary is translated into, English (the
// language of the source) first.
var Shipped = []language.Tag{language.English, language.German}

// fyneOnly are the languages Fyne has its own translations for but
// Tributary does not: they get Tributary's English strings, or every
// lookup would log "Translation failure" (go-i18n's fallback to the
// source text counts as an error). TestFyneOnlyIsFynes keeps the list
// in step with the Fyne in go.mod.
var fyneOnly = []string{"cs", "el", "es", "fr", "pl", "pt", "pt_BR", "ru", "sv", "ta", "uk", "zh_Hans"}

var (
	once sync.Once
	tag  = language.English
	// printer writes numbers for tag; made once per language, since a
	// list writes a count on every row it shows.
	printer = message.NewPrinter(language.English)
)

// choose makes the system's language the one dates and numbers are
// written in.
func choose() {
	tag = matchSystem()
	printer = message.NewPrinter(tag)
}

// Load adds English, the fallback, and the system's language when
// Tributary ships it to Fyne's lang package, and picks the language to
// format dates and numbers in. Only those are parsed: every start,
// `tributary sync` too, pays for what it parses. It runs once; later
// calls do nothing.
func Load() {
	once.Do(func() {
		choose()
		addStrings("en", "en")
		if tag != language.English {
			addStrings(tag.String(), tag.String())
		}
		englishFor(lang.SystemLocale().String())
	})
}

var (
	addedMu sync.Mutex
	// added lists the locales strings were added for.
	added = map[string]bool{}
)

// addStrings adds Tributary's strings in a shipped language (code, such
// as "de") to Fyne's lang package as those of locale, once per locale.
func addStrings(code, locale string) {
	addedMu.Lock()
	defer addedMu.Unlock()
	if added[locale] {
		return
	}
	added[locale] = true
	paths, err := fs.Glob(files, "translations/*."+code+".json")
	if err != nil {
		slog.Error("cannot list the translations", "language", code, "error", err)
	}
	for _, p := range paths {
		data, err := files.ReadFile(p)
		if err == nil {
			err = lang.AddTranslationsForLocale(data, fyne.Locale(locale))
		}
		if err != nil {
			slog.Error("cannot load the translations", "file", p, "locale", locale, "error", err)
		}
	}
}

// englishFor gives the language of locale Tributary's English strings
// when it is one of fyneOnly. Only the language the user reads gets them:
// go-i18n parses the 70 KB of strings for each language added, about 5 ms
// each, which all twelve made a tenth of the start of the app.
func englishFor(locale string) {
	sys, err := language.Parse(locale)
	if err != nil {
		return
	}
	tags := make([]language.Tag, 0, len(Shipped)+len(fyneOnly))
	tags = append(tags, Shipped...)
	for _, l := range fyneOnly {
		tags = append(tags, language.Make(l))
	}
	_, i, conf := language.NewMatcher(tags).Match(sys)
	if conf == language.No || i < len(Shipped) {
		return
	}
	addStrings("en", fyneOnly[i-len(Shipped)])
}

// Use switches to code ("en", "de"), whatever the system says: the
// tests' way to see a language. It works through the environment, so
// only where go-locale reads it (Linux and the BSDs).
func Use(code string) {
	Load()
	for _, k := range []string{"LC_ALL", "LC_MESSAGES"} {
		os.Unsetenv(k)
	}
	os.Setenv("LANG", code+".UTF-8")
	os.Setenv("LANGUAGE", code)
	choose()
	addStrings(tag.String(), tag.String())
	englishFor(code)
	// Adding an empty set makes lang read the environment again.
	_ = lang.AddTranslationsForLocale([]byte("{}"), fyne.Locale(code))
}

func matchSystem() language.Tag {
	sys, err := language.Parse(lang.SystemLocale().String())
	if err != nil {
		return language.English
	}
	_, i, conf := language.NewMatcher(Shipped).Match(sys)
	if conf == language.No {
		return language.English
	}
	return Shipped[i]
}

// Language is the shipped language dates and numbers are written in.
func Language() language.Tag { return tag }

// Messages reads every translation file of one language (by its file
// code, "en" or "de") into one map from message ID to text, or to the
// plural forms for lang.N's messages.
func Messages(code string) (map[string]any, error) {
	out := map[string]any{}
	paths, err := fs.Glob(files, "translations/*."+code+".json")
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		m, err := readJSON(p)
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			out[k] = v
		}
	}
	return out, nil
}

func readJSON(p string) (map[string]any, error) {
	data, err := files.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return m, nil
}

// Number writes n with the language's digit grouping (1,234 or 1.234).
func Number(n int) string {
	return printer.Sprint(n)
}

// Time is the time of day, as a list shows it for today's mail.
func Time(t time.Time) string {
	return format(t, lang.X("layout.time", "15:04"))
}

// DayMonth is a date in the current year, without the year.
func DayMonth(t time.Time) string {
	return format(t, lang.X("layout.daymonth", "Jan 2"))
}

// Date is a date with its year.
func Date(t time.Time) string {
	return format(t, lang.X("layout.date", "Jan 2, 2006"))
}

// DateTime is a date with weekday, year and time, as a message's header
// shows it.
func DateTime(t time.Time) string {
	return format(t, lang.X("layout.datetime", "Mon, Jan 2, 2006 15:04"))
}

// WeekdayTime is a date soon to come, as scheduled sending shows it.
func WeekdayTime(t time.Time) string {
	return format(t, lang.X("layout.weekdaytime", "Mon, Jan 2 15:04"))
}

// ShortWeekday is t's weekday, abbreviated ("Tue", "Di."), for texts
// that keep ISO dates beside it.
func ShortWeekday(t time.Time) string { return weekdayShort(t.Weekday()) }

// names are the layout elements Go writes in English, longest first so
// that "January" is not read as "Jan" + "uary"; markers are what each
// becomes while Go formats: letters that start no layout element.
var (
	names   = []string{"January", "Monday", "Jan", "Mon"}
	markers = []string{"\x00q\x00", "\x00w\x00", "\x00x\x00", "\x00y\x00"}
)

// format is t.Format(layout) with month and weekday names in the
// language: each name element is swapped for a marker Go copies through,
// and the marker for the translated name afterwards.
func format(t time.Time, layout string) string {
	marked := layout
	for i, n := range names {
		marked = strings.ReplaceAll(marked, n, markers[i])
	}
	out := t.Format(marked)
	if !strings.Contains(out, "\x00") {
		return out
	}
	return strings.NewReplacer(
		markers[0], monthName(t.Month()),
		markers[1], weekdayName(t.Weekday()),
		markers[2], monthShort(t.Month()),
		markers[3], weekdayShort(t.Weekday()),
	).Replace(out)
}
