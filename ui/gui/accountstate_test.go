package gui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/ui/gui/composer"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// drawnNavRow finds the drawn sidebar entry labelled label.
func drawnNavRow(t *testing.T, w *MainWindow, label string) *navRow {
	t.Helper()
	r, ok := guitest.FindWidget(w.navList, func(r *navRow) bool { return r.label.Text == label })
	if !ok {
		t.Fatalf("the sidebar draws no entry %q", label)
	}
	return r
}

// markShown reports whether account's sidebar entry shows its warning
// mark, and the mark's tip.
func markShown(t *testing.T, w *MainWindow, account string) (bool, string) {
	t.Helper()
	r := drawnNavRow(t, w, account)
	return r.mark.Visible(), r.mark.tip
}

func TestAccountErrorStaysUntilThatAccountSyncs(t *testing.T) {
	f := newMainFixture(t)
	f.Account(t, "Home")
	f.Account(t, "Work")
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "both accounts in the sidebar", func() bool { return len(w.nav) >= 5 })

	const workIMAP, workPOP, homeIMAP = 11, 12, 21
	w.handle(engine.Event{Kind: engine.EventError, Account: "Work", SourceID: workIMAP, Label: "Work (IMAP imap.work.test)",
		Err: errors.New("imap.work.test:993: login refused")})
	guitest.Eventually(t, "Work marked", func() bool { on, _ := markShown(t, w, "Work"); return on })

	// Another account's success, and another source of the same account,
	// resolve nothing: the shared status line used to lose the error so.
	w.handle(engine.Event{Kind: engine.EventSynced, Account: "Home", SourceID: homeIMAP, Label: "Home (IMAP imap.home.test)"})
	w.handle(engine.Event{Kind: engine.EventSynced, Account: "Work", SourceID: workPOP, Label: "Work (POP3 pop.work.test)"})
	w.handle(engine.Event{Kind: engine.EventProgress, Account: "Home", SourceID: homeIMAP, Done: 1, Total: 4})
	guitest.Eventually(t, "Home's progress shown", func() bool { return drawnNavRow(t, w, "Home").count.Text == "25%" })
	guitest.OnUI(func() {
		on, tip := markShown(t, w, "Work")
		if !on || tip != "Work (IMAP imap.work.test): imap.work.test:993: login refused" {
			t.Errorf("Work after Home's success: mark %v, tip %q; want the login error kept", on, tip)
		}
		if on, _ := markShown(t, w, "Home"); on {
			t.Errorf("Home is marked, but only Work failed")
		}
		// Hovering shows the error; a click the details.
		mark := drawnNavRow(t, w, "Work").mark
		mark.MouseIn(&desktop.MouseEvent{})
		if got := w.tips.Shown(); !strings.Contains(got, "login refused") {
			t.Errorf("tooltip on the mark = %q, want the error", got)
		}
		mark.MouseOut()
		test.Tap(mark)
		if text := guitest.DialogText(w.win); !strings.Contains(text, "Work: the last sync failed") || !strings.Contains(text, "login refused") {
			t.Errorf("details after a click = %q", text)
		}
		b := guitest.FindButton(w.win.Canvas().Overlays().Top(), "Close")
		if b == nil {
			t.Fatal("no Close in the details")
		}
		test.Tap(b)
	})
	guitest.OnUI(func() {
		if on, _ := markShown(t, w, "Work"); !on {
			t.Errorf("closing the details cleared the mark; only Dismiss should")
		}
	})
	// An error that names its source already is not labelled twice.
	w.handle(engine.Event{Kind: engine.EventError, Account: "Work", SourceID: workPOP, Label: "Work (POP3 pop.work.test)",
		Err: errors.New("Work (POP3 pop.work.test): pop.work.test:995: connection refused")})
	guitest.Eventually(t, "both of Work's failures in the tip", func() bool {
		_, tip := markShown(t, w, "Work")
		return tip == "Work (IMAP imap.work.test): imap.work.test:993: login refused\nWork (POP3 pop.work.test): pop.work.test:995: connection refused"
	})
	w.handle(engine.Event{Kind: engine.EventSynced, Account: "Work", SourceID: workPOP, Label: "Work (POP3 pop.work.test)"})

	// That source's own success clears it.
	w.handle(engine.Event{Kind: engine.EventSynced, Account: "Work", SourceID: workIMAP, Label: "Work (IMAP imap.work.test)"})
	guitest.Eventually(t, "Work's mark cleared by its own sync", func() bool { on, _ := markShown(t, w, "Work"); return !on })
}

