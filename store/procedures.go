package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/datagate/datagate/domain"
)

// The statutory procedures beside the applications (domain/procedures.go):
// catalog changes, out-of-catalog requests and objections. Each is one
// row here, filed by the API, and one workflow, which owns its outcome,
// its tasks (in the tasks table, with procedure_id set and no application)
// and its audit entries (application_id 0, under the workflow's ID).

// DatasetProposal is a catalog entry as a department proposes it: a new
// dataset, a change of one (the whole entry as it is to read), or its
// retirement. A classification as closed or conditional carries its
// grounds (依据, 第九条), and a conditional one its conditions (开放条件).
type DatasetProposal struct {
	Change              string   `json:"change"`
	Code                string   `json:"code"`
	Name                string   `json:"name,omitempty"`
	Summary             string   `json:"summary,omitempty"`
	Fields              []string `json:"fields,omitempty"`
	Format              string   `json:"format,omitempty"`
	UpdateFrequency     string   `json:"update_frequency,omitempty"`
	OpenAttribute       string   `json:"open_attribute,omitempty"`
	Grade               int      `json:"grade,omitempty"`
	OpenConditions      string   `json:"open_conditions,omitempty"`
	Grounds             string   `json:"grounds,omitempty"`
	AuthorizedOperation bool     `json:"authorized_operation,omitempty"`
	// RequiresConsent: the data is used only with its data subjects'
	// consent (第二十五条).
	RequiresConsent bool `json:"requires_consent,omitempty"`
}

// Procedure is one statutory procedure.
type Procedure struct {
	ID         uint64 `gorm:"primaryKey;autoIncrement" json:"id"`
	Kind       string `gorm:"size:32;not null;index:idx_procedures_kind,priority:1" json:"kind"`
	WorkflowID string `gorm:"size:128;not null" json:"workflow_id"`
	Title      string `gorm:"size:200;not null" json:"title"`
	// RequesterOrg and RequesterUser filed it: the proposing department,
	// the requester, the objector.
	RequesterOrg  string `gorm:"size:64;not null;index" json:"requester_org"`
	RequesterUser string `gorm:"size:64;not null" json:"requester_user"`
	// Department is the provider department that answers.
	Department  string `gorm:"size:64;not null;index" json:"department"`
	DatasetCode string `gorm:"size:32;not null;index" json:"dataset,omitempty"`
	// Body is the request's or the objection's text; Ground an
	// objection's ground (domain.ObjectionGrounds).
	Body   string `gorm:"size:16777215" json:"body,omitempty"`
	Ground string `gorm:"size:16" json:"ground,omitempty"`
	// Proposal is the catalog entry proposed, as it last stands.
	Proposal *DatasetProposal `gorm:"serializer:json;type:text" json:"proposal,omitempty"`
	Outcome  string           `gorm:"size:16;not null;index:idx_procedures_kind,priority:2" json:"outcome"`
	Reason   string           `gorm:"size:16777215" json:"reason,omitempty"`
	Basis    string           `gorm:"size:16777215" json:"basis,omitempty"`
	OpenedAt time.Time        `gorm:"not null" json:"opened_at"`
	ClosedAt *time.Time       `json:"closed_at,omitempty"`
}

// DatasetVersion is one approved version of a catalog entry: every
// version is kept, and the catalog shows the latest.
type DatasetVersion struct {
	DatasetCode         string    `gorm:"primaryKey;size:32" json:"dataset"`
	Version             int       `gorm:"primaryKey;autoIncrement:false" json:"version"`
	Change              string    `gorm:"size:16;not null" json:"change"`
	Name                string    `gorm:"size:200;not null" json:"name"`
	Department          string    `gorm:"size:64;not null" json:"department"`
	Fields              []string  `gorm:"serializer:json;type:text" json:"fields"`
	OpenAttribute       string    `gorm:"size:16;not null" json:"open_attribute"`
	Grade               int       `gorm:"not null" json:"grade"`
	UpdateFrequency     string    `gorm:"size:32" json:"update_frequency"`
	Format              string    `gorm:"size:32" json:"format"`
	Summary             string    `gorm:"size:16777215" json:"summary"`
	OpenConditions      string    `gorm:"size:16777215" json:"open_conditions,omitempty"`
	Grounds             string    `gorm:"size:16777215" json:"grounds,omitempty"`
	AuthorizedOperation bool      `gorm:"not null" json:"authorized_operation"`
	RequiresConsent     bool      `gorm:"not null" json:"requires_consent"`
	State               string    `gorm:"size:16;not null" json:"state"`
	ProcedureID         uint64    `gorm:"not null" json:"procedure_id"`
	ApprovedAt          time.Time `gorm:"not null" json:"approved_at"`
	ApprovedBy          string    `gorm:"size:64;not null" json:"approved_by"`
}

