package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Delivery channels. In-app is always on; the others are chosen per user.
const (
	ChannelInApp   = "in_app"
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// Delivery statuses.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
	// DeliverySkipped: the user turned the channel off, lost the address,
	// or was disabled before the delivery went out.
	DeliverySkipped = "skipped"
)

// Delivery attempt outcomes.
const (
	AttemptOK    = "ok"
	AttemptError = "error"
)

// Delivery is one event to one user on one channel other than in-app: the
// outbox row the dispatcher sends.
type Delivery struct {
	ID      uint64 `gorm:"primaryKey;autoIncrement" json:"id"`
	EventID uint64 `gorm:"not null;uniqueIndex:idx_notify_deliveries_key,priority:1" json:"event_id"`
	UserID  uint   `gorm:"not null;uniqueIndex:idx_notify_deliveries_key,priority:2;index" json:"user_id"`
	Channel string `gorm:"size:16;not null;uniqueIndex:idx_notify_deliveries_key,priority:3" json:"channel"`
	Status  string `gorm:"size:16;not null;index:idx_notify_deliveries_pending,priority:1" json:"status"`
	// Attempts counts the attempts logged; LastError is the last failure.
	Attempts  int    `gorm:"not null;default:0" json:"attempts"`
	LastError string `gorm:"size:1000;not null;default:''" json:"last_error,omitempty"`
	// ClaimedUntil is when a dispatch run's claim lapses: until then no
	// other run picks the delivery up.
	ClaimedUntil *time.Time `gorm:"index:idx_notify_deliveries_pending,priority:2" json:"-"`
	CreatedAt    time.Time  `gorm:"not null" json:"created_at"`
	DoneAt       *time.Time `json:"done_at,omitempty"`
}

// TableName names the outbox.
func (Delivery) TableName() string { return "notify_deliveries" }

// DeliveryAttempt is one try at a delivery: the delivery log.
type DeliveryAttempt struct {
	ID         uint64 `gorm:"primaryKey;autoIncrement" json:"id"`
	DeliveryID uint64 `gorm:"not null;index" json:"delivery_id"`
	UserID     uint   `gorm:"not null;index:idx_notify_delivery_log_user,priority:1" json:"user_id"`
	Channel    string `gorm:"size:16;not null" json:"channel"`
	// Attempt is the activity's attempt number, from 1.
	Attempt int    `gorm:"not null" json:"attempt"`
	Status  string `gorm:"size:16;not null" json:"status"`
	// Code is the HTTP status of a webhook or the SMTP reply code, 0 when
	// the server was not reached.
	Code  int       `gorm:"not null;default:0" json:"code,omitempty"`
	Error string    `gorm:"size:1000;not null;default:''" json:"error,omitempty"`
	At    time.Time `gorm:"not null;index:idx_notify_delivery_log_user,priority:2" json:"at"`
}

// TableName names the delivery log.
func (DeliveryAttempt) TableName() string { return "notify_delivery_log" }

// ClaimPending claims up to limit pending deliveries that no other run
// holds, oldest first, until now+lease, and returns their IDs.
func (s *Store) ClaimPending(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]uint64, error) {
	now = now.UTC()
	var ids []uint64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Model(&Delivery{}).Where("status = ? AND (claimed_until IS NULL OR claimed_until < ?)", DeliveryPending, now)
		if s.dialect == "mysql" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		if err := q.Order("id").Limit(limit).Pluck("id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		return tx.Model(&Delivery{}).Where("id IN ?", ids).Update("claimed_until", now.Add(lease)).Error
	})
	if err != nil {
		return nil, fmt.Errorf("claim pending deliveries: %w", err)
	}
	return ids, nil
}

// DeliveryJob is everything needed to send one delivery.
type DeliveryJob struct {
	Delivery Delivery
	Event    NotifyEvent
	User     User
	Contact  NotifyContact
}

// DeliveryJob loads a delivery with its event, user and contact details.
func (s *Store) DeliveryJob(ctx context.Context, id uint64) (DeliveryJob, error) {
	db := s.reader(ctx)
	var j DeliveryJob
	if err := db.Where("id = ?", id).Take(&j.Delivery).Error; err != nil {
		return j, fmt.Errorf("load delivery %d: %w", id, notFound(err))
	}
	if err := db.Where("id = ?", j.Delivery.EventID).Take(&j.Event).Error; err != nil {
		return j, fmt.Errorf("load event of delivery %d: %w", id, notFound(err))
	}
	if err := db.Where("id = ?", j.Delivery.UserID).Take(&j.User).Error; err != nil {
		return j, fmt.Errorf("load user of delivery %d: %w", id, notFound(err))
	}
	c, err := s.Contact(ctx, j.Delivery.UserID)
	if err != nil {
		return j, err
	}
	j.Contact = c
	return j, nil
}

