package gui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/storage/storagetest"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/gui/maillist"
)

// drawnRow finds the drawn row of list row i and the innermost widget on
// the way to it that takes taps, which is what a click on it reaches.
// (test.LaidOutObjects would not do: it lays the list out again at its
// minimum size.)
func drawnRow(t *testing.T, w *MainWindow, i int) (*maillist.Row, fyne.Tappable) {
	t.Helper()
	var found *maillist.Row
	var tappable fyne.Tappable
	var walk func(o fyne.CanvasObject, tap fyne.Tappable) bool
	walk = func(o fyne.CanvasObject, tap fyne.Tappable) bool {
		if !o.Visible() {
			return false
		}
		if tp, ok := o.(fyne.Tappable); ok {
			tap = tp
		}
		if r, ok := o.(*maillist.Row); ok && r.Index == i {
			found, tappable = r, tap
			return true
		}
		var children []fyne.CanvasObject
		switch c := o.(type) {
		case *fyne.Container:
			children = c.Objects
		case fyne.Widget:
			children = test.WidgetRenderer(c).Objects()
		}
		for _, child := range children {
			if walk(child, tap) {
				return true
			}
		}
		return false
	}
	if !walk(w.list, nil) || tappable == nil {
		t.Fatalf("row %d is not drawn, or nothing takes a tap on it", i)
	}
	return found, tappable
}

// clickRow clicks list row i.
func clickRow(t *testing.T, w *MainWindow, i int) {
	t.Helper()
	_, tap := drawnRow(t, w, i)
	test.Tap(tap)
}

// shown is what the main window shows: the highlighted row's message and
// the reader's, which must always agree.
type shown struct{ row, reader int64 }

func (w *MainWindow) shown() shown {
	var s shown
	if m, ok := w.rows.Peek(w.selRow); ok && w.selRow >= 0 {
		s.row = m.ID
	}
	if id, ok := w.reader.Shown(); ok {
		s.reader = id
	}
	return s
}

func waitShown(t *testing.T, w *MainWindow, what string, id int64) {
	t.Helper()
	want := shown{id, id}
	var got shown
	deadline := time.Now().Add(5 * time.Second)
	for {
		guitest.OnUI(func() { got = w.shown() })
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: row and reader show %+v, want both %d", what, got, id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func navIndex(t *testing.T, w *MainWindow, folder string, account int64) int {
	t.Helper()
	for i, n := range w.nav {
		if !n.header && n.folder.Name == folder && n.folder.AccountID == account {
			return i
		}
	}
	t.Fatalf("no folder %q of account %d in the sidebar", folder, account)
	return -1
}

func TestSelectionFollowsTheMessage(t *testing.T) {
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	older := f.Deliver(t, work, "zeppelin older", 3*time.Hour)
	picked := f.Deliver(t, work, "zeppelin picked", 2*time.Hour)
	f.MarkRead(t, older, picked)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "two rows", func() bool { _, ok := w.rows.Peek(1); return ok && w.rows.Len() == 2 })
	guitest.OnUI(func() { w.list.Select(0) })
	waitShown(t, w, "picked", picked)

	// New mail lands above the selection: the highlight moves with it.
	newer := f.Deliver(t, work, "zeppelin newer", time.Hour)
	f.MarkRead(t, newer)
	w.handle(engine.Event{Kind: engine.EventNewMail, MessageIDs: []int64{newer}})
	guitest.Eventually(t, "new mail listed", func() bool { return w.rows.Len() == 3 })
	waitShown(t, w, "after new mail", picked)
	guitest.OnUI(func() {
		if w.selRow != 1 {
			t.Errorf("after new mail the highlight is on row %d, want 1", w.selRow)
		}
	})

	// An account is added with newer mail still: the wizard reloads.
	home := f.Account(t, "Home")
	newest := f.Deliver(t, home, "zeppelin newest", time.Minute)
	f.MarkRead(t, newest)
	guitest.OnUI(w.reload)
	guitest.Eventually(t, "account's mail listed", func() bool { return w.rows.Len() == 4 })
	waitShown(t, w, "after an account was added", picked)

	// Every action applies to the message shown, not the row it was on.
	guitest.OnUI(func() { test.Tap(w.toolbar[8]) }) // flag
	guitest.Eventually(t, "the shown message flagged", func() bool {
		m, _, _ := f.DB.Message(context.Background(), picked)
		return m.Flagged
	})
	for _, other := range []int64{older, newer, newest} {
		if m, _, _ := f.DB.Message(context.Background(), other); m.Flagged {
			t.Errorf("message %q was flagged, not the one shown", m.Subject)
		}
	}

	// A search that still finds it keeps it; the folder switch too.
	guitest.OnUI(func() { test.Type(w.search, "picked") })
	guitest.Eventually(t, "search narrows", func() bool { return w.rows.Len() == 1 })
	waitShown(t, w, "in a search that finds it", picked)
	guitest.OnUI(func() { w.navList.Select(navIndex(t, w, "Inbox", work.ID)) })
	guitest.Eventually(t, "Work inbox listed", func() bool { return w.rows.Len() == 3 && w.search.Text == "" })
	waitShown(t, w, "in its own folder", picked)

	// A folder without it: the selection and the reader are cleared.
	guitest.OnUI(func() { w.navList.Select(navIndex(t, w, "Inbox", home.ID)) })
	guitest.Eventually(t, "Home inbox listed", func() bool { return w.rows.Len() == 1 })
	waitShown(t, w, "in another folder", 0)
	guitest.OnUI(func() {
		if w.selected.ID != 0 {
			t.Errorf("actions would apply to message %d, which is not shown", w.selected.ID)
		}
	})
}

