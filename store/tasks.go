package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

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

// applicantStep is true of a task its own applicant holds: a supplement,
// a signature, a self-evaluation, an exit confirmation, a model revision.
// The org that applied, read from the task's application (by its primary
// key), is the task's department, whatever kind of org it is: a
// department applying for another's data included. Such a step is the
// applicant's, never a department's: supervision is of the 责任单位
// (《遵义市公共数据资源开发利用试点实施方案》四(三)).
const applicantStep = "EXISTS (SELECT 1 FROM applications WHERE applications.id = tasks.application_id" +
	" AND applications.applicant_org = tasks.department)"

// departmentsOnly scopes a query of tasks to the departments' work,
// leaving out the applicants' own steps (applicantStep). Every figure and
// list of supervision is built on it; an applicant's inbox and an
// application's timeline are not.
func departmentsOnly(db *gorm.DB) *gorm.DB {
	return db.Where("NOT " + applicantStep)
}

// Task is one step waiting on one org, with its statutory deadline.
type Task struct {
	ID            string     `gorm:"primaryKey;size:160;index:idx_tasks_inbox,priority:4;index:idx_tasks_overdue,priority:3;index:idx_tasks_done,priority:4" json:"id"`
	ApplicationID uint64     `gorm:"not null;index" json:"application_id"`
	WorkflowID    string     `gorm:"size:128;not null" json:"workflow_id"`
	Kind          string     `gorm:"size:40;not null" json:"kind"`
	Subject       string     `gorm:"size:64" json:"subject,omitempty"`
	Round         int        `gorm:"not null" json:"round"`
	Department    string     `gorm:"size:64;not null;index:idx_tasks_inbox,priority:1;index:idx_tasks_done,priority:1" json:"department"`
	Status        string     `gorm:"size:16;not null;index:idx_tasks_inbox,priority:2;index:idx_tasks_overdue,priority:1;index:idx_tasks_done,priority:2" json:"status"`
	OpenedAt      time.Time  `gorm:"not null" json:"opened_at"`
	DueAt         time.Time  `gorm:"not null;index:idx_tasks_inbox,priority:3;index:idx_tasks_overdue,priority:2" json:"due_at"`
	RemindAt      *time.Time `json:"remind_at,omitempty"`
	RemindedAt    *time.Time `json:"reminded_at,omitempty"`
	OverdueAt     *time.Time `json:"overdue_at,omitempty"`
	DecidedAt     *time.Time `gorm:"index:idx_tasks_done,priority:3" json:"decided_at,omitempty"`
	Decision      string     `gorm:"size:32" json:"decision,omitempty"`
	Reason        string     `gorm:"size:16777215" json:"reason,omitempty"`
	Basis         string     `gorm:"size:16777215" json:"basis,omitempty"`
	Comment       string     `gorm:"size:16777215" json:"comment,omitempty"`
	ActorUser     string     `gorm:"size:64" json:"actor_user,omitempty"`
	ActorRole     string     `gorm:"size:32" json:"actor_role,omitempty"`
	// Assignee is the colleague who claimed the task, or to whom it was
	// transferred (转办); empty while the whole department holds it.
	Assignee string `gorm:"size:64;not null;default:''" json:"assignee,omitempty"`
	// ProcedureID is the statutory procedure (procedures.go) whose step
	// the task is; 0 for an application's task. A procedure's task has
	// no application (ApplicationID 0).
	ProcedureID uint64 `gorm:"not null;default:0;index" json:"procedure_id,omitempty"`
}

// Task loads one task by ID.
func (s *Store) Task(ctx context.Context, id string) (Task, error) {
	var t Task
	if err := s.reader(ctx).Where("id = ?", id).Take(&t).Error; err != nil {
		return Task{}, fmt.Errorf("load task %q: %w", id, notFound(err))
	}
	return t, nil
}

// TasksOf lists an application's tasks, ordered by opening time and ID.
func (s *Store) TasksOf(ctx context.Context, appID uint64) ([]Task, error) {
	var out []Task
	err := s.reader(ctx).Where("application_id = ?", appID).Order("opened_at").Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list tasks of application %d: %w", appID, err)
	}
	return out, nil
}

