package contacts

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
	"github.com/tributary-mail/tributary/ui/gui/shell"
)

func TestMain(m *testing.M) { guitest.Main(m) }

// contactsFixture is the address book over a real store and engine,
// following the engine's events as the app does; Write to records whom
// it would write to.
type contactsFixture struct {
	*guitest.Store
	sh       *shell.Shell
	contacts *Contacts
	wrote    []string
}

func newContactsFixture(t *testing.T) *contactsFixture {
	t.Helper()
	f := &contactsFixture{Store: guitest.NewStore(t)}
	f.sh = guitest.NewShell(t, test.NewTempApp(t), f.Store)
	f.contacts = New(f.sh)
	f.contacts.Compose = func(to string) { f.wrote = append(f.wrote, to) }
	// After NewShell, so that it stops before the shell's work is waited for.
	guitest.Follow(t, f.sh, f.contacts.Handle)
	return f
}

// openContacts opens the address book and waits until it lists n
// contacts.
func (f *contactsFixture) openContacts(t *testing.T, n int) *contactsWindow {
	t.Helper()
	guitest.OnUI(f.contacts.Open)
	var w *contactsWindow
	guitest.Eventually(t, "contacts listed", func() bool {
		w = f.contacts.open
		return w != nil && len(w.shown) == n
	})
	return w
}

func TestContactsWindow(t *testing.T) {
	ctx := context.Background()
	f := newContactsFixture(t)
	work := f.Account(t, "Work")
	f.Deliver(t, work, "hello", 0) // from Ann Sender <ann@example.test>
	w := f.openContacts(t, 1)
	guitest.OnUI(func() {
		if got := contactLine(w.shown[0]); got != "Ann Sender — ann@example.test  (from mail)" {
			t.Errorf("row = %q", got)
		}
		w.list.Select(0)
		if w.name.Text != "Ann Sender" || !w.remove.Visible() || w.write.Disabled() {
			t.Errorf("form = %q, remove %v, write disabled %v", w.name.Text, w.remove.Visible(), w.write.Disabled())
		}
		// Edit the collected contact: it becomes the user's.
		w.name.SetText("Ann Edited")
		w.emails.SetText("ann@example.test\nann@home.test")
		w.phones.SetText("+1 555 0100")
		test.Tap(w.save)
	})
	guitest.Eventually(t, "contact saved", func() bool {
		return len(w.all) == 1 && w.all[0].ID != 0 && w.all[0].Name == "Ann Edited"
	})
	list, err := f.DB.Contacts(ctx)
	if err != nil || len(list) != 1 || strings.Join(list[0].Emails, " ") != "ann@example.test ann@home.test" || list[0].Received != 1 {
		t.Fatalf("stored contacts = %+v, %v", list, err)
	}

	// The search filters by name and address.
	guitest.OnUI(func() { w.search.SetText("home") })
	guitest.Eventually(t, "search by address", func() bool { return len(w.shown) == 1 })
	guitest.OnUI(func() { w.search.SetText("nobody") })
	guitest.Eventually(t, "search with no match", func() bool { return len(w.shown) == 0 })
	guitest.OnUI(func() { w.search.SetText("") })

	// A bad address is refused, with the reason.
	guitest.OnUI(func() {
		w.emails.SetText("not an address")
		test.Tap(w.save)
	})
	guitest.Eventually(t, "bad address refused", func() bool { return strings.HasPrefix(w.status.Text, "Not saved:") })

	// Write to opens a composer to the contact.
	guitest.OnUI(func() {
		w.emails.SetText("ann@example.test")
		test.Tap(w.write)
	})
	guitest.OnUI(func() {
		if len(f.wrote) != 1 || f.wrote[0] != "Ann Edited <ann@example.test>, " {
			t.Errorf("Write to wrote to %q, want Ann Edited", f.wrote)
		}
	})

	// Export, then import into the same book: everything merges.
	path := filepath.Join(t.TempDir(), "book.vcf")
	guitest.OnUI(func() { w.exportFile(path) })
	guitest.Eventually(t, "exported", func() bool { return strings.HasPrefix(w.status.Text, "Exported 1 contact to") })
	data, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(data), "FN:Ann Edited\r\n") {
		t.Fatalf("exported file = %q, %v", data, err)
	}
	extra := filepath.Join(t.TempDir(), "extra.vcf")
	os.WriteFile(extra, append(data, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zed\r\nEMAIL:zed@example.test\r\nEND:VCARD\r\n"...), 0o600)
	guitest.OnUI(func() { w.importFile(extra) })
	guitest.Eventually(t, "imported", func() bool { return strings.Contains(w.status.Text, "1 new, 1 merged") && len(w.all) == 2 })

	// Remove asks first; the removed contact does not come back with mail.
	guitest.OnUI(func() {
		for i, ct := range w.shown {
			if ct.Name == "Ann Edited" {
				w.list.Select(i)
			}
		}
		test.Tap(w.remove)
		if !strings.Contains(guitest.DialogText(w.win), "Remove Ann Edited") {
			t.Errorf("dialog = %q", guitest.DialogText(w.win))
		}
		guitest.TapButton(t, w.win, "Yes")
	})
	guitest.Eventually(t, "removed", func() bool { return len(w.all) == 1 && w.all[0].Name == "Zed" })
	f.Deliver(t, work, "again", 0)
	if list, _ := f.DB.Contacts(ctx); len(list) != 1 {
		t.Errorf("after new mail from a removed contact, contacts = %+v, want Zed alone", list)
	}

	// Opening again brings the same window forward.
	guitest.OnUI(f.contacts.Open)
	if f.contacts.open != w {
		t.Error("OpenContacts opened a second window")
	}
}

// Changes made elsewhere (the CLI through the running engine) reach an
// open address book.
func TestContactsWindowFollowsTheEngine(t *testing.T) {
	f := newContactsFixture(t)
	w := f.openContacts(t, 0)
	if _, err := f.Engine.ImportContacts(context.Background(), []core.Contact{{Name: "From the CLI", Emails: []string{"cli@example.test"}}}); err != nil {
		t.Fatal(err)
	}
	guitest.Eventually(t, "imported contact shown", func() bool { return len(w.shown) == 1 && w.shown[0].Name == "From the CLI" })
}

func TestSplitOn(t *testing.T) {
	tests := []struct {
		name, in, seps, want string
	}{
		{"addresses one a line", "a@x\nb@x\r\n", "\r\n,;", "a@x|b@x"},
		{"addresses pasted with commas", "a@x, b@x; c@x", "\r\n,;", "a@x| b@x| c@x"},
		{"a phone keeps its comma", "+1 555 0100, ext. 2\n+44 20", "\r\n", "+1 555 0100, ext. 2|+44 20"},
		{"empty", "", "\r\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(splitOn(tt.in, tt.seps), "|"); got != tt.want {
				t.Errorf("splitOn(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
