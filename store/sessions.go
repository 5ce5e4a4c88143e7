package store

import (
	"context"
	"fmt"
	"time"
)

// Sign-in state: browser sessions and API tokens. Neither table holds a
// secret: a session row is keyed by the SHA-256 of the cookie value, a
// token row by the SHA-256 of the token, so a copy of the database signs
// nobody in. Hashing and checking are package identity's; this file and
// tokens.go only store and load rows.
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
	// SecondFactor is where the session stands with the second factor:
	// SecondFactorNone, Pending, Enrol or Passed (secondfactor.go). Only
	// none and passed sessions act for their user.
	SecondFactor string `gorm:"size:8;not null;default:'none'" json:"second_factor"`

	// User is filled by SessionByHash. constraint:- keeps AutoMigrate from
	// adding a foreign key (see above).
	User User `gorm:"foreignKey:UserID;constraint:-" json:"-"`
}

// TableName names the sessions table.
func (Session) TableName() string { return "sessions" }

func normSession(se *Session) {
	se.CreatedAt, se.ExpiresAt, se.LastSeenAt = se.CreatedAt.UTC(), se.ExpiresAt.UTC(), se.LastSeenAt.UTC()
	normUser(&se.User)
}

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