// InboxFilter selects tasks. Zero fields do not filter: give both
// Department and Status (e.g. domain.TaskOpen) for a department's inbox, which is
// served by the (department, status, due_at, id) index.
type InboxFilter struct {
	Department    string
	Status        string
	ApplicationID uint64 // 0: every application
	Kind          string // "": every kind
	// DueBefore: only the tasks due before it (overdue at it); zero: any.
	DueBefore time.Time
	// Keyword and the due dates narrow as TaskNarrow's do.
	Keyword        string
	DueFrom, DueTo time.Time
	Limit, Offset  int // Limit defaults to DefaultLimit, at most MaxLimit
}

// where applies f's filters (not its page) to q.
func (f InboxFilter) where(db, q *gorm.DB) *gorm.DB {
	if f.Department != "" {
		q = q.Where("department = ?", f.Department)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.ApplicationID != 0 {
		q = q.Where("application_id = ?", f.ApplicationID)
	}
	if !f.DueBefore.IsZero() {
		q = q.Where(pastDue, f.DueBefore.UTC())
	}
	return TaskNarrow{Kind: f.Kind, Keyword: f.Keyword, DueFrom: f.DueFrom, DueTo: f.DueTo}.narrow(db, q)
}

// TaskNarrow is what a reader of a list of tasks (待办, 已办) filters it
// by: each narrows the list, none widens it. Zero fields do not filter.
type TaskNarrow struct {
	Kind string
	// Keyword is searched in the title of the task's application (or
	// procedure), or is its application's number ("12" or "#12").
	Keyword string
	// DueFrom and DueTo bound the due time: at or after DueFrom, before
	// DueTo.
	DueFrom, DueTo time.Time
}

func (n TaskNarrow) narrow(db, q *gorm.DB) *gorm.DB {
	if n.Kind != "" {
		q = q.Where("kind = ?", n.Kind)
	}
	if kw := strings.TrimSpace(n.Keyword); kw != "" {
		like := "LOWER(title) LIKE LOWER(?) ESCAPE '" + likeEscape + "'"
		titled := db.Model(&Application{}).Select("id").Where(like, containsPattern(kw))
		// A procedure's step is found by its procedure's title.
		procTitled := db.Model(&Procedure{}).Select("id").Where(like, containsPattern(kw))
		if id, err := strconv.ParseUint(strings.TrimPrefix(kw, "#"), 10, 63); err == nil && id > 0 {
			q = q.Where("(application_id = ? OR application_id IN (?) OR (procedure_id <> 0 AND procedure_id IN (?)))", id, titled, procTitled)
		} else {
			q = q.Where("(application_id IN (?) OR (procedure_id <> 0 AND procedure_id IN (?)))", titled, procTitled)
		}
	}
	if !n.DueFrom.IsZero() {
		q = q.Where("due_at >= ?", n.DueFrom.UTC())
	}
	if !n.DueTo.IsZero() {
		q = q.Where("due_at < ?", n.DueTo.UTC())
	}
	return q
}

// IsApplicantStep reports whether t is its applicant's own step
// (applicantStep): held by the org that applied.
func (s *Store) IsApplicantStep(ctx context.Context, t Task) (bool, error) {
	var n int64
	err := s.reader(ctx).Model(&Application{}).Where("id = ? AND applicant_org = ?", t.ApplicationID, t.Department).
		Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("find the applicant of task %q: %w", t.ID, err)
	}
	return n > 0, nil
}

// Inbox lists tasks matching f, earliest due first.
func (s *Store) Inbox(ctx context.Context, f InboxFilter) ([]Task, error) {
	limit, offset := page(f.Limit, f.Offset)
	db := s.reader(ctx)
	q := f.where(db, db)
	var out []Task
	if err := q.Order("due_at").Order("id").Limit(limit).Offset(offset).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list inbox of %q: %w", f.Department, err)
	}
	return out, nil
}

// Overdue lists open tasks due before now, earliest due first, of one
// department ("" for all): supervision's list, so an applicant's own steps
// are not in it (departmentsOnly). limit defaults to DefaultLimit, at most
// MaxLimit.
func (s *Store) Overdue(ctx context.Context, now time.Time, department string, limit int) ([]Task, error) {
	limit, _ = page(limit, 0)
	q := s.reader(ctx).Scopes(departmentsOnly)
	if department != "" {
		q = q.Where("department = ?", department)
	}
	var out []Task
	err := q.Scopes(overdue(now)).Order("due_at").Order("id").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list overdue tasks of %q: %w", department, err)
	}
	return out, nil
}

