// Package files keeps the documents attached to applications: a spooled
// upload is checked (size, type by content, name) and stored by its SM3
// digest, in a directory (the embedded default, DATA/files) or in
// S3-compatible object storage (production). The database keeps what the
// file is and who attached it; this package keeps only the bytes.
package files

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

// Store keeps file contents under their SM3 digest (64 hex characters).
// Put is idempotent: the same digest names the same bytes.
type Store interface {
	// Put stores size bytes read from r under digest.
	Put(ctx context.Context, digest string, r io.Reader, size int64) error
	// Open reads the bytes stored under digest; ErrNotFound if none.
	Open(ctx context.Context, digest string) (io.ReadCloser, error)
	// Where names the store for logs: a directory or a bucket, never a
	// credential.
	Where() string
}

// ErrNotFound: no file is stored under the digest.
var ErrNotFound = errors.New("files: not stored")

var digestRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// checkDigest refuses anything but a lowercase SM3 hex digest, so that a
// digest never walks a path or names another object.
func checkDigest(d string) error {
	if !digestRE.MatchString(d) {
		return fmt.Errorf("files: %q is not an SM3 hex digest", d)
	}
	return nil
}

// Open opens the store a location names:
//
//	/var/lib/datagate/files or file:///var/lib/datagate/files   a directory
//	s3://BUCKET?endpoint=HOST:PORT[&secure=false][&region=R]    S3-compatible storage
//
// The S3 credentials come from the environment (getenv), never from the
// location: DATAGATE_S3_ACCESS_KEY and DATAGATE_S3_SECRET_KEY.
func Open(location string, getenv func(string) string) (Store, error) {
	switch {
	case location == "":
		return nil, errors.New("files: no location: give a directory or s3://bucket?endpoint=host:port")
	case strings.HasPrefix(location, "s3://"):
		u, err := url.Parse(location)
		if err != nil || u.Host == "" {
			return nil, errors.New("files: use s3://BUCKET?endpoint=HOST:PORT")
		}
		q := u.Query()
		cfg := S3Config{
			Endpoint:  q.Get("endpoint"),
			Bucket:    u.Host,
			Region:    q.Get("region"),
			Secure:    q.Get("secure") != "false",
			AccessKey: getenv(EnvS3AccessKey),
			SecretKey: getenv(EnvS3SecretKey),
		}
		return NewS3(cfg)
	case strings.HasPrefix(location, "file://"):
		u, err := url.Parse(location)
		if err != nil || u.Path == "" {
			return nil, errors.New("files: use file:///absolute/path")
		}
		return NewDir(u.Path), nil
	case strings.Contains(location, "://"):
		return nil, fmt.Errorf("files: %q: use a directory, file:///path or s3://bucket?endpoint=host:port", location)
	}
	return NewDir(location), nil
}

// The environment variables of the S3 credentials.
const (
	EnvS3AccessKey = "DATAGATE_S3_ACCESS_KEY"
	EnvS3SecretKey = "DATAGATE_S3_SECRET_KEY"
)

// Dir keeps files in a directory, DIR/ab/abcdef… by digest, written to a
// temporary name, synced and renamed, so a reader never sees half a file.
type Dir struct {
	Path string
}

// NewDir returns a Dir on path; it is created on the first Put.
func NewDir(path string) *Dir { return &Dir{Path: path} }

// Where is the directory.
func (d *Dir) Where() string { return d.Path }

func (d *Dir) name(digest string) string {
	return d.Path + string(os.PathSeparator) + digest[:2] + string(os.PathSeparator) + digest
}

// Put writes the bytes unless the digest is stored already.
func (d *Dir) Put(_ context.Context, digest string, r io.Reader, size int64) error {
	if err := checkDigest(digest); err != nil {
		return err
	}
	final := d.name(digest)
	if _, err := os.Stat(final); err == nil {
		// Stored already: it is young again, so that the removal of
		// files no record names, which spares young ones, leaves it to
		// the record about to name it.
		now := time.Now()
		if err := os.Chtimes(final, now, now); err != nil {
			return fmt.Errorf("files: %w", err)
		}
		return nil
	}
	dir := final[:len(final)-len(digest)-1]
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("files: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return fmt.Errorf("files: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	n, err := io.Copy(tmp, r)
	if err == nil && n != size {
		err = fmt.Errorf("wrote %d bytes, want %d", n, size)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), final)
	}
	if err != nil {
		return fmt.Errorf("files: store %s: %w", digest, err)
	}
	return nil
}

// Open reads a stored file.
func (d *Dir) Open(_ context.Context, digest string) (io.ReadCloser, error) {
	if err := checkDigest(digest); err != nil {
		return nil, err
	}
	f, err := os.Open(d.name(digest))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	return f, nil
}

// hexDigest formats a digest.
func hexDigest(sum []byte) string { return hex.EncodeToString(sum) }
