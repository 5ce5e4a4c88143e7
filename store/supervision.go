package store

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/datagate/datagate/domain"
)

// SupervisionAuditStream is the audit stream of supervisors' actions
// (urges, groundless-rejection flags).
const SupervisionAuditStream = "supervision"

// Audit actions of supervisors.
const (
	ActionTaskUrged        = "task.urged"
	ActionRejectionFlagged = "rejection.flagged"
)

// Urge is a supervisor's 督办 on an open task: the department is told to act.
type Urge struct {
	ID            uint64    `gorm:"primaryKey;autoIncrement" json:"id"`
	TaskID        string    `gorm:"size:160;not null;index" json:"task_id"`
	ApplicationID uint64    `gorm:"not null;index" json:"application_id"`
	Department    string    `gorm:"size:64;not null;index" json:"department"`
	Supervisor    string    `gorm:"size:64;not null" json:"supervisor"`
	Message       string    `gorm:"size:16777215;not null" json:"message"`
	CreatedAt     time.Time `gorm:"not null;index" json:"created_at"`
}

// TableName names the urges table.
func (Urge) TableName() string { return "urges" }

// GroundlessFlag is a supervisor's finding that a rejection had no ground
// (无依据驳回). One per task. The department's answer comes later.
type GroundlessFlag struct {
	ID            uint64     `gorm:"primaryKey;autoIncrement" json:"id"`
	TaskID        string     `gorm:"size:160;not null;uniqueIndex" json:"task_id"`
	ApplicationID uint64     `gorm:"not null;index" json:"application_id"`
	Department    string     `gorm:"size:64;not null;index:idx_flags_dept_created,priority:1" json:"department"`
	Supervisor    string     `gorm:"size:64;not null" json:"supervisor"`
	Reason        string     `gorm:"size:16777215;not null" json:"reason"`
	CreatedAt     time.Time  `gorm:"not null;index;index:idx_flags_dept_created,priority:2" json:"created_at"`
	Answer        string     `gorm:"size:16777215" json:"answer,omitempty"`
	AnsweredAt    *time.Time `json:"answered_at,omitempty"`
	AnsweredBy    string     `gorm:"size:64" json:"answered_by,omitempty"`
}

// TableName names the groundless-rejection flags table.
func (GroundlessFlag) TableName() string { return "groundless_flags" }

// MigrateSupervision creates or updates the urges and groundless_flags
// tables. Call it next to Migrate.
func (s *Store) MigrateSupervision(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	if s.dialect == "mysql" {
		db = db.Set("gorm:table_options", mysqlTableOptions)
	}
	if err := db.AutoMigrate(&Urge{}, &GroundlessFlag{}); err != nil {
		return fmt.Errorf("migrate supervision schema: %w", err)
	}
	return nil
}

// Supervisor is who performs a supervision action, for the audit entry.
type Supervisor struct {
	User, Role, Org string
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

// appendAuditTx appends an entry to a stream inside tx, numbered after the
// stream's last. A racing writer makes the insert fail as a duplicate; the
// caller retries the whole transaction.
func appendAuditTx(tx *gorm.DB, stream string, e AuditEntry) error {
	return appendAuditStreamTx(tx, stream, e)
}

// inTxRetrying runs fn in a transaction, again when it failed on a
// duplicate key (two writers took the same audit number).
func (s *Store) inTxRetrying(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var err error
	for range 5 {
		err = s.db.WithContext(ctx).Transaction(fn)
		if !isDuplicate(err) {
			return err
		}
	}
	return err
}

// CreateUrge records an urge on an open task and its audit entry, in one
// transaction. The task, application and department are the task's; u.ID
// is assigned. A missing task is ErrNotFound; a task that is not open is
// ErrConflict.
func (s *Store) CreateUrge(ctx context.Context, u *Urge, by Supervisor) error {
	row := *u
	row.ID, row.Supervisor, row.CreatedAt = 0, by.User, u.CreatedAt.UTC()
	err := s.inTxRetrying(ctx, func(tx *gorm.DB) error {
		t, err := s.lockTask(tx, u.TaskID)
		if err != nil {
			return err
		}
		if t.Status != domain.TaskOpen {
			return fmt.Errorf("task %s is %s, not open: %w", t.ID, t.Status, ErrConflict)
		}
		row.ID, row.ApplicationID, row.Department = 0, t.ApplicationID, t.Department
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := notifyUrgeTx(tx, row, t); err != nil {
			return err
		}
		return appendAuditTx(tx, SupervisionAuditStream, AuditEntry{
			ApplicationID: t.ApplicationID, Actor: by.User, Role: by.Role, Department: by.Org,
			Action: ActionTaskUrged, Target: t.ID + " " + t.Department, Reason: row.Message, At: row.CreatedAt,
		})
	})
	if err != nil {
		return fmt.Errorf("urge task %q: %w", u.TaskID, err)
	}
	*u = row
	return nil
}

// UrgesOf lists the urges on a task, oldest first.
func (s *Store) UrgesOf(ctx context.Context, taskID string) ([]Urge, error) {
	var out []Urge
	err := s.reader(ctx).Where("task_id = ?", taskID).Order("created_at").Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list urges of task %q: %w", taskID, err)
	}
	return out, nil
}

