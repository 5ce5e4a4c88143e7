package store

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"gorm.io/gorm"
)

// Two processes on one SQLite file (`datagate serve` and `datagate
// worker`): transactions that read and then write, in both at once, all
// succeed. A deferred transaction that reads first cannot wait for the
// other's write lock (SQLite answers SQLITE_BUSY at once to avoid a
// deadlock); an immediate one takes the lock at BEGIN and waits.
func TestSQLiteWritersInTwoProcessesWait(t *testing.T) {
	path := filepath.Join(t.TempDir(), "datagate.db")
	var stores []*Store
	for range 2 {
		s, err := Open("sqlite://" + path)
		must(t, err)
		t.Cleanup(func() { _ = s.Close() })
		stores = append(stores, s)
	}
	must(t, stores[0].db.Exec("CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL)").Error)
	must(t, stores[0].db.Exec("INSERT INTO counters VALUES ('c', 0)").Error)
	const each = 100
	var wg sync.WaitGroup
	errs := make(chan error, 2*each)
	for _, s := range stores {
		wg.Go(func() {
			for range each {
				errs <- s.db.WithContext(context.Background()).Transaction(func(tx *gorm.DB) error {
					var n int
					if err := tx.Raw("SELECT n FROM counters WHERE name = 'c'").Scan(&n).Error; err != nil {
						return err
					}
					return tx.Exec("UPDATE counters SET n = ? WHERE name = 'c'", n+1).Error
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	failed := 0
	var first error
	for err := range errs {
		if err != nil {
			failed++
			first = err
		}
	}
	var n int
	must(t, stores[0].db.Raw("SELECT n FROM counters WHERE name = 'c'").Scan(&n).Error)
	if failed > 0 || n != 2*each {
		t.Fatalf("%d of %d transactions failed (last: %v); counter %d, want %d", failed, 2*each, first, n, 2*each)
	}
}