func TestSearchWithoutTheSelectionClearsTheReader(t *testing.T) {
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	picked := f.Deliver(t, work, "groceries", time.Hour)
	f.Deliver(t, work, "zeppelin", 2*time.Hour)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "two rows", func() bool { _, ok := w.rows.Peek(1); return ok })
	guitest.OnUI(func() { w.list.Select(0) })
	waitShown(t, w, "picked", picked)
	guitest.OnUI(func() { test.Type(w.search, "zeppelin") })
	guitest.Eventually(t, "search narrows", func() bool { return w.rows.Len() == 1 })
	waitShown(t, w, "in a search without it", 0)
	// The toolbar acts on nothing rather than on the row that took its place.
	guitest.OnUI(func() { test.Tap(w.toolbar[8]) })
	guitest.OnUI(func() {})
	for _, m := range mustList(t, f.DB) {
		if m.Flagged {
			t.Errorf("%q flagged with nothing shown", m.Subject)
		}
	}
}

func mustList(t *testing.T, db *storage.DB) []core.MessageSummary {
	t.Helper()
	rows, err := db.List(context.Background(), storage.ListQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestSelectionFoundDeepInTheList(t *testing.T) {
	// The selected message far down a long list is found again after
	// new mail, by bisection, and its page is loaded for the highlight.
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	var ids []int64
	for i := range 250 {
		ids = append(ids, f.Deliver(t, work, fmt.Sprint("message ", i), time.Duration(i+1)*time.Minute))
	}
	picked := ids[230] // row 230, on the third page
	sel, _, err := f.DB.Message(context.Background(), picked)
	if err != nil {
		t.Fatal(err)
	}
	f.Deliver(t, work, "new", 0)
	l, err := maillist.ReadList(context.Background(), f.DB, storage.ListQuery{}, sel)
	if err != nil || l.At != 231 {
		t.Fatalf("readList found the selection at %d (%v), want row 231", l.At, err)
	}
	if rows := l.Pages[2]; len(rows) <= 31 || rows[31].ID != picked {
		t.Errorf("readList did not read the selection's page")
	}
	if _, err := f.DB.RemoveJournaled(context.Background(), picked); err != nil {
		t.Fatal(err)
	}
	if l, err := maillist.ReadList(context.Background(), f.DB, storage.ListQuery{}, sel); err != nil || l.At != -1 {
		t.Errorf("readList after it was removed = row %d (%v), want -1", l.At, err)
	}
}

func TestClickingTheHighlightedRowAgainOpensIt(t *testing.T) {
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	id := f.Deliver(t, work, "read me again", time.Hour)
	f.MarkRead(t, id)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "row drawn", func() bool { _, ok := w.rows.Peek(0); return ok })
	guitest.OnUI(func() { clickRow(t, w, 0) })
	waitShown(t, w, "first click", id)
	// The reader lost the message (a failed read says "pick it again").
	guitest.OnUI(func() { w.reader.Clear() })
	guitest.OnUI(func() { clickRow(t, w, 0) })
	waitShown(t, w, "second click on the highlighted row", id)
}

func TestArrowKeysMoveBetweenMessages(t *testing.T) {
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	first := f.Deliver(t, work, "first", time.Minute)
	second := f.Deliver(t, work, "second", time.Hour)
	f.MarkRead(t, first, second)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	c := w.win.Canvas()
	guitest.Eventually(t, "rows drawn", func() bool { _, ok := w.rows.Peek(1); return ok })
	guitest.OnUI(func() { clickRow(t, w, 0) })
	waitShown(t, w, "clicked", first)
	guitest.OnUI(func() {
		if c.Focused() != fyne.Focusable(w.list) {
			t.Errorf("after a click the focus is on %T, want the message list", c.Focused())
		}
		guitest.PressKey(c, fyne.KeyDown)
	})
	waitShown(t, w, "Down", second)
	guitest.OnUI(func() { guitest.PressKey(c, fyne.KeyDown) }) // at the end: stays
	waitShown(t, w, "Down at the end", second)
	guitest.OnUI(func() { guitest.PressKey(c, fyne.KeyUp) })
	waitShown(t, w, "Up", first)
}

func TestShortcutsWhereverTheFocusIs(t *testing.T) {
	tests := []struct {
		name  string
		focus func(w *MainWindow) // moves the focus, as the user did
		// typing deletes characters there; TestDeleteInTheSearchBoxEditsTheText
		textField bool
	}{
		{"nothing focused", func(w *MainWindow) { w.win.Canvas().Unfocus() }, false},
		{"search box after a search", func(w *MainWindow) {
			w.win.Canvas().Focus(w.search)
			test.Type(w.search, "x")
			w.search.SetText("")
		}, true},
		{"button after Tab", func(w *MainWindow) {
			c := w.win.Canvas()
			c.Focus(w.search)
			for range 50 {
				if _, ok := c.Focused().(*kit.ToolButton); ok {
					return
				}
				c.FocusNext()
			}
			panic("Tab never reached a button")
		}, false},
		{"message list", func(w *MainWindow) { w.win.Canvas().Focus(w.list) }, false},
		{"folder list", func(w *MainWindow) { w.win.Canvas().Focus(w.navList) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newMainFixture(t)
			work := f.Account(t, "Work")
			id := f.Deliver(t, work, "Lunch?", time.Minute)
			f.MarkRead(t, id)
			guitest.OnUI(f.app.Start)
			w := f.app.Main()
			c := w.win.Canvas()
			guitest.Eventually(t, "row loaded", func() bool { _, ok := w.rows.Peek(0); return ok })
			guitest.OnUI(func() { w.list.Select(0) })
			waitShown(t, w, "selected", id)
			composers := func() (n int) {
				guitest.OnUI(func() { n = len(f.app.composers.Windows()) })
				return n
			}
			press := func(s fyne.Shortcut) {
				guitest.OnUI(func() {
					tt.focus(w)
					guitest.PressShortcut(c, s)
				})
			}
			press(guitest.Ctrl(fyne.KeyN, 0))
			if got := composers(); got != 1 {
				t.Fatalf("Ctrl+N opened %d composers, want 1", got)
			}
			press(guitest.Ctrl(fyne.KeyR, 0))
			guitest.Eventually(t, "Ctrl+R opened a reply", func() bool { return len(f.app.composers.Windows()) == 2 })
			press(guitest.Ctrl(fyne.KeyR, fyne.KeyModifierShift))
			guitest.Eventually(t, "Ctrl+Shift+R opened a reply to all", func() bool { return len(f.app.composers.Windows()) == 3 })
			press(guitest.Ctrl(fyne.KeyF, 0))
			guitest.OnUI(func() {
				if c.Focused() != fyne.Focusable(w.search) {
					t.Errorf("Ctrl+F left the focus on %T, want the search box", c.Focused())
				}
			})
			if tt.textField {
				return
			}
			guitest.OnUI(func() {
				tt.focus(w)
				guitest.PressKey(c, fyne.KeyDelete)
			})
			guitest.Eventually(t, "Delete moved it to the Trash", func() bool {
				m, _, err := f.DB.Message(context.Background(), id)
				return err == nil && m.Folder == "Trash"
			})
		})
	}
}

func TestDeleteInTheSearchBoxEditsTheText(t *testing.T) {
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	id := f.Deliver(t, work, "keep me", time.Minute)
	f.MarkRead(t, id)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	c := w.win.Canvas()
	guitest.Eventually(t, "row loaded", func() bool { _, ok := w.rows.Peek(0); return ok })
	guitest.OnUI(func() {
		w.list.Select(0)
		c.Focus(w.search)
		test.Type(w.search, "keep")
		w.search.CursorColumn = 0
		guitest.PressKey(c, fyne.KeyDelete)
		if w.search.Text != "eep" {
			t.Errorf("Delete in the search box left %q, want eep", w.search.Text)
		}
	})
	// The search the typing started has run (its heading names the text),
	// so no background work starts under the Wait below; a wrongful
	// delete would have started at once.
	guitest.Eventually(t, "the search for eep ran", func() bool { return w.heading.Visible() && strings.Contains(w.heading.Text, "eep") })
	f.app.Wait()
	if m, _, _ := f.DB.Message(context.Background(), id); m.Folder != "Inbox" {
		t.Errorf("Delete in the search box moved the message to %q", m.Folder)
	}
}

func TestDeleteSelectsTheNextMessage(t *testing.T) {
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	top := f.Deliver(t, work, "top", time.Minute)
	middle := f.Deliver(t, work, "middle", time.Hour)
	bottom := f.Deliver(t, work, "bottom", 2*time.Hour)
	f.MarkRead(t, top, middle, bottom)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "rows loaded", func() bool { _, ok := w.rows.Peek(2); return ok })
	guitest.OnUI(func() { w.list.Select(1) })
	waitShown(t, w, "middle", middle)
	guitest.OnUI(w.deleteSelected)
	waitShown(t, w, "after deleting the middle one, the one below", bottom)
	guitest.Eventually(t, "two left", func() bool { return w.rows.Len() == 2 })
	waitShown(t, w, "after the list was read again", bottom)
	guitest.OnUI(w.deleteSelected)
	waitShown(t, w, "after deleting the last one, the one above", top)
	guitest.Eventually(t, "one left", func() bool { return w.rows.Len() == 1 })
	guitest.OnUI(w.deleteSelected)
	waitShown(t, w, "after deleting the only one, nothing", 0)
}

