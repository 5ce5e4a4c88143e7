package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
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

// IdempotencyKey remembers the response to a request sent with an
// Idempotency-Key header, so that a client's retry gets the first answer
// and creates nothing new. Status 0 marks a request still in flight.
type IdempotencyKey struct {
	UserID    uint      `gorm:"primaryKey;autoIncrement:false" json:"-"`
	Key       string    `gorm:"primaryKey;column:idem_key;size:128" json:"-"`
	Route     string    `gorm:"size:200;not null" json:"-"`
	Status    int       `gorm:"not null" json:"-"`
	Body      string    `gorm:"size:16777215;not null" json:"-"`
	CreatedAt time.Time `gorm:"index" json:"-"`
}

// migrator is the connection for AutoMigrate, with the MySQL table options.
func (s *Store) migrator(ctx context.Context) *gorm.DB {
	db := s.db.WithContext(ctx)
	if s.dialect == "mysql" {
		db = db.Set("gorm:table_options", mysqlTableOptions)
	}
	return db
}

// MigrateAPI creates the tables of the API's own state.
func (s *Store) MigrateAPI(ctx context.Context) error {
	if err := s.migrator(ctx).AutoMigrate(&HolidayTable{}, &IdempotencyKey{}); err != nil {
		return fmt.Errorf("migrate api tables: %w", err)
	}
	return nil
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
	if err := s.db.WithContext(ctx).Order("year").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("load holiday tables: %w", err)
	}
	return out, nil
}

// BeginIdempotent reserves a key for a request. It returns the stored
// response when the key was used before (done true), or ErrConflict when
// that request is still in flight or the key was used on another route.
func (s *Store) BeginIdempotent(ctx context.Context, userID uint, key, route string) (prev IdempotencyKey, done bool, err error) {
	db := s.db.WithContext(ctx)
	row := IdempotencyKey{UserID: userID, Key: key, Route: route, CreatedAt: time.Now().UTC()}
	err = db.Create(&row).Error
	if err == nil {
		return IdempotencyKey{}, false, nil
	}
	if !isDuplicate(err) {
		return IdempotencyKey{}, false, fmt.Errorf("reserve idempotency key: %w", err)
	}
	if err := db.Where("user_id = ? AND idem_key = ?", userID, key).Take(&prev).Error; err != nil {
		return IdempotencyKey{}, false, fmt.Errorf("read idempotency key: %w", err)
	}
	switch {
	case prev.Route != route:
		return prev, false, fmt.Errorf("idempotency key already used on %s: %w", prev.Route, ErrConflict)
	case prev.Status == 0:
		return prev, false, fmt.Errorf("a request with this idempotency key is still in progress: %w", ErrConflict)
	}
	return prev, true, nil
}

// FinishIdempotent stores the response of a reserved key, or frees the key
// when the request failed on the server's side (status >= 500).
func (s *Store) FinishIdempotent(ctx context.Context, userID uint, key string, status int, body []byte) error {
	db := s.db.WithContext(ctx).Where("user_id = ? AND idem_key = ?", userID, key)
	var err error
	if status >= 500 {
		err = db.Delete(&IdempotencyKey{}).Error
	} else {
		err = db.Model(&IdempotencyKey{}).Updates(map[string]any{"status": status, "body": string(body)}).Error
	}
	if err != nil {
		return fmt.Errorf("store idempotent response: %w", err)
	}
	return nil
}
