package store

import (
	"context"
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
