package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// Dataset is one catalog entry (数据资源).
type Dataset struct {
	Code            string   `gorm:"primaryKey;size:32" json:"code"`
	Name            string   `gorm:"size:200;not null" json:"name"`
	Department      string   `gorm:"size:64;not null;index" json:"department"`
	Fields          []string `gorm:"serializer:json;type:text" json:"fields"`
	OpenAttribute   string   `gorm:"size:16;not null;index" json:"open_attribute"`
	Grade           int      `gorm:"not null" json:"grade"`
	UpdateFrequency string   `gorm:"size:32" json:"update_frequency"`
	Format          string   `gorm:"size:32" json:"format"`
	Summary         string   `gorm:"size:16777215" json:"summary"`
}

// Open attributes of a dataset.
const (
	OpenUnconditional = "unconditional"
	OpenConditional   = "conditional"
	OpenClosed        = "closed"
)

// DatasetFilter selects catalog entries. Zero fields do not filter.
type DatasetFilter struct {
	Department    string // provider org code
	OpenAttribute string // unconditional, conditional, closed
	Grade         int    // exact sensitivity grade; 0 = any
	Query         string // substring of the name or the summary, matched literally
	Limit, Offset int    // Limit defaults to DefaultLimit, at most MaxLimit
}

func (f DatasetFilter) scope(db *gorm.DB) *gorm.DB {
	if f.Department != "" {
		db = db.Where("department = ?", f.Department)
	}
	if f.OpenAttribute != "" {
		db = db.Where("open_attribute = ?", f.OpenAttribute)
	}
	if f.Grade != 0 {
		db = db.Where("grade = ?", f.Grade)
	}
	if f.Query != "" {
		p := containsPattern(f.Query)
		// LOWER on both sides: SQLite's LIKE ignores the case of ASCII
		// letters, MySQL's follows the column's binary collation.
		like := "LIKE LOWER(?) ESCAPE '" + likeEscape + "'"
		db = db.Where("(LOWER(name) "+like+" OR LOWER(summary) "+like+")", p, p)
	}
	return db
}

// Datasets returns one page of the catalog entries matching f, ordered by
// code, and the number of all matching entries.
func (s *Store) Datasets(ctx context.Context, f DatasetFilter) ([]Dataset, int64, error) {
	limit, offset := page(f.Limit, f.Offset)
	var total int64
	if err := s.reader(ctx).Model(&Dataset{}).Scopes(f.scope).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count datasets: %w", err)
	}
	out := []Dataset{}
	if total > int64(offset) {
		err := s.reader(ctx).Scopes(f.scope).Order("code").Limit(limit).Offset(offset).Find(&out).Error
		if err != nil {
			return nil, 0, fmt.Errorf("list datasets: %w", err)
		}
	}
	return out, total, nil
}

// DatasetsByCode loads the named datasets, keyed by code. Unknown codes are
// absent from the map.
func (s *Store) DatasetsByCode(ctx context.Context, codes []string) (map[string]Dataset, error) {
	out := make(map[string]Dataset, len(codes))
	if len(codes) == 0 {
		return out, nil
	}
	var rows []Dataset
	if err := s.reader(ctx).Where("code IN ?", codes).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load datasets %v: %w", codes, err)
	}
	for _, d := range rows {
		out[d.Code] = d
	}
	return out, nil
}
