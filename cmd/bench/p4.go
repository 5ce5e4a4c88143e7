package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/store/seeddata"
)

// overdueSQL is the statement store.Overdue runs (gorm's rendering), for
// EXPLAIN; the timed queries call store.Overdue itself.
const (
	overdueSQL     = "SELECT * FROM `tasks` WHERE status = ? AND due_at < ? ORDER BY due_at,id LIMIT 500"
	overdueDeptSQL = "SELECT * FROM `tasks` WHERE department = ? AND status = ? AND due_at < ? ORDER BY due_at,id LIMIT 500"
)

// p4 times the overdue scan on a generated tasks table at two sizes, on
// each database, and shows the plans.
func (b *bench) p4(ctx context.Context) error {
	for _, kind := range strings.Split(b.cfg.P4DB, ",") {
		if err := b.p4On(ctx, kind); err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
	}
	b.rep.note("P4: generated tasks span three years before the query time in opening order, due at the end of a day (23:59:59 +08:00) 7 to 41 days after opening, in 20 departments; of those due before the query time 2%% are still open (overdue), of the others 60%%. The small table is an even 1-in-%d sample of the large one, so both cover the same period (on SQLite the large file holds the same rows plus the rest). Each size: %d timed calls of store.Overdue(now, department, 500), as GET /api/v1/supervision/overdue makes, after 10 untimed.",
		max(1, b.cfg.P4Large/b.cfg.P4Small), b.cfg.P4Queries)
	return nil
}

// p4size is one table size and what was measured on it.
type p4size struct {
	rows              int
	dsn               string
	st                *store.Store
	all, one          samples
	found             [2]int // rows returned: all departments, one
	planAll, planDept string
	rangeScan         bool
}

