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

// WindowRows is the number of newest rows listWindow first reads for a
// page of limit rows at offset.
func WindowRows(limit, offset int) int {
	return max(windowMin, windowPerRow*(limit+offset))
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

// Candidates is candidates, for the tests that check which searches take
// which set: ok says a set was taken, matched that it is the index's
// matches.
func (db *DB) Candidates(ctx context.Context, q ListQuery) (ids []int64, matched, ok bool, err error) {
	c, ok, err := db.candidates(ctx, q)
	return c.ids, c.matched, ok, err
}

// SetCandidates sets the thresholds of candidates for the test tb
// (ftsDense, filtersMax and sampleRare), so that a small store takes
// each set.
func SetCandidates(tb testing.TB, dense, most, rare int) {
	tb.Helper()
	oldDense, oldMost, oldRare := ftsDense, filtersMax, sampleRare
	ftsDense, filtersMax, sampleRare = dense, most, rare
	tb.Cleanup(func() { ftsDense, filtersMax, sampleRare = oldDense, oldMost, oldRare })
}
