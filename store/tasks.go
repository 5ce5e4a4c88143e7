package store

import (
	"context"
	"fmt"
)

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
	res := db.Model(&Task{}).Where("id = ? AND status = ?", id, TaskOpen).Where(cond, arg).
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
	if t.Status != TaskOpen {
		return fmt.Errorf("%s task %s: it is %s: %w", what, id, t.Status, ErrConflict)
	}
	return fmt.Errorf("%s task %s: it is held by %s: %w", what, id, t.Assignee, ErrConflict)
}
