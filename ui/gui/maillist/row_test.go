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
