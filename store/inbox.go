package store

import (
	"context"
	"fmt"
	"time"
)

// A user's in-app inbox of notifications (a department's inbox of tasks is
// Inbox, in tasks.go). What fills it: notifications.go.

// Notification is one event in one user's in-app list, with its read state.
type Notification struct {
	ID        uint64     `gorm:"primaryKey;autoIncrement" json:"id"`
	EventID   uint64     `gorm:"not null;uniqueIndex:idx_notifications_event_user,priority:1" json:"event_id"`
	UserID    uint       `gorm:"not null;uniqueIndex:idx_notifications_event_user,priority:2;index:idx_notifications_user_created,priority:1" json:"user_id"`
	CreatedAt time.Time  `gorm:"not null;index:idx_notifications_user_created,priority:2" json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

// TableName names the in-app notifications table.
func (Notification) TableName() string { return "notifications" }

// InAppNotification is a notification with its event, as its user lists it.
type InAppNotification struct {
	Notification
	Event NotifyEvent
}

// NotificationFilter selects one user's notifications.
type NotificationFilter struct {
	UserID        uint
	UnreadOnly    bool
	Limit, Offset int // Limit defaults to DefaultLimit, at most MaxLimit
}

// Notifications returns one page of a user's notifications, newest first,
// whether more follow, and the user's unread count.
func (s *Store) Notifications(ctx context.Context, f NotificationFilter) ([]InAppNotification, bool, int64, error) {
	limit, offset := page(f.Limit, f.Offset)
	db := s.reader(ctx)
	q := db.Where("user_id = ?", f.UserID)
	if f.UnreadOnly {
		q = q.Where("read_at IS NULL")
	}
	var rows []Notification
	if err := q.Order("created_at DESC").Order("id DESC").Limit(limit + 1).Offset(offset).Find(&rows).Error; err != nil {
		return nil, false, 0, fmt.Errorf("list notifications of user %d: %w", f.UserID, err)
	}
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	unread, err := s.UnreadCount(ctx, f.UserID)
	if err != nil {
		return nil, false, 0, err
	}
	ids := make([]uint64, len(rows))
	for i, r := range rows {
		ids[i] = r.EventID
	}
	events := map[uint64]NotifyEvent{}
	if len(ids) > 0 {
		var evs []NotifyEvent
		if err := db.Where("id IN ?", ids).Find(&evs).Error; err != nil {
			return nil, false, 0, fmt.Errorf("load notification events: %w", err)
		}
		for _, e := range evs {
			events[e.ID] = e
		}
	}
	out := make([]InAppNotification, len(rows))
	for i, r := range rows {
		out[i] = InAppNotification{Notification: r, Event: events[r.EventID]}
	}
	return out, more, unread, nil
}

// UnreadCount counts a user's unread notifications.
func (s *Store) UnreadCount(ctx context.Context, userID uint) (int64, error) {
	var n int64
	if err := s.reader(ctx).Model(&Notification{}).Where("user_id = ? AND read_at IS NULL", userID).
		Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count unread notifications of user %d: %w", userID, err)
	}
	return n, nil
}

// MarkRead marks one of a user's notifications read; reading it again
// keeps the first time. Another user's notification is ErrNotFound.
func (s *Store) MarkRead(ctx context.Context, userID uint, id uint64, at time.Time) error {
	db := s.db.WithContext(ctx)
	res := db.Model(&Notification{}).Where("id = ? AND user_id = ? AND read_at IS NULL", id, userID).
		Update("read_at", at.UTC())
	if res.Error != nil {
		return fmt.Errorf("mark notification %d read: %w", id, res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	var n int64
	if err := db.Model(&Notification{}).Where("id = ? AND user_id = ?", id, userID).Count(&n).Error; err != nil {
		return fmt.Errorf("mark notification %d read: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("notification %d: %w", id, ErrNotFound)
	}
	return nil
}

// MarkAllRead marks every unread notification of a user read and returns
// how many it marked.
func (s *Store) MarkAllRead(ctx context.Context, userID uint, at time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Model(&Notification{}).Where("user_id = ? AND read_at IS NULL", userID).
		Update("read_at", at.UTC())
	if res.Error != nil {
		return 0, fmt.Errorf("mark notifications of user %d read: %w", userID, res.Error)
	}
	return res.RowsAffected, nil
}
