package storage

import (
	"context"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

func TestKnownAddresses(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	work := addAccount(t, db, "Work")
	deliver := func(raw string) {
		t.Helper()
		if _, _, err := db.Deliver(ctx, core.Delivery{AccountID: work.ID, FolderID: inbox(t, db, work)}, strings.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
	}
	deliver("From: Old Friend <friend@example.test>\r\nTo: work@example.test\r\nSubject: old\r\nDate: Mon, 01 Jan 2024 10:00:00 +0000\r\nMessage-ID: <a@x>\r\n\r\nhi\r\n")
	deliver("From: \"Doe, Jane\" <jane@example.test>\r\nTo: \"Smith, Bob\" <bob@example.test>, FRIEND@example.test, broken\r\nSubject: new\r\nDate: Tue, 02 Jan 2024 10:00:00 +0000\r\nMessage-ID: <b@x>\r\n\r\nhi\r\n")

	got, err := db.KnownAddresses(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var list []string
	for _, a := range got {
		list = append(list, a.Name+" <"+a.Address+">")
	}
	// Best ranked first: friend wrote once and was copied once, Jane
	// wrote once, Bob was only copied. A repeated address (in any case)
	// is listed once, with the newest name seen; the piece of a split
	// name and the unparseable "broken" are dropped, and so is one's own
	// address, never written to.
	want := "Old Friend <FRIEND@example.test>|Doe, Jane <jane@example.test>|Bob <bob@example.test>"
	if strings.Join(list, "|") != want {
		t.Errorf("KnownAddresses = %q, want %q", strings.Join(list, "|"), want)
	}
	if got, _ := db.KnownAddresses(ctx, 2); len(got) != 2 {
		t.Errorf("KnownAddresses(limit 2) returned %d", len(got))
	}
}
