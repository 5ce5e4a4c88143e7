package store

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/datagate/datagate/domain"
)

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
// by code. Decided means done (not cancelled) with a decision time. Only
// the departments' work counts: an applicant's own steps never do, even
// when the applicant is itself a department (departmentsOnly).
func (s *Store) DepartmentStats(ctx context.Context, q StatsQuery) ([]DepartmentStat, error) {
	db := s.reader(ctx)
	from, to, now := q.From.UTC(), q.To.UTC(), q.Now.UTC()
	byDept := func(tx *gorm.DB) *gorm.DB {
		tx = tx.Scopes(departmentsOnly)
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
	flagsOf := func(tx *gorm.DB) *gorm.DB {
		if q.Department != "" {
			return tx.Where("department = ?", q.Department)
		}
		return tx
	}
	err = db.Model(&GroundlessFlag{}).Scopes(flagsOf).Select("department, COUNT(*) AS n_flags").
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
// the department they wait on (idx_tasks_overdue); an applicant's own
// steps are not a department's and are not counted (departmentsOnly).
func (s *Store) OverdueByDepartment(ctx context.Context, now time.Time) (map[string]int64, error) {
	var rows []struct {
		Department string
		N          int64
	}
	err := s.reader(ctx).Model(&Task{}).Select("department, COUNT(*) AS n").
		Scopes(overdue(now), departmentsOnly).Group("department").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count overdue tasks: %w", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Department] = r.N
	}
	return out, nil
}

// RowCounts counts the rows of every table; tests use it to show that a
// refused request changed nothing.
func (s *Store) RowCounts(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, m := range []any{&Org{}, &User{}, &Dataset{}, &Application{}, &ApplicationDataset{},
		&Task{}, &Agreement{}, &Model{}, &Evaluation{}, &AuditEntry{}, &CasbinRule{}, &Urge{},
		&GroundlessFlag{}, &HolidayTable{}, &Procedure{}, &DatasetVersion{}, &Restriction{},
		&ApplicationConsent{}, &DataUse{}} {
		stmt := &gorm.Statement{DB: s.db}
		if err := stmt.Parse(m); err != nil {
			return nil, err
		}
		var n int64
		if err := s.reader(ctx).Model(m).Count(&n).Error; err != nil {
			return nil, fmt.Errorf("count %s: %w", stmt.Table, err)
		}
		out[stmt.Table] = n
	}
	return out, nil
}
