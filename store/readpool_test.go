package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// On a SQLite file, a page's reads do not queue behind a write transaction
// (the workflow's Apply): they answer while it is open, from the last
// committed state, and see its rows once it commits.
func TestSQLiteReadsDoNotWaitForTheWriter(t *testing.T) {
	ctx := context.Background()
	s := openSQLiteFile(t)
	must(t, s.CreateOrg(ctx, Org{Code: "before", Name: "提交前", Kind: KindProvider}))

	written, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Create(&Org{Code: "during", Name: "事务中", Kind: KindProvider}).Error; err != nil {
				return err
			}
			close(written)
			<-release
			return nil
		})
	}()
	select {
	case <-written:
	case err := <-done:
		t.Fatalf("the write transaction ended early: %v", err)
	}

	readCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	orgs, err := s.Orgs(readCtx, KindProvider)
	cancel()
	close(release)
	if err != nil {
		t.Fatalf("reading orgs while a write transaction is open: %v (the read waited for the writer)", err)
	}
	if got := orgCodes(orgs); got != "before" {
		t.Fatalf("read during the write transaction: orgs %q, want only the committed %q", got, "before")
	}
	must(t, <-done)
	orgs, err = s.Orgs(ctx, KindProvider)
	must(t, err)
	if got := orgCodes(orgs); got != "before,during" {
		t.Fatalf("read after the commit: orgs %q, want %q", got, "before,during")
	}
}

// A write sent to the read-only pool by mistake fails; it never races the
// writer for the lock.
func TestSQLiteReaderRefusesWrites(t *testing.T) {
	ctx := context.Background()
	s := openSQLiteFile(t)
	err := s.reader(ctx).Create(&Org{Code: "x", Name: "x", Kind: KindProvider}).Error
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("insert through the reader: err %v, want a read-only refusal", err)
	}
	if n := count(t, s, &Org{}); n != 0 {
		t.Fatalf("%d orgs after the refused insert, want 0", n)
	}
}

// openSQLiteFile is a migrated store in a fresh SQLite file, whatever
// databases openTestStores adds.
func openSQLiteFile(t *testing.T) *Store {
	t.Helper()
	s, err := Open("sqlite://" + filepath.Join(t.TempDir(), "datagate.db"))
	must(t, err)
	t.Cleanup(func() { _ = s.Close() })
	must(t, s.Migrate(context.Background()))
	return s
}

func orgCodes(orgs []Org) string {
	codes := make([]string, len(orgs))
	for i, o := range orgs {
		codes[i] = o.Code
	}
	return strings.Join(codes, ",")
}
