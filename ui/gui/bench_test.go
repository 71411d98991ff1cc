package gui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/storage/storagetest"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
	"github.com/tributary-mail/tributary/ui/gui/maillist"
)

// BenchmarkMessageList100k opens the unified inbox of a store with
// 100,000 messages the way the main window does (count, first page, rows
// drawn), and scrolls one page further.
func BenchmarkMessageList100k(b *testing.B) {
	fa := test.NewTempApp(b)
	dir := b.TempDir()
	db, err := storage.Open(context.Background(), dir)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storagetest.SeedListing(b, db, 100_000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var a *App
	guitest.OnUI(func() { a = New(ctx, fa, db, engine.New(db, engine.Options{DataDir: dir})) })
	a.Do = guitest.OnUI
	defer a.Wait()
	w := a.Main()
	r := maillist.NewRow(nil).(*maillist.Row)

	b.Run("first_page", func(b *testing.B) {
		for b.Loop() {
			q := storage.ListQuery{}
			n, err := db.Count(ctx, q)
			if err != nil || n != 100_000 {
				b.Fatalf("Count = %d, %v", n, err)
			}
			gen := w.rows.Reset(q, n)
			if ok, err := w.rows.Load(ctx, db, 0, gen, q); !ok || err != nil {
				b.Fatalf("load first page = %v, %v", ok, err)
			}
			guitest.OnUI(func() {
				for i := range 20 { // a screenful of rows drawn
					m, _, _, _, _ := w.rows.Row(i)
					r.Set(m, false)
				}
			})
		}
	})
	b.Run("scroll_one_page", func(b *testing.B) {
		q := storage.ListQuery{}
		page := 0
		for b.Loop() {
			page++
			gen := w.rows.Reset(q, 100_000)
			if ok, err := w.rows.Load(ctx, db, page, gen, q); !ok || err != nil {
				b.Fatalf("load page %d = %v, %v", page, ok, err)
			}
			guitest.OnUI(func() {
				for i := range 20 {
					m, _, _, _, _ := w.rows.Row(page*maillist.PageSize + i)
					r.Set(m, false)
				}
			})
		}
	})
}
