package storage

import (
	"context"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

// ListWindow is listWindow, for the tests that check its pages against
// ListPlain.
func (db *DB) ListWindow(ctx context.Context, q ListQuery) ([]core.MessageSummary, bool, error) {
	return db.listWindow(ctx, q)
}

// ListPlain is a page of the straightforward plan: every match, sorted.
// The tests hold List's other plans to its pages.
func (db *DB) ListPlain(ctx context.Context, q ListQuery) ([]core.MessageSummary, error) {
	where, args, err := q.where(db.blobs)
	if err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	return db.summaries(ctx, `SELECT `+summaryColumns+summaryFrom+where+` ORDER BY m.date DESC, m.id DESC LIMIT ? OFFSET ?`, append(args, q.Limit, q.Offset)...)
}

// CountPlain counts every match with the full-text matches collected
// first (the plan Count had before it streamed them).
func (db *DB) CountPlain(ctx context.Context, q ListQuery) (int, error) {
	where, args, err := q.where(db.blobs)
	if err != nil {
		return 0, err
	}
	var n int
	err = db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages m`+where, args...).Scan(&n)
	return n, err
}

// FiltersFirst is filtersFirst, for the tests that check which searches
// take the plan.
func (db *DB) FiltersFirst(ctx context.Context, q ListQuery) ([]int64, bool, error) {
	return db.filtersFirst(ctx, q)
}

// SetFiltersFirst sets the thresholds of the filters-first plan for the
// test tb (ftsDense and filtersMax), so that a small store takes it.
func SetFiltersFirst(tb testing.TB, dense, most int) {
	tb.Helper()
	oldDense, oldMost := ftsDense, filtersMax
	ftsDense, filtersMax = dense, most
	tb.Cleanup(func() { ftsDense, filtersMax = oldDense, oldMost })
}
