package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/datagate/datagate/domain"
)

// ErrConflict is returned when a row is not in the state an operation needs,
// e.g. editing or submitting an application that is no longer a draft.
var ErrConflict = errors.New("conflict")

// Page sizes of list queries.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// page clamps a limit and an offset.
func page(limit, offset int) (int, int) {
	switch {
	case limit <= 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	if offset < 0 {
		offset = 0
	}
	return limit, offset
}

// notFound turns gorm's record-not-found into ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// likeEscape is the escape character of LIKE patterns; '!' means the same in
// SQLite and MySQL (a backslash does not).
const likeEscape = "!"

// containsPattern is a LIKE pattern matching s literally anywhere.
func containsPattern(s string) string {
	r := strings.NewReplacer(likeEscape, likeEscape+likeEscape, "%", likeEscape+"%", "_", likeEscape+"_")
	return "%" + r.Replace(s) + "%"
}

// byCols orders by quoted columns, ascending: some column names ("no",
// "at") are keywords in one dialect or the other.
func byCols(cols ...string) clause.OrderBy {
	ob := clause.OrderBy{Columns: make([]clause.OrderByColumn, len(cols))}
	for i, c := range cols {
		ob.Columns[i] = clause.OrderByColumn{Column: clause.Column{Name: c}}
	}
	return ob
}

// ---- Orgs and users ----

// Org loads one org by code.
func (s *Store) Org(ctx context.Context, code string) (Org, error) {
	var o Org
	if err := s.reader(ctx).Where("code = ?", code).Take(&o).Error; err != nil {
		return Org{}, fmt.Errorf("load org %q: %w", code, notFound(err))
	}
	return o, nil
}

// Orgs lists the orgs of one kind ("" for all), ordered by code.
func (s *Store) Orgs(ctx context.Context, kind string) ([]Org, error) {
	q := s.reader(ctx).Order("code")
	if kind != "" {
		q = q.Where("kind = ?", kind)
	}
	var out []Org
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list orgs of kind %q: %w", kind, err)
	}
	return out, nil
}

// OrgOfKind returns the first org of a kind by code, e.g. the bureau.
func (s *Store) OrgOfKind(ctx context.Context, kind string) (Org, error) {
	var o Org
	if err := s.reader(ctx).Where("kind = ?", kind).Order("code").Take(&o).Error; err != nil {
		return Org{}, fmt.Errorf("load org of kind %q: %w", kind, notFound(err))
	}
	return o, nil
}

// UserByName loads one user by username.
func (s *Store) UserByName(ctx context.Context, username string) (User, error) {
	var u User
	if err := s.reader(ctx).Where("username = ?", username).Take(&u).Error; err != nil {
		return User{}, fmt.Errorf("load user %q: %w", username, notFound(err))
	}
	return u, nil
}

// Users lists every user, ordered by username.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	var out []User
	if err := s.reader(ctx).Order("username").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// ---- Catalog ----

// DatasetFilter selects catalog entries. Zero fields do not filter.
type DatasetFilter struct {
	Department    string // provider org code
	OpenAttribute string // unconditional, conditional, closed
	Grade         int    // exact sensitivity grade; 0 = any
	Query         string // substring of the name or the summary, matched literally
	Limit, Offset int    // Limit defaults to DefaultLimit, at most MaxLimit
}

func (f DatasetFilter) scope(db *gorm.DB) *gorm.DB {
	if f.Department != "" {
		db = db.Where("department = ?", f.Department)
	}
	if f.OpenAttribute != "" {
		db = db.Where("open_attribute = ?", f.OpenAttribute)
	}
	if f.Grade != 0 {
		db = db.Where("grade = ?", f.Grade)
	}
	if f.Query != "" {
		p := containsPattern(f.Query)
		// LOWER on both sides: SQLite's LIKE ignores the case of ASCII
		// letters, MySQL's follows the column's binary collation.
		like := "LIKE LOWER(?) ESCAPE '" + likeEscape + "'"
		db = db.Where("(LOWER(name) "+like+" OR LOWER(summary) "+like+")", p, p)
	}
	return db
}

// Datasets returns one page of the catalog entries matching f, ordered by
// code, and the number of all matching entries.
func (s *Store) Datasets(ctx context.Context, f DatasetFilter) ([]Dataset, int64, error) {
	limit, offset := page(f.Limit, f.Offset)
	var total int64
	if err := s.reader(ctx).Model(&Dataset{}).Scopes(f.scope).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count datasets: %w", err)
	}
	out := []Dataset{}
	if total > int64(offset) {
		err := s.reader(ctx).Scopes(f.scope).Order("code").Limit(limit).Offset(offset).Find(&out).Error
		if err != nil {
			return nil, 0, fmt.Errorf("list datasets: %w", err)
		}
	}
	return out, total, nil
}