// CreateGroundlessFlag records that a task's rejection had no ground, and
// its audit entry, in one transaction. The caller has checked that the task
// is a decided rejection; the application and department are the task's;
// f.ID is assigned. A missing task is ErrNotFound; a task already flagged
// is ErrConflict.
func (s *Store) CreateGroundlessFlag(ctx context.Context, f *GroundlessFlag, by Supervisor) error {
	row := GroundlessFlag{TaskID: f.TaskID, Supervisor: by.User, Reason: f.Reason, CreatedAt: f.CreatedAt.UTC()}
	err := s.inTxRetrying(ctx, func(tx *gorm.DB) error {
		t, err := s.lockTask(tx, f.TaskID)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&GroundlessFlag{}).Where("task_id = ?", t.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("the rejection of task %s is already flagged: %w", t.ID, ErrConflict)
		}
		row.ID, row.ApplicationID, row.Department = 0, t.ApplicationID, t.Department
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return appendAuditTx(tx, SupervisionAuditStream, AuditEntry{
			ApplicationID: t.ApplicationID, Actor: by.User, Role: by.Role, Department: by.Org,
			Action: ActionRejectionFlagged, Target: t.ID + " " + t.Department, Reason: row.Reason, At: row.CreatedAt,
		})
	})
	if err != nil {
		return fmt.Errorf("flag the rejection of task %q: %w", f.TaskID, err)
	}
	*f = row
	return nil
}

