package maillist

import (
	"context"
	"testing"

	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/storage/storagetest"
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
