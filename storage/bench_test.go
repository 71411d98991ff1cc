package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

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

// BenchmarkSearch100k reports the 95th percentile of a search's first page
// (what the search box shows) and its count on 100,000 messages, as the
// p95-ms metric: the targets are 50 ms for one word and 150 ms for a
// phrase with two operators (docs/BENCHMARKS.md).
func BenchmarkSearch100k(b *testing.B) {
	db, err := storage.Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storagetest.SeedListing(b, db, 100_000)
	ctx := context.Background()
	for _, bc := range []struct{ name, search string }{
		{"one_word_in_1pct", "42"},
		{"one_word_in_one", "12345"},
		{"one_word_in_all", "report"}, // the worst case: every message matches
		{"phrase_and_two_operators", `"project 42" from:s42 is:unread`},
		{"phrase_in_all_and_two_operators", `"about project" -is:read account:work`},
		{"operators_only", "is:unread -has:attachment"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				start := time.Now()
				if _, err := db.List(ctx, storage.ListQuery{Search: bc.search, Limit: 100}); err != nil {
					b.Fatal(err)
				}
				if _, err := db.Count(ctx, storage.ListQuery{Search: bc.search}); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