func TestToolbarButtonsHaveTooltips(t *testing.T) {
	f := newMainFixture(t)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	c := w.win.Canvas()
	guitest.OnUI(func() {
		if len(w.toolbar) != 14 {
			t.Fatalf("toolbar has %d buttons, want 14", len(w.toolbar))
		}
		d := fyne.CurrentApp().Driver()
		for _, b := range w.toolbar {
			if b.Text != "" || b.Tip == "" {
				t.Errorf("toolbar button %q: want an icon with a tooltip, tip %q", b.Text, b.Tip)
				continue
			}
			centre := d.AbsolutePositionForObject(b).Add(fyne.NewPos(b.Size().Width/2, b.Size().Height/2))
			test.MoveMouse(c, centre)
			if got := w.tips.Shown(); got != b.Tip {
				t.Errorf("hovering %q shows tooltip %q", b.Tip, got)
			}
			// The tip sits below the button, inside the window, and
			// does not take the mouse from it.
			if tp := d.AbsolutePositionForObject(w.tips.Box()); tp.Y < centre.Y || tp.X+w.tips.Box().Size().Width > c.Size().Width+1 {
				t.Errorf("tooltip %q at %v, size %v: not below its button inside the window", b.Tip, tp, w.tips.Box().Size())
			}
		}
		test.MoveMouse(c, fyne.NewPos(c.Size().Width/2, c.Size().Height/2))
		if got := w.tips.Shown(); got != "" {
			t.Errorf("tooltip %q still shown after the mouse left", got)
		}
	})
}