func TestAccountErrorDismissed(t *testing.T) {
	f := newMainFixture(t)
	f.Account(t, "Work")
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "Work in the sidebar", func() bool { return len(w.nav) >= 3 })
	w.handle(engine.Event{Kind: engine.EventError, Account: "Work", SourceID: 1, Label: "Work (POP3 x)", Err: errors.New("no answer")})
	guitest.Eventually(t, "Work marked", func() bool { on, _ := markShown(t, w, "Work"); return on })
	guitest.OnUI(func() {
		test.Tap(drawnNavRow(t, w, "Work").mark)
		b := guitest.FindButton(w.win.Canvas().Overlays().Top(), "Dismiss")
		if b == nil {
			t.Fatalf("no Dismiss in the details %q", guitest.DialogText(w.win))
		}
		test.Tap(b)
	})
	guitest.Eventually(t, "mark dismissed", func() bool { on, _ := markShown(t, w, "Work"); return !on })
}

// imapAccount stores an account with one IMAP source and its INBOX.
func (f *mainFixture) imapAccount(t *testing.T, name string) (core.Account, core.MailboxState) {
	t.Helper()
	ctx := context.Background()
	a := core.Account{Name: name, Email: strings.ToLower(name) + "@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: "127.0.0.1", Port: 25, Encryption: core.EncryptionNone},
		Sources: []core.Source{{Protocol: core.ProtocolIMAP, Host: "127.0.0.1", Port: 1, Username: "ann", Encryption: core.EncryptionNone,
			Method: core.MethodManual, Interval: core.DefaultInterval, Folder: core.DefaultFolder}}}
	if err := f.DB.CreateAccount(ctx, &a); err != nil {
		t.Fatal(err)
	}
	box, err := f.DB.IMAPMailbox(ctx, a.ID, a.Sources[0].ID, "INBOX", "Inbox", core.RoleInbox)
	if err != nil {
		t.Fatal(err)
	}
	return a, box
}

