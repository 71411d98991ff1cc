// Package i18ntest lets a test see the program in another language.
package i18ntest

import (
	"os"
	"testing"

	"github.com/tributary-mail/tributary/ui/i18n"
)

// Use switches to the language code ("de") for the rest of t, and puts
// English and the language variables back when t ends: the other tests
// find widgets and read output by their English text.
func Use(t testing.TB, code string) {
	t.Helper()
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"} {
		v, ok := os.LookupEnv(k)
		t.Cleanup(func() {
			if ok {
				os.Setenv(k, v)
			} else {
				os.Unsetenv(k)
			}
		})
	}
	// Cleanups run last first: English, then the variables as they were.
	t.Cleanup(func() { i18n.Use("en") })
	i18n.Use(code)
}
