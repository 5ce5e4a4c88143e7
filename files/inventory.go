package files

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/minio/minio-go/v7"
)

// Inventory is a store that also lists and deletes what it keeps, for
// the check of the store against the database and the removal of files no
// record names (`datagate files check`).
type Inventory interface {
	Store
	// List calls fn with each stored file, in no particular order.
	List(ctx context.Context, fn func(Entry) error) error
	// Delete removes the file stored under digest; none is no error.
	Delete(ctx context.Context, digest string) error
}

// Entry is one stored file: its digest, size, and when it was last
// stored (a Put of bytes already there counts, in a directory).
type Entry struct {
	Digest   string
	Size     int64
	Modified time.Time
}

// List walks the directory; what is not a stored file (a temporary
// upload, a stray name) is left out.
func (d *Dir) List(ctx context.Context, fn func(Entry) error) error {
	err := filepath.WalkDir(d.Path, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == d.Path {
				return fs.SkipAll // nothing stored yet
			}
			return err
		}
		if de.IsDir() || checkDigest(de.Name()) != nil || filepath.Base(filepath.Dir(path)) != de.Name()[:2] {
			return ctx.Err()
		}
		info, err := de.Info()
		if err != nil {
			return err
		}
		return fn(Entry{Digest: de.Name(), Size: info.Size(), Modified: info.ModTime()})
	})
	if err != nil {
		return fmt.Errorf("files: list %s: %w", d.Path, err)
	}
	return nil
}

// Delete removes a stored file.
func (d *Dir) Delete(_ context.Context, digest string) error {
	if err := checkDigest(digest); err != nil {
		return err
	}
	if err := os.Remove(d.name(digest)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("files: %w", err)
	}
	return nil
}

// List lists the bucket's objects named by a digest.
func (s *S3) List(ctx context.Context, fn func(Entry) error) error {
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			return fmt.Errorf("files: list %s: %w", s.where, o.Err)
		}
		if checkDigest(o.Key) != nil {
			continue
		}
		if err := fn(Entry{Digest: o.Key, Size: o.Size, Modified: o.LastModified}); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes an object.
func (s *S3) Delete(ctx context.Context, digest string) error {
	if err := checkDigest(digest); err != nil {
		return err
	}
	if err := s.c.RemoveObject(ctx, s.bucket, digest, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("files: delete %s from %s: %w", digest, s.where, err)
	}
	return nil
}