// ProcedureState is the workflow-owned part of a procedure's row.
type ProcedureState struct {
	ID       uint64
	Outcome  string
	Reason   string
	Basis    string
	Proposal *DatasetProposal
	ClosedAt *time.Time
}

// Publication is an approved catalog change: the proposal becomes the
// dataset's next version.
type Publication struct {
	Proposal    DatasetProposal
	Department  string
	ProcedureID uint64
	At          time.Time
	By          string
}

// DatasetStateChange sets a dataset's state (open, suspended, withdrawn).
type DatasetStateChange struct {
	Code  string
	State string
}

// CreateProcedure files a procedure; its workflow is started next.
func (s *Store) CreateProcedure(ctx context.Context, p *Procedure) error {
	p.OpenedAt = p.OpenedAt.UTC()
	if p.Outcome == "" {
		p.Outcome = domain.OutcomeOpen
	}
	if err := s.db.WithContext(ctx).Create(p).Error; err != nil {
		return fmt.Errorf("file procedure: %w", err)
	}
	return nil
}

// SetProcedureWorkflow records the workflow ID a filed procedure runs in.
func (s *Store) SetProcedureWorkflow(ctx context.Context, id uint64, wfID string) error {
	if err := s.db.WithContext(ctx).Model(&Procedure{}).Where("id = ?", id).Update("workflow_id", wfID).Error; err != nil {
		return fmt.Errorf("procedure %d: record its workflow: %w", id, err)
	}
	return nil
}

// DeleteUnstartedProcedure removes a filed procedure whose workflow could
// not be started: nothing of it happened.
func (s *Store) DeleteUnstartedProcedure(ctx context.Context, id uint64) error {
	err := s.db.WithContext(ctx).Where("id = ? AND NOT EXISTS (SELECT 1 FROM audit_log WHERE audit_log.workflow_id = procedures.workflow_id)", id).
		Delete(&Procedure{}).Error
	if err != nil {
		return fmt.Errorf("procedure %d: remove the unstarted filing: %w", id, err)
	}
	return nil
}

// Procedure loads one procedure.
func (s *Store) Procedure(ctx context.Context, id uint64) (Procedure, error) {
	var p Procedure
	if err := s.reader(ctx).Where("id = ?", id).Take(&p).Error; err != nil {
		return Procedure{}, fmt.Errorf("load procedure %d: %w", id, notFound(err))
	}
	return p, nil
}

// ProcedureFilter selects procedures. Zero fields do not filter; Org, when
// set, keeps those the org filed or answers.
type ProcedureFilter struct {
	Kind        string
	Outcome     string
	Org         string
	DatasetCode string
	// OpenOnly keeps the procedures still open.
	OpenOnly bool
	// Keyword is searched in the title, or is the procedure's number
	// ("12" or "#12").
	Keyword       string
	Limit, Offset int
}

func (f ProcedureFilter) scope(db *gorm.DB) *gorm.DB {
	if f.Kind != "" {
		db = db.Where("kind = ?", f.Kind)
	}
	if f.Outcome != "" {
		db = db.Where("outcome = ?", f.Outcome)
	}
	if f.OpenOnly {
		db = db.Where("outcome = ?", domain.OutcomeOpen)
	}
	if f.Org != "" {
		db = db.Where("(requester_org = ? OR department = ?)", f.Org, f.Org)
	}
	if f.DatasetCode != "" {
		db = db.Where("dataset_code = ?", f.DatasetCode)
	}
	return titleOrNumber(db, f.Keyword)
}

