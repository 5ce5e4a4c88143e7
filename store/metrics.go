package store

import (
	"context"
	"fmt"
	"time"
)

// TaskCounts counts tasks by status, for the datagate_tasks gauge.
func (s *Store) TaskCounts(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	err := s.reader(ctx).Model(&Task{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count tasks by status: %w", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// OverdueByDepartment counts open tasks whose due time is before now, by
// the department they wait on (idx_tasks_overdue).
func (s *Store) OverdueByDepartment(ctx context.Context, now time.Time) (map[string]int64, error) {
	var rows []struct {
		Department string
		N          int64
	}
	err := s.reader(ctx).Model(&Task{}).Select("department, COUNT(*) AS n").
		Scopes(overdue(now)).Group("department").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count overdue tasks: %w", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Department] = r.N
	}
	return out, nil
}
