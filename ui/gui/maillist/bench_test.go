package maillist

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/storage/storagetest"
	"github.com/tributary-mail/tributary/ui/gui/kit"
)

// BenchmarkReadList100k reads the unified inbox of 100,000 messages again
// as after new mail, with the selection on the first page and far down
// the list, where it is found by bisection.
func BenchmarkReadList100k(b *testing.B) {
	ctx := context.Background()
	db, err := storage.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storagetest.SeedListing(b, db, 100_000)
	q := storage.ListQuery{}
	for _, bc := range []struct {
		name string
		row  int
	}{{"selection_on_first_page", 10}, {"selection_at_row_90000", 90_000}} {
		b.Run(bc.name, func(b *testing.B) {
			one := q
			one.Limit, one.Offset = 1, bc.row
			rows, err := db.List(ctx, one)
			if err != nil || len(rows) != 1 {
				b.Fatalf("List row %d = %v, %v", bc.row, rows, err)
			}
			for b.Loop() {
				l, err := ReadList(ctx, db, q, rows[0])
				if err != nil || l.At != bc.row {
					b.Fatalf("readList found row %d (%v), want %d", l.At, err, bc.row)
				}
			}
		})
	}
}

// BenchmarkListRefresh draws a screenful of rows in a list in a window,
// as the main window does: a refresh of the same rows (after new mail
// elsewhere, a count or the heading changing) and a scroll to rows not
// shown yet. Fyne's list sets every visible row more than once per
// refresh, so what a row costs to set is paid many times at start.
func BenchmarkListRefresh(b *testing.B) {
	test.NewTempApp(b)
	base := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	msgs := make([]core.MessageSummary, 1000)
	for i := range msgs {
		msgs[i] = core.MessageSummary{ID: int64(i + 1), AccountID: int64(i % 3), FromName: fmt.Sprintf("Sender number %d", i%500),
			FromAddr: "s@example.test", Subject: fmt.Sprintf("Report %d about project %d and its schedule for the coming weeks", i, i%97),
			Snippet: strings.Repeat(fmt.Sprintf("The first words of the body of message %d. ", i), 4)[:160],
			Date:    base.Add(-time.Duration(i) * time.Minute), Flags: core.Flags{Seen: i%3 != 0, Flagged: i%7 == 0}}
	}
	l := NewList(func() int { return len(msgs) }, func() fyne.CanvasObject { return NewRow(nil) }, func(i widget.ListItemID, o fyne.CanvasObject) {
		o.(*Row).Set(msgs[i], false)
	}, kit.NewKeymap(), func(int) {})
	w := test.NewWindow(l)
	defer w.Close()
	w.Resize(fyne.NewSize(900, 1000))
	b.Run("same_rows", func(b *testing.B) {
		for b.Loop() {
			l.Refresh()
		}
	})
	b.Run("scroll", func(b *testing.B) {
		row := 0
		for b.Loop() {
			row = (row + 20) % 900
			l.ScrollTo(row)
		}
	})
}