// Procedures returns one page of the procedures matching f, latest first,
// and the number of all matching.
func (s *Store) Procedures(ctx context.Context, f ProcedureFilter) ([]Procedure, int64, error) {
	limit, offset := page(f.Limit, f.Offset)
	var total int64
	if err := s.reader(ctx).Model(&Procedure{}).Scopes(f.scope).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count procedures: %w", err)
	}
	out := []Procedure{}
	if total > int64(offset) {
		if err := s.reader(ctx).Scopes(f.scope).Order("id DESC").Limit(limit).Offset(offset).Find(&out).Error; err != nil {
			return nil, 0, fmt.Errorf("list procedures: %w", err)
		}
	}
	return out, total, nil
}

// ProceduresByID loads the named procedures, keyed by ID.
func (s *Store) ProceduresByID(ctx context.Context, ids []uint64) (map[uint64]Procedure, error) {
	out := map[uint64]Procedure{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Procedure
	if err := s.reader(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load %d procedures: %w", len(ids), err)
	}
	for _, p := range rows {
		out[p.ID] = p
	}
	return out, nil
}

// TasksOfProcedure lists a procedure's tasks, ordered by opening time.
func (s *Store) TasksOfProcedure(ctx context.Context, id uint64) ([]Task, error) {
	var out []Task
	if err := s.reader(ctx).Where("procedure_id = ?", id).Order("opened_at").Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list tasks of procedure %d: %w", id, err)
	}
	return out, nil
}

// OpenTasksOfProcedures lists the open steps of the given procedures,
// earliest due first: what each is waiting on, and who holds it.
func (s *Store) OpenTasksOfProcedures(ctx context.Context, ids []uint64) ([]Task, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []Task
	err := s.reader(ctx).Where("status = ? AND procedure_id IN ?", domain.TaskOpen, ids).
		Order("due_at").Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list open tasks of %d procedures: %w", len(ids), err)
	}
	return out, nil
}

// AuditOfWorkflow lists the audit entries one workflow wrote, in order.
func (s *Store) AuditOfWorkflow(ctx context.Context, wfID string) ([]AuditEntry, error) {
	var out []AuditEntry
	if err := s.reader(ctx).Where("workflow_id = ?", wfID).Order("seq").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list audit of %s: %w", wfID, err)
	}
	return out, nil
}

// DatasetVersions lists a dataset's approved versions, latest first.
func (s *Store) DatasetVersions(ctx context.Context, code string) ([]DatasetVersion, error) {
	out := []DatasetVersion{}
	if err := s.reader(ctx).Where("dataset_code = ?", code).Order("version DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list versions of dataset %s: %w", code, err)
	}
	return out, nil
}

