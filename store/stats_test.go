package store

import (
	"context"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
)

// The gauges' queries count by status, and open tasks past due by
// department, on every test database.
func TestTaskMetricsQueries(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		mk := func(id, dept, status string, due time.Time) Task {
			return Task{ID: id, ApplicationID: 1, WorkflowID: "application-1", Kind: "initial_review",
				Round: 1, Department: dept, Status: status, OpenedAt: now.Add(-48 * time.Hour), DueAt: due}
		}
		for _, task := range []Task{
			mk("t1", "bdc", domain.TaskOpen, now.Add(-time.Hour)),
			mk("t2", "bdc", domain.TaskOpen, now.Add(-time.Microsecond)),
			mk("t3", "gsa", domain.TaskOpen, now.Add(-24*time.Hour)),
			mk("t4", "gsa", domain.TaskOpen, now.Add(time.Hour)),
			mk("t5", "gsa", domain.TaskDone, now.Add(-time.Hour)),
			mk("t6", "samr", domain.TaskCancelled, now.Add(-time.Hour)),
		} {
			must(t, s.db.Create(&task).Error)
		}
		counts, err := s.TaskCounts(ctx)
		must(t, err)
		if counts[domain.TaskOpen] != 4 || counts[domain.TaskDone] != 1 || counts[domain.TaskCancelled] != 1 || len(counts) != 3 {
			t.Errorf("TaskCounts = %v", counts)
		}
		overdue, err := s.OverdueByDepartment(ctx, now)
		must(t, err)
		if overdue["bdc"] != 2 || overdue["gsa"] != 1 || len(overdue) != 2 {
			t.Errorf("OverdueByDepartment = %v, want bdc 2, gsa 1", overdue)
		}
	})
}
