package gui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/gui/maillist"
)

// mainFixture is an app over a real store in a temporary directory.
type mainFixture struct {
	app *App
	*guitest.Store
}

func newMainFixture(t *testing.T) *mainFixture {
	t.Helper()
	fa := test.NewTempApp(t)
	st := guitest.NewStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	var a *App
	guitest.OnUI(func() { a = New(ctx, fa, st.DB, st.Engine) })
	a.Do = guitest.OnUI
	t.Cleanup(func() {
		cancel()
		a.Wait() // before the store closes and the directory goes
	})
	return &mainFixture{app: a, Store: st}
}

func TestFirstRunOffersTheWizard(t *testing.T) {
	f := newMainFixture(t)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "first-run screen shown", func() bool { return w.body.Objects[0] == w.firstRun })
	guitest.Eventually(t, "the wizard opened by itself", func() bool { return f.app.wizards.IsOpen(0) })
}

func TestUnifiedInboxListsEveryAccountNewestFirst(t *testing.T) {
	f := newMainFixture(t)
	work, home := f.Account(t, "Work"), f.Account(t, "Home")
	f.Deliver(t, work, "older work mail", 2*time.Hour)
	f.Deliver(t, home, "newest home mail", time.Minute)
	f.Deliver(t, work, "middle work mail", time.Hour)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "list has 3 rows", func() bool { return w.rows.Len() == 3 })
	guitest.Eventually(t, "mail view shown", func() bool { return w.body.Objects[0] == w.mailView })
	guitest.Eventually(t, "first page loaded", func() bool { _, ok, _, _, _ := w.rows.Row(0); return ok })
	var subjects []string
	for i := range 3 {
		m, ok, _, _, _ := w.rows.Row(i)
		if !ok {
			t.Fatalf("row %d not loaded", i)
		}
		subjects = append(subjects, m.Subject)
	}
	if want := "newest home mail,middle work mail,older work mail"; strings.Join(subjects, ",") != want {
		t.Errorf("unified inbox = %v, want %s", subjects, want)
	}
	// The sidebar counts unread mail per folder and in total.
	if w.nav[0].label != "Unified Inbox" || w.nav[0].unread != 3 {
		t.Errorf("sidebar first entry = %+v, want Unified Inbox with 3 unread", w.nav[0])
	}
	// A row renders bold while unread.
	var r *maillist.Row
	guitest.OnUI(func() {
		r = maillist.NewRow(nil).(*maillist.Row)
		m, _, _, _, _ := w.rows.Row(0)
		r.Set(m, false)
	})
	if !r.Subject.TextStyle.Bold || r.From.Text != "Ann Sender" {
		t.Errorf("unread row: bold %v, from %q; want bold, Ann Sender", r.Subject.TextStyle.Bold, r.From.Text)
	}
}

func TestSelectingMarksReadAndUpdatesCounts(t *testing.T) {
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	id := f.Deliver(t, work, "read me", time.Minute)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "row loaded", func() bool { _, ok, _, _, _ := w.rows.Row(0); return ok })
	guitest.OnUI(func() { w.list.Select(0) })
	guitest.Eventually(t, "marked read in the store", func() bool {
		m, _, _ := f.DB.Message(context.Background(), id)
		return m.Seen
	})
	guitest.Eventually(t, "unread count updated", func() bool { return len(w.nav) > 0 && w.nav[0].unread == 0 })
}

func TestSearchAsYouType(t *testing.T) {
	f := newMainFixture(t)
	work, home := f.Account(t, "Work"), f.Account(t, "Home")
	f.Deliver(t, work, "zeppelin schedule", time.Hour)
	f.Deliver(t, home, "zeppelin tickets", time.Hour)
	f.Deliver(t, home, "groceries", time.Hour)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "all listed", func() bool { return w.rows.Len() == 3 })
	guitest.OnUI(func() { test.Type(w.search, "zepp") })
	guitest.Eventually(t, "search narrows to 2", func() bool { return w.rows.Len() == 2 })
	guitest.OnUI(func() { w.search.SetText("") })
	guitest.Eventually(t, "clearing the search restores the inbox", func() bool { return w.rows.Len() == 3 })
}

func TestLiveUpdateOnNewMail(t *testing.T) {
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	f.Deliver(t, work, "first", time.Hour)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "one row", func() bool { return w.rows.Len() == 1 })
	id := f.Deliver(t, work, "second", time.Minute)
	w.handle(engine.Event{Kind: engine.EventNewMail, Label: "Work (IMAP x)", MessageIDs: []int64{id}})
	guitest.Eventually(t, "new mail listed", func() bool { return w.rows.Len() == 2 })
	w.handle(engine.Event{Kind: engine.EventProgress, Account: "Work", SourceID: 1, Label: "Work (IMAP x)", Done: 1204, Total: 5000})
	guitest.Eventually(t, "progress shown", func() bool {
		s, _ := w.status.Get()
		return s == "Syncing Work (IMAP x): 1,204 of 5,000" && w.accountProgress("Work") == "24%"
	})
	w.handle(engine.Event{Kind: engine.EventError, Err: fmt.Errorf("mail.example.com:993: no answer")})
	guitest.Eventually(t, "error shown", func() bool {
		s, _ := w.status.Get()
		return strings.Contains(s, "no answer")
	})
}

