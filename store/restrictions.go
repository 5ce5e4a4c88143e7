package store

import (
	"context"
	"fmt"
	"time"

	"github.com/datagate/datagate/domain"
)

// Restriction is one measure the bureau took against an active
// authorization (domain/restrictions.go), with the holder's appeal and the
// outcome; written by the application's workflow, and published.
type Restriction struct {
	ApplicationID uint64 `gorm:"primaryKey;autoIncrement:false" json:"application_id"`
	No            int    `gorm:"primaryKey;autoIncrement:false" json:"no"`
	Measure       string `gorm:"size:16;not null" json:"measure"`
	// Scope is what a restriction limits (empty for a suspension).
	Scope     string    `gorm:"size:16777215" json:"scope,omitempty"`
	Reason    string    `gorm:"size:16777215;not null" json:"reason"`
	Basis     string    `gorm:"size:16777215;not null" json:"basis"`
	ImposedBy string    `gorm:"size:64;not null" json:"imposed_by"`
	StartedAt time.Time `gorm:"not null;index" json:"started_at"`
	State     string    `gorm:"size:16;not null" json:"state"`
	Appeal    string    `gorm:"size:16;not null" json:"appeal"`
	// AppealReason is the holder's grounds; Decision the bureau's answer
	// to the appeal, or why it lifted the measure.
	AppealReason string     `gorm:"size:16777215" json:"appeal_reason,omitempty"`
	AppealedAt   *time.Time `json:"appealed_at,omitempty"`
	Decision     string     `gorm:"size:16777215" json:"decision,omitempty"`
	EndedAt      *time.Time `json:"ended_at,omitempty"`
}

func normRestriction(r *Restriction) {
	r.StartedAt = r.StartedAt.UTC()
	r.AppealedAt, r.EndedAt = utcPtr(r.AppealedAt), utcPtr(r.EndedAt)
}

// Restrictions lists an application's restrictions, latest first.
func (s *Store) Restrictions(ctx context.Context, appID uint64) ([]Restriction, error) {
	out := []Restriction{}
	if err := s.reader(ctx).Where("application_id = ?", appID).Order("no DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list restrictions of application %d: %w", appID, err)
	}
	return out, nil
}

// PublishedRestriction is a restriction as the public reads it (第三十条
// "予以公示"): the measure and its outcome, the application's title and
// its holder.
type PublishedRestriction struct {
	Restriction
	Title        string `json:"title"`
	ApplicantOrg string `json:"applicant_org"`
	Applicant    string `json:"applicant"`
}

// PublishedRestrictions pages the restrictions of every authorization,
// latest first, and counts them.
func (s *Store) PublishedRestrictions(ctx context.Context, limit, offset int) ([]PublishedRestriction, int64, error) {
	limit, offset = page(limit, offset)
	var total int64
	if err := s.reader(ctx).Model(&Restriction{}).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count restrictions: %w", err)
	}
	out := []PublishedRestriction{}
	if total > int64(offset) {
		err := s.reader(ctx).Model(&Restriction{}).
			Select("restrictions.*, applications.title AS title, applications.applicant_org AS applicant_org, orgs.name AS applicant").
			Joins("JOIN applications ON applications.id = restrictions.application_id").
			Joins("LEFT JOIN orgs ON orgs.code = applications.applicant_org").
			Order("restrictions.started_at DESC").Order("restrictions.application_id").Limit(limit).Offset(offset).
			Scan(&out).Error
		if err != nil {
			return nil, 0, fmt.Errorf("list restrictions: %w", err)
		}
	}
	for i := range out {
		normRestriction(&out[i].Restriction)
	}
	return out, total, nil
}

// InForce reports whether the measure still holds.
func (r Restriction) InForce() bool { return r.State == domain.RestrictionInForce }
