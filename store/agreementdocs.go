package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// AgreementDocument is the text of an agreement as it stood when it was
// open for signing: the template version it was made with and the SM3
// digest of its PDF (kept in the file store by that digest). A signer
// signs exactly that document. An agreement has more than one when its
// content changed while it was open (datasets joining a supplementary
// agreement); the latest is the one to sign.
type AgreementDocument struct {
	ApplicationID   uint64    `gorm:"primaryKey;autoIncrement:false" json:"-"`
	Kind            string    `gorm:"primaryKey;size:32" json:"kind"`
	SM3             string    `gorm:"primaryKey;column:sm3;size:64" json:"sm3"`
	TemplateVersion string    `gorm:"size:64;not null" json:"template_version"`
	Size            int64     `gorm:"not null" json:"size"`
	RecordedAt      time.Time `gorm:"not null" json:"recorded_at"`
}

// RecordAgreementDocument records a document once: the same digest again
// changes nothing.
func (s *Store) RecordAgreementDocument(ctx context.Context, d AgreementDocument) error {
	d.RecordedAt = d.RecordedAt.UTC()
	if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&d).Error; err != nil {
		return fmt.Errorf("record the %s document of application %d: %w", d.Kind, d.ApplicationID, err)
	}
	return nil
}

// AgreementDocuments lists an application's recorded agreement documents,
// oldest first.
func (s *Store) AgreementDocuments(ctx context.Context, appID uint64) ([]AgreementDocument, error) {
	var out []AgreementDocument
	if err := s.reader(ctx).Where("application_id = ?", appID).Order("recorded_at, kind").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list the agreement documents of application %d: %w", appID, err)
	}
	return out, nil
}