// GroundlessFlagOf loads the flag on a task; ErrNotFound when there is none.
func (s *Store) GroundlessFlagOf(ctx context.Context, taskID string) (GroundlessFlag, error) {
	var f GroundlessFlag
	if err := s.reader(ctx).Where("task_id = ?", taskID).Take(&f).Error; err != nil {
		return GroundlessFlag{}, fmt.Errorf("load flag of task %q: %w", taskID, notFound(err))
	}
	return f, nil
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

// ---- Statistics ----

// StatsQuery asks for per-department supervision statistics.
type StatsQuery struct {
	// From and To bound the period: decisions and flags at or after From
	// and before To.
	From, To time.Time
	// Now is when "open" and "overdue" are counted.
	Now time.Time
	// Department narrows to one org ("" for every department).
	Department string
	// WorkingDays counts the working days between two times.
	WorkingDays func(a, b time.Time) int
}

// DepartmentStat is one department's figures. Rates are fractions rounded
// to three places, nil when there is nothing to divide by.
type DepartmentStat struct {
	Department string `json:"department"`
	Name       string `json:"name"`
	// Open and Overdue are counted now; the rest over the period.
	Open    int64 `json:"open"`
	Overdue int64 `json:"overdue"`
	Decided int64 `json:"decided"`
	OnTime  int64 `json:"on_time"`
	// OnTimeRate is OnTime / Decided.
	OnTimeRate *float64 `json:"on_time_rate"`
	// MedianReviewDays is the median of working days from opening to
	// decision of the tasks decided.
	MedianReviewDays *float64 `json:"median_review_working_days"`
	ReviewDecided    int64    `json:"review_decided"`
	Rejected         int64    `json:"rejected"`
	// RejectionRate is Rejected / ReviewDecided.
	RejectionRate   *float64 `json:"rejection_rate"`
	GroundlessFlags int64    `json:"groundless_flags"`
}

// DepartmentStats computes q's statistics for every department (every org
// but applicants and the supervision office), the most overdue first, then
// by code. Decided means done (not cancelled) with a decision time.
func (s *Store) DepartmentStats(ctx context.Context, q StatsQuery) ([]DepartmentStat, error) {
	db := s.reader(ctx)
	from, to, now := q.From.UTC(), q.To.UTC(), q.Now.UTC()
	byDept := func(tx *gorm.DB) *gorm.DB {
		if q.Department != "" {
			return tx.Where("department = ?", q.Department)
		}
		return tx
	}

	var orgs []Org
	oq := db.Select("code", "name").Where("kind NOT IN ?", []string{KindApplicant, KindSupervision})
	if q.Department != "" {
		oq = oq.Where("code = ?", q.Department)
	}
	if err := oq.Order("code").Find(&orgs).Error; err != nil {
		return nil, fmt.Errorf("department stats: list departments: %w", err)
	}
	stats := make(map[string]*DepartmentStat, len(orgs))
	out := make([]DepartmentStat, len(orgs))
	for i, o := range orgs {
		out[i] = DepartmentStat{Department: o.Code, Name: o.Name}
		stats[o.Code] = &out[i]
	}

	// Open and overdue now: the (status, due_at) index.
	var open []struct {
		Department string
		Open       int64 `gorm:"column:n_open"`
		Overdue    int64 `gorm:"column:n_overdue"`
	}
	err := db.Model(&Task{}).Scopes(byDept).
		Select("department, COUNT(*) AS n_open, SUM(CASE WHEN "+pastDue+" THEN 1 ELSE 0 END) AS n_overdue", now.UTC()).
		Where("status = ?", domain.TaskOpen).Group("department").Scan(&open).Error
	if err != nil {
		return nil, fmt.Errorf("department stats: count open tasks: %w", err)
	}
	for _, r := range open {
		if st := stats[r.Department]; st != nil {
			st.Open, st.Overdue = r.Open, r.Overdue
		}
	}

	// Decided in the period.
	kinds := domain.ReviewKinds()
	var decided []struct {
		Department    string
		Decided       int64 `gorm:"column:n_decided"`
		OnTime        int64 `gorm:"column:n_on_time"`
		ReviewDecided int64 `gorm:"column:n_review"`
		Rejected      int64 `gorm:"column:n_rejected"`
	}
	err = db.Model(&Task{}).Scopes(byDept).
		Select(`department, COUNT(*) AS n_decided,
			SUM(CASE WHEN decided_at <= due_at THEN 1 ELSE 0 END) AS n_on_time,
			SUM(CASE WHEN kind IN ? THEN 1 ELSE 0 END) AS n_review,
			SUM(CASE WHEN kind IN ? AND decision = ? THEN 1 ELSE 0 END) AS n_rejected`, kinds, kinds, domain.DecisionReject).
		Where("status = ? AND decided_at >= ? AND decided_at < ?", domain.TaskDone, from, to).
		Group("department").Scan(&decided).Error
	if err != nil {
		return nil, fmt.Errorf("department stats: count decided tasks: %w", err)
	}
	for _, r := range decided {
		if st := stats[r.Department]; st != nil {
			st.Decided, st.OnTime, st.ReviewDecided, st.Rejected = r.Decided, r.OnTime, r.ReviewDecided, r.Rejected
		}
	}

	// Review times, in working days, for the medians.
	if q.WorkingDays != nil {
		var rows []struct {
			Department string
			OpenedAt   time.Time
			DecidedAt  time.Time
		}
		err = db.Model(&Task{}).Scopes(byDept).Select("department", "opened_at", "decided_at").
			Where("status = ? AND decided_at >= ? AND decided_at < ?", domain.TaskDone, from, to).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("department stats: read review times: %w", err)
		}
		days := map[string][]int{}
		for _, r := range rows {
			days[r.Department] = append(days[r.Department], q.WorkingDays(r.OpenedAt, r.DecidedAt))
		}
		for dept, d := range days {
			if st := stats[dept]; st != nil {
				st.MedianReviewDays = median(d)
			}
		}
	}

	// Groundless flags raised in the period.
	var flags []struct {
		Department string
		N          int64 `gorm:"column:n_flags"`
	}
	err = db.Model(&GroundlessFlag{}).Scopes(byDept).Select("department, COUNT(*) AS n_flags").
		Where("created_at >= ? AND created_at < ?", from, to).Group("department").Scan(&flags).Error
	if err != nil {
		return nil, fmt.Errorf("department stats: count groundless flags: %w", err)
	}
	for _, r := range flags {
		if st := stats[r.Department]; st != nil {
			st.GroundlessFlags = r.N
		}
	}

	for i := range out {
		out[i].OnTimeRate = ratio(out[i].OnTime, out[i].Decided)
		out[i].RejectionRate = ratio(out[i].Rejected, out[i].ReviewDecided)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Overdue != out[j].Overdue {
			return out[i].Overdue > out[j].Overdue
		}
		return out[i].Department < out[j].Department
	})
	return out, nil
}

