package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"
)

// The migrations create exactly the tables, columns, indexes and foreign
// keys that gorm's AutoMigrate would create from the models, on SQLite and
// (with DATAGATE_TEST_MYSQL_DSN) on MySQL/MariaDB. A model changed without
// a migration fails here, with the statements to write.
func TestMigrationsMatchModels(t *testing.T) {
	ctx := context.Background()
	check := func(t *testing.T, fromModels, fromMigrations *Store) {
		dropAllTables(t, fromModels)
		must(t, fromModels.autoMigrate(ctx, nil))
		want := schemaOf(t, fromModels)
		dropAllTables(t, fromMigrations)
		must(t, fromMigrations.Migrate(ctx))
		got := schemaOf(t, fromMigrations)
		if len(want) == 0 {
			t.Fatal("AutoMigrate created no table")
		}
		// What AutoMigrate would run on the migrated database: nothing, or
		// a draft of the migration to write.
		rec := &sqlRecorder{}
		must(t, fromMigrations.autoMigrate(ctx, fromMigrations.db.Session(&gorm.Session{Logger: rec})))
		var ddl []string
		for _, q := range rec.statements() {
			if isDDL(q) {
				ddl = append(ddl, "    "+q+";")
			}
		}
		diff := diffSchemas(got, want)
		if diff == "" && len(ddl) == 0 {
			return
		}
		if diff == "" {
			diff = "  (the catalogs agree, but AutoMigrate still finds a difference: a type, size or default written differently)\n"
		}
		t.Errorf("the tables that %s creates differ from the gorm models:\n%s\n%s",
			MigrationsDir(fromMigrations.dialect), diff, howToMigrate(t, fromMigrations.dialect, ddl))
	}
	t.Run("sqlite", func(t *testing.T) {
		a := openRaw(t, "sqlite://"+filepath.Join(t.TempDir(), "models.db"))
		b := openRaw(t, "sqlite://"+filepath.Join(t.TempDir(), "migrations.db"))
		check(t, a, b)
	})
	if dsn := os.Getenv(mysqlDSNEnv); dsn != "" {
		t.Run("mysql", func(t *testing.T) {
			// One database, in turn: the test user may create tables in
			// it only. It is left migrated, for the other tests.
			s := openRaw(t, dsn)
			check(t, s, s)
		})
	}
}

// Every type of this package with a field tagged primaryKey is a table,
// and a table is in schemaModels (which the test above compares with the
// migrations).
func TestEveryModelIsInSchemaModels(t *testing.T) {
	listed := map[string]bool{}
	for _, m := range schemaModels() {
		listed[reflect.TypeOf(m).Elem().Name()] = true
	}
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	must(t, err)
	found := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		must(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			spec, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := spec.Type.(*ast.StructType)
			if !ok || !hasPrimaryKey(st) {
				return true
			}
			found++
			if !listed[spec.Name.Name] {
				t.Errorf("%s (%s) has a field tagged primaryKey, so it is a table, but it is not in schemaModels:\n"+
					"add &%s{} to schemaModels in store/migrate.go, then run this package's tests: "+
					"TestMigrationsMatchModels prints the migration to write.",
					spec.Name.Name, fset.Position(spec.Pos()), spec.Name.Name)
			}
			return true
		})
	}
	if found != len(listed) {
		t.Errorf("found %d table types in the source, schemaModels lists %d", found, len(listed))
	}
}

func hasPrimaryKey(st *ast.StructType) bool {
	for _, f := range st.Fields.List {
		if f.Tag == nil {
			continue
		}
		tag, err := strconv.Unquote(f.Tag.Value)
		if err != nil {
			continue
		}
		if strings.Contains(strings.ToLower(reflect.StructTag(tag).Get("gorm")), "primarykey") {
			return true
		}
	}
	return false
}

