package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// HolidayTable is an admin's holiday table for one year, as JSON
// (calendar.YearTable); it adds or replaces the built-in table.
type HolidayTable struct {
	Year      int       `gorm:"primaryKey;autoIncrement:false" json:"year"`
	Table     string    `gorm:"size:16777215;not null" json:"-"`
	UpdatedBy string    `gorm:"size:64;not null" json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PutHolidayTable adds or replaces a year's table.
func (s *Store) PutHolidayTable(ctx context.Context, t HolidayTable) error {
	t.UpdatedAt = t.UpdatedAt.UTC()
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&t).Error
	if err != nil {
		return fmt.Errorf("save holiday table %d: %w", t.Year, err)
	}
	return nil
}

// HolidayTables lists the admins' tables by year.
func (s *Store) HolidayTables(ctx context.Context) ([]HolidayTable, error) {
	var out []HolidayTable
	if err := s.reader(ctx).Order("year").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("load holiday tables: %w", err)
	}
	return out, nil
}

// CalendarYear records the holiday table a year's open deadlines were last
// counted with, by its fingerprint.
type CalendarYear struct {
	Year        int    `gorm:"primaryKey;autoIncrement:false"`
	Fingerprint string `gorm:"size:64;not null"`
	CountedAt   time.Time
}

// CalendarFingerprints returns each recorded year's fingerprint.
func (s *Store) CalendarFingerprints(ctx context.Context) (map[int]string, error) {
	var rows []CalendarYear
	if err := s.reader(ctx).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load calendar fingerprints: %w", err)
	}
	out := make(map[int]string, len(rows))
	for _, r := range rows {
		out[r.Year] = r.Fingerprint
	}
	return out, nil
}

// PutCalendarFingerprint records that year's open deadlines were counted
// with the table of fingerprint fp.
func (s *Store) PutCalendarFingerprint(ctx context.Context, year int, fp string, at time.Time) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).
		Create(&CalendarYear{Year: year, Fingerprint: fp, CountedAt: at.UTC()}).Error
	if err != nil {
		return fmt.Errorf("save the calendar fingerprint of %d: %w", year, err)
	}
	return nil
}
