package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/datagate/datagate/domain"
)

// The lists the pages and the API page through: applications filtered
// and sorted within a user's scope, an org's open tasks (待办) and the
// tasks it decided (已办), each with the count of all its rows.

// Sorts of a list of applications, by the indexed column each orders by
// (the primary key, idx_applications_submitted_at, idx_applications_status).
const (
	SortID        = "id"
	SortSubmitted = "submitted"
	SortStatus    = "status"
)

// ApplicationSorts are the values of ApplicationFilter.Sort.
func ApplicationSorts() []string { return []string{SortID, SortSubmitted, SortStatus} }

var sortColumns = map[string]string{SortID: "id", SortSubmitted: "submitted_at", SortStatus: "status"}

// narrow applies the reader's filters (Applicant, Involves, Step, Keyword,
// From, To) to q: each is an AND with the scope, so none widens it.
func (f ApplicationFilter) narrow(db, q *gorm.DB) *gorm.DB {
	if f.Applicant != "" {
		q = q.Where("applicant_org = ?", f.Applicant)
	}
	if f.Involves != "" {
		ds := db.Model(&ApplicationDataset{}).Select("application_id").Where("department = ?", f.Involves)
		ts := db.Model(&Task{}).Select("application_id").Where("department = ?", f.Involves)
		q = q.Where("(id IN (?) OR id IN (?))", ds, ts)
	}
	if f.Step != "" {
		sub := db.Model(&Task{}).Select("application_id").Where("status = ? AND kind = ?", domain.TaskOpen, f.Step)
		q = q.Where("id IN (?)", sub)
	}
	q = titleOrNumber(q, f.Keyword)
	if !f.From.IsZero() {
		q = q.Where("submitted_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("submitted_at < ?", f.To.UTC())
	}
	return q
}

// order is the ORDER BY of f's sort, the application's number breaking
// ties the same way.
func (f ApplicationFilter) order() string {
	dir := " DESC"
	if f.Asc {
		dir = " ASC"
	}
	col, ok := sortColumns[f.Sort]
	if !ok || col == "id" {
		return "id" + dir
	}
	return col + dir + ", id" + dir
}

// titleOrNumber narrows q to the rows whose title contains kw, or whose
// id is kw as a number ("12" or "#12"); an empty kw does not narrow.
func titleOrNumber(q *gorm.DB, kw string) *gorm.DB {
	kw = strings.TrimSpace(kw)
	if kw == "" {
		return q
	}
	like := "LOWER(title) LIKE LOWER(?) ESCAPE '" + likeEscape + "'"
	if n, err := strconv.ParseUint(strings.TrimPrefix(kw, "#"), 10, 63); err == nil && n > 0 {
		return q.Where("(id = ? OR "+like+")", n, containsPattern(kw))
	}
	return q.Where(like, containsPattern(kw))
}

// CountApplications counts the applications matching f (its scope and
// filters; Limit, Offset and Sort do not count).
func (s *Store) CountApplications(ctx context.Context, f ApplicationFilter) (int64, error) {
	db := s.reader(ctx)
	var n int64
	if err := f.scope(db, db.Model(&Application{})).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count applications: %w", err)
	}
	return n, nil
}

// OpenTasksOfApplications lists the open tasks of the given applications,
// earliest due first: what each is waiting on, and who holds it.
func (s *Store) OpenTasksOfApplications(ctx context.Context, ids []uint64) ([]Task, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []Task
	err := s.reader(ctx).Where("status = ? AND application_id IN ?", domain.TaskOpen, ids).
		Order("due_at").Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list open tasks of %d applications: %w", len(ids), err)
	}
	return out, nil
}

// CountInbox counts the tasks matching f (Limit and Offset do not count).
func (s *Store) CountInbox(ctx context.Context, f InboxFilter) (int64, error) {
	db := s.reader(ctx)
	var n int64
	if err := f.where(db, db.Model(&Task{})).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count inbox of %q: %w", f.Department, err)
	}
	return n, nil
}

// DoneFilter selects the tasks an org decided (已办).
type DoneFilter struct {
	Department string
	// Actor: only those this user decided ("" for the whole org's).
	Actor string
	TaskNarrow
	Limit, Offset int // Limit defaults to DefaultLimit, at most MaxLimit
}

// DoneTasks returns one page of the tasks f's org decided, the latest
// decision first (idx_tasks_done: department, status, decided_at, id),
// and the number of all of them.
func (s *Store) DoneTasks(ctx context.Context, f DoneFilter) ([]Task, int64, error) {
	limit, offset := page(f.Limit, f.Offset)
	q := func() *gorm.DB {
		db := s.reader(ctx)
		q := db.Model(&Task{}).Where("department = ? AND status = ?", f.Department, domain.TaskDone)
		if f.Actor != "" {
			q = q.Where("actor_user = ?", f.Actor)
		}
		return f.narrow(db, q)
	}
	var total int64
	if err := q().Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count tasks %s decided: %w", f.Department, err)
	}
	var out []Task
	if total > int64(offset) {
		err := q().Order("decided_at DESC").Order("id DESC").Limit(limit).Offset(offset).Find(&out).Error
		if err != nil {
			return nil, 0, fmt.Errorf("list tasks %s decided: %w", f.Department, err)
		}
	}
	return out, total, nil
}

// ApplicationHeads loads what a list shows of the given applications
// (number, title, applicant, status), by ID.
func (s *Store) ApplicationHeads(ctx context.Context, ids []uint64) (map[uint64]Application, error) {
	out := map[uint64]Application{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Application
	err := s.reader(ctx).Select("id", "title", "applicant_org", "status", "submitted_at").Where("id IN ?", ids).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load %d applications: %w", len(ids), err)
	}
	for _, a := range rows {
		out[a.ID] = a
	}
	return out, nil
}

// ApplicantsIn lists the orgs that applied for the applications in f's
// scope (its filters do not count), by code: the choices of a list's
// applicant filter, which names no org the reader cannot see apply.
func (s *Store) ApplicantsIn(ctx context.Context, f ApplicationFilter) ([]string, error) {
	scope := ApplicationFilter{ApplicantOrg: f.ApplicantOrg, Department: f.Department, TaskOrg: f.TaskOrg, SubmittedOnly: f.SubmittedOnly}
	db := s.reader(ctx)
	var out []string
	err := scope.scope(db, db.Model(&Application{})).Distinct("applicant_org").Order("applicant_org").Pluck("applicant_org", &out).Error
	if err != nil {
		return nil, fmt.Errorf("list the applicants of a scope: %w", err)
	}
	return out, nil
}