// Both dialects carry the same migrations, under the same names, each with
// an Up and a Down section, in SQL that MySQL 8 and MariaDB both accept.
func TestMigrationFilesPair(t *testing.T) {
	names := func(dialect string) []string {
		entries, err := fs.ReadDir(migrationFiles, "migrations/"+dialect)
		must(t, err)
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	sqlite, mysql := names("sqlite"), names("mysql")
	if strings.Join(sqlite, " ") != strings.Join(mysql, " ") {
		t.Errorf("migrations differ by dialect:\n  sqlite: %v\n  mysql:  %v\nevery change needs a file of the same name in both %s and %s",
			sqlite, mysql, MigrationsDir("sqlite"), MigrationsDir("mysql"))
	}
	fileName := regexp.MustCompile(`^\d{5}_[a-z0-9_]+\.sql$`)
	// Accepted by one of MySQL 8 and MariaDB 10.11 only.
	oneServerOnly := map[*regexp.Regexp]string{
		regexp.MustCompile(`(?i)\bADD\s+(COLUMN\s+)?IF\s+NOT\s+EXISTS\b`):  "ADD COLUMN IF NOT EXISTS is MariaDB's",
		regexp.MustCompile(`(?i)\bDROP\s+(COLUMN\s+)?IF\s+EXISTS\b`):       "DROP COLUMN IF EXISTS is MariaDB's",
		regexp.MustCompile(`(?i)\bCREATE\s+(UNIQUE\s+)?INDEX\s+IF\b`):      "CREATE INDEX IF NOT EXISTS is MariaDB's",
		regexp.MustCompile(`(?i)\bDROP\s+INDEX\s+IF\b`):                    "DROP INDEX IF EXISTS is MariaDB's",
		regexp.MustCompile(`(?i)\bCREATE\s+OR\s+REPLACE\b`):                "CREATE OR REPLACE is MariaDB's",
		regexp.MustCompile(`(?i)\bRETURNING\b`):                            "RETURNING is MariaDB's",
		regexp.MustCompile(`(?i)\bMODIFY\s+(COLUMN\s+)?IF\s+EXISTS\b`):     "MODIFY IF EXISTS is MariaDB's",
		regexp.MustCompile(`(?i)\b(uuid|inet6|inet4|json_table|vector)\b`): "a type or function of one server only",
		regexp.MustCompile(`(?i)\butf8mb4_0900_\w+`):                       "the 0900 collations are MySQL 8's",
		regexp.MustCompile(`(?i)\butf8mb4_uca1400_\w+`):                    "the uca1400 collations are MariaDB's",
		regexp.MustCompile(`(?i)\bRENAME\s+INDEX\b.*\bIF\b`):               "RENAME INDEX IF EXISTS is MariaDB's",
	}
	for _, name := range mysql {
		if !fileName.MatchString(name) {
			t.Errorf("%s: name migrations NNNNN_what_changes.sql (five digits, lowercase)", name)
		}
		for _, dialect := range []string{"sqlite", "mysql"} {
			body, err := fs.ReadFile(migrationFiles, "migrations/"+dialect+"/"+name)
			if err != nil {
				continue
			}
			text := string(body)
			if !strings.Contains(text, "-- +goose Up") || !strings.Contains(text, "-- +goose Down") {
				t.Errorf("%s/%s: needs a \"-- +goose Up\" and a \"-- +goose Down\" section", MigrationsDir(dialect), name)
			}
			if dialect != "mysql" {
				continue
			}
			for re, why := range oneServerOnly {
				if m := re.FindString(stripComments(text)); m != "" {
					t.Errorf("%s/%s: %q: %s; write SQL that MySQL 8 and MariaDB 10.11 both accept", MigrationsDir(dialect), name, m, why)
				}
			}
		}
	}
}

func stripComments(sqlText string) string {
	var b strings.Builder
	for _, line := range strings.Split(sqlText, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// Migrate is idempotent, and a database that an earlier DataGate created
// with AutoMigrate of older models (here: tasks without assignee, datasets
// without authorized_operation, which migration 7 adds, applications
// without renews_application_id, which migration 8 adds, sessions without
// second_factor and no second-factor tables, which migration 9 adds,
// none of the list indexes and tables of migrations 11 to 14, nor the
// procedures' columns and tables of migration 16, and datasets without
// requires_consent, which migration 17 adds) is adopted: its rows stay,
// and it ends with the migrations' schema.
func TestMigrateAdoptsAutoMigratedDatabase(t *testing.T) {
	ctx := context.Background()
	for _, s := range rawTestStores(t) {
		t.Run(s.dialect, func(t *testing.T) {
			dropAllTables(t, s)
			must(t, s.autoMigrate(ctx, nil))
			cat := seeded(t, s)
			must(t, s.db.Migrator().DropColumn(&Task{}, "assignee"))
			must(t, s.db.Migrator().DropColumn(&Dataset{}, "authorized_operation"))
			must(t, s.db.Migrator().DropColumn(&Dataset{}, "requires_consent"))
			must(t, s.db.Migrator().DropIndex(&Application{}, "idx_applications_renews_application_id"))
			must(t, s.db.Migrator().DropColumn(&Application{}, "renews_application_id"))
			must(t, s.db.Migrator().DropColumn(&Session{}, "second_factor"))
			must(t, s.db.Migrator().DropTable(&TOTPSecret{}, &RecoveryCode{}))
			// Indexes and tables later migrations add (11 to 14).
			for model, index := range map[any]string{&Application{}: "idx_applications_submitted_at", &Task{}: "idx_tasks_done"} {
				if s.db.Migrator().HasIndex(model, index) {
					must(t, s.db.Migrator().DropIndex(model, index))
				}
			}
			must(t, s.db.Migrator().DropTable(&Attachment{}, &AgreementDocument{}, &SigningKey{}, &AgreementSignature{}))
			// Migration 16's columns and tables (the statutory procedures).
			for _, col := range []string{"open_conditions", "grounds", "version", "state", "data_updated_at"} {
				must(t, s.db.Migrator().DropColumn(&Dataset{}, col))
			}
			if s.db.Migrator().HasIndex(&Task{}, "idx_tasks_procedure_id") {
				must(t, s.db.Migrator().DropIndex(&Task{}, "idx_tasks_procedure_id"))
			}
			must(t, s.db.Migrator().DropColumn(&Task{}, "procedure_id"))
			must(t, s.db.Migrator().DropTable(&Procedure{}, &DatasetVersion{}))
			applied, err := s.MigrateUp(ctx)
			must(t, err)
			if len(applied) == 0 || !strings.HasPrefix(applied[len(applied)-1].File, "adopted") {
				t.Errorf("MigrateUp = %+v, want the adoption last", applied)
			}
			if !s.db.Migrator().HasColumn(&Task{}, "assignee") {
				t.Error("tasks.assignee missing after adoption")
			}
			if !mustDataset(t, s, "DS-0103").AuthorizedOperation {
				t.Error("DS-0103 not eligible for authorized operation after adoption")
			}
			if !s.db.Migrator().HasColumn(&Application{}, "renews_application_id") {
				t.Error("applications.renews_application_id missing after adoption")
			}
			if !mustDataset(t, s, "DS-0111").RequiresConsent {
				t.Error("DS-0111 does not require consent after adoption")
			}
			must(t, s.Migrate(ctx))
			adopted := schemaOf(t, s)
			defer func() {
				dropAllTables(t, s)
				must(t, s.Migrate(ctx))
				if diff := diffSchemas(adopted, schemaOf(t, s)); diff != "" {
					t.Errorf("the adopted schema differs from a migrated one:\n%s", diff)
				}
			}()
			if n := count(t, s, &Dataset{}); n != int64(len(cat.Datasets)) {
				t.Errorf("%d datasets after migrating, want %d", n, len(cat.Datasets))
			}
			must(t, s.CheckSchema(ctx))
			v, err := s.SchemaVersion(ctx)
			must(t, err)
			if v.Current != v.Latest || len(v.Pending) != 0 || v.Latest < 1 {
				t.Errorf("SchemaVersion = %+v, want current = latest", v)
			}
		})
	}
}

// CheckSchema tells a database without the migrations, or with newer ones,
// from a current one, and says what to do.
func TestCheckSchema(t *testing.T) {
	ctx := context.Background()
	for _, s := range rawTestStores(t) {
		t.Run(s.dialect, func(t *testing.T) {
			dropAllTables(t, s)
			err := s.CheckSchema(ctx)
			if !errors.Is(err, ErrSchemaOutdated) || !strings.Contains(err.Error(), "datagate migrate") {
				t.Errorf("CheckSchema on an empty database = %v, want ErrSchemaOutdated naming `datagate migrate`", err)
			}
			applied, err := s.MigrateUp(ctx)
			must(t, err)
			if len(applied) == 0 || applied[0].Version != 1 || applied[0].File != "00001_initial.sql" {
				t.Errorf("MigrateUp applied %+v, want 00001_initial.sql first", applied)
			}
			must(t, s.CheckSchema(ctx))
			if again, err := s.MigrateUp(ctx); err != nil || len(again) != 0 {
				t.Errorf("second MigrateUp = %+v, %v; want nothing applied", again, err)
			}
			must(t, s.db.Exec("INSERT INTO "+migrationTable+" (version_id, is_applied) VALUES (99999, true)").Error)
			if err := s.CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), "newer") {
				t.Errorf("CheckSchema on a newer database = %v, want an error saying it is newer", err)
			}
			must(t, s.db.Exec("DELETE FROM "+migrationTable+" WHERE version_id = 99999").Error)
		})
	}
}

// Concurrent Migrate calls (replicas starting together) take turns.
func TestMigrateConcurrently(t *testing.T) {
	dsn := os.Getenv(mysqlDSNEnv)
	if dsn == "" {
		t.Skip("MySQL only: set " + mysqlDSNEnv)
	}
	ctx := context.Background()
	s := openRaw(t, dsn)
	dropAllTables(t, s)
	const n = 4
	errc := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			other, err := Open(dsn)
			if err != nil {
				errc <- err
				return
			}
			defer other.Close()
			errc <- other.Migrate(ctx)
		}()
	}
	for i := 0; i < n; i++ {
		must(t, <-errc)
	}
	must(t, s.CheckSchema(ctx))
}

