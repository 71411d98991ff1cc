package storage_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/corpus"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/storage/storagetest"
)

// BenchmarkUnifiedInbox100k measures what the message list does with
// 100,000 messages in the store: the row count, the first page, a page
// scrolled to the middle, and a search.
func BenchmarkUnifiedInbox100k(b *testing.B) { benchUnifiedInbox(b, 100_000) }

// BenchmarkUnifiedInbox1M is BenchmarkUnifiedInbox100k on 1,000,000
// messages (issue 10: the first page in 10 ms). Seeding them takes a
// minute or more: set TRIBUTARY_BENCH_STORE to keep the store for the
// next run (benchListing).
func BenchmarkUnifiedInbox1M(b *testing.B) { benchUnifiedInbox(b, 1_000_000) }

func benchUnifiedInbox(b *testing.B, n int) {
	db := benchListing(b, n)
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		run  func() error
	}{
		{"count", func() error { _, err := db.Count(ctx, storage.ListQuery{}); return err }},
		// What the app reads at start besides the list: the sidebar's
		// folders with their counts, and the tray's unread count.
		{"folders", func() error { _, err := db.Folders(ctx); return err }},
		{"unread_inbox", func() error { _, err := db.UnreadInbox(ctx); return err }},
		{"first_page", func() error { _, err := db.List(ctx, storage.ListQuery{Limit: 100}); return err }},
		{"scroll_one_page", func() error { _, err := db.List(ctx, storage.ListQuery{Limit: 100, Offset: 100}); return err }},
		{fmt.Sprintf("page_at_%dk", n/2000), func() error { _, err := db.List(ctx, storage.ListQuery{Limit: 100, Offset: n / 2}); return err }},
		{"threads_first_page", func() error { _, err := db.Threads(ctx, storage.ListQuery{Limit: 100}); return err }},
		{"threads_count", func() error { _, err := db.CountThreads(ctx, storage.ListQuery{}); return err }},
		{"threads_page_at_1k", func() error { _, err := db.Threads(ctx, storage.ListQuery{Limit: 100, Offset: 1000}); return err }},
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
// phrase with two operators (docs/BENCHMARKS.md). count=exact counts every
// match (Count), count=1000 what the heading shows (CountUpTo 1,000).
func BenchmarkSearch100k(b *testing.B) { benchSearch(b, 100_000) }

// BenchmarkSearch1M is BenchmarkSearch100k on 1,000,000 messages (issue
// 10: a word in 50 ms at p95); see BenchmarkUnifiedInbox1M for the store.
func BenchmarkSearch1M(b *testing.B) { benchSearch(b, 1_000_000) }

func benchSearch(b *testing.B, n int) {
	db := benchListing(b, n)
	ctx := context.Background()
	for _, bc := range []struct{ name, search string }{
		{"one_word_in_1pct", "42"},
		{"one_word_in_one", "12345"},
		{"one_word_in_all", "report"}, // the worst case: every message matches
		{"phrase_and_two_operators", `"project 42" from:s42 is:unread`},
		// Every Work message of the seed is read: the phrase is in every
		// message and nothing matches all three terms.
		{"phrase_in_all_and_two_operators", `"about project" -is:read account:work`},
		{"phrase_in_all_and_two_operators_third", `"about project" -is:read account:home`},
		{"operators_only", "is:unread -has:attachment"},
	} {
		for _, count := range []struct {
			name string
			run  func(storage.ListQuery) error
		}{
			{"exact", func(q storage.ListQuery) error { _, err := db.Count(ctx, q); return err }},
			{"1000", func(q storage.ListQuery) error { _, _, err := db.CountUpTo(ctx, q, 1000); return err }},
		} {
			b.Run(bc.name+"/count="+count.name, func(b *testing.B) {
				var times []time.Duration
				for b.Loop() {
					start := time.Now()
					if _, err := db.List(ctx, storage.ListQuery{Search: bc.search, Limit: 100}); err != nil {
						b.Fatal(err)
					}
					if err := count.run(storage.ListQuery{Search: bc.search}); err != nil {
						b.Fatal(err)
					}
					times = append(times, time.Since(start))
				}
				slices.Sort(times)
				b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
				b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
			})
		}
	}
}

// BenchmarkThreadBackfill100k measures threading a store of 100,000
// messages made before threading existed: what the first Open after the
// upgrade does (read every message's header from its file, then thread
// them all). Then the first pages of the list, which must stay as fast.
func BenchmarkThreadBackfill100k(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	db, err := storage.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	storagetest.SeedConversations(b, db, 100_000)
	db.Close()
	b.Run("backfill", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			storagetest.Unthread(b, dir)
			b.StartTimer()
			db, err := storage.Open(ctx, dir)
			if err != nil {
				b.Fatal(err)
			}
			db.Close()
		}
	})
	db, err = storage.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	threads, err := db.Threads(ctx, storage.ListQuery{Limit: 1})
	if err != nil || len(threads) != 1 || threads[0].Count != 5 {
		b.Fatalf("Threads after the backfill = %+v, %v; want conversations of 5", threads, err)
	}
	for _, bc := range []struct {
		name string
		run  func() error
	}{
		{"first_page", func() error { _, err := db.List(ctx, storage.ListQuery{Limit: 100}); return err }},
		{"threads_first_page", func() error { _, err := db.Threads(ctx, storage.ListQuery{Limit: 100}); return err }},
		{"threads_count", func() error { _, err := db.CountThreads(ctx, storage.ListQuery{}); return err }},
		{"thread_of_one_message", func() error { _, err := db.Thread(ctx, 50_000); return err }},
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

// BenchmarkStoreBatch stores corpus messages (core/mailtest/corpus) with
// their full-text index, staged from memory, committed one per
// transaction or 250 per transaction as an IMAP sync does: as local
// deliveries, and as an IMAP sync's, each with its UID row. It reports
// the cost per message; fsync is part of it, so the disk matters.
func BenchmarkStoreBatch(b *testing.B) {
	for _, tc := range []struct {
		size int
		imap bool
	}{{1, false}, {250, false}, {250, true}} {
		name := fmt.Sprintf("batch=%d", tc.size)
		if tc.imap {
			name += "/imap"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			db, err := storage.Open(ctx, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			a := &core.Account{Name: "Bench", Email: "bench@example.test", DisplayName: "Bench",
				SMTP:          core.SMTPSettings{Host: "smtp.example.test", Port: 587, Encryption: core.EncryptionSTARTTLS},
				PasswordStore: core.PasswordStoreFile,
				Sources: []core.Source{{Protocol: core.ProtocolIMAP, Host: "imap.example.test", Port: 993, Username: "u",
					Encryption: core.EncryptionSSL, Method: core.MethodManual, Folder: core.DefaultFolder}}}
			if err := db.CreateAccount(ctx, a); err != nil {
				b.Fatal(err)
			}
			mailbox, err := db.IMAPMailbox(ctx, a.ID, a.Sources[0].ID, "INBOX", core.DefaultFolder, core.RoleInbox)
			if err != nil {
				b.Fatal(err)
			}
			next := 0
			for b.Loop() {
				batch := make([]core.Pending, 0, 250)
				for range 250 {
					s, err := db.StageBytes(ctx, corpus.Message(next))
					if err != nil {
						b.Fatal(err)
					}
					next++
					d := core.Delivery{AccountID: a.ID, FolderID: mailbox.FolderID}
					if tc.imap {
						d.IMAP = &core.IMAPRef{MailboxID: mailbox.ID, UID: uint32(next)}
					}
					batch = append(batch, core.Pending{Delivery: d, Staged: s})
					if len(batch) == tc.size {
						if _, err := db.StoreBatch(ctx, batch); err != nil {
							b.Fatal(err)
						}
						batch = batch[:0]
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(next), "ns/message")
		})
	}
}

// BenchmarkContacts100k measures the address book on 100,000 messages:
// both read the newest 20,000 (addressScan) and weigh every address.
func BenchmarkContacts100k(b *testing.B) {
	db := benchListing(b, 100_000)
	ctx := context.Background()
	b.Run("known_addresses", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.KnownAddresses(ctx, 5000); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("contacts", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.Contacts(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchListing opens a store of n storagetest.Seed messages for
// benchmarks that only read it. With TRIBUTARY_BENCH_STORE set, the store
// lives in that directory (listing-N) and is reused by later runs, because
// seeding 1,000,000 messages takes a minute or more; a store whose seeding
// did not finish (no seeded file) is made again. Without it the store is
// seeded in a temporary directory. The size of the database and its WAL
// over n is reported by the sub-benchmark db_size as bytes/message: rows
// and full-text index only, since the seed writes no message files (a
// real store adds every message's raw bytes as a file).
func benchListing(b *testing.B, n int) *storage.DB {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	cache := os.Getenv("TRIBUTARY_BENCH_STORE")
	seeded := true
	if cache != "" {
		dir = filepath.Join(cache, fmt.Sprintf("listing-%d", n))
		if _, err := os.Stat(filepath.Join(dir, "seeded")); err != nil {
			seeded = false
			if err := os.RemoveAll(dir); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		seeded = false
	}
	db, err := storage.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if !seeded {
		start := time.Now()
		storagetest.SeedListing(b, db, n)
		b.Logf("seeded %d messages in %s", n, time.Since(start).Round(time.Millisecond))
		if err := os.WriteFile(filepath.Join(dir, "seeded"), nil, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("db_size", func(b *testing.B) {
		var size int64
		for b.Loop() {
			size = 0
			for _, f := range []string{storage.DBFile, storage.DBFile + "-wal"} {
				if st, err := os.Stat(filepath.Join(dir, f)); err == nil {
					size += st.Size()
				}
			}
		}
		b.ReportMetric(float64(size)/float64(n), "bytes/message")
	})
	return db
}
