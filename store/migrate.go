package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"time"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"
)

// Versioned migrations.
//
// The schema is the SQL in migrations/sqlite and migrations/mysql (MySQL 8
// and MariaDB 10.11 alike), embedded in the binary and applied in order by
// pressly/goose, which records each applied version in goose_db_version.
// Every schema change ships with a migration: a new file with the next
// number in both directories. TestMigrationsMatchModels fails, and says
// what to write, when the tables the migrations create differ from those
// gorm's AutoMigrate would create from the models in schemaModels.

// Free-text columns are tagged size:16777215 rather than type:text: gorm
// makes them TEXT on SQLite, as before, and MEDIUMTEXT (16 MiB) on MySQL,
// whose TEXT holds 64 KiB only, less than a request body may carry. The
// size is MEDIUMTEXT's own length, so that AutoMigrate finds nothing to
// alter.

//go:embed migrations/sqlite/*.sql migrations/mysql/*.sql
var migrationFiles embed.FS

// MigrationsDir is where the migrations live in the source tree, by dialect.
func MigrationsDir(dialect string) string { return path.Join("store", "migrations", dialect) }

// migrationTable records the applied versions.
const migrationTable = "goose_db_version"

// migrateLock is the MySQL named lock that serialises migrations between
// processes (e.g. several replicas starting with --migrate at once).
const migrateLock = "datagate_migrate"

// migrateLockWait is how long a migration waits for another process's.
const migrateLockWait = 5 * time.Minute

// schemaModels is every table's gorm model. A type in this package with a
// field tagged primaryKey is a table and must be listed here
// (TestEveryModelIsInSchemaModels); the migrations must create exactly the
// tables AutoMigrate would create from these (TestMigrationsMatchModels).
func schemaModels() []any {
	return []any{
		&Org{}, &User{}, &Dataset{}, &Application{}, &ApplicationDataset{},
		&Task{}, &Agreement{}, &Model{}, &Evaluation{}, &AuditEntry{}, &AuditLink{}, &AuditChainHead{},
		&CasbinRule{}, &CasbinPolicyVersion{}, &Session{}, &APIToken{}, &HolidayTable{}, &CalendarYear{}, &IdempotencyKey{},
		&Urge{}, &GroundlessFlag{},
		&NotifyEvent{}, &Notification{}, &Delivery{}, &DeliveryAttempt{}, &NotifyContact{},
		&TOTPSecret{}, &RecoveryCode{}, &SeedMarker{}, &Attachment{}, &AgreementDocument{}, &SigningKey{}, &AgreementSignature{}, &Copy{},
		&Procedure{}, &DatasetVersion{}, &Restriction{}, &ApplicationConsent{}, &DataUse{},
	}
}

// ErrSchemaOutdated is returned by CheckSchema when the database lacks
// migrations this binary needs.
var ErrSchemaOutdated = errors.New("database schema is out of date")

// AppliedMigration is one migration Migrate ran.
type AppliedMigration struct {
	Version  int64
	File     string
	Duration time.Duration
}

// SchemaVersion is where a database stands.
type SchemaVersion struct {
	// Current is the newest version applied (0: none).
	Current int64
	// Latest is the newest version this binary carries.
	Latest int64
	// Pending lists the migrations not yet applied, oldest first.
	Pending []string
}

