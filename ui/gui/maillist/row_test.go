package maillist

import (
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
	"github.com/tributary-mail/tributary/ui/gui/kit"
)

func TestMain(m *testing.M) { guitest.Main(m) }

func TestFlaggedRowShowsAFlag(t *testing.T) {
	test.NewTempApp(t)
	r := NewRow(nil).(*Row)
	r.Set(core.MessageSummary{Subject: "x", Flags: core.Flags{Flagged: true}}, false)
	if r.Flag.Hidden || r.Flag.Resource != kit.FlagMarkIcon {
		t.Errorf("flagged row: icon %v hidden %v, want the red flag shown", r.Flag.Resource.Name(), r.Flag.Hidden)
	}
	r.Set(core.MessageSummary{Subject: "x"}, false)
	if !r.Flag.Hidden {
		t.Error("unflagged row shows a flag")
	}
}

func TestForwardedRowIsMarked(t *testing.T) {
	test.NewTempApp(t)
	r := NewRow(nil).(*Row)
	r.Set(core.MessageSummary{Subject: "x", Flags: core.Flags{Forwarded: true}}, false)
	if r.Forwarded.Hidden || !r.Replied.Hidden {
		t.Errorf("forwarded row: forward mark hidden %v, reply mark hidden %v; want the forward mark alone", r.Forwarded.Hidden, r.Replied.Hidden)
	}
	r.Placeholder()
	if !r.Forwarded.Hidden {
		t.Error("a placeholder row shows the forward mark")
	}
}

// A row set again to the same message does nothing (BenchmarkListRefresh);
// every change to what it shows must still reach it, drawn in a window.
func TestRowFollowsChanges(t *testing.T) {
	test.NewTempApp(t)
	compact := false
	r := NewRow(func() bool { return compact }).(*Row)
	w := test.NewWindow(r)
	defer w.Close()
	m := core.MessageSummary{ID: 1, FromName: "Ann", Subject: "Plans", Snippet: "the plans"}
	r.Set(m, false)
	r.Set(m, false)
	if r.From.Text != "Ann" || !r.From.TextStyle.Bold || r.Snippet.Hidden {
		t.Fatalf("unread row: from %q bold %v, snippet hidden %v", r.From.Text, r.From.TextStyle.Bold, r.Snippet.Hidden)
	}
	m.Seen = true
	r.Set(m, false)
	if r.From.TextStyle.Bold || r.Subject.TextStyle.Bold {
		t.Error("a row read stays bold")
	}
	r.Set(m, true)
	if r.From.Text != "To: (no recipient)" {
		t.Errorf("the same message in Sent: from %q", r.From.Text)
	}
	r.Set(core.MessageSummary{ID: 2, FromName: "Bob", Flags: core.Flags{Seen: true}}, false)
	if r.From.Text != "Bob" || r.Subject.Text != "(no subject)" || r.Snippet.Text != "" {
		t.Errorf("another message: from %q subject %q snippet %q", r.From.Text, r.Subject.Text, r.Snippet.Text)
	}
	compact = true
	r.Set(core.MessageSummary{ID: 2, FromName: "Bob", Flags: core.Flags{Seen: true}}, false)
	if !r.Snippet.Hidden {
		t.Error("the same message after the switch to one line shows its snippet")
	}
	r.SetConversation(m, core.ThreadSummary{Count: 3, Unread: 1, Participants: []string{"Ann", "Cy"}})
	if r.Count.Hidden || r.Count.Text != "3 · 1 new" || r.From.Text != "Ann, Cy" || !r.From.TextStyle.Bold {
		t.Errorf("conversation: count %q hidden %v, from %q bold %v", r.Count.Text, r.Count.Hidden, r.From.Text, r.From.TextStyle.Bold)
	}
	r.Set(m, false)
	if !r.Count.Hidden || r.From.Text != "Ann" {
		t.Errorf("its message alone: count hidden %v, from %q", r.Count.Hidden, r.From.Text)
	}
}
