package storage_test

import (
	"context"
	"testing"

	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/storage/storagetest"
)

// BenchmarkUnifiedInbox100k measures what the message list does with
// 100,000 messages in the store: the row count, the first page, a page
// scrolled to the middle, and a search.
func BenchmarkUnifiedInbox100k(b *testing.B) {
	db, err := storage.Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storagetest.SeedListing(b, db, 100_000)
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		run  func() error
	}{
		{"count", func() error { _, err := db.Count(ctx, storage.ListQuery{}); return err }},
		{"first_page", func() error { _, err := db.List(ctx, storage.ListQuery{Limit: 100}); return err }},
		{"scroll_one_page", func() error { _, err := db.List(ctx, storage.ListQuery{Limit: 100, Offset: 100}); return err }},
		{"page_at_50k", func() error { _, err := db.List(ctx, storage.ListQuery{Limit: 100, Offset: 50_000}); return err }},
		{"search_as_you_type", func() error { _, err := db.List(ctx, storage.ListQuery{Search: "proj 42", Limit: 100}); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := bc.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
