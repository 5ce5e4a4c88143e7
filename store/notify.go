package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/datagate/datagate/domain"
)

// Notifications.
//
// A notification event is one happening for one recipient org: a task
// opened for it, reminded or overdue, an urge on its task, a decision on
// its application, a digest. Events are derived from each workflow Change
// inside Apply's transaction (and from an urge inside CreateUrge's), so a
// decision and what it tells people commit together; delivery happens
// later, from the outbox, and never holds a decision up. Every event has a
// deterministic key, so a retried Apply inserts nothing twice.
//
// Each active user of the recipient org gets the event in-app (a
// Notification row with its own read state) and one outbox row (Delivery)
// per channel they chose (e-mail, webhook). Each delivery attempt is
// logged (DeliveryAttempt).

// Notification event kinds.
const (
	EventTaskOpened   = "task.opened"
	EventTaskReminded = "task.reminded"
	EventTaskOverdue  = "task.overdue"
	EventTaskUrged    = "task.urged"
	EventAppStatus    = "application.status"
	EventDigestDaily  = "digest.daily"
	EventDigestWeekly = "digest.weekly"
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

// Languages of notifications.
const (
	LangZH = "zh-CN"
	LangEN = "en"
)

// NotifiedStatuses are the application statuses the applicant is told about.
var NotifiedStatuses = []string{domain.StatusRejected, domain.StatusWithdrawn, domain.StatusAgreements, domain.StatusActive, domain.StatusExiting, domain.StatusClosed}

// EventData is what a notification says, besides its kind: rendered into
// each recipient's language by package notify.
type EventData struct {
	// Title is the application's scenario title.
	Title string `json:"title,omitempty"`
	// TaskKind and Department are the task's; DueAt its due time.
	TaskKind   string     `json:"task_kind,omitempty"`
	Department string     `json:"department,omitempty"`
	DueAt      *time.Time `json:"due_at,omitempty"`
	// DepartmentName and DepartmentNameEn name the department.
	DepartmentName   string `json:"department_name,omitempty"`
	DepartmentNameEn string `json:"department_name_en,omitempty"`
	// Status and EndReason are the application's new status.
	Status    string `json:"status,omitempty"`
	EndReason string `json:"end_reason,omitempty"`
	// Message and Supervisor are an urge's; ReplyDueAt is when the
	// department's reply to it is due.
	Message    string     `json:"message,omitempty"`
	Supervisor string     `json:"supervisor,omitempty"`
	ReplyDueAt *time.Time `json:"reply_due_at,omitempty"`
	// Digest is a digest's content.
	Digest *Digest `json:"digest,omitempty"`
}

// Digest is the content of a daily (one department) or weekly (every
// department) digest.
type Digest struct {
	// Date is the day it was made for (YYYY-MM-DD, Asia/Shanghai).
	Date string `json:"date"`
	// DueBy is the end of the window "due within N working days".
	DueBy       time.Time          `json:"due_by"`
	WorkingDays int                `json:"working_days"`
	Departments []DigestDepartment `json:"departments"`
}

// DigestDepartment is one department's part of a digest.
type DigestDepartment struct {
	Department string `json:"department"`
	Name       string `json:"name"`
	NameEn     string `json:"name_en,omitempty"`
	// Overdue and DueSoon list the first tasks; the counts are of all.
	Overdue      []DigestTask `json:"overdue"`
	OverdueCount int          `json:"overdue_count"`
	DueSoon      []DigestTask `json:"due_soon"`
	DueSoonCount int          `json:"due_soon_count"`
	// Decided, OnTime and OnTimeRate cover the last 30 days.
	Decided    int64    `json:"decided"`
	OnTime     int64    `json:"on_time"`
	OnTimeRate *float64 `json:"on_time_rate"`
}

// DigestTask is one open task in a digest.
type DigestTask struct {
	ID            string    `json:"id"`
	ApplicationID uint64    `json:"application_id"`
	Kind          string    `json:"kind"`
	DueAt         time.Time `json:"due_at"`
	// WorkingDays is how many working days it is overdue (Overdue) or
	// left until it falls due (DueSoon).
	WorkingDays int `json:"working_days"`
}

// NotifyEvent is one happening for one recipient org.
type NotifyEvent struct {
	ID uint64 `gorm:"primaryKey;autoIncrement" json:"id"`
	// EventKey makes the event idempotent: kind, subject, time, org.
	EventKey      string    `gorm:"size:255;not null;uniqueIndex" json:"-"`
	Kind          string    `gorm:"size:32;not null" json:"kind"`
	Org           string    `gorm:"size:64;not null;index" json:"org"`
	ApplicationID uint64    `gorm:"not null;default:0" json:"application_id,omitempty"`
	TaskID        string    `gorm:"size:160;not null;default:''" json:"task_id,omitempty"`
	Data          EventData `gorm:"serializer:json;type:text" json:"data"`
	CreatedAt     time.Time `gorm:"not null;index" json:"created_at"`
}

// TableName names the events table.
func (NotifyEvent) TableName() string { return "notify_events" }

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

// ---- Deriving events --------------------------------------------------

// notifySnapshot is what a Change is compared with: the rows as they were
// before Apply wrote it.
type notifySnapshot struct {
	tasks     map[string]Task
	appStatus string
	appFound  bool
}

// snapshotForNotify reads, inside Apply's transaction and before its
// writes, the previous state of the rows a Change touches.
func snapshotForNotify(tx *gorm.DB, c Change) (notifySnapshot, error) {
	snap := notifySnapshot{tasks: map[string]Task{}}
	if len(c.Tasks) > 0 {
		ids := make([]string, len(c.Tasks))
		for i, t := range c.Tasks {
			ids[i] = t.ID
		}
		var prev []Task
		if err := tx.Select("id", "status", "opened_at", "reminded_at", "overdue_at").
			Where("id IN ?", ids).Find(&prev).Error; err != nil {
			return snap, fmt.Errorf("notifications: read previous tasks: %w", err)
		}
		for _, t := range prev {
			snap.tasks[t.ID] = t
		}
	}
	if c.App != nil {
		var a Application
		err := tx.Select("id", "status").Where("id = ?", c.App.ID).Take(&a).Error
		switch {
		case err == nil:
			snap.appStatus, snap.appFound = a.Status, true
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return snap, fmt.Errorf("notifications: read application %d: %w", c.App.ID, err)
		}
	}
	return snap, nil
}

// notifyChange derives the events of a Change from the snapshot taken
// before it was written, and inserts them with their deliveries.
func notifyChange(tx *gorm.DB, snap notifySnapshot, c Change) error {
	var events []NotifyEvent
	var supervision []string
	supervisionOrgs := func() ([]string, error) {
		if supervision == nil {
			supervision = []string{}
			if err := tx.Model(&Org{}).Where("kind = ?", KindSupervision).Order("code").
				Pluck("code", &supervision).Error; err != nil {
				return nil, fmt.Errorf("notifications: list supervision orgs: %w", err)
			}
		}
		return supervision, nil
	}
	for _, t := range c.Tasks {
		if t.Status != domain.TaskOpen {
			continue
		}
		prev, existed := snap.tasks[t.ID]
		data := EventData{TaskKind: t.Kind, Department: t.Department, DueAt: utcPtr(&t.DueAt)}
		ev := func(kind string, at time.Time, org string) NotifyEvent {
			return NotifyEvent{
				EventKey: eventKey(kind, t.ID, strconv.FormatInt(at.Unix(), 10), org),
				Kind:     kind, Org: org, ApplicationID: t.ApplicationID, TaskID: t.ID, Data: data, CreatedAt: at.UTC(),
			}
		}
		if (!existed || prev.Status != domain.TaskOpen) && t.Kind != domain.TaskUrgeReply {
			events = append(events, ev(EventTaskOpened, t.OpenedAt, t.Department))
		}
		if t.RemindedAt != nil && (!existed || prev.RemindedAt == nil) {
			events = append(events, ev(EventTaskReminded, *t.RemindedAt, t.Department))
		}
		if t.OverdueAt != nil && (!existed || prev.OverdueAt == nil) {
			orgs, err := supervisionOrgs()
			if err != nil {
				return err
			}
			events = append(events, ev(EventTaskOverdue, *t.OverdueAt, t.Department))
			for _, o := range orgs {
				if o != t.Department {
					events = append(events, ev(EventTaskOverdue, *t.OverdueAt, o))
				}
			}
		}
	}
	if c.App != nil && snap.appFound && c.App.Status != snap.appStatus && slices.Contains(NotifiedStatuses, c.App.Status) {
		var app Application
		if err := tx.Select("id", "applicant_org").Where("id = ?", c.App.ID).Take(&app).Error; err != nil {
			return fmt.Errorf("notifications: read application %d: %w", c.App.ID, notFound(err))
		}
		// The change's last audit entry orders a status that recurs.
		var seq int64
		at := time.Now().UTC()
		for _, a := range c.Audit {
			if a.Seq >= seq {
				seq, at = a.Seq, a.At.UTC()
			}
		}
		events = append(events, NotifyEvent{
			EventKey: eventKey(EventAppStatus, strconv.FormatUint(c.App.ID, 10), c.App.Status, strconv.FormatInt(seq, 10), app.ApplicantOrg),
			Kind:     EventAppStatus, Org: app.ApplicantOrg, ApplicationID: c.App.ID,
			Data:      EventData{Status: c.App.Status, EndReason: c.App.EndReason},
			CreatedAt: at,
		})
	}
	_, err := insertEventsTx(tx, events)
	return err
}

// notifyUrgeTx tells the department of an urge on its task, and when its
// reply is due (the reply task the workflow opened for it, if any).
func notifyUrgeTx(tx *gorm.DB, u Urge, t Task) error {
	data := EventData{TaskKind: t.Kind, Department: t.Department, DueAt: utcPtr(&t.DueAt),
		Message: u.Message, Supervisor: u.Supervisor}
	var reply Task
	err := tx.Select("id", "due_at").Where("kind = ? AND subject = ? AND status = ?", domain.TaskUrgeReply, t.ID, domain.TaskOpen).
		Order("opened_at DESC").Take(&reply).Error
	switch {
	case err == nil:
		data.ReplyDueAt = utcPtr(&reply.DueAt)
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("notifications: find the reply task of the urge on %s: %w", t.ID, err)
	}
	_, err = insertEventsTx(tx, []NotifyEvent{{
		EventKey: eventKey(EventTaskUrged, strconv.FormatUint(u.ID, 10), u.Department),
		Kind:     EventTaskUrged, Org: u.Department, ApplicationID: u.ApplicationID, TaskID: u.TaskID,
		Data: data, CreatedAt: u.CreatedAt.UTC(),
	}})
	return err
}

func eventKey(kind string, parts ...string) string {
	k := kind
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

// maxEventKey is the key column's length; a longer key (a very long task
// ID) is shortened deterministically.
const maxEventKey = 255

// insertEventsTx inserts the events whose keys are new, fills in the
// applications' titles, and fans each out to the active users of its org:
// one in-app notification each, and one pending delivery per channel the
// user chose.
func insertEventsTx(tx *gorm.DB, events []NotifyEvent) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	keys := make([]string, 0, len(events))
	for i := range events {
		if len(events[i].EventKey) > maxEventKey {
			events[i].EventKey = shortKey(events[i].EventKey)
		}
		keys = append(keys, events[i].EventKey)
	}
	var existing []string
	if err := tx.Model(&NotifyEvent{}).Where("event_key IN ?", keys).Pluck("event_key", &existing).Error; err != nil {
		return 0, fmt.Errorf("notifications: read existing events: %w", err)
	}
	seen := map[string]bool{}
	for _, k := range existing {
		seen[k] = true
	}
	var fresh []NotifyEvent
	for _, e := range events {
		if !seen[e.EventKey] {
			seen[e.EventKey] = true
			fresh = append(fresh, e)
		}
	}
	if len(fresh) == 0 {
		return 0, nil
	}
	if err := fillNames(tx, fresh); err != nil {
		return 0, err
	}
	if err := tx.Create(&fresh).Error; err != nil {
		return 0, fmt.Errorf("notifications: write events: %w", err)
	}
	return len(fresh), fanOutTx(tx, fresh)
}

// shortKey keeps a key's start and makes the rest a hash.
func shortKey(k string) string {
	h := fnv64(k)
	return k[:maxEventKey-17] + "#" + strconv.FormatUint(h, 16)
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// fillNames sets each event's application title and department names.
func fillNames(tx *gorm.DB, events []NotifyEvent) error {
	var ids []uint64
	var codes []string
	for _, e := range events {
		if e.ApplicationID != 0 && e.Data.Title == "" && !slices.Contains(ids, e.ApplicationID) {
			ids = append(ids, e.ApplicationID)
		}
		if d := e.Data.Department; d != "" && e.Data.DepartmentName == "" && !slices.Contains(codes, d) {
			codes = append(codes, d)
		}
	}
	titles := map[uint64]string{}
	if len(ids) > 0 {
		var apps []Application
		if err := tx.Select("id", "title").Where("id IN ?", ids).Find(&apps).Error; err != nil {
			return fmt.Errorf("notifications: read application titles: %w", err)
		}
		for _, a := range apps {
			titles[a.ID] = a.Title
		}
	}
	orgs := map[string]Org{}
	if len(codes) > 0 {
		var rows []Org
		if err := tx.Select("code", "name", "name_en").Where("code IN ?", codes).Find(&rows).Error; err != nil {
			return fmt.Errorf("notifications: read department names: %w", err)
		}
		for _, o := range rows {
			orgs[o.Code] = o
		}
	}
	for i := range events {
		d := &events[i].Data
		if d.Title == "" {
			d.Title = titles[events[i].ApplicationID]
		}
		if o, ok := orgs[d.Department]; ok && d.DepartmentName == "" {
			d.DepartmentName, d.DepartmentNameEn = o.Name, o.NameEn
		}
	}
	return nil
}

// fanOutTx writes the in-app notifications and the pending deliveries of
// inserted events (their IDs set).
func fanOutTx(tx *gorm.DB, events []NotifyEvent) error {
	var orgs []string
	for _, e := range events {
		if !slices.Contains(orgs, e.Org) {
			orgs = append(orgs, e.Org)
		}
	}
	var users []User
	if err := tx.Select("id", "org_code").Where("org_code IN ? AND disabled = ?", orgs, false).
		Order("id").Find(&users).Error; err != nil {
		return fmt.Errorf("notifications: list recipients: %w", err)
	}
	if len(users) == 0 {
		return nil
	}
	ids := make([]uint, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	var contacts []NotifyContact
	if err := tx.Where("user_id IN ?", ids).Find(&contacts).Error; err != nil {
		return fmt.Errorf("notifications: read contact details: %w", err)
	}
	contactOf := make(map[uint]NotifyContact, len(contacts))
	for _, c := range contacts {
		contactOf[c.UserID] = c
	}
	var inApp []Notification
	var out []Delivery
	for _, e := range events {
		for _, u := range users {
			if u.OrgCode != e.Org {
				continue
			}
			inApp = append(inApp, Notification{EventID: e.ID, UserID: u.ID, CreatedAt: e.CreatedAt})
			for _, ch := range contactOf[u.ID].Channels() {
				out = append(out, Delivery{EventID: e.ID, UserID: u.ID, Channel: ch, Status: DeliveryPending, CreatedAt: e.CreatedAt})
			}
		}
	}
	if len(inApp) > 0 {
		if err := tx.CreateInBatches(inApp, 500).Error; err != nil {
			return fmt.Errorf("notifications: write in-app notifications: %w", err)
		}
	}
	if len(out) > 0 {
		if err := tx.CreateInBatches(out, 500).Error; err != nil {
			return fmt.Errorf("notifications: write outbox: %w", err)
		}
	}
	return nil
}

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

// AddEvents inserts events made outside a workflow Change (digests), with
// their notifications and deliveries, in one transaction. An event whose
// key exists is skipped. It returns how many were new.
func (s *Store) AddEvents(ctx context.Context, events []NotifyEvent) (int, error) {
	n := 0
	err := s.inTxRetrying(ctx, func(tx *gorm.DB) error {
		batch := make([]NotifyEvent, len(events))
		copy(batch, events)
		for i := range batch {
			batch[i].ID, batch[i].CreatedAt = 0, batch[i].CreatedAt.UTC()
		}
		var err error
		n, err = insertEventsTx(tx, batch)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("add notification events: %w", err)
	}
	return n, nil
}

// ---- In-app ----------------------------------------------------------

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

// ---- Contact details ---------------------------------------------------

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

// ---- Outbox and delivery log -------------------------------------------

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

// EventsOf lists the events of an application, or every event when appID
// is 0, oldest first (tests, operators).
func (s *Store) EventsOf(ctx context.Context, appID uint64) ([]NotifyEvent, error) {
	q := s.reader(ctx)
	if appID != 0 {
		q = q.Where("application_id = ?", appID)
	}
	var out []NotifyEvent
	if err := q.Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list notification events: %w", err)
	}
	return out, nil
}

// ---- Digests -------------------------------------------------------------

// DigestOrgs lists the orgs that receive digests: the departments (every
// org but applicants and the supervision office) and the supervision
// offices.
func (s *Store) DigestOrgs(ctx context.Context) (departments, supervision []Org, err error) {
	var orgs []Org
	if err := s.reader(ctx).Where("kind <> ?", KindApplicant).Order("code").Find(&orgs).Error; err != nil {
		return nil, nil, fmt.Errorf("list digest recipients: %w", err)
	}
	for _, o := range orgs {
		if o.Kind == KindSupervision {
			supervision = append(supervision, o)
		} else {
			departments = append(departments, o)
		}
	}
	return departments, supervision, nil
}

// OpenTasksDueBefore lists the open tasks due before t, earliest first.
func (s *Store) OpenTasksDueBefore(ctx context.Context, t time.Time) ([]Task, error) {
	var out []Task
	err := s.reader(ctx).Scopes(overdue(t)).
		Order("due_at").Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list open tasks due before %s: %w", t.UTC().Format(time.RFC3339), err)
	}
	return out, nil
}
