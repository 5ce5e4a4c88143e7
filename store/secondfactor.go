package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Second factor (TOTP, RFC 6238): a user's secret and recovery codes, and
// the state a session is in (Session.SecondFactor). Checking codes is
// package identity's; this file only stores and loads rows.

// The states of a session's second factor (Session.SecondFactor).
const (
	// SecondFactorNone: the user has no second factor and needs none;
	// the password alone signed the session in (and sessions made before
	// second factors existed).
	SecondFactorNone = "none"
	// SecondFactorPending: the password was right; the session is usable
	// for nothing but the code step until a code is given.
	SecondFactorPending = "totp"
	// SecondFactorEnrol: the user's roles require a second factor they
	// have not set up; the session is usable only to set it up.
	SecondFactorEnrol = "enrol"
	// SecondFactorPassed: a code (or a recovery code) was given in this
	// session, at sign-in or at enrolment.
	SecondFactorPassed = "passed"
)

// TOTPSecret is a user's TOTP secret. Secret is the sealed secret
// (package identity seals it; never the base32 text in clear), and is
// never serialized. A secret with no ConfirmedAt is an enrolment begun
// and not yet confirmed with a first code. LastStep is the last time step
// whose code was accepted: a code is accepted once.
type TOTPSecret struct {
	UserID      uint       `gorm:"primaryKey;autoIncrement:false" json:"-"`
	Secret      string     `gorm:"size:255;not null" json:"-"`
	CreatedAt   time.Time  `gorm:"not null" json:"created_at"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
	LastStep    int64      `gorm:"not null;default:0" json:"-"`
}

// TableName names the TOTP secrets table.
func (TOTPSecret) TableName() string { return "totp_secrets" }

// RecoveryCode is one one-time recovery code of a user: the row holds its
// hex SHA-256, never the code.
type RecoveryCode struct {
	ID     uint       `gorm:"primaryKey" json:"-"`
	UserID uint       `gorm:"not null;index" json:"-"`
	Hash   string     `gorm:"size:64;not null" json:"-"`
	UsedAt *time.Time `json:"used_at,omitempty"`
}

// TableName names the recovery codes table.
func (RecoveryCode) TableName() string { return "recovery_codes" }

// TOTPSecretOf loads a user's TOTP secret, confirmed or not; ErrNotFound
// when the user has none.
func (s *Store) TOTPSecretOf(ctx context.Context, userID uint) (TOTPSecret, error) {
	var t TOTPSecret
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Take(&t).Error; err != nil {
		return TOTPSecret{}, fmt.Errorf("load the second factor of user %d: %w", userID, notFound(err))
	}
	t.CreatedAt, t.ConfirmedAt = t.CreatedAt.UTC(), utcPtr(t.ConfirmedAt)
	return t, nil
}

// BeginTOTP stores a new, unconfirmed secret for a user, replacing an
// unconfirmed one. A user whose secret is confirmed keeps it: ErrConflict.
func (s *Store) BeginTOTP(ctx context.Context, userID uint, sealed string, now time.Time) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&TOTPSecret{}).Where("user_id = ? AND confirmed_at IS NOT NULL", userID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("a second factor is already set up: %w", ErrConflict)
		}
		if err := tx.Where("user_id = ?", userID).Delete(&TOTPSecret{}).Error; err != nil {
			return err
		}
		return tx.Create(&TOTPSecret{UserID: userID, Secret: sealed, CreatedAt: now.UTC()}).Error
	})
	if err != nil {
		return fmt.Errorf("begin the second factor of user %d: %w", userID, err)
	}
	return nil
}

// ConfirmTOTP marks a user's unconfirmed secret confirmed, records the
// time step of the code that confirmed it, and replaces the user's
// recovery codes with codeHashes, in one transaction. No unconfirmed
// secret: ErrConflict.
func (s *Store) ConfirmTOTP(ctx context.Context, userID uint, step int64, codeHashes []string, now time.Time) error {
	now = now.UTC()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&TOTPSecret{}).Where("user_id = ? AND confirmed_at IS NULL", userID).
			UpdateColumns(map[string]any{"confirmed_at": now, "last_step": step})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("no second factor being set up: %w", ErrConflict)
		}
		if err := tx.Where("user_id = ?", userID).Delete(&RecoveryCode{}).Error; err != nil {
			return err
		}
		rows := make([]RecoveryCode, len(codeHashes))
		for i, h := range codeHashes {
			rows[i] = RecoveryCode{UserID: userID, Hash: h}
		}
		if len(rows) == 0 {
			return nil
		}
		return tx.Create(&rows).Error
	})
	if err != nil {
		return fmt.Errorf("confirm the second factor of user %d: %w", userID, err)
	}
	return nil
}

// UseTOTPStep records that the code of time step step was accepted for a
// user, if no code of that step or a later one was: false when one was (a
// code replayed, or raced by another sign-in with the same code).
func (s *Store) UseTOTPStep(ctx context.Context, userID uint, step int64) (bool, error) {
	res := s.db.WithContext(ctx).Model(&TOTPSecret{}).
		Where("user_id = ? AND confirmed_at IS NOT NULL AND last_step < ?", userID, step).
		UpdateColumn("last_step", step)
	if res.Error != nil {
		return false, fmt.Errorf("record a code of user %d: %w", userID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// UseRecoveryCode marks one of a user's unused recovery codes, by hash,
// used at now: false when the user has no such unused code. Two uses of
// one code at once: one wins.
func (s *Store) UseRecoveryCode(ctx context.Context, userID uint, hash string, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&RecoveryCode{}).
		Where("user_id = ? AND hash = ? AND used_at IS NULL", userID, hash).
		UpdateColumn("used_at", now.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("use a recovery code of user %d: %w", userID, res.Error)
	}
	return res.RowsAffected >= 1, nil
}

// RecoveryCodesLeft counts a user's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, userID uint) (int, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&RecoveryCode{}).Where("user_id = ? AND used_at IS NULL", userID).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count the recovery codes of user %d: %w", userID, err)
	}
	return int(n), nil
}

// SetSessionSecondFactor moves a session to another second-factor state.
func (s *Store) SetSessionSecondFactor(ctx context.Context, idHash, state string) error {
	res := s.db.WithContext(ctx).Model(&Session{}).Where("id_hash = ?", idHash).UpdateColumn("second_factor", state)
	if err := oneRow(res); err != nil {
		return fmt.Errorf("set the second factor of a session: %w", err)
	}
	return nil
}
