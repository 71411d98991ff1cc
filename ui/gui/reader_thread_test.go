package gui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

func TestReaderShowsTheConversation(t *testing.T) {
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	home := f.Account(t, "Home")
	root := f.DeliverRaw(t, work, "From: Ann <ann@example.test>\nTo: work@example.test\nSubject: Plans\nDate: Mon, 23 Nov 2026 09:00:00 +0000\nMessage-ID: <root@example.test>\n\nShall we?\n")
	reply := f.DeliverRaw(t, home, "From: Bob <bob@example.test>\nTo: ann@example.test\nSubject: Re: Plans\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <reply@example.test>\nIn-Reply-To: <root@example.test>\nReferences: <root@example.test>\n\nYes.\n")
	alone := f.DeliverRaw(t, work, "From: Cy <cy@example.test>\nTo: work@example.test\nSubject: Something else\nDate: Mon, 23 Nov 2026 11:00:00 +0000\nMessage-ID: <other@example.test>\n\nHi.\n")
	f.MarkRead(t, root, reply, alone)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "listed", func() bool { _, ok := w.rows.Peek(2); return ok })
	row := func(id int64) (i int) {
		for i = 0; i < w.rows.Len(); i++ {
			if m, _ := w.rows.Peek(i); m.ID == id {
				return i
			}
		}
		return -1
	}
	guitest.OnUI(func() { w.list.Select(row(alone)) })
	waitShown(t, w, "the lone message", alone)
	guitest.OnUI(func() {
		if text := strings.Join(guitest.VisibleText(w.reader.CanvasObject()), "\n"); strings.Contains(text, "Conversation:") {
			t.Errorf("a message alone in its conversation shows a conversation strip:\n%s", text)
		}
		w.list.Select(row(reply))
	})
	waitShown(t, w, "the reply", reply)
	var open *widget.Button
	guitest.OnUI(func() {
		all := guitest.VisibleText(w.reader.CanvasObject())
		at := slices.Index(all, "Conversation: 2 messages")
		if at < 0 || at+3 > len(all) {
			t.Fatalf("the reader shows %q, want a conversation strip: a heading and the two messages, across accounts", all)
		}
		text := all[at : at+3]
		open = guitest.FindButton(w.reader.CanvasObject(), text[1])
		if open == nil {
			t.Fatalf("the first message of the conversation (%q) is not a button", text[1])
		}
		test.Tap(open)
	})
	waitShown(t, w, "the first message, opened from the conversation", root)
}
