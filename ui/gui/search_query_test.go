package gui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// TestSearchExplainsAMalformedQuery: a query the parser refuses is
// explained in the heading, in words, instead of showing no results.
func TestSearchExplainsAMalformedQuery(t *testing.T) {
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	f.Deliver(t, work, "zeppelin schedule", time.Hour)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	heading := func() (s string) {
		if w.heading.Visible() {
			s = w.heading.Text
		}
		return s
	}
	guitest.Eventually(t, "listed", func() bool { return w.rows.Len() == 1 })
	guitest.OnUI(func() {
		w.win.Canvas().Focus(w.search)
		test.Type(w.search, "before:tomorrow")
	})
	want := "Cannot search for “before:tomorrow”: at character 8: expected a date such as 2026-12-01"
	guitest.Eventually(t, "the error explained", func() bool { return strings.HasPrefix(heading(), want) })
	guitest.OnUI(func() {
		w.search.SetText("")
		test.Type(w.search, "subject:zeppelin -is:flagged")
	})
	guitest.Eventually(t, "operators work", func() bool {
		return heading() == "1 result for “subject:zeppelin -is:flagged”" && w.rows.Len() == 1
	})
}
