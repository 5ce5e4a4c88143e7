package store

import (
	"context"
	"fmt"
	"time"
)

// Model is one model or data product built on the data (一模型一审定).
type Model struct {
	ID            string     `gorm:"primaryKey;size:160" json:"id"`
	ApplicationID uint64     `gorm:"not null;index" json:"application_id"`
	No            int        `gorm:"not null" json:"no"`
	Name          string     `gorm:"size:200;not null" json:"name"`
	Description   string     `gorm:"size:16777215" json:"description"`
	Status        string     `gorm:"size:24;not null" json:"status"`
	Round         int        `gorm:"not null" json:"round"`
	SubmittedAt   time.Time  `json:"submitted_at"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
}

// Models lists an application's models, ordered by number.
func (s *Store) Models(ctx context.Context, appID uint64) ([]Model, error) {
	var out []Model
	if err := s.reader(ctx).Where("application_id = ?", appID).Order(byCols("no", "id")).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list models of application %d: %w", appID, err)
	}
	return out, nil
}
