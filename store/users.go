package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// User is a person acting for one org under one role.
//
// PasswordHash is an argon2id PHC string (see package identity), never the
// password; it is empty for a user who cannot sign in with a password, and
// never serialized. FailedLogins counts the password checks of the current
// lock window since the last successful sign-in (ReserveLoginAttempt). The new columns have defaults so that AutoMigrate can
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

// LoginAttempt is the outcome of ReserveLoginAttempt.
type LoginAttempt struct {
	// Granted: one password check may be made. When false, the account is
	// locked until LockedUntil and no check may be made.
	Granted bool
	// Count is the number of checks counted in the current window, this
	// one included (granted only).
	Count int
	// LockedUntil is the lock that refused the attempt, or the lock that
	// this attempt, the lockAfter-th of its window, started (nil if none).
	LockedUntil *time.Time
}

// ReserveLoginAttempt counts one password check of a user before it is
// made, so that no more than lockAfter checks are made in a lock window
// however many sign-ins arrive at once, in one process or many: the count
// is taken and compared in one transaction that holds the user's row (an
// UPDATE first, so MySQL's row lock and SQLite's write lock are taken
// before anything is read).
//
//   - A lock still running at now refuses the attempt and changes nothing.
//   - A lock that has run out starts a new window: the count restarts at 1.
//   - The attempt that brings the count to lockAfter locks the account
//     until now+lockFor at once, before its check: the checks already
//     counted still run, later attempts are refused. If its password turns
//     out right, ResetLoginFailures lifts the lock.
//
// failed_logins holds the count; a successful sign-in clears it with
// ResetLoginFailures. A wrong password needs no further write: its check
// was counted here.
func (s *Store) ReserveLoginAttempt(ctx context.Context, userID uint, lockAfter int, lockFor time.Duration, now time.Time) (LoginAttempt, error) {
	now = now.UTC()
	var out LoginAttempt
	errLocked := errors.New("locked")
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ?", userID).
			UpdateColumn("failed_logins", gorm.Expr("failed_logins + 1"))
		if err := oneRow(res); err != nil {
			return err
		}
		var row struct {
			FailedLogins int
			LockedUntil  *time.Time
		}
		if err := tx.Model(&User{}).Where("id = ?", userID).Select("failed_logins", "locked_until").Take(&row).Error; err != nil {
			return err
		}
		row.LockedUntil = utcPtr(row.LockedUntil)
		if row.LockedUntil != nil && now.Before(*row.LockedUntil) {
			out = LoginAttempt{LockedUntil: row.LockedUntil}
			return errLocked // roll the increment back
		}
		n := row.FailedLogins
		cols := map[string]any{}
		if row.LockedUntil != nil { // a lock that has run out: a new window
			n = 1
			cols["failed_logins"], cols["locked_until"] = n, nil
		}
		out = LoginAttempt{Granted: true, Count: n}
		if lockAfter > 0 && n >= lockAfter {
			until := now.Add(lockFor)
			cols["locked_until"] = until
			out.LockedUntil = &until
		}
		if len(cols) == 0 {
			return nil
		}
		return tx.Model(&User{}).Where("id = ?", userID).UpdateColumns(cols).Error
	})
	if errors.Is(err, errLocked) {
		return out, nil
	}
	if err != nil {
		return LoginAttempt{}, fmt.Errorf("count a sign-in attempt of user %d: %w", userID, err)
	}
	return out, nil
}

// ResetLoginFailures clears a user's count of sign-in attempts and lock,
// after a successful sign-in or by an administrator.
func (s *Store) ResetLoginFailures(ctx context.Context, userID uint) error {
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", userID).
		UpdateColumns(map[string]any{"failed_logins": 0, "locked_until": nil})
	if err := oneRow(res); err != nil {
		return fmt.Errorf("reset failed logins of user %d: %w", userID, err)
	}
	return nil
}