// DueWithin lists the departments' open tasks (not the applicants' own
// steps, as Overdue) that are not overdue at now and are due by until,
// earliest due first, at most limit (500 by default): the supervision's
// at-risk list (临期). department "" means every department. It reads
// idx_tasks_overdue (status, due_at), or idx_tasks_inbox for one
// department, as Overdue does.
func (s *Store) DueWithin(ctx context.Context, now, until time.Time, department string, limit int) ([]Task, error) {
	limit, _ = page(limit, 0)
	q := s.reader(ctx).Scopes(departmentsOnly)
	if department != "" {
		q = q.Where("department = ?", department)
	}
	var out []Task
	err := q.Where("status = ? AND due_at >= ? AND due_at <= ?", domain.TaskOpen, now.UTC(), until.UTC()).
		Order("due_at").Order("id").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list tasks of %q due by %s: %w", department, until.UTC().Format(time.RFC3339), err)
	}
	return out, nil
}

// maxWebRows bounds the rows one page query reads.
const maxWebRows = 5000

// OpenTasks lists open tasks, earliest due first, of one org ("" for
// all), at most limit (at most 5000; 0 means 5000): an org's inbox, its
// steps as an applicant included.
func (s *Store) OpenTasks(ctx context.Context, department string, limit int) ([]Task, error) {
	return openTasks(s.reader(ctx), department, limit)
}

// OpenDepartmentTasks is OpenTasks without the applicants' own steps
// (departmentsOnly), for supervision.
func (s *Store) OpenDepartmentTasks(ctx context.Context, department string, limit int) ([]Task, error) {
	return openTasks(s.reader(ctx).Scopes(departmentsOnly), department, limit)
}

func openTasks(q *gorm.DB, department string, limit int) ([]Task, error) {
	if limit <= 0 || limit > maxWebRows {
		limit = maxWebRows
	}
	q = q.Where("status = ?", domain.TaskOpen)
	if department != "" {
		q = q.Where("department = ?", department)
	}
	var out []Task
	if err := q.Order("due_at").Order("id").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list open tasks of %q: %w", department, err)
	}
	return out, nil
}

// TasksOverdueDuring lists the departments' tasks (not the applicants'
// own steps) that were overdue at some time in [from, to): due before to,
// and not decided (or cancelled) before from. Only the columns a trend
// needs are read: id, department, status, opened_at, due_at and
// decided_at.
func (s *Store) TasksOverdueDuring(ctx context.Context, from, to time.Time) ([]Task, error) {
	var out []Task
	err := s.reader(ctx).Scopes(departmentsOnly).Select("id", "department", "status", "opened_at", "due_at", "decided_at").
		Where(pastDue+" AND (decided_at IS NULL OR decided_at >= ?)", to.UTC(), from.UTC()).
		Order("due_at").Order("id").Limit(maxWebRows * 4).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list tasks overdue from %s to %s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	return out, nil
}

// DepartmentTasksDueBefore lists the departments' open tasks (not the
// applicants' own steps) due before t, earliest first, for the digests.
func (s *Store) DepartmentTasksDueBefore(ctx context.Context, t time.Time) ([]Task, error) {
	var out []Task
	err := s.reader(ctx).Scopes(overdue(t), departmentsOnly).
		Order("due_at").Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list open tasks due before %s: %w", t.UTC().Format(time.RFC3339), err)
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

// lockTask loads a task inside tx, locking its row on MySQL so that a
// concurrent transition waits (SQLite has one writer anyway).
func (s *Store) lockTask(tx *gorm.DB, id string) (Task, error) {
	q := tx
	if s.dialect == "mysql" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var t Task
	if err := q.Where("id = ?", id).Take(&t).Error; err != nil {
		return Task{}, fmt.Errorf("load task %q: %w", id, notFound(err))
	}
	return t, nil
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

// WorkflowsWithOpenTasksAcross lists the workflows (application or model
// review) with an open task whose deadline was counted across [from, to):
// opened before to and due at or after from. A holiday table for that span
// changes their due dates.
func (s *Store) WorkflowsWithOpenTasksAcross(ctx context.Context, from, to time.Time) ([]string, error) {
	var out []string
	err := s.reader(ctx).Model(&Task{}).Distinct("workflow_id").
		Where("status = ? AND opened_at < ? AND due_at >= ?", domain.TaskOpen, to.UTC(), from.UTC()).
		Order("workflow_id").Pluck("workflow_id", &out).Error
	if err != nil {
		return nil, fmt.Errorf("list workflows with open tasks from %s to %s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	return out, nil
}
