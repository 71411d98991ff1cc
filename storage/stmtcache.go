package storage

import (
	"context"
	"database/sql"
)

// batchTx is a write transaction that prepares each statement once, for
// StoreBatch: SQLite spent about as long parsing the same few INSERTs for
// every message of a batch as running them. Its ExecContext and
// QueryRowContext take the same arguments as *sql.Tx's, so code written
// for a transaction reads the same; Tx is there for the rest.
type batchTx struct {
	Tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func newBatchTx(tx *sql.Tx) *batchTx { return &batchTx{Tx: tx, stmts: map[string]*sql.Stmt{}} }

func (b *batchTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := b.stmts[query]; ok {
		return s, nil
	}
	s, err := b.Tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	b.stmts[query] = s
	return s, nil
}

// ExecContext runs query's prepared statement.
func (b *batchTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := b.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// QueryRowContext runs query's prepared statement. A query that cannot
// be prepared goes to the transaction as it is, whose Row then reports
// the error in Scan (only database/sql can make a Row that holds one).
func (b *batchTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := b.stmt(ctx, query)
	if err != nil {
		return b.Tx.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// QueryContext runs query's prepared statement.
func (b *batchTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := b.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// close releases the prepared statements (the transaction's end would
// too; this frees them before the next batch).
func (b *batchTx) close() {
	for _, s := range b.stmts {
		s.Close()
	}
}