// ratio is n/d rounded to three places, nil when d is zero.
func ratio(n, d int64) *float64 {
	if d == 0 {
		return nil
	}
	r := math.Round(float64(n)/float64(d)*1000) / 1000
	return &r
}

// median of xs, nil when empty; xs is sorted in place.
func median(xs []int) *float64 {
	if len(xs) == 0 {
		return nil
	}
	sort.Ints(xs)
	m := float64(xs[len(xs)/2])
	if len(xs)%2 == 0 {
		m = float64(xs[len(xs)/2-1]+xs[len(xs)/2]) / 2
	}
	return &m
}

// ---- Audit log ----

// AuditFilter selects audit entries. Zero fields do not filter.
type AuditFilter struct {
	ApplicationID uint64
	Actor         string
	Department    string // the actor's org
	Action        string
	// From and To bound the time: at or after From, before To.
	From, To      time.Time
	Limit, Offset int // Limit defaults to DefaultLimit, at most MaxLimit
}

func (f AuditFilter) scope(db *gorm.DB) *gorm.DB {
	if f.ApplicationID != 0 {
		db = db.Where("application_id = ?", f.ApplicationID)
	}
	if f.Actor != "" {
		db = db.Where("actor = ?", f.Actor)
	}
	if f.Department != "" {
		db = db.Where("department = ?", f.Department)
	}
	if f.Action != "" {
		db = db.Where("action = ?", f.Action)
	}
	at := clause.Column{Name: "at"}
	if !f.From.IsZero() {
		db = db.Where(clause.Gte{Column: at, Value: f.From.UTC()})
	}
	if !f.To.IsZero() {
		db = db.Where(clause.Lt{Column: at, Value: f.To.UTC()})
	}
	return db
}

// newestFirst orders audit entries by time, then ID, descending.
var newestFirst = clause.OrderBy{Columns: []clause.OrderByColumn{
	{Column: clause.Column{Name: "at"}, Desc: true},
	{Column: clause.Column{Name: "id"}, Desc: true},
}}