func applyProcedureState(tx *gorm.DB, st ProcedureState) error {
	cols := []string{"outcome", "reason", "basis", "closed_at"}
	if st.Proposal != nil {
		cols = append(cols, "proposal")
	}
	row := Procedure{Outcome: st.Outcome, Reason: st.Reason, Basis: st.Basis, ClosedAt: utcPtr(st.ClosedAt), Proposal: st.Proposal}
	res := tx.Model(&Procedure{}).Where("id = ?", st.ID).Select(cols).Updates(&row)
	if res.Error != nil {
		return fmt.Errorf("update procedure %d: %w", st.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("update procedure %d: %w", st.ID, ErrNotFound)
	}
	return nil
}

// publish makes an approved proposal the dataset's next version, once:
// a retried write finds the procedure's version already there.
func publish(tx *gorm.DB, p Publication) error {
	pr := p.Proposal
	var done int64
	if err := tx.Model(&DatasetVersion{}).Where("dataset_code = ? AND procedure_id = ?", pr.Code, p.ProcedureID).
		Count(&done).Error; err != nil {
		return fmt.Errorf("publish %s: %w", pr.Code, err)
	}
	if done > 0 {
		return nil
	}
	var cur Dataset
	err := tx.Where("code = ?", pr.Code).Take(&cur).Error
	exists := err == nil
	if err != nil && err != gorm.ErrRecordNotFound {
		return fmt.Errorf("publish %s: %w", pr.Code, err)
	}
	if !exists && pr.Change != domain.ChangeCreate {
		return fmt.Errorf("publish %s: %w", pr.Code, ErrNotFound)
	}
	var last int
	if err := tx.Model(&DatasetVersion{}).Where("dataset_code = ?", pr.Code).
		Select("COALESCE(MAX(version), 0)").Scan(&last).Error; err != nil {
		return fmt.Errorf("publish %s: %w", pr.Code, err)
	}
	version := max(last, cur.Version) + 1
	at := p.At.UTC()
	d := Dataset{Code: pr.Code, Name: pr.Name, Department: p.Department, Fields: pr.Fields, OpenAttribute: pr.OpenAttribute,
		Grade: pr.Grade, UpdateFrequency: pr.UpdateFrequency, Format: pr.Format, Summary: pr.Summary,
		AuthorizedOperation: pr.AuthorizedOperation, OpenConditions: pr.OpenConditions, Grounds: pr.Grounds,
		RequiresConsent: pr.RequiresConsent, Version: version, State: domain.DatasetActive, DataUpdatedAt: &at}
	if pr.Change == domain.ChangeRetire {
		d = cur
		d.Version, d.State = version, domain.DatasetWithdrawn
	} else if exists {
		// A change of the entry keeps the data's own history.
		d.DataUpdatedAt = cur.DataUpdatedAt
	}
	if err := tx.Save(&d).Error; err != nil {
		return fmt.Errorf("publish %s: %w", pr.Code, err)
	}
	v := DatasetVersion{DatasetCode: d.Code, Version: version, Change: pr.Change, Name: d.Name, Department: d.Department,
		Fields: d.Fields, OpenAttribute: d.OpenAttribute, Grade: d.Grade, UpdateFrequency: d.UpdateFrequency, Format: d.Format,
		Summary: d.Summary, OpenConditions: d.OpenConditions, Grounds: d.Grounds, AuthorizedOperation: d.AuthorizedOperation,
		RequiresConsent: d.RequiresConsent, State: d.State, ProcedureID: p.ProcedureID, ApprovedAt: at, ApprovedBy: p.By}
	if err := tx.Create(&v).Error; err != nil {
		return fmt.Errorf("publish %s version %d: %w", pr.Code, version, err)
	}
	return nil
}

func setDatasetState(tx *gorm.DB, c DatasetStateChange) error {
	res := tx.Model(&Dataset{}).Where("code = ?", c.Code).Update("state", c.State)
	if res.Error != nil {
		return fmt.Errorf("dataset %s: set state %s: %w", c.Code, c.State, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("dataset %s: %w", c.Code, ErrNotFound)
	}
	return nil
}

// ProcedureStat is one department's figures in one procedure: the
// applications' process ("application") or a statutory procedure's kind.
// Open and Overdue are counted now; Decided and OnTime over the period.
type ProcedureStat struct {
	Procedure  string `gorm:"column:proc_kind" json:"procedure"`
	Department string `gorm:"column:department" json:"department"`
	Open       int64  `gorm:"column:n_open" json:"open"`
	Overdue    int64  `gorm:"column:n_overdue" json:"overdue"`
	Decided    int64  `gorm:"column:n_decided" json:"decided"`
	OnTime     int64  `gorm:"column:n_on_time" json:"on_time"`
}

// ProcedureApplication names the applications' process among the
// procedures of ProcedureStats.
const ProcedureApplication = "application"

// ProcedureStats counts, per procedure and department, the departments'
// steps (never an applicant's own, departmentsOnly): who is late in each
// procedure. Rows with nothing open and nothing decided in [from, to) are
// left out; the most overdue come first.
func (s *Store) ProcedureStats(ctx context.Context, now, from, to time.Time) ([]ProcedureStat, error) {
	now, from, to = now.UTC(), from.UTC(), to.UTC()
	decided := "tasks.status = ? AND tasks.decided_at >= ? AND tasks.decided_at < ?"
	var out []ProcedureStat
	err := s.reader(ctx).Model(&Task{}).Scopes(departmentsOnly).
		Joins("LEFT JOIN procedures ON procedures.id = tasks.procedure_id").
		Select("COALESCE(procedures.kind, ?) AS proc_kind, tasks.department AS department, "+
			"SUM(CASE WHEN tasks.status = ? THEN 1 ELSE 0 END) AS n_open, "+
			"SUM(CASE WHEN tasks.status = ? AND tasks.due_at < ? THEN 1 ELSE 0 END) AS n_overdue, "+
			"SUM(CASE WHEN "+decided+" THEN 1 ELSE 0 END) AS n_decided, "+
			"SUM(CASE WHEN "+decided+" AND tasks.decided_at <= tasks.due_at THEN 1 ELSE 0 END) AS n_on_time",
			ProcedureApplication, domain.TaskOpen, domain.TaskOpen, now,
			domain.TaskDone, from, to, domain.TaskDone, from, to).
		Where("tasks.status = ? OR ("+decided+")", domain.TaskOpen, domain.TaskDone, from, to).
		Group("proc_kind, tasks.department").
		Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("procedure stats: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Overdue != out[j].Overdue {
			return out[i].Overdue > out[j].Overdue
		}
		if out[i].Procedure != out[j].Procedure {
			return out[i].Procedure < out[j].Procedure
		}
		return out[i].Department < out[j].Department
	})
	return out, nil
}

