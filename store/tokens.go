package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// API tokens: see sessions.go for what the sign-in tables hold, and why
// they have no foreign key to users.

// APIToken is one personal access token for machines. The row holds the hex
// SHA-256 of the token and its first few characters for display.
type APIToken struct {
	ID         uint       `gorm:"primaryKey" json:"id"`
	UserID     uint       `gorm:"not null;index" json:"user_id"`
	Name       string     `gorm:"size:100;not null" json:"name"`
	Hash       string     `gorm:"size:64;not null;uniqueIndex" json:"-"`
	Prefix     string     `gorm:"size:12;not null" json:"prefix"`
	CreatedAt  time.Time  `gorm:"not null" json:"created_at"`
	ExpiresAt  time.Time  `gorm:"not null" json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// TableName names the API tokens table.
func (APIToken) TableName() string { return "api_tokens" }

func normToken(t *APIToken) {
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC()
	t.RevokedAt, t.LastUsedAt = utcPtr(t.RevokedAt), utcPtr(t.LastUsedAt)
}

// CreateAPIToken inserts a token and sets its ID.
func (s *Store) CreateAPIToken(ctx context.Context, t *APIToken) error {
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC()
	t.RevokedAt, t.LastUsedAt = utcPtr(t.RevokedAt), utcPtr(t.LastUsedAt)
	if err := s.db.WithContext(ctx).Create(t).Error; err != nil {
		if isDuplicate(err) {
			err = fmt.Errorf("%w: %w", ErrConflict, err)
		}
		return fmt.Errorf("create API token %q of user %d: %w", t.Name, t.UserID, err)
	}
	return nil
}

// APITokenByHash loads a token by the hash of its plain text. Revocation
// and expiry are the caller's to check.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (APIToken, error) {
	var t APIToken
	if err := s.reader(ctx).Where("hash = ?", hash).Take(&t).Error; err != nil {
		return APIToken{}, fmt.Errorf("load API token: %w", notFound(err))
	}
	normToken(&t)
	return t, nil
}

// RevokeAPIToken revokes one of a user's tokens at the given time. A token
// of another user is not found, as is one that does not exist. Revoking a
// revoked token keeps the first revocation time.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, tokenID uint, at time.Time) error {
	res := s.db.WithContext(ctx).Model(&APIToken{}).
		Where("id = ? AND user_id = ?", tokenID, userID).
		UpdateColumn("revoked_at", gorm.Expr("COALESCE(revoked_at, ?)", at.UTC()))
	if err := oneRow(res); err != nil {
		return fmt.Errorf("revoke API token %d of user %d: %w", tokenID, userID, err)
	}
	return nil
}

// APITokensOf lists a user's tokens, revoked and expired ones included,
// oldest first.
func (s *Store) APITokensOf(ctx context.Context, userID uint) ([]APIToken, error) {
	var out []APIToken
	if err := s.reader(ctx).Where("user_id = ?", userID).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list API tokens of user %d: %w", userID, err)
	}
	return utcAll(out, normToken), nil
}

// TouchAPIToken records that a token was used at usedAt.
func (s *Store) TouchAPIToken(ctx context.Context, tokenID uint, usedAt time.Time) error {
	res := s.db.WithContext(ctx).Model(&APIToken{}).Where("id = ?", tokenID).
		UpdateColumn("last_used_at", usedAt.UTC())
	if err := oneRow(res); err != nil {
		return fmt.Errorf("touch API token %d: %w", tokenID, err)
	}
	return nil
}
