package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/datagate/datagate/domain"
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

	// AuthorizedOperation: the dataset is in the scope of authorized
	// operation (授权运营, 003 五), whose data is used in the secure
	// environment. It is apart from OpenAttribute, which is about opening
	// to the public (开放属性): closed data may be requested only when it
	// is eligible, and then only in the secure environment (Requestable,
	// SecureOnly).
	AuthorizedOperation bool `gorm:"not null;default:false" json:"authorized_operation"`

	// OpenConditions are a conditional dataset's conditions (开放条件);
	// Grounds the grounds (依据) of a closed or conditional
	// classification (第九条). Version is the catalog entry's version
	// (DatasetVersion), State whether it is open, suspended or withdrawn
	// (domain.DatasetStates), and DataUpdatedAt when its department last
	// recorded an update of the data, by which a missed update frequency
	// is seen.
	OpenConditions string     `gorm:"size:16777215" json:"open_conditions,omitempty"`
	Grounds        string     `gorm:"size:16777215" json:"grounds,omitempty"`
	Version        int        `gorm:"not null;default:1" json:"version"`
	State          string     `gorm:"size:16;not null;default:'active'" json:"state"`
	DataUpdatedAt  *time.Time `json:"data_updated_at,omitempty"`
	// RequiresConsent: the data concerns personal privacy or trade
	// secrets and is used only with its data subjects' consent
	// (数据主体授权同意, 《广州市公共数据开放管理办法》第二十五条): an
	// application naming it carries the consent's basis (the matter, the
	// number of accesses, the term and its evidence: ApplicationConsent),
	// and a use past any of them is refused (RecordUse).
	RequiresConsent bool `gorm:"not null;default:false" json:"requires_consent"`
}

// Open attributes of a dataset.
const (
	OpenUnconditional = "unconditional"
	OpenConditional   = "conditional"
	OpenClosed        = "closed"
)

// Requestable reports whether an application may name d: open data
// (unconditional or conditional), or closed data eligible for authorized
// operation. Closed data that is not eligible cannot be requested.
func (d Dataset) Requestable() bool {
	return d.Open() && (d.OpenAttribute != OpenClosed || d.AuthorizedOperation)
}

// Open reports whether the dataset is open: neither suspended nor
// withdrawn. (A dataset row written before states existed reads "".)
func (d Dataset) Open() bool { return d.State == "" || d.State == domain.DatasetActive }

// SecureOnly reports whether d may be used only in the secure environment
// ("原始数据不出域、数据可用不可见"), that is by an access mode for which
// SecureAccess holds: grade-3+ data, and closed data, which is requested
// through authorized operation only.
func (d Dataset) SecureOnly() bool {
	return d.Grade >= 3 || d.OpenAttribute == OpenClosed
}

// SecureAccess reports whether an access mode keeps the data in the
// secure environment: sandbox or model-result, not download or API.
func SecureAccess(mode string) bool {
	return mode == AccessSandbox || mode == AccessModelResult
}

// DatasetFilter selects catalog entries. Zero fields do not filter.
// MaxQueryRunes bounds a catalog search: no dataset's name or summary
// needs more to be found, and a longer pattern only costs the database.
const MaxQueryRunes = 100

type DatasetFilter struct {
	Department    string // provider org code
	OpenAttribute string // unconditional, conditional, closed
	Grade         int    // exact sensitivity grade; 0 = any
	Query         string // substring of the name or the summary, matched literally
	Limit, Offset int    // Limit defaults to DefaultLimit, at most MaxLimit

	// AuthorizedOperation: eligible (true) or not (false) for authorized
	// operation; nil = any.
	AuthorizedOperation *bool
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
	if f.AuthorizedOperation != nil {
		db = db.Where("authorized_operation = ?", *f.AuthorizedOperation)
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