// RecordAttempt logs one attempt at a delivery and, when final is not
// empty (sent, failed or skipped), closes the delivery with that status.
func (s *Store) RecordAttempt(ctx context.Context, a DeliveryAttempt, final string) error {
	a.ID, a.At = 0, a.At.UTC()
	if len(a.Error) > 1000 {
		a.Error = truncate(a.Error, 1000)
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&a).Error; err != nil {
			return err
		}
		cols := map[string]any{"attempts": gorm.Expr("attempts + 1"), "last_error": a.Error}
		if final != "" {
			cols["status"], cols["done_at"], cols["claimed_until"] = final, a.At, nil
		}
		return tx.Model(&Delivery{}).Where("id = ?", a.DeliveryID).Updates(cols).Error
	})
	if err != nil {
		return fmt.Errorf("log attempt %d of delivery %d: %w", a.Attempt, a.DeliveryID, err)
	}
	return nil
}

// FinishDelivery closes a pending delivery as failed or skipped, without
// an attempt (e.g. its retries ran out); a closed one is left as it is.
func (s *Store) FinishDelivery(ctx context.Context, id uint64, status, reason string, at time.Time) error {
	err := s.db.WithContext(ctx).Model(&Delivery{}).Where("id = ? AND status = ?", id, DeliveryPending).
		Updates(map[string]any{"status": status, "last_error": truncate(reason, 1000), "done_at": at.UTC(), "claimed_until": nil}).Error
	if err != nil {
		return fmt.Errorf("close delivery %d: %w", id, err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 { // not inside a UTF-8 sequence
		cut--
	}
	return s[:cut]
}

// LoggedAttempt is a delivery attempt with what it delivered.
type LoggedAttempt struct {
	DeliveryAttempt
	EventID   uint64 `json:"event_id"`
	EventKind string `json:"event_kind"`
}

// DeliveryLog returns one page of a user's delivery attempts, newest
// first, and whether more follow.
func (s *Store) DeliveryLog(ctx context.Context, userID uint, limit, offset int) ([]LoggedAttempt, bool, error) {
	limit, offset = page(limit, offset)
	db := s.reader(ctx)
	var rows []DeliveryAttempt
	if err := db.Where("user_id = ?", userID).Order("at DESC").Order("id DESC").
		Limit(limit + 1).Offset(offset).Find(&rows).Error; err != nil {
		return nil, false, fmt.Errorf("read delivery log of user %d: %w", userID, err)
	}
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	var dids []uint64
	for _, r := range rows {
		if !slices.Contains(dids, r.DeliveryID) {
			dids = append(dids, r.DeliveryID)
		}
	}
	type what struct {
		ID      uint64
		EventID uint64
		Kind    string
	}
	byDelivery := map[uint64]what{}
	if len(dids) > 0 {
		var joined []what
		if err := db.Model(&Delivery{}).Select("notify_deliveries.id, notify_deliveries.event_id, notify_events.kind").
			Joins("JOIN notify_events ON notify_events.id = notify_deliveries.event_id").
			Where("notify_deliveries.id IN ?", dids).Scan(&joined).Error; err != nil {
			return nil, false, fmt.Errorf("read delivery log of user %d: %w", userID, err)
		}
		for _, j := range joined {
			byDelivery[j.ID] = j
		}
	}
	out := make([]LoggedAttempt, len(rows))
	for i, r := range rows {
		w := byDelivery[r.DeliveryID]
		out[i] = LoggedAttempt{DeliveryAttempt: r, EventID: w.EventID, EventKind: w.Kind}
	}
	return out, more, nil
}

// Deliveries lists the outbox rows of an event, by ID (tests, operators).
func (s *Store) Deliveries(ctx context.Context, eventID uint64) ([]Delivery, error) {
	var out []Delivery
	if err := s.reader(ctx).Where("event_id = ?", eventID).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list deliveries of event %d: %w", eventID, err)
	}
	return out, nil
}