func TestPendingChangesShownAndRefusedOnesDiscarded(t *testing.T) {
	f := newMainFixture(t)
	ctx := context.Background()
	work, box := f.imapAccount(t, "Work")
	src := work.Sources[0].ID
	for i, subject := range []string{"one", "two", "three"} {
		id := f.Deliver(t, work, subject, time.Hour)
		if err := f.DB.LinkIMAPUID(ctx, box.ID, uint32(i+1), id); err != nil {
			t.Fatal(err)
		}
		if _, err := f.DB.ChangeFlags(ctx, id, core.Flags{Seen: true}); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := f.DB.Journal(ctx, src)
	if err != nil || len(entries) != 3 {
		t.Fatalf("journal = %d entries, %v; want 3", len(entries), err)
	}
	if err := f.DB.JournalFailed(ctx, entries[0].ID, "Mailbox doesn't exist: INBOX", true); err != nil {
		t.Fatal(err)
	}

	guitest.OnUI(f.app.Start) // reads the pending changes at start
	w := f.app.Main()
	notices := func() string { return strings.Join(guitest.VisibleText(w.notices), "\n") }
	guitest.Eventually(t, "pending changes shown", func() bool {
		return strings.Contains(notices(), "2 changes waiting for Work") &&
			strings.Contains(notices(), "The server refused 1 change for Work: Mailbox doesn't exist: INBOX")
	})
	guitest.OnUI(func() {
		b := guitest.FindButton(w.notices, "Discard")
		if b == nil {
			t.Fatalf("no Discard beside the refused change: %q", notices())
		}
		test.Tap(b)
	})
	// The engine forgets the refused change and its EventPending updates
	// the notices.
	guitest.Eventually(t, "refused change discarded", func() bool {
		return !strings.Contains(notices(), "refused") && strings.Contains(notices(), "2 changes waiting for Work")
	})
	if p, err := f.app.Engine.PendingChanges(ctx); err != nil || len(p) != 1 || p[0].Failed != 0 || p[0].Waiting != 2 {
		t.Errorf("pending after Discard = %+v, %v; want 2 waiting, none failed", p, err)
	}
	// An engine event replaces what is shown.
	w.handle(engine.Event{Kind: engine.EventPending, Pending: []core.PendingChanges{{Account: "Work", SourceID: src, Waiting: 1}}})
	guitest.Eventually(t, "one change waiting", func() bool { return notices() == "1 change waiting for Work" })
	w.handle(engine.Event{Kind: engine.EventPending})
	guitest.Eventually(t, "nothing waiting", func() bool { return notices() == "" })
}

func TestOpenWindowsFollowAccountChanges(t *testing.T) {
	f := newComposeFixture(t)
	ctx := context.Background()
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.OnUI(func() { f.app.composers.Open(composer.Draft{}) })
	win := onlyComposerWindow(t, f.app)
	var from *widget.Select
	guitest.OnUI(func() { from, _ = guitest.FindWidget(win.Content(), func(*widget.Select) bool { return true }) })
	var before int
	var chosen string
	guitest.OnUI(func() {
		before = len(from.Options)
		from.SetSelectedIndex(before - 1)
		chosen = from.Selected
	})
	guitest.OnUI(f.app.OpenSettings)
	var settings fyne.Window
	guitest.OnUI(func() { settings = guitest.Window(f.app.Fyne, "Accounts and settings") })
	if settings == nil {
		t.Fatal("no Settings window")
	}

	// An account added elsewhere (the CLI through the control socket, say)
	// reaches the open windows through the engine's EventAccounts alone.
	home := core.Account{Name: "Zed Home", Email: "zed@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: "127.0.0.1", Port: 25, Encryption: core.EncryptionNone}}
	if err := f.app.Engine.AddAccount(ctx, &home, core.Passwords{}); err != nil {
		t.Fatal(err)
	}
	guitest.Eventually(t, "the composer's From list has the new account", func() bool { return len(from.Options) == before+1 })
	guitest.Eventually(t, "the sidebar has the new account", func() bool {
		for _, n := range w.nav {
			if n.header && n.label == "Zed Home" {
				return true
			}
		}
		return false
	})
	guitest.Eventually(t, "Settings lists the new account", func() bool {
		return strings.Contains(strings.Join(guitest.VisibleText(settings.Content()), "\n"), "Zed Home")
	})
	guitest.OnUI(func() {
		if from.Selected != chosen {
			t.Errorf("the composer's choice moved from %q to %q on the reload", chosen, from.Selected)
		}
	})
	if err := f.app.Engine.RemoveAccount(ctx, home); err != nil {
		t.Fatal(err)
	}
	guitest.Eventually(t, "the composer's From list lost the account", func() bool { return len(from.Options) == before })
}

func TestRefusedSignInOffersSignInAgain(t *testing.T) {
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	guitest.Eventually(t, "Work in the sidebar", func() bool { return len(w.nav) >= 3 })
	w.handle(engine.Event{Kind: engine.EventError, Account: "Work", SourceID: 1, Label: "Work (IMAP imap.work.test)",
		Err: &core.SignInError{Account: "Work", Err: errors.New("invalid_grant")}})
	guitest.Eventually(t, "Work marked", func() bool { on, _ := markShown(t, w, "Work"); return on })
	guitest.OnUI(func() {
		test.Tap(drawnNavRow(t, w, "Work").mark)
		b := guitest.FindButton(w.win.Canvas().Overlays().Top(), "Sign in again")
		if b == nil {
			t.Fatalf("the details of a refused sign-in offer no Sign in again: %q", guitest.DialogText(w.win))
		}
		test.Tap(b)
	})
	guitest.Eventually(t, "the account's wizard opened", func() bool { return f.app.wizards.IsOpen(work.ID) })
}
