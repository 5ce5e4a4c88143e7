package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// User is a person acting for one org under one role.
//
// PasswordHash is an argon2id PHC string (see package identity), never the
// password; it is empty for a user who cannot sign in with a password, and
// never serialized. The new columns have defaults so that AutoMigrate can
// add them to a table that already has rows.
type User struct {
	ID           uint       `gorm:"primaryKey" json:"id"`
	Username     string     `gorm:"size:64;not null;uniqueIndex" json:"username"`
	DisplayName  string     `gorm:"size:200" json:"display_name"`
	OrgCode      string     `gorm:"size:64;not null;index" json:"org"`
	Role         string     `gorm:"size:32;not null" json:"role"`
	PasswordHash string     `gorm:"size:255;not null;default:''" json:"-"`
	Disabled     bool       `gorm:"not null;default:false" json:"disabled"`
	FailedLogins int        `gorm:"not null;default:0" json:"failed_logins"`
	LockedUntil  *time.Time `json:"locked_until,omitempty"`
}

func normUser(u *User) { u.LockedUntil = utcPtr(u.LockedUntil) }

// CreateUser inserts a user and sets its ID. A taken username is a wrapped
// ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	u.LockedUntil = utcPtr(u.LockedUntil)
	if err := s.db.WithContext(ctx).Create(u).Error; err != nil {
		if isDuplicate(err) {
			return fmt.Errorf("create user %q: the username is taken: %w", u.Username, ErrConflict)
		}
		return fmt.Errorf("create user %q: %w", u.Username, err)
	}
	return nil
}

// UserByID loads one user by ID.
func (s *Store) UserByID(ctx context.Context, id uint) (User, error) {
	var u User
	if err := s.reader(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return User{}, fmt.Errorf("load user %d: %w", id, notFound(err))
	}
	normUser(&u)
	return u, nil
}

// UserByName loads one user by username.
func (s *Store) UserByName(ctx context.Context, username string) (User, error) {
	var u User
	if err := s.reader(ctx).Where("username = ?", username).Take(&u).Error; err != nil {
		return User{}, fmt.Errorf("load user %q: %w", username, notFound(err))
	}
	return u, nil
}

// Users lists every user, ordered by username.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	var out []User
	if err := s.reader(ctx).Order("username").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// UsersOfOrg lists an org's active users, ordered by username.
func (s *Store) UsersOfOrg(ctx context.Context, org string) ([]User, error) {
	var out []User
	err := s.reader(ctx).Where("org_code = ? AND disabled = ?", org, false).Order("username").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list users of %s: %w", org, err)
	}
	return out, nil
}

// SetPasswordHash replaces a user's password hash.
func (s *Store) SetPasswordHash(ctx context.Context, userID uint, hash string) error {
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", userID).Update("password_hash", hash)
	if err := oneRow(res); err != nil {
		return fmt.Errorf("set password of user %d: %w", userID, err)
	}
	return nil
}

// SetDisabled disables or re-enables a user.
func (s *Store) SetDisabled(ctx context.Context, userID uint, disabled bool) error {
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", userID).Update("disabled", disabled)
	if err := oneRow(res); err != nil {
		return fmt.Errorf("set disabled=%t on user %d: %w", disabled, userID, err)
	}
	return nil
}

// RecordLoginFailure counts one failed sign-in of a user. The failure that
// brings the count to lockAfter locks the account until now+lockFor and
// restarts the count; locked reports that it did. Concurrent failures are
// counted exactly: the increment and the check run in one transaction that
// holds the row.
func (s *Store) RecordLoginFailure(ctx context.Context, userID uint, lockAfter int, lockFor time.Duration, now time.Time) (locked bool, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ?", userID).
			UpdateColumn("failed_logins", gorm.Expr("failed_logins + 1"))
		if err := oneRow(res); err != nil {
			return err
		}
		var n int
		if err := tx.Model(&User{}).Where("id = ?", userID).Select("failed_logins").Scan(&n).Error; err != nil {
			return err
		}
		if lockAfter <= 0 || n < lockAfter {
			return nil
		}
		until := now.Add(lockFor).UTC()
		err := tx.Model(&User{}).Where("id = ?", userID).
			UpdateColumns(map[string]any{"failed_logins": 0, "locked_until": until}).Error
		if err != nil {
			return err
		}
		locked = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("record failed login of user %d: %w", userID, err)
	}
	return locked, nil
}

// ResetLoginFailures clears a user's failure count and lock, after a
// successful sign-in or by an administrator.
func (s *Store) ResetLoginFailures(ctx context.Context, userID uint) error {
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", userID).
		UpdateColumns(map[string]any{"failed_logins": 0, "locked_until": nil})
	if err := oneRow(res); err != nil {
		return fmt.Errorf("reset failed logins of user %d: %w", userID, err)
	}
	return nil
}