func (s *Store) migrations() (*goose.Provider, error) {
	dir, err := fs.Sub(migrationFiles, "migrations/"+s.dialect)
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if s.dialect == "mysql" {
		dialect = goose.DialectMySQL
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	// The provider is not closed: Close would close the store's pool.
	p, err := goose.NewProvider(dialect, sqlDB, dir, opts...)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration, in order, and returns those it
// applied. On MySQL it holds a named lock meanwhile, so concurrent callers
// take turns and the second finds nothing to do.
func (s *Store) Migrate(ctx context.Context) error {
	_, err := s.MigrateUp(ctx)
	return err
}

// MigrateUp is Migrate, reporting what it applied.
func (s *Store) MigrateUp(ctx context.Context) ([]AppliedMigration, error) {
	p, err := s.migrations()
	if err != nil {
		return nil, err
	}
	// The whole run under one lock: goose's own session locker leaves its
	// first check (HasPending, which creates the version table) unlocked.
	release, err := s.AdvisoryLock(ctx, migrateLock, migrateLockWait)
	if err != nil {
		return nil, fmt.Errorf("migrate schema: wait for another process's migration: %w", err)
	}
	defer release()
	// A database an earlier DataGate made with AutoMigrate has tables but
	// no version table. Migration 1 adopts its tables (IF NOT EXISTS);
	// columns its models lacked are added below.
	m := s.db.WithContext(ctx).Migrator()
	legacy := !m.HasTable(migrationTable) && m.HasTable(&Org{})
	res, err := p.Up(ctx)
	var out []AppliedMigration
	for _, r := range res {
		out = append(out, AppliedMigration{Version: r.Source.Version, File: path.Base(r.Source.Path), Duration: r.Duration})
	}
	var partial *goose.PartialError
	if errors.As(err, &partial) {
		for _, r := range partial.Applied {
			out = append(out, AppliedMigration{Version: r.Source.Version, File: path.Base(r.Source.Path), Duration: r.Duration})
		}
		return out, fmt.Errorf("migrate schema: %s failed: %w", path.Base(partial.Failed.Source.Path), partial.Err)
	}
	if err != nil {
		return out, fmt.Errorf("migrate schema: %w", err)
	}
	if legacy {
		// Once, for this database only: the tables now exist, as the
		// migrations made them or as the earlier AutoMigrate left them;
		// AutoMigrate adds the columns and indexes the latter lack, so that
		// the schema is the migrations' (TestMigrationsMatchModels).
		began := time.Now()
		if err := s.autoMigrate(ctx, nil); err != nil {
			return out, fmt.Errorf("migrate schema: adopt a database made before versioned migrations: %w", err)
		}
		out = append(out, AppliedMigration{File: "adopted a database made before versioned migrations (AutoMigrate, once)", Duration: time.Since(began)})
	}
	return out, nil
}

// SchemaVersion reports the applied and the newest version.
func (s *Store) SchemaVersion(ctx context.Context) (SchemaVersion, error) {
	p, err := s.migrations()
	if err != nil {
		return SchemaVersion{}, err
	}
	// Reading creates the version table when missing: not while another
	// process migrates.
	release, err := s.AdvisoryLock(ctx, migrateLock, migrateLockWait)
	if err != nil {
		return SchemaVersion{}, fmt.Errorf("read schema version: wait for another process's migration: %w", err)
	}
	defer release()
	st, err := p.Status(ctx)
	if err != nil {
		return SchemaVersion{}, fmt.Errorf("read schema version: %w", err)
	}
	var v SchemaVersion
	for _, m := range st {
		v.Latest = max(v.Latest, m.Source.Version)
		if m.State == goose.StateApplied {
			v.Current = max(v.Current, m.Source.Version)
		} else {
			v.Pending = append(v.Pending, path.Base(m.Source.Path))
		}
	}
	// A version newer than every file: the database was migrated by a
	// newer DataGate.
	if cur, err := p.GetDBVersion(ctx); err == nil {
		v.Current = max(v.Current, cur)
	}
	return v, nil
}

// CheckSchema returns an error wrapping ErrSchemaOutdated when migrations
// are pending, and an error when the database is newer than this binary.
func (s *Store) CheckSchema(ctx context.Context) error {
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if len(v.Pending) > 0 {
		return fmt.Errorf("%w: version %d applied, %d migration(s) pending (%s, ...); run `datagate migrate`, or start with --migrate (DATAGATE_MIGRATE=true)",
			ErrSchemaOutdated, v.Current, len(v.Pending), v.Pending[0])
	}
	if v.Current > v.Latest {
		return fmt.Errorf("database schema is at version %d, newer than this DataGate knows (%d): run the DataGate release that migrated it, or a newer one", v.Current, v.Latest)
	}
	return nil
}

// autoMigrate creates or alters tables from the models with gorm's
// AutoMigrate: the reference the migrations are tested against, never a
// way to change a database DataGate runs on.
func (s *Store) autoMigrate(ctx context.Context, db *gorm.DB) error {
	if db == nil {
		db = s.db
	}
	db = db.WithContext(ctx)
	if s.dialect == "mysql" {
		db = db.Set("gorm:table_options", mysqlTableOptions)
	}
	return db.AutoMigrate(schemaModels()...)
}

// MigrateCasbin, MigrateIdentity, MigrateAPI and MigrateSupervision are
// Migrate, under the names their callers knew when each part of the schema
// had a function of its own: the migrations create every table.

// MigrateCasbin creates the casbin_rule table: it runs Migrate, which
// creates every table.
func (s *Store) MigrateCasbin(ctx context.Context) error { return s.Migrate(ctx) }

// MigrateIdentity creates the sessions and api_tokens tables: it runs
// Migrate, which creates every table.
func (s *Store) MigrateIdentity(ctx context.Context) error { return s.Migrate(ctx) }

// MigrateAPI creates the tables of the API's own state (holiday_tables,
// idempotency_keys): it runs Migrate, which creates every table.
func (s *Store) MigrateAPI(ctx context.Context) error { return s.Migrate(ctx) }

// MigrateSupervision creates the urges and groundless_flags tables: it
// runs Migrate, which creates every table.
func (s *Store) MigrateSupervision(ctx context.Context) error { return s.Migrate(ctx) }
