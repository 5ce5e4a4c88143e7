package store

import (
	"context"
	"fmt"
	"time"
)

// Evaluation is one periodic (or on-demand) evaluation of an authorization.
type Evaluation struct {
	ID            string     `gorm:"primaryKey;size:160" json:"id"`
	ApplicationID uint64     `gorm:"not null;index" json:"application_id"`
	No            int        `gorm:"not null" json:"no"`
	Round         int        `gorm:"not null" json:"round"`
	Status        string     `gorm:"size:24;not null" json:"status"`
	SelfReport    string     `gorm:"size:16777215" json:"self_report,omitempty"`
	Rating        string     `gorm:"size:24" json:"rating,omitempty"`
	Reason        string     `gorm:"size:16777215" json:"reason,omitempty"`
	RectifyUntil  *time.Time `json:"rectify_until,omitempty"`
	OpenedAt      time.Time  `json:"opened_at"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
}

// Evaluations lists an application's evaluations, ordered by number and
// round.
func (s *Store) Evaluations(ctx context.Context, appID uint64) ([]Evaluation, error) {
	var out []Evaluation
	err := s.reader(ctx).Where("application_id = ?", appID).Order(byCols("no", "round", "id")).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list evaluations of application %d: %w", appID, err)
	}
	return out, nil
}
