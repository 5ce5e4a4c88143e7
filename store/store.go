// Package store is the read model and the long-term record: the only package
// that touches gorm and SQL.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/driver/mysql"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	// The pure-Go SQLite driver, registered as "sqlite"; the embedded
	// Temporal server registers the same package, so it is linked once.
	_ "modernc.org/sqlite"
)

// Store wraps the database.
type Store struct {
	db      *gorm.DB
	dialect string
}

// ErrNotFound is returned when a row does not exist.
var ErrNotFound = errors.New("not found")

// Open connects to a database given as a DSN: sqlite:///abs/path.db,
// sqlite://relative.db, sqlite://:memory:, or mysql://user:pass@tcp(host:3306)/db.
func Open(dsn string) (*Store, error) {
	var dial gorm.Dialector
	var dialect string
	switch {
	case strings.HasPrefix(dsn, "sqlite://"):
		path := strings.TrimPrefix(dsn, "sqlite://")
		if path == "" {
			return nil, fmt.Errorf("database DSN %q names no file; use sqlite:///path/to/datagate.db", dsn)
		}
		dialect = "sqlite"
		dial = sqlite.New(sqlite.Config{DriverName: "sqlite", DSN: sqliteDSN(path)})
	case strings.HasPrefix(dsn, "mysql://"):
		dialect = "mysql"
		dial = mysql.New(mysql.Config{
			DSN:                      mysqlDSN(strings.TrimPrefix(dsn, "mysql://")),
			DefaultDatetimePrecision: &mysqlDatetimePrecision,
		})
	default:
		return nil, fmt.Errorf("database DSN %q: unknown scheme; use sqlite:///path/to/datagate.db or mysql://user:pass@tcp(host:3306)/datagate", redact(dsn))
	}
	db, err := gorm.Open(dial, &gorm.Config{
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		SkipDefaultTransaction: true,
		TranslateError:         true,
		// Prepared once per connection and reused: parsing every statement
		// again cost about 4% of a lifecycle's CPU (bench P1). The cache is
		// bounded (IN lists of every length are statements of their own; on
		// MySQL, 20 connections × 500 stay under max_prepared_stmt_count).
		PrepareStmt:        true,
		PrepareStmtMaxSize: 500,
		PrepareStmtTTL:     time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redact(dsn), err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redact(dsn), err)
	}
	if dialect == "sqlite" {
		// One connection: SQLite has one writer, and WAL readers gain
		// little at this size while "database is locked" errors vanish.
		sqlDB.SetMaxOpenConns(1)
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxLifetime(time.Hour)
	}
	return &Store{db: db, dialect: dialect}, nil
}

func sqliteDSN(path string) string {
	// _txlock=immediate: a transaction takes the write lock when it begins,
	// so one that reads and then writes while another process (the worker
	// beside `datagate serve`) holds the lock waits out busy_timeout instead
	// of failing at once with SQLITE_BUSY, which a deferred transaction
	// cannot wait for without deadlocking.
	params := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_time_format=sqlite&_txlock=immediate"
	if path == ":memory:" {
		return "file::memory:?" + params
	}
	return "file:" + path + "?" + params + "&_pragma=journal_mode(wal)&_pragma=synchronous(normal)"
}

// mysqlDatetimePrecision makes time columns DATETIME(6). The driver sends
// times to the microsecond, so they are stored as sent: with fewer digits
// MariaDB would truncate and MySQL round them, and a time read back or
// compared (e.g. due_at < now) would differ between the two and from
// SQLite, which keeps nanoseconds.
var mysqlDatetimePrecision = 6

// mysqlTableOptions are appended to every CREATE TABLE on MySQL. A binary
// collation compares, sorts and keys strings by code point, as SQLite does;
// the server's default (utf8mb4_general_ci on MariaDB, utf8mb4_0900_ai_ci
// on MySQL 8) would fold case and accents, so that "ADMIN" found the user
// "admin" and the codes "zze" and "zzé" collided.
const mysqlTableOptions = " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

func mysqlDSN(dsn string) string {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	// clientFoundRows: an UPDATE reports the rows it matched, as SQLite
	// does, not only those it changed, so "0 rows" means "no such row".
	for _, p := range []string{"parseTime=true", "loc=UTC", "charset=utf8mb4", "clientFoundRows=true"} {
		key := p[:strings.IndexByte(p, '=')+1]
		if !strings.Contains(dsn, key) {
			dsn += sep + p
			sep = "&"
		}
	}
	return dsn
}

// redact hides a password in a DSN for error messages.
func redact(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 {
		return dsn
	}
	userinfo := dsn[scheme+3 : at]
	if colon := strings.IndexByte(userinfo, ':'); colon >= 0 {
		return dsn[:scheme+3] + userinfo[:colon] + ":***" + dsn[at:]
	}
	return dsn
}

// Dialect is "sqlite" or "mysql".
func (s *Store) Dialect() string { return s.dialect }

// Ping checks the database is reachable.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// RedactDSN is the DSN with its password replaced by ***, for logs, errors
// and `datagate config print`.
func RedactDSN(dsn string) string { return redact(dsn) }
