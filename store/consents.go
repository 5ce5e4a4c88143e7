package store

import (
	"context"
	"fmt"
	"sort"

	"gorm.io/gorm"
)

// Data subjects' consent (数据主体授权同意). 《广州市公共数据开放管理办法》
// 第二十五条: data that concerns personal privacy or trade secrets is opened
// only with its data subjects' consent, and "授权利用应当限定具体事项，并约定
// 访问次数和使用期限"; the Longhua plan (003 七) asks the same of products
// built on personal information. A dataset that needs it is marked in the
// catalog (Dataset.RequiresConsent); an application naming it records the
// consent's basis, one ApplicationConsent per such dataset, and each use of
// the data is recorded and held to it (RecordUse, datauses.go).

// ApplicationConsent is the basis of the data subjects' consent to one
// dataset of an application: the specific matter it is given for (具体事项),
// the number of accesses agreed (访问次数), the last day of its term
// (使用期限, YYYY-MM-DD in China time, included) and how it was obtained
// and can be shown (e.g. the reference of the signed consent forms,
// attached to the application as kind "consent").
type ApplicationConsent struct {
	ApplicationID uint64 `gorm:"primaryKey;autoIncrement:false" json:"-"`
	DatasetCode   string `gorm:"primaryKey;size:32" json:"dataset"`
	Matter        string `gorm:"size:500;not null" json:"matter"`
	MaxAccesses   int    `gorm:"not null" json:"max_accesses"`
	Until         string `gorm:"size:10;not null" json:"until"`
	Evidence      string `gorm:"size:16777215;not null" json:"evidence"`
}

// Expired reports whether the consent's term ended before today
// (YYYY-MM-DD in China time): its last day is included in it.
func (c ApplicationConsent) Expired(today string) bool { return today > c.Until }

// draftConsents builds an application's consent rows from in, ordered by
// dataset code, each naming one of the draft's datasets (rows): the API
// checks them against the catalog first; one naming another dataset is an
// error here.
func draftConsents(appID uint64, rows []ApplicationDataset, in []ApplicationConsent) ([]ApplicationConsent, error) {
	named := make(map[string]bool, len(rows))
	for _, d := range rows {
		named[d.DatasetCode] = true
	}
	out := make([]ApplicationConsent, 0, len(in))
	seen := map[string]bool{}
	for _, c := range in {
		if !named[c.DatasetCode] || seen[c.DatasetCode] {
			return nil, fmt.Errorf("consent for dataset %q, which the application does not name once: %w", c.DatasetCode, ErrConflict)
		}
		seen[c.DatasetCode] = true
		c.ApplicationID = appID
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DatasetCode < out[j].DatasetCode })
	return out, nil
}

// replaceConsents replaces application id's consent rows inside tx.
func replaceConsents(tx *gorm.DB, id uint64, rows []ApplicationConsent) error {
	if err := tx.Where("application_id = ?", id).Delete(&ApplicationConsent{}).Error; err != nil {
		return fmt.Errorf("delete consents of application %d: %w", id, err)
	}
	if len(rows) == 0 {
		return nil
	}
	if err := tx.Create(&rows).Error; err != nil {
		return fmt.Errorf("insert consents of application %d: %w", id, err)
	}
	return nil
}

// ConsentUse is a consent with how much of it the application used.
type ConsentUse struct {
	ApplicationConsent
	// Used counts the recorded uses of the dataset; Remaining the
	// accesses left (0 when used up).
	Used      int64 `json:"used"`
	Remaining int64 `json:"remaining"`
	// Expired: the term ended before today.
	Expired bool `json:"expired"`
}

// ConsentUses lists application appID's consents, by dataset code, each
// with its uses counted and what is left of it on today (YYYY-MM-DD in
// China time).
func (s *Store) ConsentUses(ctx context.Context, appID uint64, today string) ([]ConsentUse, error) {
	db := s.reader(ctx)
	var consents []ApplicationConsent
	if err := db.Where("application_id = ?", appID).Order("dataset_code").Find(&consents).Error; err != nil {
		return nil, fmt.Errorf("list consents of application %d: %w", appID, err)
	}
	var counts []struct {
		DatasetCode string
		N           int64
	}
	if err := db.Model(&DataUse{}).Select("dataset_code, COUNT(*) AS n").Where("application_id = ?", appID).
		Group("dataset_code").Scan(&counts).Error; err != nil {
		return nil, fmt.Errorf("count uses of application %d: %w", appID, err)
	}
	used := make(map[string]int64, len(counts))
	for _, c := range counts {
		used[c.DatasetCode] = c.N
	}
	out := make([]ConsentUse, 0, len(consents))
	for _, c := range consents {
		n := used[c.DatasetCode]
		out = append(out, ConsentUse{ApplicationConsent: c, Used: n, Remaining: max(0, int64(c.MaxAccesses)-n), Expired: c.Expired(today)})
	}
	return out, nil
}
