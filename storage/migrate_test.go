package storage

import (
	"context"
	"sync"
	"testing"
)

// Several processes may open one fresh store at once (the demo, and a
// tributary inbox beside it): each migration runs once, and every Open
// succeeds.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	for round := range 3 {
		dir := t.TempDir()
		const n = 6
		var wg sync.WaitGroup
		errs := make([]error, n)
		dbs := make([]*DB, n)
		for i := range n {
			wg.Go(func() { dbs[i], errs[i] = Open(context.Background(), dir) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: Open %d of %d at once = %v", round, i+1, n, err)
			}
			var v int
			if err := dbs[i].sql.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != len(migrations) {
				t.Errorf("round %d: schema version %d, %v; want %d", round, v, err, len(migrations))
			}
			dbs[i].Close()
		}
	}
}