func TestSearchFeedback(t *testing.T) {
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	f.Deliver(t, work, "zeppelin schedule", time.Hour)
	f.Deliver(t, work, "zeppelin tickets", time.Hour)
	f.Deliver(t, work, "groceries", time.Hour)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	c := w.win.Canvas()
	heading := func() (s string) {
		if w.heading.Visible() {
			s = w.heading.Text
		}
		return s
	}
	guitest.Eventually(t, "all listed", func() bool { return w.rows.Len() == 3 })
	guitest.OnUI(func() {
		if heading() != "" || w.search.clear.Visible() {
			t.Errorf("without a search: heading %q, clear button shown %v", heading(), w.search.clear.Visible())
		}
		c.Focus(w.search)
		test.Type(w.search, "zepp")
	})
	guitest.Eventually(t, "results counted", func() bool { return heading() == "2 results for “zepp”" })
	guitest.OnUI(func() {
		if !w.search.clear.Visible() {
			t.Error("no clear button while searching")
		}
		test.Type(w.search, "x")
	})
	guitest.Eventually(t, "no match said", func() bool { return heading() == "No messages match “zeppx”" && w.rows.Len() == 0 })
	guitest.OnUI(func() { guitest.PressKey(c, fyne.KeyEscape) })
	guitest.Eventually(t, "Escape cleared the search", func() bool { return w.search.Text == "" && heading() == "" && w.rows.Len() == 3 })
	guitest.OnUI(func() { test.Type(w.search, "groceries") })
	guitest.Eventually(t, "one result", func() bool { return heading() == "1 result for “groceries”" })
	guitest.OnUI(func() { test.Tap(w.search.clear) })
	guitest.Eventually(t, "the × cleared the search", func() bool { return w.search.Text == "" && heading() == "" && w.rows.Len() == 3 })
	guitest.OnUI(func() {
		if y := w.list.Position().Y; y != 0 {
			t.Errorf("without a search the list starts %v below the top of its pane, want no gap", y)
		}
	})
}