// DatasetsByCode loads the named datasets, keyed by code. Unknown codes are
// absent from the map.
func (s *Store) DatasetsByCode(ctx context.Context, codes []string) (map[string]Dataset, error) {
	out := make(map[string]Dataset, len(codes))
	if len(codes) == 0 {
		return out, nil
	}
	var rows []Dataset
	if err := s.reader(ctx).Where("code IN ?", codes).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load datasets %v: %w", codes, err)
	}
	for _, d := range rows {
		out[d.Code] = d
	}
	return out, nil
}

// ---- Applications ----

// draftDatasets builds an application's dataset rows from the codes in in:
// each code once, ordered by code, with its provider department taken from
// the catalog and no decision. An unknown code is ErrNotFound.
func draftDatasets(tx *gorm.DB, appID uint64, in []ApplicationDataset) ([]ApplicationDataset, error) {
	var codes []string
	seen := map[string]bool{}
	for _, d := range in {
		if !seen[d.DatasetCode] {
			seen[d.DatasetCode] = true
			codes = append(codes, d.DatasetCode)
		}
	}
	if len(codes) == 0 {
		return nil, nil
	}
	sort.Strings(codes)
	var cat []Dataset
	if err := tx.Select("code", "department").Where("code IN ?", codes).Find(&cat).Error; err != nil {
		return nil, fmt.Errorf("load datasets %v: %w", codes, err)
	}
	dept := make(map[string]string, len(cat))
	for _, d := range cat {
		dept[d.Code] = d.Department
	}
	out := make([]ApplicationDataset, len(codes))
	for i, c := range codes {
		dep, ok := dept[c]
		if !ok {
			return nil, fmt.Errorf("dataset %q: %w", c, ErrNotFound)
		}
		out[i] = ApplicationDataset{ApplicationID: appID, DatasetCode: c, Department: dep}
	}
	return out, nil
}

func preloadDatasets(db *gorm.DB) *gorm.DB {
	return db.Preload("Datasets", func(db *gorm.DB) *gorm.DB { return db.Order("dataset_code") })
}

func loadApplication(db *gorm.DB, id uint64) (Application, error) {
	var a Application
	if err := preloadDatasets(db).Where("id = ?", id).Take(&a).Error; err != nil {
		return Application{}, fmt.Errorf("load application %d: %w", id, notFound(err))
	}
	return a, nil
}

// statusOf reads an application's status.
func statusOf(db *gorm.DB, id uint64) (string, error) {
	var a Application
	if err := db.Select("id", "status").Where("id = ?", id).Take(&a).Error; err != nil {
		return "", fmt.Errorf("load application %d: %w", id, notFound(err))
	}
	return a.Status, nil
}

// CreateApplication stores a new draft with its datasets in one transaction.
// a.ID must be zero. Only the draft fields of a are used: Status becomes
// "draft", the lifecycle columns are cleared, and each dataset row takes its
// department from the catalog (an unknown dataset is ErrNotFound). On
// success *a is the stored row, with its new ID.
func (s *Store) CreateApplication(ctx context.Context, a *Application) error {
	if a.ID != 0 {
		return fmt.Errorf("create application: id %d given; the store assigns it", a.ID)
	}
	now := time.Now().UTC()
	row := Application{
		ApplicantOrg: a.ApplicantOrg, ApplicantUser: a.ApplicantUser,
		Title: a.Title, Domain: a.Domain, Description: a.Description,
		Purpose: a.Purpose, Scope: a.Scope, PeriodMonths: a.PeriodMonths,
		AccessMode: a.AccessMode, SecurityControls: a.SecurityControls,
		Status: domain.StatusDraft, CreatedAt: now, UpdatedAt: now,
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		rows, err := draftDatasets(tx, 0, a.Datasets)
		if err != nil {
			return err
		}
		if err := tx.Omit(clause.Associations).Create(&row).Error; err != nil {
			return fmt.Errorf("insert application: %w", err)
		}
		for i := range rows {
			rows[i].ApplicationID = row.ID
		}
		if len(rows) > 0 {
			if err := tx.Create(&rows).Error; err != nil {
				return fmt.Errorf("insert datasets of application %d: %w", row.ID, err)
			}
		}
		row.Datasets = rows
		return nil
	})
	if err != nil {
		return fmt.Errorf("create application: %w", err)
	}
	*a = row
	return nil
}

