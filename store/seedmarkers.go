package store

import (
	"context"
	"fmt"
	"time"
)

// SeedMarker records a seeding done once per database, e.g. the demo
// applications of `datagate dev`.
type SeedMarker struct {
	Name   string `gorm:"primaryKey;size:64"`
	DoneAt time.Time
}

// ClaimSeed writes the marker name at now and reports whether this call
// wrote it: false when it was there already (seeded, or begun, before).
func (s *Store) ClaimSeed(ctx context.Context, name string, now time.Time) (bool, error) {
	err := s.db.WithContext(ctx).Create(&SeedMarker{Name: name, DoneAt: now.UTC()}).Error
	switch {
	case err == nil:
		return true, nil
	case isDuplicate(err):
		return false, nil
	}
	return false, fmt.Errorf("claim seed %q: %w", name, err)
}

// HasApplications reports whether the database holds any application,
// drafts included.
func (s *Store) HasApplications(ctx context.Context) (bool, error) {
	var n int64
	if err := s.reader(ctx).Model(&Application{}).Limit(1).Count(&n).Error; err != nil {
		return false, fmt.Errorf("count applications: %w", err)
	}
	return n > 0, nil
}