// AuditLog returns one page of the entries matching f, newest first, and
// whether more follow.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, bool, error) {
	limit, offset := page(f.Limit, f.Offset)
	var out []AuditEntry
	err := s.reader(ctx).Scopes(f.scope).Order(newestFirst).Limit(limit + 1).Offset(offset).Find(&out).Error
	if err != nil {
		return nil, false, fmt.Errorf("read audit log: %w", err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// CountAudit counts the entries matching f.
func (s *Store) CountAudit(ctx context.Context, f AuditFilter) (int64, error) {
	var n int64
	if err := s.reader(ctx).Model(&AuditEntry{}).Scopes(f.scope).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count audit log: %w", err)
	}
	return n, nil
}

// auditBatch is how many entries EachAudit reads at a time.
const auditBatch = 1000

// EachAudit calls fn with the entries matching f, newest first, in batches,
// until max entries (f's Limit and Offset are ignored) or an error from fn.
// No query is open while fn runs: a slow reader holds no connection.
func (s *Store) EachAudit(ctx context.Context, f AuditFilter, max int, fn func([]AuditEntry) error) error {
	var last *AuditEntry
	for sent := 0; sent < max; {
		q := s.reader(ctx).Scopes(f.scope)
		if last != nil {
			at, id := clause.Column{Name: "at"}, clause.Column{Name: "id"}
			q = q.Where(clause.Or(
				clause.Lt{Column: at, Value: last.At},
				clause.And(clause.Eq{Column: at, Value: last.At}, clause.Lt{Column: id, Value: last.ID}),
			))
		}
		var rows []AuditEntry
		if err := q.Order(newestFirst).Limit(min(auditBatch, max-sent)).Find(&rows).Error; err != nil {
			return fmt.Errorf("read audit log: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		if err := fn(rows); err != nil {
			return err
		}
		sent += len(rows)
		last = &rows[len(rows)-1]
	}
	return nil
}

// ---- Public disclosure ----

// DisclosureFilter selects a page of the authorizations the public sees:
// applications in domain.DisclosedStatuses with an activation time.
type DisclosureFilter struct {
	Limit, Offset int // Limit defaults to DefaultLimit, at most MaxLimit
}

// DisclosedDataset is a granted dataset as the public sees it.
type DisclosedDataset struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	Provider     string `json:"provider"`
	ProviderName string `json:"provider_name"`
}

// Disclosure is one authorization as the public sees it (信息披露): who
// holds it, for what scenario, on which data, for how long. Nothing else
// of the application (people, reasons, descriptions) is in it.
type Disclosure struct {
	ID          uint64             `json:"id"`
	Org         string             `json:"org"`
	OrgName     string             `json:"org_name"`
	CreditCode  string             `json:"credit_code"`
	Scenario    string             `json:"scenario"`
	Domain      string             `json:"domain"`
	Datasets    []DisclosedDataset `json:"datasets"`
	ActiveFrom  time.Time          `json:"active_from"`
	ActiveUntil *time.Time         `json:"active_until,omitempty"`
	EndedAt     *time.Time         `json:"ended_at,omitempty"`
	Status      string             `json:"status"`
	EndReason   string             `json:"end_reason,omitempty"`
}

func (f DisclosureFilter) scope(db *gorm.DB) *gorm.DB {
	return db.Model(&Application{}).Where("status IN ? AND active_from IS NOT NULL", domain.DisclosedStatuses())
}

// Disclosures returns one page of authorizations, newest activation
// first, and the number of all of them.
func (s *Store) Disclosures(ctx context.Context, f DisclosureFilter) ([]Disclosure, int64, error) {
	limit, offset := page(f.Limit, f.Offset)
	db := s.reader(ctx)
	var total int64
	if err := db.Scopes(f.scope).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count authorizations: %w", err)
	}
	if total <= int64(offset) {
		return []Disclosure{}, total, nil
	}
	var apps []Application
	err := db.Scopes(f.scope).
		Select("id", "applicant_org", "title", "domain", "status", "active_from", "active_until", "ended_at", "end_reason").
		Order("active_from DESC").Order("id DESC").Limit(limit).Offset(offset).Find(&apps).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list authorizations: %w", err)
	}
	ids := make([]uint64, len(apps))
	orgCodes := map[string]bool{}
	for i, a := range apps {
		ids[i] = a.ID
		orgCodes[a.ApplicantOrg] = true
	}
	var granted []ApplicationDataset
	if err := db.Where("application_id IN ? AND decision = ?", ids, domain.DecisionApprove).
		Order("application_id").Order("dataset_code").Find(&granted).Error; err != nil {
		return nil, 0, fmt.Errorf("list granted datasets: %w", err)
	}
	var codes []string
	for _, g := range granted {
		codes = append(codes, g.DatasetCode)
		orgCodes[g.Department] = true
	}
	cat, err := s.DatasetsByCode(ctx, codes)
	if err != nil {
		return nil, 0, err
	}
	var orgs []Org
	if err := db.Where("code IN ?", keys(orgCodes)).Find(&orgs).Error; err != nil {
		return nil, 0, fmt.Errorf("load orgs of authorizations: %w", err)
	}
	orgByCode := make(map[string]Org, len(orgs))
	for _, o := range orgs {
		orgByCode[o.Code] = o
	}
	datasets := map[uint64][]DisclosedDataset{}
	for _, g := range granted {
		datasets[g.ApplicationID] = append(datasets[g.ApplicationID], DisclosedDataset{
			Code: g.DatasetCode, Name: cat[g.DatasetCode].Name,
			Provider: g.Department, ProviderName: orgByCode[g.Department].Name,
		})
	}
	out := make([]Disclosure, len(apps))
	for i, a := range apps {
		org := orgByCode[a.ApplicantOrg]
		out[i] = Disclosure{
			ID: a.ID, Org: a.ApplicantOrg, OrgName: org.Name, CreditCode: org.CreditCode,
			Scenario: a.Title, Domain: a.Domain, Datasets: datasets[a.ID],
			ActiveFrom: a.ActiveFrom.UTC(), ActiveUntil: utcPtr(a.ActiveUntil), EndedAt: utcPtr(a.EndedAt),
			Status: a.Status, EndReason: a.EndReason,
		}
		if out[i].Datasets == nil {
			out[i].Datasets = []DisclosedDataset{}
		}
	}
	return out, total, nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
