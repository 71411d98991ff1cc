package i18n_test

import (
	"bytes"
	"log"
	"os"
	"testing"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/ui/i18n"
	"github.com/tributary-mail/tributary/ui/i18n/i18ntest"
)

func TestFormatsFollowTheLanguage(t *testing.T) {
	at := time.Date(2026, time.December, 1, 18, 5, 0, 0, time.Local)
	cases := []struct {
		lang                             string
		number, date, datetime, daymonth string
		weekday                          string
	}{
		{"en", "1,234,567", "Dec 1, 2026", "Tue, Dec 1, 2026 18:05", "Dec 1", "Tue, Dec 1 18:05"},
		{"de", "1.234.567", "01.12.2026", "Di., 1. Dez. 2026, 18:05", "1. Dez.", "Di., 1. Dez., 18:05"},
	}
	for _, c := range cases {
		t.Run(c.lang, func(t *testing.T) {
			i18ntest.Use(t, c.lang)
			if got := i18n.Language().String(); got != c.lang {
				t.Fatalf("Language() = %s", got)
			}
			for name, got := range map[string][2]string{
				"Number":      {i18n.Number(1234567), c.number},
				"Date":        {i18n.Date(at), c.date},
				"DateTime":    {i18n.DateTime(at), c.datetime},
				"DayMonth":    {i18n.DayMonth(at), c.daymonth},
				"WeekdayTime": {i18n.WeekdayTime(at), c.weekday},
				"Time":        {i18n.Time(at), "18:05"},
			} {
				if got[0] != got[1] {
					t.Errorf("%s = %q, want %q", name, got[0], got[1])
				}
			}
		})
	}
}

// A language Fyne translates but Tributary does not gets English, and
// no "Translation failure" in the log.
func TestFyneOnlyLanguageFallsBackQuietly(t *testing.T) {
	var buf bytes.Buffer
	log.SetOutput(&buf)
	t.Cleanup(func() { log.SetOutput(os.Stderr) })
	i18ntest.Use(t, "fr")
	if got := lang.X("month.january", "January"); got != "January" {
		t.Errorf("French gets %q, want the English", got)
	}
	if got := i18n.Language().String(); got != "en" {
		t.Errorf("formats in %s, want en", got)
	}
	if buf.Len() > 0 {
		t.Errorf("the log says %q", buf.String())
	}
}
