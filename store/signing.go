package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SigningKey is the platform CA's or one org's signing certificate (DER)
// and its private key sealed by the master key (package docsign): the
// database never holds a clear private key.
type SigningKey struct {
	Subject   string    `gorm:"primaryKey;size:80"` // "ca" or "org/<code>"
	Cert      []byte    `gorm:"not null"`
	SealedKey []byte    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// SigningKeyOf loads a subject's key; ErrNotFound when there is none.
func (s *Store) SigningKeyOf(ctx context.Context, subject string) (SigningKey, error) {
	var k SigningKey
	err := s.db.WithContext(ctx).Where("subject = ?", subject).Take(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return k, ErrNotFound
	}
	if err != nil {
		return k, fmt.Errorf("load the signing key of %s: %w", subject, err)
	}
	return k, nil
}

// SaveSigningKey stores a subject's key: once (ErrConflict when there is
// one already), or replacing it.
func (s *Store) SaveSigningKey(ctx context.Context, k SigningKey, replace bool) error {
	k.CreatedAt = k.CreatedAt.UTC()
	q := s.db.WithContext(ctx)
	if replace {
		q = q.Clauses(clause.OnConflict{UpdateAll: true})
	}
	err := q.Create(&k).Error
	if isDuplicate(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("save the signing key of %s: %w", k.Subject, err)
	}
	return nil
}

// AgreementSignature is one party's SM2 signature on an agreement's
// document (by its SM3 digest): a detached CMS SignedData (GB/T 35275)
// made with the party's key when its signing decision was committed.
type AgreementSignature struct {
	ApplicationID uint64 `gorm:"primaryKey;autoIncrement:false" json:"-"`
	Kind          string `gorm:"primaryKey;size:32" json:"kind"`
	Org           string `gorm:"primaryKey;size:64" json:"org"`
	// DocumentSM3 is the digest of the document signed.
	DocumentSM3 string `gorm:"primaryKey;column:document_sm3;size:64" json:"document_sm3"`
	CMS         []byte `gorm:"not null" json:"-"`
	// CertSM3 is the SM3 fingerprint of the signer's certificate.
	CertSM3  string    `gorm:"column:cert_sm3;size:64;not null" json:"cert_sm3"`
	SignedAt time.Time `gorm:"not null" json:"signed_at"`
}

// RecordAgreementSignature records a signature once: a second one of the
// same party on the same document changes nothing (a retried activity).
func (s *Store) RecordAgreementSignature(ctx context.Context, sig AgreementSignature) error {
	sig.SignedAt = sig.SignedAt.UTC()
	if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&sig).Error; err != nil {
		return fmt.Errorf("record the %s signature of %s on application %d: %w", sig.Kind, sig.Org, sig.ApplicationID, err)
	}
	return nil
}

// AgreementSignatures lists an application's recorded signatures, in the
// order they were made.
func (s *Store) AgreementSignatures(ctx context.Context, appID uint64) ([]AgreementSignature, error) {
	var out []AgreementSignature
	if err := s.reader(ctx).Where("application_id = ?", appID).Order("signed_at, kind, org").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list the signatures of application %d: %w", appID, err)
	}
	return out, nil
}
