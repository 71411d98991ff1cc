package cli

import (
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core/engine"
)

// The daemon's log says a source's new mail once per sync, however many
// batches announced it, and what a failed sync stored.
func TestSyncLogSumsASyncsBatches(t *testing.T) {
	var out strings.Builder
	l := syncLog{out: &out, arrived: map[string]int{}}
	for _, ev := range []engine.Event{
		{Kind: engine.EventNewMail, Label: "Work (IMAP)", MessageIDs: []int64{1, 2}},
		{Kind: engine.EventNewMail, Label: "Home (POP3)", MessageIDs: []int64{3}},
		{Kind: engine.EventNewMail, Label: "Work (IMAP)", MessageIDs: []int64{4, 5, 6}},
		{Kind: engine.EventSynced, Label: "Work (IMAP)"},
		{Kind: engine.EventError, Label: "Home (POP3)"},
		{Kind: engine.EventSynced, Label: "Old (POP3)"},
		{Kind: engine.EventNewMail, Label: "Old (POP3)", MessageIDs: []int64{7}},
	} {
		l.event(ev)
	}
	l.flush()
	want := "Work (IMAP): 5 new\nWork (IMAP): up to date\nHome (POP3): 1 new\nOld (POP3): up to date\nOld (POP3): 1 new\n"
	if got := out.String(); got != want {
		t.Errorf("log =\n%s\nwant\n%s", got, want)
	}
}
