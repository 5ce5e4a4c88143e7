package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sign-in state: browser sessions and API tokens. Neither table holds a
// secret: a session row is keyed by the SHA-256 of the cookie value, a
// token row by the SHA-256 of the token, so a copy of the database signs
// nobody in. Hashing and checking are package identity's; this file only
// stores and loads rows.
//
// Neither table has a foreign key to users: users are never deleted (they
// are disabled), and a constraint would make emptying the users table
// depend on emptying these first.

// Session is one signed-in browser. The cookie holds a random value; the row
// holds its hex SHA-256.
type Session struct {
	IDHash string `gorm:"primaryKey;size:64" json:"-"`
	UserID uint   `gorm:"not null;index" json:"user_id"`
	// CSRFToken is sent back by the page with every unsafe request. It is
	// not secret from the signed-in user, only unguessable by other sites.
	CSRFToken  string    `gorm:"size:64;not null" json:"-"`
	CreatedAt  time.Time `gorm:"not null" json:"created_at"`
	ExpiresAt  time.Time `gorm:"not null;index" json:"expires_at"`
	LastSeenAt time.Time `gorm:"not null" json:"last_seen_at"`

	// User is filled by SessionByHash. constraint:- keeps AutoMigrate from
	// adding a foreign key (see above).
	User User `gorm:"foreignKey:UserID;constraint:-" json:"-"`
}

// TableName names the sessions table.
func (Session) TableName() string { return "sessions" }

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

// MigrateIdentity creates the sessions and api_tokens tables: it runs
// Migrate, which creates every table (see migrate.go).
func (s *Store) MigrateIdentity(ctx context.Context) error { return s.Migrate(ctx) }

// isDuplicate reports whether err is a unique-key violation. gorm
// translates MySQL's; the SQLite translator reads fields that the pure-Go
// driver's error does not have, so its code is checked here.
func isDuplicate(err error) bool {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return true
		}
	}
	return false
}

// oneRow turns an UPDATE or DELETE that matched no row into ErrNotFound.
// (MySQL connections report matched rows, as SQLite does; see mysqlDSN.)
func oneRow(res *gorm.DB) error {
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

func normUser(u *User) { u.LockedUntil = utcPtr(u.LockedUntil) }

func normSession(se *Session) {
	se.CreatedAt, se.ExpiresAt, se.LastSeenAt = se.CreatedAt.UTC(), se.ExpiresAt.UTC(), se.LastSeenAt.UTC()
	normUser(&se.User)
}

func normToken(t *APIToken) {
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC()
	t.RevokedAt, t.LastUsedAt = utcPtr(t.RevokedAt), utcPtr(t.LastUsedAt)
}

// ---- Users ----

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

// ---- Sessions ----

// CreateSession inserts a session.
func (s *Store) CreateSession(ctx context.Context, se *Session) error {
	row := *se
	row.User = User{}
	row.CreatedAt, row.ExpiresAt, row.LastSeenAt = row.CreatedAt.UTC(), row.ExpiresAt.UTC(), row.LastSeenAt.UTC()
	if err := s.db.WithContext(ctx).Omit("User").Create(&row).Error; err != nil {
		if isDuplicate(err) {
			err = fmt.Errorf("%w: %w", ErrConflict, err)
		}
		return fmt.Errorf("create session of user %d: %w", se.UserID, err)
	}
	return nil
}

// SessionByHash loads a session, with its user in Session.User, in one
// query. A session whose user no longer exists is not found. Expiry is the
// caller's to check.
func (s *Store) SessionByHash(ctx context.Context, idHash string) (Session, error) {
	var se Session
	err := s.reader(ctx).InnerJoins("User").
		Where("sessions.id_hash = ?", idHash).Take(&se).Error
	if err != nil {
		return Session{}, fmt.Errorf("load session: %w", notFound(err))
	}
	normSession(&se)
	return se, nil
}

// TouchSession records that a session was used at seenAt.
func (s *Store) TouchSession(ctx context.Context, idHash string, seenAt time.Time) error {
	res := s.db.WithContext(ctx).Model(&Session{}).Where("id_hash = ?", idHash).
		UpdateColumn("last_seen_at", seenAt.UTC())
	if err := oneRow(res); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession deletes one session; deleting one that does not exist is
// not an error (signing out twice is signing out).
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if err := s.db.WithContext(ctx).Where("id_hash = ?", idHash).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteSessionsOf deletes every session of a user.
func (s *Store) DeleteSessionsOf(ctx context.Context, userID uint) error {
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("delete sessions of user %d: %w", userID, err)
	}
	return nil
}

// DeleteExpiredSessions deletes the sessions that expired at or before now
// and returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at <= ?", now.UTC()).Delete(&Session{})
	if res.Error != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// ---- API tokens ----

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

// ---- Advisory lock ----

// AdvisoryLock takes a named lock that every process connected to the same
// MySQL server shares (GET_LOCK), waiting up to wait for it, and holds it
// on a connection of its own until release is called or the process ends.
// Use it to keep two processes from doing the same thing at once, e.g.
// migrating one schema, or two test binaries from emptying one test
// database under each other. On SQLite, whose file one process opens, it is
// a no-op.
func (s *Store) AdvisoryLock(ctx context.Context, name string, wait time.Duration) (release func() error, err error) {
	if s.dialect != "mysql" {
		return func() error { return nil }, nil
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, fmt.Errorf("advisory lock %q: %w", name, err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("advisory lock %q: %w", name, err)
	}
	var got sql.NullInt64
	err = conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, ?)", name, int64(wait.Seconds())).Scan(&got)
	switch {
	case err != nil:
	case !got.Valid:
		err = errors.New("GET_LOCK failed")
	case got.Int64 != 1:
		err = fmt.Errorf("another connection held it for longer than %s", wait)
	}
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("advisory lock %q: %w", name, err)
	}
	return func() error {
		// A background context: the lock must be released even when the
		// caller's context is done. Closing the connection releases it too.
		_, err := conn.ExecContext(context.Background(), "SELECT RELEASE_LOCK(?)", name)
		if cerr := conn.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("release advisory lock %q: %w", name, err)
		}
		return nil
	}, nil
}