func TestTrayMenu(t *testing.T) {
	f := newMainFixture(t)
	menu := f.app.tray.Menu(3)
	var labels []string
	for _, it := range menu.Items {
		if !it.IsSeparator {
			labels = append(labels, it.Label)
		}
	}
	if want := "3 unread,Check mail now,Compose,Show / Hide,Quit"; strings.Join(labels, ",") != want {
		t.Errorf("tray menu = %v, want %s", labels, want)
	}
	if got := f.app.tray.Menu(0).Items[0].Label; got != "No unread mail" {
		t.Errorf("tray status with nothing unread = %q", got)
	}
	// Show / Hide toggles the main window.
	guitest.OnUI(f.app.Start)
	for _, it := range menu.Items {
		if it.Label == "Show / Hide" {
			it.Action()
			if !f.app.main.inTray {
				t.Error("Show / Hide did not hide the window")
			}
			it.Action()
			if f.app.main.inTray {
				t.Error("Show / Hide did not show the window again")
			}
		}
	}
}

func TestNotificationsAreGrouped(t *testing.T) {
	f := newMainFixture(t)
	work, home := f.Account(t, "Work"), f.Account(t, "Home")
	one := f.Deliver(t, work, "Lunch?", time.Minute)
	n := f.app.tray.Notification(context.Background(), []int64{one})
	if n == nil || n.Title != "New mail from Ann Sender" || n.Content != "Lunch?" {
		t.Errorf("notification for one message = %+v, want sender and subject", n)
	}
	two, three := f.Deliver(t, home, "Invoice", time.Minute), f.Deliver(t, work, "Minutes", time.Minute)
	n = f.app.tray.Notification(context.Background(), []int64{one, two, three})
	if n == nil || n.Title != "3 new messages in 2 accounts" {
		t.Errorf("notification for a burst = %+v, want one grouped notification", n)
	}
}

func TestDeleteKeyOnTheFocusedList(t *testing.T) {
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	id := f.Deliver(t, work, "to be deleted", time.Minute)
	f.MarkRead(t, id)
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "row loaded", func() bool { _, ok, _, _, _ := w.rows.Row(0); return ok })
	guitest.OnUI(func() {
		w.list.Select(0)
		w.win.Canvas().Focus(w.list)
		w.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	})
	guitest.Eventually(t, "moved to the Trash", func() bool {
		m, _, err := f.DB.Message(context.Background(), id)
		return err == nil && m.Folder == "Trash"
	})
}

func TestFirstRunOffersTheDemo(t *testing.T) {
	f := newMainFixture(t)
	started := 0
	guitest.OnUI(func() { f.app.OfferDemo(func() error { started++; return nil }) })
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "first-run screen shown", func() bool { return w.body.Objects[0] == w.firstRun })
	guitest.OnUI(func() {
		b, ok := guitest.FindWidget(w.firstRun, func(b *kit.ToolButton) bool { return b.Text == "Try it with demo accounts" })
		if !ok {
			t.Fatal("no demo button on the first-run screen")
		}
		test.Tap(b)
	})
	if started != 1 {
		t.Errorf("the demo started %d times, want once", started)
	}
}

// The toolbar's Contacts opens the address book (package contacts tests
// the window), and its Write to opens a composer to the contact.
func TestContactsOpenFromTheMainWindowAndWriteToComposes(t *testing.T) {
	f := newMainFixture(t)
	f.Account(t, "Work")
	guitest.OnUI(f.app.Start)
	guitest.OnUI(func() {
		b, ok := guitest.FindWidget(f.app.Main().win.Canvas().Content(), func(b *kit.ToolButton) bool { return b.Text == "Contacts" })
		if !ok {
			t.Fatal("the main window offers no Contacts button")
		}
		test.Tap(b)
	})
	guitest.Eventually(t, "the address book opened", func() bool { return guitest.Window(f.app.Fyne, "Contacts") != nil })
	guitest.OnUI(func() { f.app.contacts.Compose("Ann <ann@example.test>, ") })
	c := onlyComposerWindow(t, f.app)
	guitest.OnUI(func() {
		if text := composerText(c); !strings.Contains(text, "Ann <ann@example.test>") {
			t.Errorf("the composer shows %q, want it written to Ann", text)
		}
		c.Close()
	})
}

// The reader's "Forward as attachment" opens a composer with the message
// attached whole, from the account that received it (package reader tests
// the button, package composer the sending).
func TestForwardAsAttachmentOpensAComposer(t *testing.T) {
	f := newComposeFixture(t)
	id := f.plans(t)
	guitest.OnUI(func() { f.app.readers.ForwardAsAttachment(id) })
	c := onlyComposerWindow(t, f.app)
	guitest.Eventually(t, "the composer lists the attached message and the receiving account", func() bool {
		text := composerText(c)
		return c.Title() == "Fwd: RE: Plans for Friday" && strings.Contains(text, "RE_ Plans for Friday.eml") && strings.Contains(text, "Bea Ta <beta@example.test> — Beta")
	})
}