func TestCompactRows(t *testing.T) {
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	f.Deliver(t, work, "first", time.Hour)
	f.Deliver(t, work, "second", time.Minute)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "listed", func() bool { _, ok, _, _, _ := w.rows.Row(1); return ok })
	rowHeight := func() (h float32) {
		guitest.OnUI(func() { h = maillist.NewRow(func() bool { return w.compact }).MinSize().Height })
		return h
	}
	// The window starts 1100 wide, over compactFrom: one line per message.
	if !w.compact {
		t.Fatal("a wide window without a saved choice starts with three-line rows, want one line")
	}
	one := rowHeight()
	guitest.OnUI(func() {
		test.Tap(w.toolbar[9])
		if w.compact {
			t.Error("the layout button left the list compact")
		}
	})
	three := rowHeight()
	if one*2 > three {
		t.Errorf("a one-line row is %v high and a three-line one %v; want the compact row at most half as high", one, three)
	}
	if got := f.app.Fyne.Preferences().String(prefListLayout); got != listThreeLines {
		t.Errorf("choice remembered as %q, want %q", got, listThreeLines)
	}
	// A row made before the switch lays itself out anew on its next update.
	var r *maillist.Row
	guitest.OnUI(func() {
		r = maillist.NewRow(func() bool { return w.compact }).(*maillist.Row)
		m, _, _, _, _ := w.rows.Row(0)
		r.Set(m, false)
		if !r.Snippet.Visible() {
			t.Error("a three-line row hides its snippet")
		}
		test.Tap(w.toolbar[9])
		r.Set(m, false)
		if r.Snippet.Visible() {
			t.Error("after switching to one line, an existing row still shows its snippet")
		}
		if h := r.MinSize().Height; h != one {
			t.Errorf("an existing row is %v high after the switch, want %v", h, one)
		}
	})
	// The next window starts with the choice remembered, whatever its width.
	f.app.Fyne.Preferences().SetString(prefListLayout, listThreeLines)
	if (&MainWindow{app: f.app}).startCompact() {
		t.Error("a remembered three-line choice is not kept at the next start")
	}
}

