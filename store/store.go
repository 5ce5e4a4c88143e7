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
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	// The pure-Go SQLite driver, registered as "sqlite"; the embedded
	// Temporal server registers the same package, so it is linked once.
	_ "modernc.org/sqlite"
)

// Store wraps the database.
type Store struct {
	db *gorm.DB
	// r serves reads that need no transaction with the writer. On a SQLite
	// file it is a pool of read-only connections of its own: WAL lets them
	// read beside the one writer, so a page load does not queue behind the
	// workflow's writes (bench P5: the inbox while 10,000 deadlines fall
	// due). Elsewhere it is db.
	r       *gorm.DB
	dialect string
}

// readerConns is the size of SQLite's read-only pool.
const readerConns = 4

// reader is the connection for a read outside any transaction.
func (s *Store) reader(ctx context.Context) *gorm.DB { return s.r.WithContext(ctx) }

// Open connects to a database given as a DSN: sqlite:///abs/path.db,
// sqlite://relative.db, sqlite://:memory:, or mysql://user:pass@tcp(host:3306)/db.
func Open(dsn string) (*Store, error) {
	var dial, readDial gorm.Dialector
	var dialect string
	switch {
	case strings.HasPrefix(dsn, "sqlite://"):
		path := strings.TrimPrefix(dsn, "sqlite://")
		if path == "" {
			return nil, fmt.Errorf("database DSN %q names no file; use sqlite:///path/to/datagate.db", dsn)
		}
		dialect = "sqlite"
		dial = sqlite.New(sqlite.Config{DriverName: "sqlite", DSN: sqliteDSN(path, false)})
		if path != ":memory:" {
			// Each in-memory connection would be a database of its own.
			readDial = sqlite.New(sqlite.Config{DriverName: "sqlite", DSN: sqliteDSN(path, true)})
		}
	case strings.HasPrefix(dsn, "mysql://"):
		dialect = "mysql"
		dial = mysql.New(mysql.Config{
			DSN:                      mysqlDSN(strings.TrimPrefix(dsn, "mysql://")),
			DefaultDatetimePrecision: &mysqlDatetimePrecision,
		})
	default:
		return nil, fmt.Errorf("database DSN %q: unknown scheme; use sqlite:///path/to/datagate.db or mysql://user:pass@tcp(host:3306)/datagate", redact(dsn))
	}
	db, err := openGorm(dial)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redact(dsn), err)
	}
	s := &Store{db: db, r: db, dialect: dialect}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redact(dsn), err)
	}
	if dialect == "sqlite" {
		// One writing connection: SQLite has one writer, and "database is
		// locked" errors between writers of one process vanish.
		sqlDB.SetMaxOpenConns(1)
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxLifetime(time.Hour)
	}
	if readDial != nil {
		if s.r, err = openGorm(readDial); err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("open database %s for reading: %w", redact(dsn), err)
		}
		readDB, err := s.r.DB()
		if err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("open database %s for reading: %w", redact(dsn), err)
		}
		readDB.SetMaxOpenConns(readerConns)
		readDB.SetMaxIdleConns(readerConns)
	}
	return s, nil
}

func openGorm(dial gorm.Dialector) (*gorm.DB, error) {
	return gorm.Open(dial, &gorm.Config{
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
}

// sqliteDSN is the DSN of the writing connection, or with readOnly of the
// read-only pool (query_only, set last: a write sent there by mistake fails
// rather than racing the writer for the lock).
func sqliteDSN(path string, readOnly bool) string {
	params := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_time_format=sqlite"
	if path == ":memory:" {
		return "file::memory:?" + params + "&_txlock=immediate"
	}
	params += "&_pragma=journal_mode(wal)&_pragma=synchronous(normal)"
	if readOnly {
		return "file:" + path + "?" + params + "&_pragma=query_only(1)"
	}
	// _txlock=immediate: a transaction takes the write lock when it begins,
	// so one that reads and then writes while another process (the worker
	// beside `datagate serve`) holds the lock waits out busy_timeout instead
	// of failing at once with SQLITE_BUSY, which a deferred transaction
	// cannot wait for without deadlocking.
	return "file:" + path + "?" + params + "&_txlock=immediate"
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

// Close closes the connection pools.
func (s *Store) Close() error {
	pools := []*gorm.DB{s.db}
	if s.r != s.db {
		pools = append(pools, s.r)
	}
	var errs []error
	for _, g := range pools {
		sqlDB, err := g.DB()
		if err == nil {
			err = sqlDB.Close()
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// RedactDSN is the DSN with its password replaced by ***, for logs, errors
// and `datagate config print`.
func RedactDSN(dsn string) string { return redact(dsn) }

// Page sizes of list queries.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// page clamps a limit and an offset.
func page(limit, offset int) (int, int) {
	switch {
	case limit <= 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	if offset < 0 {
		offset = 0
	}
	return limit, offset
}

// likeEscape is the escape character of LIKE patterns; '!' means the same in
// SQLite and MySQL (a backslash does not).
const likeEscape = "!"

// containsPattern is a LIKE pattern matching s literally anywhere.
func containsPattern(s string) string {
	r := strings.NewReplacer(likeEscape, likeEscape+likeEscape, "%", likeEscape+"%", "_", likeEscape+"_")
	return "%" + r.Replace(s) + "%"
}

// byCols orders by quoted columns, ascending: some column names ("no",
// "at") are keywords in one dialect or the other.
func byCols(cols ...string) clause.OrderBy {
	ob := clause.OrderBy{Columns: make([]clause.OrderByColumn, len(cols))}
	for i, c := range cols {
		ob.Columns[i] = clause.OrderByColumn{Column: clause.Column{Name: c}}
	}
	return ob
}

func utcAll[T any](rows []T, norm func(*T)) []T {
	out := make([]T, len(rows))
	copy(out, rows)
	for i := range out {
		norm(&out[i])
	}
	return out
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
