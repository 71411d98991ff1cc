package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
)

// contactFixture is a store with one account (work@example.test) and a
// way to file messages into its Inbox or Sent folder at a given age.
type contactFixture struct {
	t     *testing.T
	db    *DB
	acct  *core.Account
	inbox int64
	sent  int64
	now   time.Time
	n     int
}

func newContactFixture(t *testing.T) *contactFixture {
	t.Helper()
	db := openTest(t)
	a := addAccount(t, db, "Work")
	sent, err := db.EnsureFolder(context.Background(), a.ID, "Sent", core.RoleSent)
	if err != nil {
		t.Fatal(err)
	}
	return &contactFixture{t: t, db: db, acct: a, inbox: inbox(t, db, a), sent: sent, now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
}

// mail files a message from → to, days old; one from work@ goes to Sent.
func (f *contactFixture) mail(from, to string, days int) {
	f.t.Helper()
	f.n++
	folder := f.inbox
	if strings.Contains(from, "work@example.test") {
		folder = f.sent
	}
	date := f.now.Add(-time.Duration(days) * 24 * time.Hour).Format(time.RFC1123Z)
	raw := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: m%d\r\nDate: %s\r\nMessage-ID: <m%d@x>\r\n\r\nhi\r\n", from, to, f.n, date, f.n)
	if _, _, err := f.db.Deliver(context.Background(), core.Delivery{AccountID: f.acct.ID, FolderID: folder}, strings.NewReader(raw)); err != nil {
		f.t.Fatal(err)
	}
}

func (f *contactFixture) known() string {
	f.t.Helper()
	got, err := f.db.knownAddressesAt(context.Background(), 50, f.now)
	if err != nil {
		f.t.Fatal(err)
	}
	var list []string
	for _, a := range got {
		list = append(list, a.Address)
	}
	return strings.Join(list, " ")
}

func (f *contactFixture) contacts() []core.Contact {
	f.t.Helper()
	got, err := f.db.contactsAt(context.Background(), f.now)
	if err != nil {
		f.t.Fatal(err)
	}
	return got
}

func TestContactRanking(t *testing.T) {
	const me = "Me <work@example.test>"
	tests := []struct {
		name string
		mail func(f *contactFixture)
		want string // KnownAddresses, best first
	}{
		{"sent weighs more than received", func(f *contactFixture) {
			f.mail("Rx <rx@example.test>", me, 1)
			f.mail(me, "Tx <tx@example.test>", 1)
		}, "tx@example.test rx@example.test"},
		{"recent beats old", func(f *contactFixture) {
			f.mail(me, "old@example.test", 400)
			f.mail(me, "new@example.test", 2)
		}, "new@example.test old@example.test"},
		{"often beats once, at the same age", func(f *contactFixture) {
			f.mail(me, "once@example.test", 10)
			f.mail(me, "often@example.test", 10)
			f.mail(me, "often@example.test", 11)
			f.mail(me, "often@example.test", 12)
		}, "often@example.test once@example.test"},
		{"written to often long ago loses to yesterday", func(f *contactFixture) {
			for i := range 5 {
				f.mail(me, "years@example.test", 700+i)
			}
			f.mail(me, "yesterday@example.test", 1)
		}, "yesterday@example.test years@example.test"},
		{"a noreply sender is not collected, one's own address only when written to", func(f *contactFixture) {
			f.mail("Shop <no-reply@shop.test>", me, 1)
			f.mail("Ann <ann@example.test>", me+", Bob <bob@example.test>", 1)
		}, "ann@example.test bob@example.test"},
		{"a noreply address one wrote to is kept", func(f *contactFixture) {
			f.mail(me, "noreply@shop.test", 1)
		}, "noreply@shop.test"},
		{"a future date counts as now", func(f *contactFixture) {
			f.mail(me, "future@example.test", -30)
			f.mail(me, "today@example.test", 5)
		}, "future@example.test today@example.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newContactFixture(t)
			tt.mail(f)
			if got := f.known(); got != tt.want {
				t.Errorf("KnownAddresses = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestContactWeight(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		w    float64
		at   time.Time
		want float64
	}{
		{"now", core.WeightSent, now, 3},
		{"one half-life", core.WeightSent, now.Add(-core.ContactHalfLife), 1.5},
		{"two half-lives", core.WeightReceived, now.Add(-2 * core.ContactHalfLife), 0.25},
		{"future", core.WeightReceived, now.Add(time.Hour), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := core.ContactWeight(tt.w, tt.at, now); got < tt.want-1e-9 || got > tt.want+1e-9 {
				t.Errorf("ContactWeight(%v, %v) = %v, want %v", tt.w, tt.at, got, tt.want)
			}
		})
	}
}

func TestContactEditsKept(t *testing.T) {
	ctx := context.Background()
	f := newContactFixture(t)
	f.mail("Ann Collected <ann@example.test>", "work@example.test", 3)
	f.mail("Bob <bob@example.test>", "work@example.test", 4)

	list := f.contacts()
	if len(list) != 2 || !list[0].Collected() || list[0].Name != "Ann Collected" || list[0].Received != 1 {
		t.Fatalf("contacts = %+v, want Ann then Bob, collected", list)
	}
	// Editing a collected contact saves it; mail still ranks it.
	ann := list[0]
	ann.Name = "Ann Edited"
	ann.Emails = append(ann.Emails, "ann@home.test")
	ann.Phones = []string{"+1 555 0100"}
	if err := f.db.SaveContact(ctx, &ann); err != nil {
		t.Fatal(err)
	}
	f.mail("Ann Renamed By Mail <ann@example.test>", "work@example.test", 1)
	list = f.contacts()
	if len(list) != 2 || list[0].ID != ann.ID || list[0].Name != "Ann Edited" || list[0].Received != 2 || strings.Join(list[0].Emails, " ") != "ann@example.test ann@home.test" {
		t.Fatalf("after the edit, contacts = %+v, want the edited Ann (2 received) and Bob", list)
	}
	// Deleting, saved or collected, keeps mail from bringing it back.
	if err := f.db.DeleteContact(ctx, list[0]); err != nil {
		t.Fatal(err)
	}
	if err := f.db.DeleteContact(ctx, list[1]); err != nil {
		t.Fatal(err)
	}
	f.mail("Ann <ann@example.test>", "work@example.test", 0)
	f.mail("Bob <BOB@example.test>", "work@example.test", 0)
	if list := f.contacts(); len(list) != 0 {
		t.Errorf("after deleting both, contacts = %+v, want none", list)
	}
	if got := f.known(); got != "" {
		t.Errorf("after deleting both, KnownAddresses = %q, want none", got)
	}
	// Adding the address again by hand takes it from the deleted one.
	bob := core.Contact{Name: "Bob Again", Emails: []string{"bob@example.test"}}
	if err := f.db.SaveContact(ctx, &bob); err != nil {
		t.Fatalf("SaveContact over a deleted contact's address = %v", err)
	}
	if got := f.known(); got != "bob@example.test" {
		t.Errorf("KnownAddresses = %q, want bob again", got)
	}
}

func TestSaveContact(t *testing.T) {
	ctx := context.Background()
	f := newContactFixture(t)
	ann := core.Contact{Name: "Ann", Emails: []string{"ann@example.test"}}
	if err := f.db.SaveContact(ctx, &ann); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		c       core.Contact
		inUse   bool
		invalid bool
	}{
		{"an address of another contact", core.Contact{Name: "Other", Emails: []string{"ANN@example.test"}}, true, false},
		{"a bad address", core.Contact{Name: "X", Emails: []string{"not an address"}}, false, true},
		{"nothing at all", core.Contact{Emails: []string{" "}}, false, true},
		{"a name alone", core.Contact{Name: "Just a name", Phones: []string{"123"}}, false, false},
		{"the same contact keeps its address", core.Contact{ID: ann.ID, Name: "Ann B", Emails: []string{"ann@example.test", "ann@example.test"}}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			err := f.db.SaveContact(ctx, &c)
			var inUse *ContactInUseError
			var field core.FieldError
			if got := errors.As(err, &inUse); got != tt.inUse {
				t.Errorf("SaveContact(%+v) = %v, want in use %v", tt.c, err, tt.inUse)
			}
			if got := errors.As(err, &field); got != tt.invalid {
				t.Errorf("SaveContact(%+v) = %v, want invalid %v", tt.c, err, tt.invalid)
			}
		})
	}
	got, err := f.db.Contact(ctx, ann.ID)
	if err != nil || got.Name != "Ann B" || len(got.Emails) != 1 {
		t.Errorf("Contact(%d) = %+v, %v; want Ann B with one address", ann.ID, got, err)
	}
	if _, err := f.db.Contact(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Contact(999) = %v, want ErrNotFound", err)
	}
}

func TestImportContacts(t *testing.T) {
	ctx := context.Background()
	f := newContactFixture(t)
	ann := core.Contact{Name: "Ann", Emails: []string{"ann@example.test"}, Notes: "kept"}
	gone := core.Contact{Name: "Gone", Emails: []string{"gone@example.test"}, Notes: "old notes"}
	for _, c := range []*core.Contact{&ann, &gone} {
		if err := f.db.SaveContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.db.DeleteContact(ctx, gone); err != nil {
		t.Fatal(err)
	}
	rep, err := f.db.ImportContacts(ctx, []core.Contact{
		{Name: "Ann Full", Emails: []string{"ann@home.test", "ANN@example.test"}, Phones: []string{"1"}},
		{Name: "New", Emails: []string{"new@example.test"}},
		{Name: "Gone Back", Emails: []string{"gone@example.test"}},
		{Name: "New twice", Emails: []string{"new@example.test", "new2@example.test"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep != (core.ContactsImported{Added: 1, Merged: 3}) {
		t.Errorf("ImportContacts = %+v, want 1 added, 3 merged", rep)
	}
	byName := map[string]core.Contact{}
	for _, c := range f.contacts() {
		byName[c.Name] = c
	}
	if c := byName["Ann Full"]; c.ID != ann.ID || c.Notes != "kept" || strings.Join(c.Emails, " ") != "ann@example.test ann@home.test" || len(c.Phones) != 1 {
		t.Errorf("merged Ann = %+v", c)
	}
	if c := byName["Gone Back"]; c.ID != gone.ID || c.Notes != "" {
		t.Errorf("revived contact = %+v, want Gone Back without its old notes", c)
	}
	if c := byName["New twice"]; strings.Join(c.Emails, " ") != "new@example.test new2@example.test" {
		t.Errorf("twice-imported contact = %+v", c)
	}
	if len(byName) != 3 {
		t.Errorf("contacts = %v, want 3", byName)
	}
	// A bad card stops the whole import: nothing of it is saved.
	if _, err := f.db.ImportContacts(ctx, []core.Contact{{Name: "Fine", Emails: []string{"fine@example.test"}}, {Name: "Bad", Emails: []string{"@@"}}}); err == nil {
		t.Error("ImportContacts with a bad address = nil, want an error")
	}
	if len(f.contacts()) != 3 {
		t.Error("a failed import saved some of its contacts")
	}
}
