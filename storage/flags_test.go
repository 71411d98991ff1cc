package storage_test

import (
	"context"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/storage/storagetest"
)

// A flag sync without CONDSTORE may change thousands of messages at
// once (read in webmail): SetFlags writes them in several transactions,
// and every one lands.
func TestSetFlagsManyMessages(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 1007 // three of SetFlags's transactions
	storagetest.SeedListing(t, db, n)
	rows, err := db.List(ctx, storage.ListQuery{Limit: n})
	if err != nil || len(rows) != n {
		t.Fatalf("List = %d rows, %v; want %d", len(rows), err, n)
	}
	changes := make([]core.FlagChange, len(rows))
	for i, m := range rows {
		changes[i] = core.FlagChange{ID: m.ID, Flags: core.Flags{Seen: true, Flagged: i%2 == 0}}
	}
	if err := db.SetFlags(ctx, changes...); err != nil {
		t.Fatal(err)
	}
	for search, want := range map[string]int{"is:unread": 0, "is:flagged": (n + 1) / 2} {
		if got, err := db.Count(ctx, storage.ListQuery{Search: search}); err != nil || got != want {
			t.Errorf("Count(%s) = %d, %v; want %d", search, got, err, want)
		}
	}
}
