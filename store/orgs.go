package store

import (
	"context"
	"fmt"
)

// Org kinds: who an organisation is in the approval process.
const (
	KindBigDataCenter = "bigdata_center"
	KindBureau        = "bureau"
	KindOperator      = "operator"
	KindSupervision   = "supervision"
	KindProvider      = "provider"
	KindRegulator     = "regulator"
	KindApplicant     = "applicant"
)

// Org is a department or an applicant enterprise. domain.Roles() are held per org.
type Org struct {
	Code       string `gorm:"primaryKey;size:64" json:"code"`
	Name       string `gorm:"size:200;not null" json:"name"`
	NameEn     string `gorm:"size:200" json:"name_en"`
	Kind       string `gorm:"size:32;not null;index" json:"kind"`
	CreditCode string `gorm:"size:18" json:"credit_code,omitempty"`
}

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

// CreateOrg adds an org; a taken code is ErrConflict.
func (s *Store) CreateOrg(ctx context.Context, o Org) error {
	err := s.db.WithContext(ctx).Create(&o).Error
	if isDuplicate(err) {
		return fmt.Errorf("org %q already exists: %w", o.Code, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create org %q: %w", o.Code, err)
	}
	return nil
}