// p4On measures one database. On SQLite each size is its own file and the
// queries alternate between them, so that both see the same machine; on
// MySQL, one database, the small table is measured and then grown.
func (b *bench) p4On(ctx context.Context, kind string) error {
	name := map[string]string{"sqlite": "SQLite", "mysql": "MySQL/MariaDB"}[kind]
	cat, err := seeddata.Load()
	if err != nil {
		return err
	}
	var depts []string
	for _, d := range cat.Departments {
		if d.Kind == seeddata.KindProvider && len(depts) < 20 {
			depts = append(depts, d.Code)
		}
	}
	g := &taskGen{large: b.cfg.P4Large, small: b.cfg.P4Small, depts: depts,
		now: time.Now().UTC().Truncate(time.Second)}
	dept := depts[0]
	small, large := &p4size{rows: g.small}, &p4size{rows: g.large}
	open := func(sz *p4size, dsn string) error {
		sz.dsn = dsn
		var err error
		if sz.st, err = store.Open(dsn); err != nil {
			return err
		}
		return sz.st.Migrate(ctx)
	}
	var genRate []string
	gen := func(sz *p4size, first bool, label string) error {
		t0 := time.Now()
		n, err := g.insert(ctx, sz.dsn, first, b.cfg.Progress, label)
		if err != nil {
			return err
		}
		genRate = append(genRate, fmt.Sprintf("%d rows in %s (%.0f rows/s)", n, time.Since(t0).Round(time.Second), float64(n)/time.Since(t0).Seconds()))
		return nil
	}
	measure := func(sizes ...*p4size) error {
		for _, sz := range sizes {
			var err error
			if sz.planAll, sz.rangeScan, err = explain(ctx, sz.dsn, overdueSQL, domain.TaskOpen, g.now); err != nil {
				return err
			}
			if sz.planDept, _, err = explain(ctx, sz.dsn, overdueDeptSQL, dept, domain.TaskOpen, g.now); err != nil {
				return err
			}
		}
		for q := range b.cfg.P4Queries + 10 {
			for _, sz := range sizes {
				for j, v := range []struct {
					dept string
					s    *samples
				}{{"", &sz.all}, {dept, &sz.one}} {
					t0 := time.Now()
					tasks, err := sz.st.Overdue(ctx, g.now, v.dept, 500)
					if err != nil {
						return err
					}
					if len(tasks) == 0 {
						return fmt.Errorf("the overdue scan found no task in %d generated rows", sz.rows)
					}
					if q >= 10 {
						v.s.add(time.Since(t0))
					}
					sz.found[j] = len(tasks)
				}
			}
		}
		return nil
	}
	if kind == "sqlite" {
		dir := filepath.Join(b.cfg.Dir, "p4")
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		for _, sz := range []*p4size{small, large} {
			if err := open(sz, "sqlite://"+filepath.Join(dir, fmt.Sprintf("tasks-%d.db", sz.rows))); err != nil {
				return err
			}
			defer sz.st.Close()
		}
		if err := gen(small, true, fmt.Sprintf("P4 %s, %d rows", name, small.rows)); err != nil {
			return err
		}
		if err := gen(large, true, fmt.Sprintf("P4 %s, %d rows (1 of 2)", name, large.rows)); err != nil {
			return err
		}
		if err := gen(large, false, fmt.Sprintf("P4 %s, %d rows (2 of 2)", name, large.rows)); err != nil {
			return err
		}
		if err := measure(small, large); err != nil {
			return err
		}
	} else {
		if err := wipeMySQL(ctx, b.cfg.MySQL); err != nil {
			return err
		}
		defer func() { _ = wipeMySQL(context.WithoutCancel(ctx), b.cfg.MySQL) }()
		if err := open(small, b.cfg.MySQL); err != nil {
			return err
		}
		defer small.st.Close()
		large.dsn, large.st = small.dsn, small.st
		if err := gen(small, true, fmt.Sprintf("P4 %s, %d rows", name, small.rows)); err != nil {
			return err
		}
		if err := measure(small); err != nil {
			return err
		}
		if err := gen(large, false, fmt.Sprintf("P4 %s, grown to %d rows", name, large.rows)); err != nil {
			return err
		}
		if err := measure(large); err != nil {
			return err
		}
	}
	for _, sz := range []*p4size{small, large} {
		b.rep.addExplain(fmt.Sprintf("P4 %s, %d rows: EXPLAIN of the overdue scan (all departments, then one):", name, sz.rows),
			indent(sz.planAll)+"\n"+indent(sz.planDept))
	}
	for j, v := range []struct {
		what string
		s, l *samples
	}{{"all departments", &small.all, &large.all}, {"one department (" + dept + ")", &small.one, &large.one}} {
		r := row{P: "P4", What: fmt.Sprintf("overdue scan p99, %s, %s, %d rows (%d found)", name, v.what, large.rows, large.found[j]),
			Value: v.l.pct(99), Unit: "ms", Anchor: v.s.pct(99), AnchorWhat: fmt.Sprintf("the same at %d rows (%d found)", small.rows, small.found[j])}
		if j == 0 {
			// The target compares like with like: a full page of 500 at
			// both sizes. One department's overdue tasks fill it only in
			// the large table, so that row informs.
			r.Target = "≤ 2×"
			r.Met = met(r.Ratio() <= 2 && small.rangeScan && large.rangeScan)
		}
		b.rep.add(r)
		b.rep.note("P4 %s, %s: %d rows %s (%d found); %d rows %s (%d found).", name, v.what,
			small.rows, v.s.summary(), small.found[j], large.rows, v.l.summary(), large.found[j])
	}
	how := "the two sizes in two files, queried alternately"
	if kind == "mysql" {
		how = "one database, measured at the small size and again after growing it"
	}
	b.rep.note("P4 %s: %s; index range scan at both sizes: %v. Generated %s.", name, how, small.rangeScan && large.rangeScan, strings.Join(genRate, ", "))
	return nil
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ")
}

