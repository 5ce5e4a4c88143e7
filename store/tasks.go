package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/datagate/datagate/domain"
)

// pastDue is the one test of lateness: the task's due time has passed.
// An overdue task is an open task past due (overdue, below); every list
// and count of overdue tasks is built on it. The overdue_at column is
// something else: when the workflow's own timer marked the task overdue
// (the notification and the audit row), which lags by up to a worker's
// delay.
const pastDue = "due_at < ?"

// overdue scopes a query of tasks to those open and past due at now
// (idx_tasks_overdue: status, due_at).
func overdue(now time.Time) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		return db.Where("status = ? AND "+pastDue, domain.TaskOpen, now.UTC())
	}
}

// ClaimTask gives an open task to one colleague of its department. A task
// already held by someone else is ErrConflict.
func (s *Store) ClaimTask(ctx context.Context, id, username string) error {
	return s.assign(ctx, id, "claim", username, "assignee IN ('', ?)", username)
}

// ReleaseTask hands a task its holder claimed back to the department.
func (s *Store) ReleaseTask(ctx context.Context, id, username string) error {
	return s.assign(ctx, id, "release", "", "assignee = ?", username)
}

// TransferTask (转办) passes an open task from its holder, or from the
// department when nobody holds it, to a colleague.
func (s *Store) TransferTask(ctx context.Context, id, from, to string) error {
	return s.assign(ctx, id, "transfer", to, "assignee IN ('', ?)", from)
}

func (s *Store) assign(ctx context.Context, id, what, assignee, cond string, arg string) error {
	db := s.db.WithContext(ctx)
	res := db.Model(&Task{}).Where("id = ? AND status = ?", id, domain.TaskOpen).Where(cond, arg).
		Update("assignee", assignee)
	if res.Error != nil {
		return fmt.Errorf("%s task %s: %w", what, id, res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	t, err := s.Task(ctx, id)
	if err != nil {
		return err
	}
	if t.Status != domain.TaskOpen {
		return fmt.Errorf("%s task %s: it is %s: %w", what, id, t.Status, ErrConflict)
	}
	return fmt.Errorf("%s task %s: it is held by %s: %w", what, id, t.Assignee, ErrConflict)
}