// ---- helpers ----

func openRaw(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(dsn)
	must(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// rawTestStores are unmigrated stores: a fresh SQLite file, and the MySQL
// test database when DATAGATE_TEST_MYSQL_DSN is set.
func rawTestStores(t *testing.T) []*Store {
	out := []*Store{openRaw(t, "sqlite://"+filepath.Join(t.TempDir(), "datagate.db"))}
	if dsn := os.Getenv(mysqlDSNEnv); dsn != "" {
		out = append(out, openRaw(t, dsn))
	}
	t.Cleanup(func() {
		// Leave the shared MySQL database migrated for the other tests.
		for _, s := range out[1:] {
			must(t, s.Migrate(context.Background()))
		}
	})
	return out
}

func isDDL(q string) bool {
	up := strings.ToUpper(strings.TrimSpace(q))
	for _, p := range []string{"ALTER", "CREATE", "DROP", "RENAME"} {
		if strings.HasPrefix(up, p) {
			return true
		}
	}
	return false
}

// howToMigrate is the instruction printed when the schemas differ.
func howToMigrate(t *testing.T, dialect string, ddl []string) string {
	next := int64(1)
	entries, err := fs.ReadDir(migrationFiles, "migrations/"+dialect)
	must(t, err)
	for _, e := range entries {
		if v, err := strconv.ParseInt(strings.SplitN(e.Name(), "_", 2)[0], 10, 64); err == nil && v >= next {
			next = v + 1
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Every schema change ships with a migration. Add the file %05d_<what_changes>.sql to BOTH\n", next)
	fmt.Fprintf(&b, "  %s/ and %s/\n", MigrationsDir("sqlite"), MigrationsDir("mysql"))
	b.WriteString("with a \"-- +goose Up\" section (the change) and a \"-- +goose Down\" section (its undo).\n")
	b.WriteString("The mysql file must suit MySQL 8 and MariaDB 10.11 alike (no ADD COLUMN IF NOT EXISTS, no CREATE INDEX IF NOT EXISTS);\n")
	b.WriteString("new tables end with ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin.\n")
	if len(ddl) > 0 {
		fmt.Fprintf(&b, "On %s, gorm's AutoMigrate would run this on the migrated database (a draft for the Up section):\n%s\n", dialect, strings.Join(ddl, "\n"))
	}
	b.WriteString("Check both dialects: DATAGATE_TEST_MYSQL_DSN=\"$(sudo .ci/mariadb.sh)\" go test ./store -run 'TestMigration'")
	return b.String()
}

// dropAllTables empties the database of every table, migrations' included.
func dropAllTables(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	sqlDB, err := s.db.DB()
	must(t, err)
	conn, err := sqlDB.Conn(ctx)
	must(t, err)
	defer conn.Close()
	var list string
	if s.dialect == "mysql" {
		list = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
		_, err = conn.ExecContext(ctx, "SET FOREIGN_KEY_CHECKS = 0")
		must(t, err)
		defer conn.ExecContext(ctx, "SET FOREIGN_KEY_CHECKS = 1")
	} else {
		list = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
		_, err = conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF")
		must(t, err)
		defer conn.ExecContext(ctx, "PRAGMA foreign_keys = ON")
	}
	tables := queryStrings(t, conn, list)
	for _, name := range tables {
		_, err := conn.ExecContext(ctx, "DROP TABLE `"+name+"`")
		must(t, err)
	}
}

func queryStrings(t *testing.T, conn *sql.Conn, q string, args ...any) []string {
	t.Helper()
	rows, err := conn.QueryContext(context.Background(), q, args...)
	must(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		must(t, rows.Scan(&s))
		out = append(out, s)
	}
	must(t, rows.Err())
	return out
}

// schema is a database's tables, each described by sorted lines: its
// columns, indexes, foreign keys and options.
type schema map[string][]string

// schemaOf reads the schema from the database's own catalog.
func schemaOf(t *testing.T, s *Store) schema {
	t.Helper()
	ctx := context.Background()
	sqlDB, err := s.db.DB()
	must(t, err)
	conn, err := sqlDB.Conn(ctx)
	must(t, err)
	defer conn.Close()
	out := schema{}
	add := func(table, format string, args ...any) {
		out[table] = append(out[table], fmt.Sprintf(format, args...))
	}
	rows := func(q string, args ...any) *sql.Rows {
		r, err := conn.QueryContext(ctx, q, args...)
		must(t, err)
		return r
	}
	if s.dialect == "mysql" {
		r := rows(`SELECT table_name, engine, table_collation FROM information_schema.tables
			WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' AND table_name <> ?`, migrationTable)
		for r.Next() {
			var table, engine, coll string
			must(t, r.Scan(&table, &engine, &coll))
			add(table, "table engine=%s collation=%s", engine, coll)
		}
		r.Close()
		r = rows(`SELECT table_name, column_name, column_type, is_nullable, column_default, extra, collation_name
			FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name <> ?`, migrationTable)
		for r.Next() {
			var table, col, typ, null, extra string
			var def, coll sql.NullString
			must(t, r.Scan(&table, &col, &typ, &null, &def, &extra, &coll))
			add(table, "column %s %s nullable=%s default=%s extra=%s collation=%s", col, typ, null, showNull(def), extra, showNull(coll))
		}
		r.Close()
		r = rows(`SELECT table_name, index_name, non_unique, GROUP_CONCAT(column_name ORDER BY seq_in_index)
			FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name <> ?
			GROUP BY table_name, index_name, non_unique`, migrationTable)
		for r.Next() {
			var table, name, cols string
			var nonUnique int
			must(t, r.Scan(&table, &name, &nonUnique, &cols))
			add(table, "index %s (%s) unique=%t", name, cols, nonUnique == 0)
		}
		r.Close()
		r = rows(`SELECT table_name, constraint_name, column_name, referenced_table_name, referenced_column_name
			FROM information_schema.key_column_usage WHERE table_schema = DATABASE() AND referenced_table_name IS NOT NULL`)
		for r.Next() {
			var table, name, col, refTable, refCol string
			must(t, r.Scan(&table, &name, &col, &refTable, &refCol))
			add(table, "foreign key %s (%s) references %s(%s)", name, col, refTable, refCol)
		}
		r.Close()
	} else {
		tables := queryStrings(t, conn, `SELECT name FROM sqlite_master WHERE type = 'table'
			AND name NOT LIKE 'sqlite_%' AND name <> ?`, migrationTable)
		for _, table := range tables {
			var ddl string
			must(t, conn.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&ddl))
			add(table, "table autoincrement=%t", strings.Contains(strings.ToUpper(ddl), "AUTOINCREMENT"))
			r := rows("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)", table)
			for r.Next() {
				var name, typ string
				var notNull, pk int
				var def sql.NullString
				must(t, r.Scan(&name, &typ, &notNull, &def, &pk))
				add(table, "column %s %s notnull=%d default=%s pk=%d", name, strings.ToLower(typ), notNull, showNull(def), pk)
			}
			r.Close()
			r = rows("SELECT name, \"unique\", origin FROM pragma_index_list(?)", table)
			type index struct {
				name   string
				unique int
				origin string
			}
			var idx []index
			for r.Next() {
				var i index
				must(t, r.Scan(&i.name, &i.unique, &i.origin))
				idx = append(idx, i)
			}
			r.Close()
			for _, i := range idx {
				if i.origin == "pk" {
					continue // the primary key, listed with the columns
				}
				cols := queryStrings(t, conn, "SELECT name FROM pragma_index_info(?) ORDER BY seqno", i.name)
				add(table, "index %s (%s) unique=%t", i.name, strings.Join(cols, ","), i.unique == 1)
			}
			r = rows(`SELECT "table", "from", "to" FROM pragma_foreign_key_list(?)`, table)
			for r.Next() {
				var ref, from, to string
				must(t, r.Scan(&ref, &from, &to))
				add(table, "foreign key (%s) references %s(%s)", from, ref, to)
			}
			r.Close()
		}
	}
	for _, lines := range out {
		sort.Strings(lines)
	}
	return out
}

func showNull(s sql.NullString) string {
	if !s.Valid {
		return "NULL"
	}
	return s.String
}

// diffSchemas lists, table by table, what only one side has.
func diffSchemas(migrated, models schema) string {
	tables := map[string]bool{}
	for name := range migrated {
		tables[name] = true
	}
	for name := range models {
		tables[name] = true
	}
	names := make([]string, 0, len(tables))
	for name := range tables {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		got, want := migrated[name], models[name]
		switch {
		case got == nil:
			fmt.Fprintf(&b, "  table %s: in the models, not created by any migration\n", name)
			continue
		case want == nil:
			fmt.Fprintf(&b, "  table %s: created by the migrations, in no model (schemaModels)\n", name)
			continue
		}
		onlyGot, onlyWant := minus(got, want), minus(want, got)
		if len(onlyGot)+len(onlyWant) == 0 {
			continue
		}
		fmt.Fprintf(&b, "  table %s:\n", name)
		for _, l := range onlyWant {
			fmt.Fprintf(&b, "    models:     %s\n", l)
		}
		for _, l := range onlyGot {
			fmt.Fprintf(&b, "    migrations: %s\n", l)
		}
	}
	return b.String()
}

func minus(a, b []string) []string {
	in := map[string]int{}
	for _, x := range b {
		in[x]++
	}
	var out []string
	for _, x := range a {
		if in[x] > 0 {
			in[x]--
			continue
		}
		out = append(out, x)
	}
	return out
}
