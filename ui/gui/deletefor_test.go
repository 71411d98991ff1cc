package gui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
	"github.com/tributary-mail/tributary/ui/gui/shell"
)

// findCheck finds a visible check box labelled label in o.
func findCheck(o fyne.CanvasObject, label string) *widget.Check {
	c, _ := guitest.FindWidget(o, func(c *widget.Check) bool { return c.Text == label })
	return c
}

// exists reports whether message id is still stored.
func (f *mainFixture) exists(id int64) bool {
	_, _, err := f.DB.Message(context.Background(), id)
	return err == nil
}

func TestDeletingForGoodAsksFirst(t *testing.T) {
	f := newMainFixture(t)
	ctx := context.Background()
	work := f.Account(t, "Work")
	first := f.Deliver(t, work, "first", time.Hour)
	second := f.Deliver(t, work, "second", 2*time.Hour)
	inbox := f.Deliver(t, work, "in the inbox", 3*time.Hour)
	f.MarkRead(t, first, second, inbox)
	for _, id := range []int64{first, second} {
		if err := f.app.Engine.Delete(ctx, id); err != nil { // to the Trash
			t.Fatal(err)
		}
	}
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "sidebar read", func() bool { return len(w.nav) >= 3 })

	// Delete in the Inbox moves to the Trash without asking.
	guitest.Eventually(t, "inbox listed", func() bool { _, ok := w.rows.Peek(0); return ok })
	guitest.OnUI(func() { w.list.Select(0) })
	waitShown(t, w, "the inbox message", inbox)
	guitest.OnUI(w.deleteSelected)
	guitest.Eventually(t, "moved to the Trash", func() bool {
		m, _, err := f.DB.Message(ctx, inbox)
		return err == nil && m.Folder == "Trash"
	})
	guitest.OnUI(func() {
		if text := guitest.DialogText(w.win); text != "" {
			t.Errorf("moving to the Trash asked %q", text)
		}
	})

	var trash int
	guitest.OnUI(func() { trash = navIndex(t, w, "Trash", work.ID); w.navList.Select(trash) })
	guitest.Eventually(t, "Trash listed", func() bool { _, ok := w.rows.Peek(2); return ok && w.rows.Len() == 3 })
	guitest.OnUI(func() { w.list.Select(0) })
	waitShown(t, w, "the first one in the Trash", first)

	// Cancel keeps the message.
	guitest.OnUI(w.deleteSelected)
	guitest.OnUI(func() {
		if text := guitest.DialogText(w.win); !strings.Contains(text, `Delete "first" for good?`) {
			t.Fatalf("Delete in the Trash asked %q", text)
		}
		test.Tap(guitest.FindButton(w.win.Canvas().Overlays().Top(), "Cancel"))
	})
	f.app.Wait()
	if !f.exists(first) {
		t.Fatal("Cancel deleted the message anyway")
	}

	// Confirming deletes it, and "Don't ask again" is remembered.
	guitest.OnUI(w.deleteSelected)
	guitest.OnUI(func() {
		top := w.win.Canvas().Overlays().Top()
		noAsk := findCheck(top, "Don't ask again")
		if noAsk == nil {
			t.Fatalf("no Don't ask again in %q", guitest.DialogText(w.win))
		}
		test.Tap(noAsk)
		test.Tap(guitest.FindButton(top, "Delete for good"))
	})
	guitest.Eventually(t, "deleted for good", func() bool { return !f.exists(first) })
	if !f.app.Fyne.Preferences().Bool(shell.PrefDeleteWithoutAsking) {
		t.Errorf("Don't ask again not remembered in the preferences")
	}

	// From now on it deletes for good at once.
	guitest.Eventually(t, "selection moved on", func() bool { return w.selected.ID != 0 && w.selected.ID != first })
	var next int64
	guitest.OnUI(func() { next = w.selected.ID })
	guitest.OnUI(w.deleteSelected)
	guitest.OnUI(func() {
		if text := guitest.DialogText(w.win); text != "" {
			t.Errorf("asked again after Don't ask again: %q", text)
		}
	})
	guitest.Eventually(t, "deleted without asking", func() bool { return !f.exists(next) })
}

