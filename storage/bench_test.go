package storage_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/corpus"
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

// BenchmarkStoreBatch stores corpus messages (core/mailtest/corpus) with
// their full-text index, staged from memory, committed one per
// transaction or 250 per transaction as an IMAP sync does. It reports the
// cost per message; fsync is part of it, so the disk matters.
func BenchmarkStoreBatch(b *testing.B) {
	for _, size := range []int{1, 250} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			ctx := context.Background()
			db, err := storage.Open(ctx, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			a := &core.Account{Name: "Bench", Email: "bench@example.test", DisplayName: "Bench",
				SMTP:          core.SMTPSettings{Host: "smtp.example.test", Port: 587, Encryption: core.EncryptionSTARTTLS},
				PasswordStore: core.PasswordStoreFile}
			if err := db.CreateAccount(ctx, a); err != nil {
				b.Fatal(err)
			}
			folder, err := db.EnsureFolder(ctx, a.ID, core.DefaultFolder, core.RoleInbox)
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
					batch = append(batch, core.Pending{Delivery: core.Delivery{AccountID: a.ID, FolderID: folder}, Staged: s})
					if len(batch) == size {
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