// UpdateDraft replaces a draft's editable fields (title, domain, description,
// purpose, scope, period, access mode, security controls) and its dataset
// rows. The applicant org and user never change. It is ErrConflict unless
// the application is still a draft. On success *a is the stored row.
func (s *Store) UpdateDraft(ctx context.Context, a *Application) error {
	id := a.ID
	var stored Application
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Application{}).Where("id = ? AND status = ?", id, domain.StatusDraft).Updates(map[string]any{
			"title":             a.Title,
			"domain":            a.Domain,
			"description":       a.Description,
			"purpose":           a.Purpose,
			"scope":             a.Scope,
			"period_months":     a.PeriodMonths,
			"access_mode":       a.AccessMode,
			"security_controls": a.SecurityControls,
			"updated_at":        time.Now().UTC(),
		})
		if res.Error != nil {
			return fmt.Errorf("update application %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			// Missing, or no longer a draft: say which.
			st, err := statusOf(tx, id)
			if err != nil {
				return err
			}
			if st != domain.StatusDraft {
				return fmt.Errorf("application %d is %q, not a draft: %w", id, st, ErrConflict)
			}
		}
		rows, err := draftDatasets(tx, id, a.Datasets)
		if err != nil {
			return err
		}
		if err := tx.Where("application_id = ?", id).Delete(&ApplicationDataset{}).Error; err != nil {
			return fmt.Errorf("delete datasets of application %d: %w", id, err)
		}
		if len(rows) > 0 {
			if err := tx.Create(&rows).Error; err != nil {
				return fmt.Errorf("insert datasets of application %d: %w", id, err)
			}
		}
		stored, err = loadApplication(tx, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("update draft: %w", err)
	}
	*a = stored
	return nil
}

// Application loads one application with its datasets ordered by code.
func (s *Store) Application(ctx context.Context, id uint64) (Application, error) {
	return loadApplication(s.reader(ctx), id)
}

// ApplicationFilter selects applications. Zero fields do not filter; the
// scope fields are how access control narrows what a user sees.
type ApplicationFilter struct {
	ApplicantOrg  string
	Department    string // applications naming a dataset of this provider
	TaskOrg       string // applications with a task for this org (a regulator asked)
	SubmittedOnly bool   // leave out drafts
	Status        string
	Limit, Offset int // Limit defaults to DefaultLimit, at most MaxLimit
}

func (f ApplicationFilter) scope(db, q *gorm.DB) *gorm.DB {
	if f.ApplicantOrg != "" {
		q = q.Where("applicant_org = ?", f.ApplicantOrg)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.SubmittedOnly {
		q = q.Where("status <> ?", domain.StatusDraft)
	}
	if f.Department != "" {
		sub := db.Model(&ApplicationDataset{}).Select("application_id").Where("department = ?", f.Department)
		q = q.Where("id IN (?)", sub)
	}
	if f.TaskOrg != "" {
		sub := db.Model(&Task{}).Select("application_id").Where("department = ?", f.TaskOrg)
		q = q.Where("id IN (?)", sub)
	}
	return q
}

// Applications lists applications matching f, newest first, with their
// datasets.
func (s *Store) Applications(ctx context.Context, f ApplicationFilter) ([]Application, error) {
	limit, offset := page(f.Limit, f.Offset)
	db := s.reader(ctx)
	var out []Application
	q := f.scope(db, preloadDatasets(db))
	if err := q.Order("id DESC").Limit(limit).Offset(offset).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	return out, nil
}

// ApplicationVisible reports whether application id exists within f's scope.
func (s *Store) ApplicationVisible(ctx context.Context, id uint64, f ApplicationFilter) (bool, error) {
	db := s.reader(ctx)
	var n int64
	if err := f.scope(db, db.Model(&Application{}).Where("id = ?", id)).Count(&n).Error; err != nil {
		return false, fmt.Errorf("check access to application %d: %w", id, err)
	}
	return n > 0, nil
}

// MarkSubmitted moves a draft to "submitted"; see SubmitDraft.
func (s *Store) MarkSubmitted(ctx context.Context, id uint64, workflowID string, at time.Time) error {
	_, err := s.SubmitDraft(ctx, id, workflowID, at)
	return err
}

// SubmitDraft moves a draft to "submitted", recording its workflow ID and
// submission time, and returns the application as it stood when it did,
// read in the same transaction: its workflow starts from exactly these
// fields and datasets, and an edit racing with it either landed before
// (and is in them) or is refused (the row is no longer a draft). Of two
// concurrent submits one wins; the other, like submitting anything but a
// draft, is ErrConflict.
func (s *Store) SubmitDraft(ctx context.Context, id uint64, workflowID string, at time.Time) (Application, error) {
	at = at.UTC()
	var a Application
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Application{}).Where("id = ? AND status = ?", id, domain.StatusDraft).Updates(map[string]any{
			"status":       domain.StatusSubmitted,
			"workflow_id":  workflowID,
			"submitted_at": at,
			"updated_at":   time.Now().UTC(),
		})
		if res.Error != nil {
			return fmt.Errorf("submit application %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			st, err := statusOf(tx, id)
			if err != nil {
				return fmt.Errorf("submit application %d: %w", id, err)
			}
			return fmt.Errorf("submit application %d: status is %q, not a draft: %w", id, st, ErrConflict)
		}
		var err error
		a, err = loadApplication(tx, id)
		return err
	})
	return a, err
}