// updatePeriods is how long the data of each update frequency (更新频率,
// the catalog's words) may go without an update; 不定期更新 has none.
var updatePeriods = map[string]struct{ days, months int }{
	"实时": {days: 1}, "每日": {days: 1}, "每周": {days: 7},
	"月度": {months: 1}, "季度": {months: 3}, "年度": {months: 12},
}

// StaleDataset is an open dataset whose data was not updated as often as
// its catalog entry says (第十三条: "根据…更新频率，及时更新和维护"): due
// since DueAt, when the next update was owed.
type StaleDataset struct {
	Code            string    `json:"code"`
	Name            string    `json:"name"`
	Department      string    `json:"department"`
	UpdateFrequency string    `json:"update_frequency"`
	DataUpdatedAt   time.Time `json:"data_updated_at"`
	DueAt           time.Time `json:"due_at"`
}

// Stale reports whether d, open, is overdue for an update of its data at
// now, and since when (DueAt): its update frequency has a period and that
// period has passed since its last recorded update.
func (d Dataset) Stale(now time.Time) (StaleDataset, bool) {
	p, periodic := updatePeriods[d.UpdateFrequency]
	if !periodic || d.DataUpdatedAt == nil || !d.Open() {
		return StaleDataset{}, false
	}
	due := d.DataUpdatedAt.UTC().AddDate(0, p.months, p.days)
	return StaleDataset{Code: d.Code, Name: d.Name, Department: d.Department, UpdateFrequency: d.UpdateFrequency,
		DataUpdatedAt: d.DataUpdatedAt.UTC(), DueAt: due}, now.After(due)
}

// StaleDatasets lists the open datasets (of department, or every one for
// "") whose update is overdue at now, the longest overdue first.
func (s *Store) StaleDatasets(ctx context.Context, now time.Time, department string) ([]StaleDataset, error) {
	freqs := make([]string, 0, len(updatePeriods))
	for f := range updatePeriods {
		freqs = append(freqs, f)
	}
	q := s.reader(ctx).Where("state = ? AND update_frequency IN ? AND data_updated_at IS NOT NULL", domain.DatasetActive, freqs)
	if department != "" {
		q = q.Where("department = ?", department)
	}
	var rows []Dataset
	if err := q.Select("code", "name", "department", "update_frequency", "data_updated_at", "state").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list datasets by update frequency: %w", err)
	}
	out := []StaleDataset{}
	for _, d := range rows {
		if sd, ok := d.Stale(now); ok {
			out = append(out, sd)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].DueAt.Equal(out[j].DueAt) {
			return out[i].DueAt.Before(out[j].DueAt)
		}
		return out[i].Code < out[j].Code
	})
	return out, nil
}

// RecordDataUpdate records that a dataset's department updated its data
// at, with the audit entry, in one transaction: a missed update frequency
// is counted from then.
func (s *Store) RecordDataUpdate(ctx context.Context, code string, at time.Time, e AuditEntry) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Dataset{}).Where("code = ?", code).Update("data_updated_at", at.UTC())
		if res.Error != nil {
			return fmt.Errorf("dataset %s: record an update: %w", code, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("dataset %s: %w", code, ErrNotFound)
		}
		return appendAuditStreamTx(tx, "catalog-"+code, e)
	})
}