// explain shows the plan of query and whether it is a range scan of
// idx_tasks_overdue or idx_tasks_inbox.
func explain(ctx context.Context, dsn, query string, args ...any) (string, bool, error) {
	driver, source := rawDSN(dsn)
	db, err := sql.Open(driver, source)
	if err != nil {
		return "", false, err
	}
	defer db.Close()
	prefix := "EXPLAIN "
	if driver == "sqlite" {
		prefix = "EXPLAIN QUERY PLAN "
	}
	rows, err := db.QueryContext(ctx, prefix+query, args...)
	if err != nil {
		return "", false, fmt.Errorf("explain: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", false, err
	}
	var lines []string
	rangeScan := false
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", false, err
		}
		if driver == "sqlite" {
			d := vals[len(vals)-1].String
			lines = append(lines, d)
			if strings.Contains(d, "USING INDEX idx_tasks_overdue (status=? AND due_at<?)") ||
				strings.Contains(d, "USING INDEX idx_tasks_inbox (department=? AND status=? AND due_at<?)") {
				rangeScan = true
			}
			continue
		}
		var kv []string
		m := map[string]string{}
		for i, c := range cols {
			kv = append(kv, c+"="+vals[i].String)
			m[c] = vals[i].String
		}
		lines = append(lines, strings.Join(kv, " "))
		if m["type"] == "range" && (m["key"] == "idx_tasks_overdue" || m["key"] == "idx_tasks_inbox") {
			rangeScan = true
		}
	}
	return strings.Join(lines, "\n"), rangeScan, rows.Err()
}

// taskGen generates the rows of a tasks table in SQL (INSERT ... SELECT
// over a generated sequence), so that the database does the work: row i of
// large opens at i/large of the way through the three years before now.
// The small table is the rows keep selects, an even sample, and the large
// one adds the rest. Pseudo-random choices are multiplicative hashes of i.
type taskGen struct {
	large, small int
	depts        []string
	now          time.Time
}

var genKinds = []string{domain.TaskInitialReview, domain.TaskDepartmentReview, domain.TaskDepartmentReview,
	domain.TaskSignAuthorization, domain.TaskSignService, domain.TaskSignCommitment, domain.TaskFileService,
	domain.TaskModelReview, domain.TaskSelfEvaluation, domain.TaskRateEvaluation}

const genChunk = 100_000

