package store

import (
	"context"
	"fmt"
	"time"

	"github.com/datagate/datagate/domain"
)

// Read-only queries of the web pages (package web). They write nothing.

// maxWebRows bounds the rows one page query reads.
const maxWebRows = 5000

// OpenTasks lists open tasks, earliest due first, of one department ("" for
// all), at most limit (at most 5000; 0 means 5000).
func (s *Store) OpenTasks(ctx context.Context, department string, limit int) ([]Task, error) {
	if limit <= 0 || limit > maxWebRows {
		limit = maxWebRows
	}
	q := s.reader(ctx).Where("status = ?", domain.TaskOpen)
	if department != "" {
		q = q.Where("department = ?", department)
	}
	var out []Task
	if err := q.Order("due_at").Order("id").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list open tasks of %q: %w", department, err)
	}
	return out, nil
}

// TasksOverdueDuring lists the tasks that were overdue at some time in
// [from, to): due before to, and not decided (or cancelled) before from.
// Only the columns a trend needs are read: id, department, status,
// opened_at, due_at and decided_at.
func (s *Store) TasksOverdueDuring(ctx context.Context, from, to time.Time) ([]Task, error) {
	var out []Task
	err := s.reader(ctx).Select("id", "department", "status", "opened_at", "due_at", "decided_at").
		Where(pastDue+" AND (decided_at IS NULL OR decided_at >= ?)", to.UTC(), from.UTC()).
		Order("due_at").Order("id").Limit(maxWebRows * 4).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list tasks overdue from %s to %s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	return out, nil
}

// UsersOfOrg lists an org's active users, ordered by username.
func (s *Store) UsersOfOrg(ctx context.Context, org string) ([]User, error) {
	var out []User
	err := s.reader(ctx).Where("org_code = ? AND disabled = ?", org, false).Order("username").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list users of %s: %w", org, err)
	}
	return out, nil
}

// UrgesOfTasks lists the urges on the given tasks, oldest first, by task.
func (s *Store) UrgesOfTasks(ctx context.Context, taskIDs []string) (map[string][]Urge, error) {
	out := map[string][]Urge{}
	if len(taskIDs) == 0 {
		return out, nil
	}
	var rows []Urge
	err := s.reader(ctx).Where("task_id IN ?", taskIDs).Order("created_at").Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list urges of %d tasks: %w", len(taskIDs), err)
	}
	for _, u := range rows {
		out[u.TaskID] = append(out[u.TaskID], u)
	}
	return out, nil
}

// FlagsOfTasks loads the groundless-rejection flags on the given tasks, by
// task.
func (s *Store) FlagsOfTasks(ctx context.Context, taskIDs []string) (map[string]GroundlessFlag, error) {
	out := map[string]GroundlessFlag{}
	if len(taskIDs) == 0 {
		return out, nil
	}
	var rows []GroundlessFlag
	if err := s.reader(ctx).Where("task_id IN ?", taskIDs).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list flags of %d tasks: %w", len(taskIDs), err)
	}
	for _, f := range rows {
		out[f.TaskID] = f
	}
	return out, nil
}

// Rejections lists the review tasks (domain.ReviewKinds) decided since
// since that rejected something: their decision is reject, or they are
// department reviews and a dataset of their department in their
// application was rejected. Newest first, at most
// limit (DefaultLimit when 0, at most MaxLimit).
func (s *Store) Rejections(ctx context.Context, since time.Time, limit int) ([]Task, error) {
	limit, _ = page(limit, 0)
	reject := domain.DecisionReject
	db := s.reader(ctx)
	rejectedDataset := db.Model(&ApplicationDataset{}).Select("1").
		Where("application_datasets.application_id = tasks.application_id AND application_datasets.department = tasks.department AND application_datasets.decision = ?", reject)
	var out []Task
	err := db.Where("status = ? AND kind IN ? AND decided_at >= ?", domain.TaskDone, domain.ReviewKinds(), since.UTC()).
		Where(db.Where("decision = ?", reject).Or("kind = ? AND EXISTS (?)", domain.TaskDepartmentReview, rejectedDataset)).
		Order("decided_at DESC").Order("id DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list rejections since %s: %w", since.Format(time.DateOnly), err)
	}
	return out, nil
}

// ApplicationTitles loads the titles of the given applications, by ID.
func (s *Store) ApplicationTitles(ctx context.Context, ids []uint64) (map[uint64]string, error) {
	out := map[uint64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Application
	if err := s.reader(ctx).Select("id", "title").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load titles of %d applications: %w", len(ids), err)
	}
	for _, a := range rows {
		out[a.ID] = a.Title
	}
	return out, nil
}

// OpenSubjects reports which of subjects have an open task of kind about
// them (a task's Subject names another task, e.g. an urge's reply).
func (s *Store) OpenSubjects(ctx context.Context, kind string, subjects []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(subjects) == 0 {
		return out, nil
	}
	var rows []Task
	err := s.reader(ctx).Select("subject").Where("status = ? AND kind = ? AND subject IN ?", domain.TaskOpen, kind, subjects).
		Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list open %s tasks of %d subjects: %w", kind, len(subjects), err)
	}
	for _, t := range rows {
		out[t.Subject] = true
	}
	return out, nil
}
