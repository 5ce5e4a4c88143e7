package files_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/datagate/datagate/files"
)

// inventory stores two files, lists them with their sizes, deletes one
// (and one never stored, which is no error), and lists the other alone.
func inventory(t *testing.T, s files.Inventory) {
	t.Helper()
	ctx := context.Background()
	var digests []string
	for _, b := range [][]byte{[]byte("%PDF-1.7 one"), []byte("%PDF-1.7 and two")} {
		sum := sm3.Sum(b)
		d := hex.EncodeToString(sum[:])
		if err := s.Put(ctx, d, bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d)
	}
	list := func() map[string]files.Entry {
		out := map[string]files.Entry{}
		if err := s.List(ctx, func(e files.Entry) error { out[e.Digest] = e; return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := list()
	if len(got) != 2 || got[digests[0]].Size != 12 || got[digests[1]].Size != 16 || got[digests[0]].Modified.IsZero() {
		t.Fatalf("listed %+v", got)
	}
	if err := s.Delete(ctx, digests[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, digests[0]); err != nil {
		t.Errorf("deleting a file not there: %v", err)
	}
	if got := list(); len(got) != 1 || got[digests[1]].Size != 16 {
		t.Errorf("after the delete: %+v", got)
	}
	if err := s.Delete(ctx, "../x"); err == nil {
		t.Error("a delete outside the digests was accepted")
	}
}

// A directory lists its stored files only, not a temporary upload; a Put
// of bytes already stored makes the file young again.
func TestDirInventory(t *testing.T) {
	dir := t.TempDir()
	s := files.NewDir(filepath.Join(dir, "files"))
	if err := s.List(context.Background(), func(files.Entry) error { t.Error("a file in a store not yet made"); return nil }); err != nil {
		t.Fatal(err)
	}
	inventory(t, s)
	var left []string
	s.List(context.Background(), func(e files.Entry) error { left = append(left, e.Digest); return nil })
	d := left[0]
	if err := os.WriteFile(filepath.Join(s.Path, d[:2], ".upload-123"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-72 * time.Hour)
	if err := os.Chtimes(filepath.Join(s.Path, d[:2], d), old, old); err != nil {
		t.Fatal(err)
	}
	b := []byte("%PDF-1.7 and two")
	if err := s.Put(context.Background(), d, bytes.NewReader(b), int64(len(b))); err != nil {
		t.Fatal(err)
	}
	var entries []files.Entry
	s.List(context.Background(), func(e files.Entry) error { entries = append(entries, e); return nil })
	if len(entries) != 1 || entries[0].Digest != d || time.Since(entries[0].Modified) > time.Hour {
		t.Errorf("after storing the same bytes again: %+v", entries)
	}
}

// TestS3Inventory runs against an in-process S3-compatible server; an
// object that is not named by a digest is left out.
func TestS3Inventory(t *testing.T) {
	s, backend, _, _ := fakeS3(t)
	if _, err := backend.PutObject("datagate", "README.txt", nil, bytes.NewReader([]byte("x")), 1, nil); err != nil {
		t.Fatal(err)
	}
	inv := s.(files.Inventory)
	inventory(t, inv)
	var names []string
	inv.List(context.Background(), func(e files.Entry) error { names = append(names, e.Digest); return nil })
	if slices.Contains(names, "README.txt") {
		t.Error("an object not named by a digest is listed")
	}
}
