package store

import (
	"context"
	"fmt"
	"time"
)

// Signature is one party's signature on an agreement.
type Signature struct {
	Org  string    `json:"org"`
	User string    `json:"user"`
	At   time.Time `json:"at"`
}

// Agreement is one of an application's agreements (授权协议, 服务协议, 备案, 利用承诺).
type Agreement struct {
	ApplicationID uint64      `gorm:"primaryKey;autoIncrement:false" json:"-"`
	Kind          string      `gorm:"primaryKey;size:32" json:"kind"`
	Status        string      `gorm:"size:16;not null" json:"status"`
	Parties       []string    `gorm:"serializer:json;type:text" json:"parties"`
	Signatures    []Signature `gorm:"serializer:json;type:text" json:"signatures"`
	CompletedAt   *time.Time  `json:"completed_at,omitempty"`
}

// Agreements lists an application's agreements, ordered by kind.
func (s *Store) Agreements(ctx context.Context, appID uint64) ([]Agreement, error) {
	var out []Agreement
	if err := s.reader(ctx).Where("application_id = ?", appID).Order("kind").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list agreements of application %d: %w", appID, err)
	}
	return out, nil
}
