package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store/seeddata"
)

// seedBatch is the number of rows per INSERT when seeding.
const seedBatch = 100

// Seed inserts the catalog's orgs and datasets and the given users, skipping
// every row that already exists (by primary key or username). It never
// updates an existing row: admins may have changed it since the last seed.
// Running it again leaves the same rows.
func (s *Store) Seed(ctx context.Context, cat seeddata.Catalog, users []User) error {
	orgs := make([]Org, len(cat.Departments))
	for i, d := range cat.Departments {
		orgs[i] = Org{Code: d.Code, Name: d.Name, NameEn: d.NameEn, Kind: d.Kind, CreditCode: d.CreditCode}
	}
	// The seeded data counts as updated when it is seeded: a missed
	// update frequency is counted from then (StaleDatasets).
	seededAt := time.Now().UTC()
	datasets := make([]Dataset, len(cat.Datasets))
	for i, d := range cat.Datasets {
		datasets[i] = Dataset{
			Code: d.Code, Name: d.Name, Department: d.Department,
			Fields:        append([]string(nil), d.Fields...),
			OpenAttribute: d.OpenAttribute, Grade: d.Grade, AuthorizedOperation: d.AuthorizedOperation,
			RequiresConsent: d.RequiresConsent,
			UpdateFrequency: d.UpdateFrequency, Format: d.Format, Summary: d.Summary, DataUpdatedAt: &seededAt,
		}
	}
	// A copy: the insert writes generated IDs back into the slice, and
	// skipped rows would make those IDs meaningless to the caller.
	us := append([]User(nil), users...)

	skip := clause.OnConflict{DoNothing: true}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if len(orgs) > 0 {
			if err := tx.Clauses(skip).CreateInBatches(orgs, seedBatch).Error; err != nil {
				return fmt.Errorf("seed orgs: %w", err)
			}
		}
		if len(datasets) > 0 {
			if err := tx.Clauses(skip).CreateInBatches(datasets, seedBatch).Error; err != nil {
				return fmt.Errorf("seed datasets: %w", err)
			}
		}
		if len(us) > 0 {
			if err := tx.Clauses(skip).CreateInBatches(us, seedBatch).Error; err != nil {
				return fmt.Errorf("seed users: %w", err)
			}
		}
		return nil
	})
}

// DemoUsers returns one demo user per role, so that every step of the
// process can be played in a demo:
//
//   - applicant (first applicant org) and applicant2 (second applicant org);
//   - initial_reviewer (the big-data center);
//   - dept_reviewer (provider "samr", else the first provider), and
//     reviewer-<code> for every provider org;
//   - regulator (first regulator org), and regulator-<code> for every
//     regulator org, so that any regulator asked for an opinion can answer;
//   - bureau_officer and admin (the bureau), operator (the operator),
//     supervisor (the supervision office).
//
// "First" is in catalog order. A role whose org kind is missing from the
// catalog gets no user.
func DemoUsers(cat seeddata.Catalog) []User {
	byKind := map[string][]seeddata.Department{}
	for _, d := range cat.Departments {
		byKind[d.Kind] = append(byKind[d.Kind], d)
	}
	first := func(kind string) (seeddata.Department, bool) {
		if ds := byKind[kind]; len(ds) > 0 {
			return ds[0], true
		}
		return seeddata.Department{}, false
	}

	var users []User
	add := func(username, role, label string, d seeddata.Department) {
		users = append(users, User{
			Username:    username,
			DisplayName: fmt.Sprintf("%s · %s", label, d.Name),
			OrgCode:     d.Code,
			Role:        role,
		})
	}

	applicants := byKind[seeddata.KindApplicant]
	if len(applicants) > 0 {
		add("applicant", domain.RoleApplicant, "申请人", applicants[0])
	}
	if len(applicants) > 1 {
		add("applicant2", domain.RoleApplicant, "申请人", applicants[1])
	}
	if len(applicants) > 2 {
		add("applicant3", domain.RoleApplicant, "申请人", applicants[2])
	}
	if d, ok := first(seeddata.KindBigDataCenter); ok {
		add("initial_reviewer", domain.RoleInitialReviewer, "初审员", d)
	}
	providers := byKind[seeddata.KindProvider]
	if len(providers) > 0 {
		lead := providers[0]
		for _, d := range providers {
			if d.Code == "samr" {
				lead = d
				break
			}
		}
		add("dept_reviewer", domain.RoleDeptReviewer, "部门审核员", lead)
		for _, d := range providers {
			add("reviewer-"+d.Code, domain.RoleDeptReviewer, "部门审核员", d)
		}
	}
	regulators := byKind[seeddata.KindRegulator]
	if len(regulators) > 0 {
		add("regulator", domain.RoleRegulator, "行业主管部门", regulators[0])
		for _, d := range regulators {
			add("regulator-"+d.Code, domain.RoleRegulator, "行业主管部门", d)
		}
	}
	if d, ok := first(seeddata.KindBureau); ok {
		add("bureau_officer", domain.RoleBureauOfficer, "实施机构经办人", d)
	}
	if d, ok := first(seeddata.KindOperator); ok {
		add("operator", domain.RoleOperator, "运营机构经办人", d)
	}
	if d, ok := first(seeddata.KindSupervision); ok {
		add("supervisor", domain.RoleSupervisor, "督查员", d)
	}
	if d, ok := first(seeddata.KindBureau); ok {
		add("admin", domain.RoleAdmin, "管理员", d)
	}
	return users
}
