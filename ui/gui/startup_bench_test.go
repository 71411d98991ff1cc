package gui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/storage/storagetest"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// BenchmarkStartToFirstPage100k measures what the app does from opening
// a store of 100,000 messages to the first page of the unified inbox in
// the main window's list: open the store (migrations checked), make the
// engine and the app, start it, read the count and the first page. The
// target is the "start to first painted inbox ≤ 1 s"; a real
// start adds the process, the GL window and the first frame, measured by
// scripts/firstpaint.sh.
func BenchmarkStartToFirstPage100k(b *testing.B) {
	dir := b.TempDir()
	ctx := context.Background()
	db, err := storage.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	storagetest.SeedListing(b, db, 100_000)
	db.Close()
	fa := test.NewTempApp(b)
	for b.Loop() {
		ctx, cancel := context.WithCancel(ctx)
		db, err := storage.Open(ctx, dir)
		if err != nil {
			b.Fatal(err)
		}
		var a *App
		guitest.OnUI(func() {
			a = New(ctx, fa, db, engine.New(db, engine.Options{DataDir: dir}))
			a.Do = guitest.OnUI
			a.Start()
		})
		deadline := time.Now().Add(time.Minute)
		for {
			if _, ok := a.main.rows.Peek(0); ok {
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("no first page after a minute")
			}
			time.Sleep(100 * time.Microsecond)
		}
		b.StopTimer()
		cancel()
		a.Wait()
		guitest.OnUI(func() { a.main.win.Close() })
		db.Close()
		b.StartTimer()
	}
}
