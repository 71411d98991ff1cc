package gui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
	"github.com/tributary-mail/tributary/ui/gui/maillist"
)

// conversationFixture is a conversation across two accounts (Ann's
// question in Work, Bob's reply in Home, the newest of the two) and a
// newer message alone.
type conversationFixture struct {
	*mainFixture
	home               core.Account
	root, reply, alone int64
}

func newConversationFixture(t *testing.T) conversationFixture {
	t.Helper()
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	home := f.Account(t, "Home")
	return conversationFixture{
		mainFixture: f,
		home:        home,
		root:        f.DeliverRaw(t, work, "From: Ann <ann@example.test>\nTo: work@example.test\nSubject: Plans\nDate: Mon, 23 Nov 2026 09:00:00 +0000\nMessage-ID: <root@example.test>\n\nShall we?\n"),
		reply:       f.DeliverRaw(t, home, "From: Bob <bob@example.test>\nTo: ann@example.test\nSubject: Re: Plans\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <reply@example.test>\nIn-Reply-To: <root@example.test>\nReferences: <root@example.test>\n\nYes.\n"),
		alone:       f.DeliverRaw(t, work, "From: Cy <cy@example.test>\nTo: work@example.test\nSubject: Something else\nDate: Mon, 23 Nov 2026 11:00:00 +0000\nMessage-ID: <other@example.test>\n\nHi.\n"),
	}
}

// drawn is what list row i shows: its sender column and its count.
func drawn(w *MainWindow, i int) (from, count string) {
	r := maillist.NewRow(func() bool { return w.compact }).(*maillist.Row)
	w.updateRow(i, r)
	if r.Count.Hidden {
		return r.From.Text, ""
	}
	return r.From.Text, r.Count.Text
}

func TestConversationsToggleIsRemembered(t *testing.T) {
	f := newConversationFixture(t)
	f.MarkRead(t, f.root, f.reply, f.alone)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "three messages listed", func() bool { _, ok := w.rows.Peek(2); return ok })
	guitest.OnUI(func() { test.Tap(w.toolbar[13]) })
	guitest.Eventually(t, "two conversations listed", func() bool { _, ok := w.rows.Peek(1); return w.rows.ShowsThreads() && w.rows.Len() == 2 && ok })
	if !f.app.Fyne.Preferences().Bool(prefConversations) {
		t.Error("the conversations choice is not remembered")
	}
	guitest.OnUI(func() {
		if from, count := drawn(w, 0); from != "Cy" || count != "" {
			t.Errorf("row 0 = %q with count %q, want Cy's message alone, without a count", from, count)
		}
		m, _ := w.rows.Peek(1)
		if from, count := drawn(w, 1); from != "Ann, Bob" || count != "2" || m.ID != f.reply {
			t.Errorf("row 1 = %q with count %q on message %d, want the conversation of Ann and Bob, 2 messages, by its newest (%d)", from, count, m.ID, f.reply)
		}
		if next := newMainWindow(f.app); !next.conversations {
			t.Error("a window opened after the choice lists single messages, want conversations")
		}
		test.Tap(w.toolbar[13])
	})
	guitest.Eventually(t, "single messages again", func() bool { return !w.rows.ShowsThreads() && w.rows.Len() == 3 })
	if f.app.Fyne.Preferences().Bool(prefConversations) {
		t.Error("switching back to single messages is not remembered")
	}
}

func TestConversationRowOpensTheStackAndActsOnTheMessageShown(t *testing.T) {
	f := newConversationFixture(t)
	f.MarkRead(t, f.alone) // Ann's and Bob's messages stay unread
	w := f.app.Main()
	guitest.OnUI(func() { w.conversations = true }) // the window was made before the test could choose
	guitest.OnUI(f.app.Start)
	guitest.Eventually(t, "two conversations listed", func() bool { _, ok := w.rows.Peek(1); return w.rows.Len() == 2 && ok })
	guitest.OnUI(func() {
		if _, count := drawn(w, 1); count != "2 · 2 new" {
			t.Errorf("the unread conversation's count = %q, want %q", count, "2 · 2 new")
		}
		w.list.Select(1)
	})
	// The row opens the conversation's newest message.
	waitShown(t, w, "the conversation opened", f.reply)
	var older *widget.Button
	guitest.OnUI(func() {
		all := guitest.VisibleText(w.reader.CanvasObject())
		at := slices.Index(all, "Conversation: 2 messages, 1 more unread")
		if at < 0 || at+3 > len(all) {
			t.Fatalf("the reader shows %q, want its conversation stack", all)
		}
		text := all[at : at+3]
		if len(text) != 3 ||
			!strings.HasPrefix(text[1], "● Ann") || !strings.HasPrefix(text[2], "▸ Bob") {
			t.Fatalf("reader stack = %q, want a heading, Ann's message unread above, Bob's (the newest) open at the bottom", text)
		}
		if _, count := drawn(w, 1); count != "2 · 1 new" {
			t.Errorf("after opening, the conversation's count = %q, want %q", count, "2 · 1 new")
		}
		older = guitest.FindButton(w.reader.CanvasObject(), text[1])
	})
	if older == nil {
		t.Fatal("the older message of the stack is not a button")
	}
	guitest.OnUI(func() { test.Tap(older) })
	guitest.Eventually(t, "the older message shown, its conversation highlighted", func() bool {
		id, ok := w.reader.Shown()
		return ok && id == f.root && w.selRow == 1 && w.selected.ID == f.root
	})
	// An action acts on the message the reader shows, not on the row's
	// newest message.
	guitest.OnUI(func() { test.Tap(w.toolbar[8]) }) // flag
	guitest.Eventually(t, "the shown message flagged", func() bool {
		m, _, _ := f.DB.Message(context.Background(), f.root)
		return m.Flagged
	})
	if m, _, _ := f.DB.Message(context.Background(), f.reply); m.Flagged {
		t.Error("the conversation's newest message was flagged, not the one shown")
	}
	// Back to single messages, the selection is still the message shown.
	guitest.OnUI(func() { test.Tap(w.toolbar[13]) })
	waitShown(t, w, "in single messages", f.root)
}

func TestConversationsInSearchAndFolders(t *testing.T) {
	f := newConversationFixture(t)
	f.MarkRead(t, f.root, f.reply, f.alone)
	w := f.app.Main()
	guitest.OnUI(func() { w.conversations = true }) // the window was made before the test could choose
	guitest.OnUI(f.app.Start)
	guitest.Eventually(t, "two conversations listed", func() bool { return w.rows.Len() == 2 })
	for _, tc := range []struct {
		name    string
		do      func()
		rows    int
		heading string
	}{
		{"a search finding both messages of one", func() { test.Type(w.search, "plans") }, 1, "1 result for “plans”"},
		{"a folder holding one of them", func() {
			w.search.SetText("")
			w.navList.Select(navIndex(t, w, "Inbox", f.home.ID))
		}, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			guitest.OnUI(tc.do)
			guitest.Eventually(t, "listed", func() bool {
				_, ok := w.rows.Peek(tc.rows - 1)
				return w.rows.Len() == tc.rows && ok && (tc.heading == "" || w.heading.Text == tc.heading)
			})
			guitest.OnUI(func() {
				// Each counts the whole conversation, wherever it is filed.
				if _, count := drawn(w, 0); count != "2" {
					t.Errorf("count = %q, want 2", count)
				}
			})
		})
	}
}
