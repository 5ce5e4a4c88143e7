package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/datagate/datagate/domain"
)

// DisclosureFilter selects a page of the authorizations the public sees:
// applications in domain.DisclosedStatuses with an activation time.
type DisclosureFilter struct {
	Limit, Offset int // Limit defaults to DefaultLimit, at most MaxLimit
}

// DisclosedDataset is a granted dataset as the public sees it: its
// catalog code and name, and the department that provides it, by name.
type DisclosedDataset struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Provider string `json:"provider"`
}

// Disclosure is one authorization as the public sees it (信息披露, 004
// 第二十九条 "名单信息"): who holds it (the org's name and unified social
// credit code), for what scenario and scope, on which data, for which
// period. Nothing else: no internal ID or code, no status or reason, no
// person, no time finer than a day.
type Disclosure struct {
	Holder     string             `json:"holder"`
	CreditCode string             `json:"credit_code"`
	Scenario   string             `json:"scenario"`
	Scope      string             `json:"scope"`
	Datasets   []DisclosedDataset `json:"datasets"`
	// From and Until are the period's first and last days (YYYY-MM-DD,
	// China time); Until is the day it ended when it ended early.
	From  string `json:"from"`
	Until string `json:"until"`
	// began and changed are when it took effect and last changed (its
	// activation or its end), for feeds.
	began, changed time.Time
}

// Published is when the authorization took effect.
func (d Disclosure) Published() time.Time { return d.began }

// Updated is when the authorization last changed: its end, or its start.
func (d Disclosure) Updated() time.Time { return d.changed }

// Key is a stable identifier of the authorization made of what is
// published (holder, scenario, first day), for feeds: no internal ID.
func (d Disclosure) Key() string {
	h := sha256.Sum256([]byte(d.CreditCode + "\x00" + d.Holder + "\x00" + d.Scenario + "\x00" + d.From))
	return hex.EncodeToString(h[:12])
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
		Select("id", "applicant_org", "title", "scope", "active_from", "active_until", "ended_at").
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
			Code: g.DatasetCode, Name: cat[g.DatasetCode].Name, Provider: orgByCode[g.Department].Name,
		})
	}
	out := make([]Disclosure, len(apps))
	for i, a := range apps {
		org := orgByCode[a.ApplicantOrg]
		until, changed := a.ActiveUntil, *a.ActiveFrom
		if a.EndedAt != nil {
			changed = *a.EndedAt
			if until == nil || a.EndedAt.Before(*until) {
				until = a.EndedAt
			}
		}
		out[i] = Disclosure{
			Holder: org.Name, CreditCode: org.CreditCode, Scenario: a.Title, Scope: a.Scope, Datasets: datasets[a.ID],
			From: civilDay(*a.ActiveFrom), began: a.ActiveFrom.UTC(), changed: changed.UTC(),
		}
		if until != nil {
			out[i].Until = civilDay(*until)
		}
		if out[i].Datasets == nil {
			out[i].Datasets = []DisclosedDataset{}
		}
	}
	return out, total, nil
}

// chinaTime is China Standard Time, in which the register's days are
// counted (the calendar package's zone; store does not depend on it).
var chinaTime = time.FixedZone("CST", 8*3600)

// civilDay is t's date in China.
func civilDay(t time.Time) string { return t.In(chinaTime).Format(time.DateOnly) }

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