// RevertSubmitted moves a "submitted" application back to draft, clearing
// its workflow ID and submission time; used when starting the workflow
// failed. It is ErrConflict if the application is not "submitted" (e.g. the
// workflow did start and has already moved it on).
func (s *Store) RevertSubmitted(ctx context.Context, id uint64) error {
	db := s.db.WithContext(ctx)
	res := db.Model(&Application{}).Where("id = ? AND status = ?", id, domain.StatusSubmitted).Updates(map[string]any{
		"status":       domain.StatusDraft,
		"workflow_id":  "",
		"submitted_at": nil,
		"updated_at":   time.Now().UTC(),
	})
	if res.Error != nil {
		return fmt.Errorf("revert application %d to draft: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		st, err := statusOf(db, id)
		if err != nil {
			return fmt.Errorf("revert application %d to draft: %w", id, err)
		}
		return fmt.Errorf("revert application %d to draft: status is %q, not submitted: %w", id, st, ErrConflict)
	}
	return nil
}

// ---- Tasks ----

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
	Limit, Offset int // Limit defaults to DefaultLimit, at most MaxLimit
}

// Inbox lists tasks matching f, earliest due first.
func (s *Store) Inbox(ctx context.Context, f InboxFilter) ([]Task, error) {
	limit, offset := page(f.Limit, f.Offset)
	q := s.reader(ctx)
	if f.Department != "" {
		q = q.Where("department = ?", f.Department)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	var out []Task
	if err := q.Order("due_at").Order("id").Limit(limit).Offset(offset).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list inbox of %q: %w", f.Department, err)
	}
	return out, nil
}

// Overdue lists open tasks due before now, earliest due first, of one
// department ("" for all). limit defaults to DefaultLimit, at most MaxLimit.
func (s *Store) Overdue(ctx context.Context, now time.Time, department string, limit int) ([]Task, error) {
	limit, _ = page(limit, 0)
	q := s.reader(ctx)
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

// ---- Agreements, models, evaluations, audit ----

// Agreements lists an application's agreements, ordered by kind.
func (s *Store) Agreements(ctx context.Context, appID uint64) ([]Agreement, error) {
	var out []Agreement
	if err := s.reader(ctx).Where("application_id = ?", appID).Order("kind").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list agreements of application %d: %w", appID, err)
	}
	return out, nil
}

// Models lists an application's models, ordered by number.
func (s *Store) Models(ctx context.Context, appID uint64) ([]Model, error) {
	var out []Model
	if err := s.reader(ctx).Where("application_id = ?", appID).Order(byCols("no", "id")).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list models of application %d: %w", appID, err)
	}
	return out, nil
}

// Evaluations lists an application's evaluations, ordered by number and
// round.
func (s *Store) Evaluations(ctx context.Context, appID uint64) ([]Evaluation, error) {
	var out []Evaluation
	err := s.reader(ctx).Where("application_id = ?", appID).Order(byCols("no", "round", "id")).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list evaluations of application %d: %w", appID, err)
	}
	return out, nil
}

// Audit lists an application's audit entries, oldest first.
func (s *Store) Audit(ctx context.Context, appID uint64) ([]AuditEntry, error) {
	var out []AuditEntry
	if err := s.reader(ctx).Where("application_id = ?", appID).Order(byCols("at", "id")).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list audit of application %d: %w", appID, err)
	}
	return out, nil
}