// insertSQL is the statement that inserts rows lo <= i < lo+genChunk that
// belong to the small table (first) or only to the large one.
func (g *taskGen) insertSQL(driver string, lo int, first bool) string {
	idiv := func(a, b string) string { return "((" + a + ")/(" + b + "))" }
	cat := func(p ...string) string { return "(" + strings.Join(p, " || ") + ")" }
	ts := func(v string) string { return "(strftime('%Y-%m-%d %H:%M:%S', " + v + ", 'unixepoch') || '+00:00')" }
	if driver == "mysql" {
		idiv = func(a, b string) string { return "((" + a + ") DIV (" + b + "))" }
		cat = func(p ...string) string { return "CONCAT(" + strings.Join(p, ", ") + ")" }
		ts = func(v string) string { return "DATE_ADD('1970-01-01 00:00:00', INTERVAL (" + v + ") SECOND)" }
	}
	choose := func(idx string, vals []string) string {
		var b strings.Builder
		b.WriteString("CASE " + idx)
		for i, v := range vals {
			fmt.Fprintf(&b, " WHEN %d THEN '%s'", i, v)
		}
		return b.String() + " END"
	}
	digits := "(SELECT 0 AS x UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"
	seq := fmt.Sprintf("(SELECT %d + a.x + 10*b.x + 100*c.x + 1000*d.x + 10000*e.x AS i FROM %s a, %s b, %s c, %s d, %s e)",
		lo, digits, digits, digits, digits, digits)
	keep := fmt.Sprintf("(i * %d) %% %d < %d", g.small, g.large, g.small)
	if !first {
		keep = "NOT (" + keep + ")"
	}
	now := g.now.Unix()
	span := int64(3 * 365 * 86400)
	l1 := fmt.Sprintf("SELECT i, (i * 2654435761) %% 4294967296 AS h, %d + %s + (i * 104729) %% 3600 AS o FROM %s s WHERE i < %d AND %s",
		now-span, idiv(fmt.Sprintf("i * %d", span), strconv.Itoa(g.large)), seq, g.large, keep)
	// Due at 15:59:59 UTC, the end of the day in Asia/Shanghai, 7 to 41 days on.
	l2 := fmt.Sprintf("SELECT i, h, o, %s * 86400 + 57599 AS due, %s %% 100 AS roll FROM (%s) l1",
		idiv("o + (7 + (i * 7919) % 35) * 86400", "86400"), idiv("h", "65536"), l1)
	l3 := fmt.Sprintf("SELECT i, h, o, due, CASE WHEN due < %[1]d AND roll < 2 THEN 'open' WHEN due < %[1]d AND roll < 5 THEN 'cancelled' "+
		"WHEN due >= %[1]d AND roll < 60 THEN 'open' ELSE 'done' END AS st FROM (%[2]s) l2", now, l2)
	app := "(" + idiv("i", "8") + " + 1)"
	cols := []string{
		cat("'application-'", app, "'-t'", "(i % 8 + 1)"),
		app,
		cat("'application-'", app),
		choose(idiv("h", "256")+" % "+strconv.Itoa(len(genKinds)), genKinds),
		"''", "1",
		choose("h % "+strconv.Itoa(len(g.depts)), g.depts),
		"st",
		ts("o"), ts("due"), "NULL", "NULL",
		fmt.Sprintf("CASE WHEN st = 'open' AND due < %d THEN %s ELSE NULL END", now, ts("due")),
		"CASE WHEN st = 'open' THEN NULL ELSE " + ts("o + (i * 31337) % 604800") + " END",
		"CASE st WHEN 'done' THEN 'approve' WHEN 'cancelled' THEN 'cancelled' ELSE '' END",
		"''", "''", "''",
		"CASE WHEN st = 'open' THEN '' ELSE 'bench' END",
		"''", "''",
	}
	return "INSERT INTO `tasks` (`" + strings.Join(taskCols, "`,`") + "`) SELECT " + strings.Join(cols, ", ") + " FROM (" + l3 + ") l3"
}

var taskCols = []string{"id", "application_id", "workflow_id", "kind", "subject", "round", "department", "status",
	"opened_at", "due_at", "remind_at", "reminded_at", "overdue_at", "decided_at", "decision", "reason", "basis",
	"comment", "actor_user", "actor_role", "assignee"}

// insert writes the small table's rows (first) or the rest of the large
// table's, and returns how many it wrote.
func (g *taskGen) insert(ctx context.Context, dsn string, first bool, w io.Writer, label string) (int, error) {
	driver, source := rawDSN(dsn)
	db, err := sql.Open(driver, source)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if driver == "sqlite" {
		// The generator's own connection: a big page cache speeds the
		// inserts, and it is closed before anything is timed.
		if _, err := db.ExecContext(ctx, "PRAGMA cache_size = -524288"); err != nil {
			return 0, err
		}
	}
	total := g.small
	if !first {
		total = g.large - g.small
	}
	bar := newProgress(w, label, total)
	defer bar.finish()
	written := 0
	for lo := 0; lo < g.large; lo += genChunk {
		res, err := db.ExecContext(ctx, g.insertSQL(driver, lo, first))
		if err != nil {
			return written, fmt.Errorf("insert generated tasks: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return written, err
		}
		written += int(n)
		bar.add(int(n))
	}
	if written != total {
		return written, fmt.Errorf("generated %d rows, want %d", written, total)
	}
	return written, nil
}
