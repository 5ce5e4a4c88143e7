package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Languages of notifications.
const (
	LangZH = "zh-CN"
	LangEN = "en"
)

// NotifyContact is a user's contact details and chosen channels. The
// webhook secret is kept as given, because it signs every delivery; it is
// never serialized.
type NotifyContact struct {
	UserID         uint      `gorm:"primaryKey;autoIncrement:false" json:"-"`
	Language       string    `gorm:"size:8;not null;default:'zh-CN'" json:"language"`
	Email          string    `gorm:"size:254;not null;default:''" json:"email_address"`
	EmailEnabled   bool      `gorm:"not null;default:false" json:"email"`
	WebhookURL     string    `gorm:"size:2048;not null;default:''" json:"webhook_url"`
	WebhookSecret  string    `gorm:"size:255;not null;default:''" json:"-"`
	WebhookEnabled bool      `gorm:"not null;default:false" json:"webhook"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// TableName names the contact details table.
func (NotifyContact) TableName() string { return "notify_contacts" }

// Channels lists the channels besides in-app that the contact chose and can
// be reached on.
func (c NotifyContact) Channels() []string {
	var out []string
	if c.EmailEnabled && c.Email != "" {
		out = append(out, ChannelEmail)
	}
	if c.WebhookEnabled && c.WebhookURL != "" && c.WebhookSecret != "" {
		out = append(out, ChannelWebhook)
	}
	return out
}

// Contact returns a user's contact details; a user who never saved any has
// the defaults (Chinese, no channel besides in-app).
func (s *Store) Contact(ctx context.Context, userID uint) (NotifyContact, error) {
	var c NotifyContact
	err := s.reader(ctx).Where("user_id = ?", userID).Take(&c).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return NotifyContact{UserID: userID, Language: LangZH}, nil
	case err != nil:
		return NotifyContact{}, fmt.Errorf("load contact details of user %d: %w", userID, err)
	}
	return c, nil
}

// SaveContact writes a user's contact details (the caller validated them).
// Deliveries already in the outbox follow the new choice when they go out.
func (s *Store) SaveContact(ctx context.Context, c NotifyContact) error {
	c.UpdatedAt = c.UpdatedAt.UTC()
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = time.Now().UTC()
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"language", "email", "email_enabled", "webhook_url", "webhook_secret", "webhook_enabled", "updated_at"}),
	}).Create(&c).Error
	if err != nil {
		return fmt.Errorf("save contact details of user %d: %w", c.UserID, err)
	}
	return nil
}
