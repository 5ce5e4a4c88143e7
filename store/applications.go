package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/datagate/datagate/domain"
)

// Application is one scenario's request (一场景一申请). Draft fields are edited
// through the API; once submitted, Status and the lifecycle columns are
// written only by the workflow's activities.
type Application struct {
	ID               uint64     `gorm:"primaryKey;autoIncrement" json:"id"`
	ApplicantOrg     string     `gorm:"size:64;not null;index" json:"applicant_org"`
	ApplicantUser    string     `gorm:"size:64;not null" json:"applicant_user"`
	Title            string     `gorm:"size:200;not null" json:"title"`
	Domain           string     `gorm:"size:64" json:"domain"`
	Description      string     `gorm:"size:16777215" json:"description"`
	Purpose          string     `gorm:"size:16777215" json:"purpose"`
	Scope            string     `gorm:"size:16777215" json:"scope"`
	PeriodMonths     int        `gorm:"not null" json:"period_months"`
	AccessMode       string     `gorm:"size:16;not null" json:"access_mode"`
	SecurityControls string     `gorm:"size:16777215" json:"security_controls"`
	Status           string     `gorm:"size:32;not null;index" json:"status"`
	WorkflowID       string     `gorm:"size:128" json:"workflow_id,omitempty"`
	SubmittedAt      *time.Time `gorm:"index" json:"submitted_at,omitempty"`
	ActiveFrom       *time.Time `json:"active_from,omitempty"`
	ActiveUntil      *time.Time `json:"active_until,omitempty"`
	EndedAt          *time.Time `json:"ended_at,omitempty"`
	EndReason        string     `gorm:"size:32" json:"end_reason,omitempty"`
	ClosedAt         *time.Time `json:"closed_at,omitempty"`
	// RenewsApplicationID names the application this one renews (续期,
	// 003 六(六)1): a new application for the same scenario, linked to
	// the old one (CreateRenewal). Nil for a first application.
	RenewsApplicationID *uint64   `gorm:"index" json:"renews_application_id,omitempty"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`

	Datasets []ApplicationDataset `gorm:"foreignKey:ApplicationID" json:"datasets,omitempty"`
	// Consents are the bases of the data subjects' consent to the
	// datasets that need it (ApplicationConsent), when the application
	// is read alone (not in lists).
	Consents []ApplicationConsent `gorm:"foreignKey:ApplicationID" json:"consents,omitempty"`
}

// Access modes.
const (
	AccessDownload    = "download"
	AccessAPI         = "api"
	AccessSandbox     = "sandbox"
	AccessModelResult = "model-result"
)

// ApplicationDataset is one dataset named by an application, with the
// provider department's decision on it.
type ApplicationDataset struct {
	ApplicationID uint64     `gorm:"primaryKey;autoIncrement:false" json:"-"`
	DatasetCode   string     `gorm:"primaryKey;size:32" json:"dataset"`
	Department    string     `gorm:"size:64;not null;index" json:"department"`
	Decision      string     `gorm:"size:16" json:"decision,omitempty"`
	Reason        string     `gorm:"size:16777215" json:"reason,omitempty"`
	Basis         string     `gorm:"size:16777215" json:"basis,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
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

	// What a list's reader filters by, within the scope above (lists.go):
	// each narrows, none widens.
	Applicant string    // the applicant org
	Involves  string    // an org with a dataset or a task on the application
	Step      string    // the kind of one of its open tasks
	Keyword   string    // in the title, or the application's number
	From, To  time.Time // submitted at or after From, before To (zero: open)
	// Sort is a column of ApplicationSorts ("" is id); Asc orders it
	// ascending (newest first by default).
	Sort string
	Asc  bool

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
	// A department or a regulator also sees what was copied to it (抄送).
	if f.Department != "" {
		sub := db.Model(&ApplicationDataset{}).Select("application_id").Where("department = ?", f.Department)
		q = q.Where("id IN (?) OR id IN (?)", sub, copiedTo(db, f.Department))
	}
	if f.TaskOrg != "" {
		sub := db.Model(&Task{}).Select("application_id").Where("department = ?", f.TaskOrg)
		q = q.Where("id IN (?) OR id IN (?)", sub, copiedTo(db, f.TaskOrg))
	}
	return f.narrow(db, q)
}

// Applications lists applications matching f, newest first, with their
// datasets.
func (s *Store) Applications(ctx context.Context, f ApplicationFilter) ([]Application, error) {
	limit, offset := page(f.Limit, f.Offset)
	db := s.reader(ctx)
	var out []Application
	q := f.scope(db, preloadDatasets(db))
	if err := q.Order(f.order()).Limit(limit).Offset(offset).Find(&out).Error; err != nil {
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

// DepartmentDatasets lists the dataset rows of one application that one
// provider department decides, ordered by code.
func (s *Store) DepartmentDatasets(ctx context.Context, appID uint64, department string) ([]ApplicationDataset, error) {
	var out []ApplicationDataset
	err := s.reader(ctx).Where("application_id = ? AND department = ?", appID, department).
		Order("dataset_code").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list datasets of application %d for %s: %w", appID, department, err)
	}
	return out, nil
}

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
	q := preloadDatasets(db).Preload("Consents", func(db *gorm.DB) *gorm.DB { return db.Order("dataset_code") })
	if err := q.Where("id = ?", id).Take(&a).Error; err != nil {
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

// insertDraft inserts a new draft row, its dataset rows and its consents
// (each naming one of the datasets); row takes its ID, datasets and
// consents.
func insertDraft(tx *gorm.DB, row *Application, datasets []ApplicationDataset, consents []ApplicationConsent) error {
	if err := tx.Omit(clause.Associations).Create(row).Error; err != nil {
		return fmt.Errorf("insert application: %w", err)
	}
	for i := range datasets {
		datasets[i].ApplicationID = row.ID
	}
	if len(datasets) > 0 {
		if err := tx.Create(&datasets).Error; err != nil {
			return fmt.Errorf("insert datasets of application %d: %w", row.ID, err)
		}
	}
	row.Datasets = datasets
	rows, err := draftConsents(row.ID, datasets, consents)
	if err != nil {
		return err
	}
	if len(rows) > 0 {
		if err := tx.Create(&rows).Error; err != nil {
			return fmt.Errorf("insert consents of application %d: %w", row.ID, err)
		}
	}
	row.Consents = rows
	return nil
}

// CreateApplication stores a new draft with its datasets and consents in
// one transaction. a.ID must be zero. Only the draft fields of a are used:
// Status becomes "draft", the lifecycle columns are cleared, and each
// dataset row takes its department from the catalog (an unknown dataset is
// ErrNotFound); a consent must name one of the datasets (else
// ErrConflict). On success *a is the stored row, with its new ID.
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
		return insertDraft(tx, &row, rows, a.Consents)
	})
	if err != nil {
		return fmt.Errorf("create application: %w", err)
	}
	*a = row
	return nil
}

// UpdateDraft replaces a draft's editable fields (title, domain, description,
// purpose, scope, period, access mode, security controls), its dataset
// rows and its consents. The applicant org and user never change. It is ErrConflict unless
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
		consents, err := draftConsents(id, rows, a.Consents)
		if err != nil {
			return err
		}
		if err := replaceConsents(tx, id, consents); err != nil {
			return err
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
