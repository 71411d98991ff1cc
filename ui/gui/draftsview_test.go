package gui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

func TestDraftsInTheSidebar(t *testing.T) {
	f := newMainFixture(t)
	ctx := context.Background()
	work := f.Account(t, "Work")
	home := f.Account(t, "Home")
	f.Deliver(t, work, "a message", time.Hour)
	workDraft := core.Draft{AccountID: work.ID, To: "ann@example.test", Subject: "half written"}
	homeDraft := core.Draft{AccountID: home.ID, Subject: "for home"}
	for _, d := range []*core.Draft{&workDraft, &homeDraft} {
		if err := f.app.Engine.SaveDraft(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	entry := func(label string, account int64) (i int) {
		for i, n := range w.nav {
			if n.drafts && n.label == label && n.folder.AccountID == account {
				return i
			}
		}
		return -1
	}
	guitest.Eventually(t, "unified and per-account Drafts in the sidebar", func() bool {
		u, wk := entry("Drafts", 0), entry("    Drafts", work.ID)
		return u >= 0 && wk >= 0 && w.nav[u].unread == 2 && w.nav[wk].unread == 1
	})
	guitest.OnUI(func() { w.navList.Select(entry("    Drafts", work.ID)) })
	guitest.Eventually(t, "Work's drafts listed", func() bool {
		return w.listPane.Objects[0] == w.drafts.list && len(w.drafts.drafts) == 1 && w.drafts.drafts[0].ID == workDraft.ID && w.heading.Text == "1 draft"
	})
	guitest.OnUI(func() { w.drafts.list.Select(0) })
	c := onlyComposerWindow(t, f.app)
	guitest.OnUI(func() {
		if c.Title() != "half written" {
			t.Errorf("the composer opened with %q, want the draft half written", c.Title())
		}
		c.Close()
	})
	// A draft deleted elsewhere leaves the list at once.
	if err := f.app.Engine.DeleteDraft(ctx, workDraft.ID); err != nil {
		t.Fatal(err)
	}
	guitest.Eventually(t, "the list refreshed after the delete", func() bool { return len(w.drafts.drafts) == 0 && w.heading.Text == "No drafts" })
	// Choosing a folder gives the pane back to the messages.
	guitest.OnUI(func() { w.navList.Select(0) })
	guitest.Eventually(t, "messages listed again", func() bool { return w.listPane.Objects[0] == w.list && w.rows.Len() == 1 })
	guitest.OnUI(func() {
		if w.heading.Visible() {
			t.Errorf("heading %q still shown over the messages", w.heading.Text)
		}
	})
}

func TestUnifiedViews(t *testing.T) {
	f := newMainFixture(t)
	ctx := context.Background()
	work := f.Account(t, "Work")
	home := f.Account(t, "Home")
	read := f.Deliver(t, work, "read and flagged", 2*time.Hour)
	f.Deliver(t, home, "unread at home", time.Hour)
	if err := f.DB.SetFlags(ctx, core.FlagChange{ID: read, Flags: core.Flags{Seen: true, Flagged: true}}); err != nil {
		t.Fatal(err)
	}
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	view := func(label string) int {
		for i, n := range w.nav {
			if n.label == label && !n.header {
				return i
			}
		}
		return -1
	}
	guitest.Eventually(t, "the unified views in the sidebar", func() bool { return view("Sent") > 0 })
	for _, tc := range []struct{ view, want string }{{"Unread", "unread at home"}, {"Flagged", "read and flagged"}} {
		guitest.OnUI(func() { w.navList.Select(view(tc.view)) })
		guitest.Eventually(t, tc.view+" lists its message", func() bool {
			m, ok := w.rows.Peek(0)
			return ok && w.rows.Len() == 1 && m.Subject == tc.want
		})
	}
	guitest.OnUI(func() { w.navList.Select(view("Sent")) })
	guitest.Eventually(t, "Sent is empty", func() bool { return w.rows.Len() == 0 })
}

// An account whose server has a Drafts mailbox: its synced Drafts folder
// is a drafts entry, listing the drafts adopted from the server, which
// open in the composer. Saved there, they keep the server draft's
// Message-ID: composer's TestServerDraftKeepsItsMessageID.
func TestServerDraftsFolderOpensInComposer(t *testing.T) {
	f := newMainFixture(t)
	ctx := context.Background()
	work := f.Account(t, "Work")
	if _, err := f.DB.EnsureFolder(ctx, work.ID, "Drafts", core.RoleDrafts); err != nil {
		t.Fatal(err)
	}
	server := core.Draft{AccountID: work.ID, MessageID: "elsewhere@example.test", To: "ann@example.test", Subject: "from the phone", Body: "typed there", Updated: time.Now()}
	if ok, err := f.DB.AdoptServerDraft(ctx, &server); err != nil || !ok {
		t.Fatalf("AdoptServerDraft = %v, %v", ok, err)
	}
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	entry := func() int {
		for i, n := range w.nav {
			if n.drafts && n.label == "    Drafts" && n.folder.AccountID == work.ID {
				return i
			}
		}
		return -1
	}
	guitest.Eventually(t, "the server's Drafts folder as a drafts entry", func() bool { return entry() >= 0 })
	guitest.OnUI(func() { w.navList.Select(entry()) })
	guitest.Eventually(t, "the server draft listed", func() bool {
		return w.listPane.Objects[0] == w.drafts.list && len(w.drafts.drafts) == 1 && w.drafts.drafts[0].ID == server.ID
	})
	guitest.OnUI(func() { w.drafts.list.Select(0) })
	c := onlyComposerWindow(t, f.app)
	guitest.OnUI(func() {
		if text := composerText(c); c.Title() != "from the phone" || !strings.Contains(text, "typed there") {
			t.Errorf("the composer opened as %q showing %q, want the server draft", c.Title(), text)
		}
		c.Close()
	})
}
