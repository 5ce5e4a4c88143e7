package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AdvisoryLock takes a named lock that every process connected to the same
// MySQL server shares (GET_LOCK), waiting up to wait for it, and holds it
// on a connection of its own until release is called or the process ends.
// Use it to keep two processes from doing the same thing at once, e.g.
// migrating one schema, or two test binaries from emptying one test
// database under each other. On SQLite, whose file one process opens, it is
// a no-op.
func (s *Store) AdvisoryLock(ctx context.Context, name string, wait time.Duration) (release func() error, err error) {
	if s.dialect != "mysql" {
		return func() error { return nil }, nil
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, fmt.Errorf("advisory lock %q: %w", name, err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("advisory lock %q: %w", name, err)
	}
	var got sql.NullInt64
	err = conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, ?)", name, int64(wait.Seconds())).Scan(&got)
	switch {
	case err != nil:
	case !got.Valid:
		err = errors.New("GET_LOCK failed")
	case got.Int64 != 1:
		err = fmt.Errorf("another connection held it for longer than %s", wait)
	}
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("advisory lock %q: %w", name, err)
	}
	return func() error {
		// A background context: the lock must be released even when the
		// caller's context is done. Closing the connection releases it too.
		_, err := conn.ExecContext(context.Background(), "SELECT RELEASE_LOCK(?)", name)
		if cerr := conn.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("release advisory lock %q: %w", name, err)
		}
		return nil
	}, nil
}
