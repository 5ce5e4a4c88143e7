package store

import (
	"context"
	"fmt"
	"time"
)

// Digest is the content of a daily (one department) or weekly (every
// department) digest.
type Digest struct {
	// Date is the day it was made for (YYYY-MM-DD, Asia/Shanghai).
	Date string `json:"date"`
	// DueBy is the end of the window "due within N working days".
	DueBy       time.Time          `json:"due_by"`
	WorkingDays int                `json:"working_days"`
	Departments []DigestDepartment `json:"departments"`
}

// DigestDepartment is one department's part of a digest.
type DigestDepartment struct {
	Department string `json:"department"`
	Name       string `json:"name"`
	NameEn     string `json:"name_en,omitempty"`
	// Overdue and DueSoon list the first tasks; the counts are of all.
	Overdue      []DigestTask `json:"overdue"`
	OverdueCount int          `json:"overdue_count"`
	DueSoon      []DigestTask `json:"due_soon"`
	DueSoonCount int          `json:"due_soon_count"`
	// Decided, OnTime and OnTimeRate cover the last 30 days.
	Decided    int64    `json:"decided"`
	OnTime     int64    `json:"on_time"`
	OnTimeRate *float64 `json:"on_time_rate"`
}

// DigestTask is one open task in a digest.
type DigestTask struct {
	ID            string    `json:"id"`
	ApplicationID uint64    `json:"application_id"`
	Kind          string    `json:"kind"`
	DueAt         time.Time `json:"due_at"`
	// WorkingDays is how many working days it is overdue (Overdue) or
	// left until it falls due (DueSoon).
	WorkingDays int `json:"working_days"`
}

// DigestOrgs lists the orgs that receive digests: the departments (every
// org but applicants and the supervision office) and the supervision
// offices.
func (s *Store) DigestOrgs(ctx context.Context) (departments, supervision []Org, err error) {
	var orgs []Org
	if err := s.reader(ctx).Where("kind <> ?", KindApplicant).Order("code").Find(&orgs).Error; err != nil {
		return nil, nil, fmt.Errorf("list digest recipients: %w", err)
	}
	for _, o := range orgs {
		if o.Kind == KindSupervision {
			supervision = append(supervision, o)
		} else {
			departments = append(departments, o)
		}
	}
	return departments, supervision, nil
}
