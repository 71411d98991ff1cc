package control

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/mailto"
)

// A second `tributary mailto:` reaches the running app: the compose
// request carries every field over the socket to the app's callback.
func TestComposeReachesTheRunningApp(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	var got []mailto.Message
	c := f.serve(t, &Local{Engine: f.e, Store: f.db, Running: true, ComposeFunc: func(m mailto.Message) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, m)
	}})
	want, err := mailto.Parse("mailto:ann@example.com?cc=Bob%20%3Cbob@example.com%3E&subject=Hi&body=line%201%0D%0Aline%202&in-reply-to=%3Cx@y%3E&from=evil@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Compose(context.Background(), want); err != nil {
		t.Fatalf("Compose = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("the app was asked to compose %+v, want %+v once", got, want)
	}
}

func TestComposeWithoutAWindow(t *testing.T) {
	f := newFixture(t)
	c := f.serve(t, &Local{Engine: f.e, Store: f.db, Running: true})
	if err := c.Compose(context.Background(), mailto.Message{Subject: "x"}); err == nil || !strings.Contains(err.Error(), "no window") {
		t.Errorf("Compose on tributary sync = %v, want no window", err)
	}
}

func TestContactsOverTheSocket(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	c := f.serve(t, &Local{Engine: f.e, Store: f.db, Running: true})
	sub := f.e.Subscribe()
	defer sub.Close()
	rep, err := c.ContactsImport(ctx, []core.Contact{{Name: "Ann", Emails: []string{"ann@example.com"}}, {Name: "Bob", Emails: []string{"bob@example.com"}}})
	if err != nil || rep != (core.ContactsImported{Added: 2}) {
		t.Fatalf("ContactsImport = %+v, %v; want 2 added", rep, err)
	}
	// The error's type stays in the running app; its wording crosses.
	if ann, err := c.ContactSave(ctx, core.Contact{Name: "Ann Other", Emails: []string{"ANN@example.com"}}); err == nil || !strings.Contains(err.Error(), "belongs to the contact") {
		t.Errorf("ContactSave of a taken address = %+v, %v; want a refusal", ann, err)
	}
	saved, err := c.ContactSave(ctx, core.Contact{Name: "Cy", Emails: []string{"cy@example.com"}})
	if err != nil || saved.ID == 0 {
		t.Fatalf("ContactSave = %+v, %v; want an ID", saved, err)
	}
	if err := c.ContactDelete(ctx, saved); err != nil {
		t.Fatal(err)
	}
	list, err := f.db.Contacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ct := range list {
		if !ct.Collected() {
			names = append(names, ct.Name)
		}
	}
	if strings.Join(names, ",") != "Ann,Bob" {
		t.Errorf("saved contacts = %q, want Ann,Bob", names)
	}
	// Subscribers hear of every change: the import, the save, the delete.
	n := 0
	for n < 3 {
		if ev := <-sub.C(); ev.Kind == engine.EventContacts {
			n++
		}
	}
}