func TestRowsMarkRepliesAndSentShowsTheRecipient(t *testing.T) {
	f := newMainFixture(t)
	ctx := context.Background()
	work := f.Account(t, "Work")
	answered := f.Deliver(t, work, "answered", time.Hour)
	if err := f.DB.SetFlags(ctx, core.FlagChange{ID: answered, Flags: core.Flags{Seen: true, Answered: true}}); err != nil {
		t.Fatal(err)
	}
	plain := f.Deliver(t, work, "plain", 2*time.Hour)
	f.MarkRead(t, plain)
	sent, err := f.DB.EnsureFolder(ctx, work.ID, "Sent", core.RoleSent)
	if err != nil {
		t.Fatal(err)
	}
	raw := fmt.Sprintf("From: Work User <%s>\r\nTo: Bob Receiver <bob@example.test>\r\nSubject: sent one\r\nDate: %s\r\nMessage-ID: <sent@example.test>\r\n\r\nHi Bob.\r\n",
		work.Email, time.Now().Format(time.RFC1123Z))
	if _, _, err := f.DB.Deliver(ctx, core.Delivery{AccountID: work.ID, FolderID: sent}, strings.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "inbox listed", func() bool { _, ok := w.rows.Peek(1); return ok })
	guitest.OnUI(func() {
		for i, want := range []bool{true, false} {
			r, _ := drawnRow(t, w, i)
			if r.Replied.Visible() != want {
				t.Errorf("row %d (%s): replied mark %v, want %v", i, r.Subject.Text, r.Replied.Visible(), want)
			}
			if r.From.Text != "Ann Sender" {
				t.Errorf("inbox row %d names %q, want the sender", i, r.From.Text)
			}
		}
		w.navList.Select(navIndex(t, w, "Sent", work.ID))
	})
	guitest.Eventually(t, "Sent listed", func() bool { _, ok := w.rows.Peek(0); return ok && w.rows.Len() == 1 })
	guitest.OnUI(func() {
		r, _ := drawnRow(t, w, 0)
		if !strings.Contains(r.From.Text, "Bob Receiver") {
			t.Errorf("Sent row names %q, want the recipient", r.From.Text)
		}
	})
}

func TestMoveDialogMakesAFolder(t *testing.T) {
	f := newMainFixture(t)
	ctx := context.Background()
	work := f.Account(t, "Work")
	id := f.Deliver(t, work, "keep me", time.Hour)
	f.MarkRead(t, id)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "listed", func() bool { _, ok := w.rows.Peek(0); return ok })
	guitest.OnUI(func() { w.list.Select(0) })
	waitShown(t, w, "the message", id)
	guitest.OnUI(func() {
		w.moveSelected()
		entry, ok := guitest.FindWidget(w.win.Canvas().Overlays().Top(), func(*widget.SelectEntry) bool { return true })
		if !ok {
			t.Fatalf("the move dialog has no folder entry: %q", guitest.DialogText(w.win))
		}
		entry.SetText("Receipts 2026")
	})
	guitest.OnUI(func() { guitest.TapButton(t, w.win, "Move") })
	guitest.Eventually(t, "moved into the new folder", func() bool {
		m, _, err := f.DB.Message(ctx, id)
		return err == nil && m.Folder == "Receipts 2026"
	})
}

func TestEmptyingTheTrashAsksFirst(t *testing.T) {
	f := newMainFixture(t)
	ctx := context.Background()
	work := f.Account(t, "Work")
	ids := []int64{f.Deliver(t, work, "old one", time.Hour), f.Deliver(t, work, "older one", 2*time.Hour)}
	keep := f.Deliver(t, work, "kept", 3*time.Hour)
	f.MarkRead(t, append(ids, keep)...)
	for _, id := range ids {
		if err := f.app.Engine.Delete(ctx, id); err != nil { // to the Trash
			t.Fatal(err)
		}
	}
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	trash := -1
	guitest.Eventually(t, "the Trash in the sidebar", func() bool {
		for i, n := range w.nav {
			if n.folder.Role == core.RoleTrash {
				trash = i
			}
		}
		return trash >= 0
	})
	guitest.OnUI(func() {
		if w.emptyTrash.Visible() {
			t.Error("Empty Trash shown outside the Trash")
		}
		w.navList.Select(trash)
	})
	guitest.Eventually(t, "the Trash listed", func() bool { return w.rows.Len() == 2 && w.emptyTrash.Visible() })
	guitest.OnUI(func() { test.Tap(w.emptyTrash) })
	guitest.Eventually(t, "the question with the count", func() bool {
		return strings.Contains(guitest.DialogText(w.win), "2 messages in this Trash will be deleted for good")
	})
	guitest.OnUI(func() { guitest.TapButton(t, w.win, "No") })
	if !f.exists(ids[0]) || !f.exists(ids[1]) {
		t.Fatal("answering No deleted messages")
	}
	guitest.OnUI(func() { test.Tap(w.emptyTrash) })
	guitest.Eventually(t, "asked again", func() bool { return strings.Contains(guitest.DialogText(w.win), "deleted for good") })
	guitest.OnUI(func() { guitest.TapButton(t, w.win, "Yes") })
	guitest.Eventually(t, "the Trash emptied", func() bool { return !f.exists(ids[0]) && !f.exists(ids[1]) })
	if !f.exists(keep) {
		t.Error("emptying the Trash deleted a message of the Inbox")
	}
}