func TestWindowLayoutIsRemembered(t *testing.T) {
	f := newMainFixture(t)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.OnUI(func() {
		if got := w.win.Canvas().Size(); got.Width < mainWidth-20 {
			t.Errorf("first start: window %v, want about %vx%v", got, mainWidth, mainHeight)
		}
		w.win.Resize(fyne.NewSize(900, 640))
		w.sideSplit.SetOffset(0.3)
		w.listSplit.SetOffset(0.5)
		w.saveLayout()
	})
	var next *MainWindow
	guitest.OnUI(func() {
		next = newMainWindow(f.app) // on the UI goroutine, as the app's own reloads run there

		if got := next.savedSize(); got.Width < 880 || got.Width > 900 || got.Height < 620 || got.Height > 640 {
			t.Errorf("next start: size %v, want the 900x640 (less the window's padding) it closed with", got)
		}
		if next.sideSplit.Offset != 0.3 || next.listSplit.Offset != 0.5 {
			t.Errorf("next start: panes at %v and %v, want 0.3 and 0.5", next.sideSplit.Offset, next.listSplit.Offset)
		}
		if next.compact {
			t.Error("a window narrower than 1000 px starts with one-line rows")
		}
	})
}

func TestOneLetterKeys(t *testing.T) {
	f := newMainFixture(t)
	ctx := context.Background()
	work := f.Account(t, "Work")
	first := f.Deliver(t, work, "first", time.Minute)
	second := f.Deliver(t, work, "second", time.Hour)
	f.MarkRead(t, first, second)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	c := w.win.Canvas()
	guitest.Eventually(t, "listed", func() bool { _, ok := w.rows.Peek(1); return ok })
	guitest.OnUI(func() { w.list.Select(0) })
	waitShown(t, w, "the first message", first)

	// Typed in the search box, a letter is text, not a command.
	guitest.OnUI(func() {
		c.Focus(w.search)
		test.Type(w.search, "a")
		w.search.SetText("")
		c.Focus(w.list)
		test.Type(w.list, "j") // next message
	})
	waitShown(t, w, "the second message after j", second)
	if m, _, _ := f.DB.Message(ctx, first); m.Folder != "Inbox" {
		t.Fatalf("typing a in the search box filed the message in %s", m.Folder)
	}
	guitest.OnUI(func() { test.Type(w.list, "s") })
	guitest.Eventually(t, "s flagged it", func() bool { m, _, _ := f.DB.Message(ctx, second); return m.Flagged })
	guitest.OnUI(func() { test.Type(w.list, "a") })
	guitest.Eventually(t, "a archived it", func() bool { m, _, _ := f.DB.Message(ctx, second); return m.Folder == "Archive" })
	guitest.OnUI(func() {
		test.Type(w.list, "?")
		if text := guitest.DialogText(w.win); !strings.Contains(text, "Keyboard shortcuts") || !strings.Contains(text, "archive") {
			t.Errorf("? shows %q, want the shortcuts", text)
		}
	})
}

// A search that finds more messages than the list shows says so, with the
// newest of them listed, rather than counting every match.
func TestSearchManyResultsListsTheNewest(t *testing.T) {
	f := newMainFixture(t)
	storagetest.SeedListing(t, f.DB, maillist.SearchShown+200) // every subject says "Report"
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "listed", func() bool { return w.rows.Len() == maillist.SearchShown+200 })
	guitest.OnUI(func() { test.Type(w.search, "report") })
	want := "More than 1,000 results for “report”: the newest 1,000 are listed; add words or operators to find older ones"
	guitest.Eventually(t, "the capped heading", func() bool { return w.heading.Visible() && w.heading.Text == want })
	guitest.OnUI(func() {
		if n := w.rows.Len(); n != maillist.SearchShown {
			t.Errorf("the list holds %d rows, want the newest %d", n, maillist.SearchShown)
		}
		if m, ok := w.rows.Peek(0); !ok || !strings.HasPrefix(m.Subject, fmt.Sprintf("Report %d ", maillist.SearchShown+199)) {
			t.Errorf("the first row is %q, want the newest report", m.Subject)
		}
	})
	exact, err := f.DB.Count(context.Background(), storage.ListQuery{Search: "report 7"})
	if err != nil || exact >= maillist.SearchShown {
		t.Fatalf("report 7 matches %d, %v; want fewer than %d", exact, err, maillist.SearchShown)
	}
	guitest.OnUI(func() { test.Type(w.search, " 7") })
	want = fmt.Sprintf("%d results for “report 7”", exact)
	guitest.Eventually(t, "an exact count again", func() bool { return w.heading.Text == want })
}
