package files

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config names an S3-compatible bucket (MinIO, or a cloud's object
// storage) and the credentials to reach it.
type S3Config struct {
	Endpoint  string // host:port, without a scheme
	Bucket    string
	Region    string
	Secure    bool // HTTPS
	AccessKey string
	SecretKey string
}

// S3 keeps files as objects named by their digest in one bucket.
type S3 struct {
	c      *minio.Client
	bucket string
	where  string
}

// NewS3 connects to the bucket lazily: no request is made until the first
// Put or Open (see Check).
func NewS3(cfg S3Config) (*S3, error) {
	switch {
	case cfg.Endpoint == "":
		return nil, errors.New("files: name the S3 endpoint: s3://BUCKET?endpoint=HOST:PORT")
	case cfg.Bucket == "":
		return nil, errors.New("files: name the S3 bucket: s3://BUCKET?endpoint=HOST:PORT")
	case cfg.AccessKey == "" || cfg.SecretKey == "":
		return nil, fmt.Errorf("files: set %s and %s for S3", EnvS3AccessKey, EnvS3SecretKey)
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.Secure,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("files: S3 endpoint %s: %w", cfg.Endpoint, err)
	}
	return &S3{c: c, bucket: cfg.Bucket, where: "s3://" + cfg.Bucket + " at " + cfg.Endpoint}, nil
}

// Where is the bucket and endpoint.
func (s *S3) Where() string { return s.where }

// Check reports whether the bucket exists and the credentials reach it.
func (s *S3) Check(ctx context.Context) error {
	ok, err := s.c.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("files: %s: %w", s.where, err)
	}
	if !ok {
		return fmt.Errorf("files: bucket %s does not exist: create it first", s.bucket)
	}
	return nil
}

// Put uploads the bytes, also when an object of that digest exists
// already: the same bytes again, stored anew, make it young, so that the
// removal of files no record names, which spares young ones, leaves it
// to the record about to name it.
func (s *S3) Put(ctx context.Context, digest string, r io.Reader, size int64) error {
	if err := checkDigest(digest); err != nil {
		return err
	}
	_, err := s.c.PutObject(ctx, s.bucket, digest, r, size, minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return fmt.Errorf("files: store %s in %s: %w", digest, s.where, err)
	}
	return nil
}

// Open downloads an object; ErrNotFound when there is none.
func (s *S3) Open(ctx context.Context, digest string) (io.ReadCloser, error) {
	if err := checkDigest(digest); err != nil {
		return nil, err
	}
	// GetObject makes no request until the first read: stat first, so a
	// missing object is ErrNotFound here rather than a failed read later.
	if _, err := s.c.StatObject(ctx, s.bucket, digest, minio.StatObjectOptions{}); err != nil {
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("files: %s: %w", s.where, err)
	}
	o, err := s.c.GetObject(ctx, s.bucket, digest, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("files: %s: %w", s.where, err)
	}
	return o, nil
}
