package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/datagate/datagate/domain"
)

// A department's inbox and the overdue lists read their page in order from
// an index and stop at the LIMIT: every task due on the same day shares its
// due time (23:59:59 +08:00), so a plan that sorts "each group of equal due
// times" sorts thousands of rows per page at a province's volume.
func TestTaskListsReadTheirPageFromAnIndex(t *testing.T) {
	ctx := context.Background()
	for _, s := range openTestStores(t) {
		t.Run(s.dialect, func(t *testing.T) {
			rec := &sqlRecorder{}
			traced := &Store{db: s.db.Session(&gorm.Session{Logger: rec}), r: s.r.Session(&gorm.Session{Logger: rec}), dialect: s.dialect}
			now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
			for _, run := range []struct {
				name, index string
				query       func() error
			}{
				{"inbox", "idx_tasks_inbox", func() error {
					_, err := traced.Inbox(ctx, InboxFilter{Department: "samr", Status: domain.TaskOpen})
					return err
				}},
				{"overdue, all departments", "idx_tasks_overdue", func() error {
					_, err := traced.Overdue(ctx, now, "", 500)
					return err
				}},
				{"overdue, one department", "idx_tasks_inbox", func() error {
					_, err := traced.Overdue(ctx, now, "samr", 500)
					return err
				}},
				{"at risk, all departments", "idx_tasks_overdue", func() error {
					_, err := traced.DueWithin(ctx, now, now.AddDate(0, 0, 5), "", 500)
					return err
				}},
				{"at risk, one department", "idx_tasks_inbox", func() error {
					_, err := traced.DueWithin(ctx, now, now.AddDate(0, 0, 5), "samr", 500)
					return err
				}},
			} {
				before := len(rec.statements())
				if err := run.query(); err != nil {
					t.Fatalf("%s: %v", run.name, err)
				}
				stmts := rec.statements()[before:]
				if len(stmts) != 1 {
					t.Fatalf("%s ran %d statements, want 1: %q", run.name, len(stmts), stmts)
				}
				plan := explain(t, s, stmts[0])
				if !strings.Contains(plan, run.index) {
					t.Errorf("%s does not use %s:\n%s\n%s", run.name, run.index, stmts[0], plan)
				}
				for _, sorts := range []string{"TEMP B-TREE", "filesort"} {
					if strings.Contains(plan, sorts) {
						t.Errorf("%s sorts its rows (%s) instead of reading them in index order:\n%s\n%s", run.name, sorts, stmts[0], plan)
					}
				}
			}
		})
	}
}

// explain returns the database's plan for q, one step per line.
func explain(t *testing.T, s *Store, q string) string {
	t.Helper()
	prefix := "EXPLAIN "
	if s.dialect == "sqlite" {
		prefix = "EXPLAIN QUERY PLAN "
	}
	rows, err := s.db.Raw(prefix + q).Rows()
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	must(t, err)
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		must(t, rows.Scan(ptrs...))
		var line []string
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if v != nil {
				line = append(line, fmt.Sprintf("%s=%v", cols[i], v))
			}
		}
		out = append(out, strings.Join(line, " "))
	}
	must(t, rows.Err())
	return strings.Join(out, "\n")
}
