package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

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
	// EventTaskDueMoved: an open task's due date was counted again (a
	// holiday table arrived) and moved.
	EventTaskDueMoved = "task.due_moved"
	// EventTaskCancelled: an open task is no longer needed (the
	// application was withdrawn or ended, another reviewer's rejection
	// decided a model, a request was withdrawn): its holder is told.
	EventTaskCancelled = "task.cancelled"
	// EventAppExpiring: the authorization ends in three months; the
	// applicant and the operator may prepare a renewal or the exit.
	EventAppExpiring = "application.expiring"
	EventAppStatus   = "application.status"
	// EventProcedureClosed: a statutory procedure ended (a catalog change
	// published or rejected, a request provided or refused, an objection
	// handled); its requester is told the outcome (Status) and the
	// reason (Message).
	EventProcedureClosed = "procedure.closed"
	EventDigestDaily     = "digest.daily"
	EventDigestWeekly    = "digest.weekly"
)

// ActionAuthorizationExpiring is the audit action a workflow writes three
// months before an authorization ends (003 六(六)1 "提前3个月").
const ActionAuthorizationExpiring = "authorization.expiring"

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
	// ApplicantStep: the task is the applicant's own step (Department is
	// the applicant), on a task.overdue event, which then goes to the
	// applicant and the orgs awaiting the step, not to supervisors.
	ApplicantStep bool `json:"applicant_step,omitempty"`
	// EndsAt is when the authorization ends (application.expiring).
	EndsAt *time.Time `json:"ends_at,omitempty"`
	// WasDueAt is the due time before it moved (task.due_moved).
	WasDueAt *time.Time `json:"was_due_at,omitempty"`
	// DepartmentName and DepartmentNameEn name the department.
	DepartmentName   string `json:"department_name,omitempty"`
	DepartmentNameEn string `json:"department_name_en,omitempty"`
	// Status and EndReason are the application's new status (on
	// task.cancelled, its status after the change).
	Status    string `json:"status,omitempty"`
	EndReason string `json:"end_reason,omitempty"`
	// Message and Supervisor are an urge's; ReplyDueAt is when the
	// department's reply to it is due. Automatic: the urge is the
	// system's (AutomaticUrger, no reply asked), told besides the
	// department to the bureau, the supervision offices and the applicant
	// (ToApplicant on the applicant's event).
	Message     string     `json:"message,omitempty"`
	Supervisor  string     `json:"supervisor,omitempty"`
	ReplyDueAt  *time.Time `json:"reply_due_at,omitempty"`
	Automatic   bool       `json:"automatic,omitempty"`
	ToApplicant bool       `json:"to_applicant,omitempty"`
	// Digest is a digest's content.
	Digest *Digest `json:"digest,omitempty"`
	// ProcedureID is the statutory procedure the event is about (a task
	// of it, its end); Title is then the procedure's title.
	ProcedureID uint64 `json:"procedure_id,omitempty"`
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

// notifySnapshot is what a Change is compared with: the rows as they were
// before Apply wrote it, and the recipients its events need.
type notifySnapshot struct {
	tasks     map[string]Task
	appStatus string
	appFound  bool
	// applicantOrg is the application's applicant org, read with its
	// status (Apply never changes it).
	applicantOrg string
	// supervision lists the supervision offices' codes, in order; read
	// only when the change marks a department's task overdue
	// (newlyOverdue).
	supervision []string
	// awaiting maps each task the change newly marks overdue that is its
	// applicant's own step to the orgs awaiting it (awaitingOrgsTx);
	// a department's task is not in it.
	awaiting map[string][]string
	// procOutcome and procRequester are the statutory procedure's outcome
	// before the change and the org that filed it (a change writing a
	// procedure's row).
	procOutcome, procRequester string
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
		if err := tx.Select("id", "status", "opened_at", "due_at", "reminded_at", "overdue_at").
			Where("id IN ?", ids).Find(&prev).Error; err != nil {
			return snap, fmt.Errorf("notifications: read previous tasks: %w", err)
		}
		for _, t := range prev {
			snap.tasks[t.ID] = t
		}
	}
	if c.App != nil {
		var a Application
		err := tx.Select("id", "status", "applicant_org").Where("id = ?", c.App.ID).Take(&a).Error
		switch {
		case err == nil:
			snap.appStatus, snap.appFound, snap.applicantOrg = a.Status, true, a.ApplicantOrg
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return snap, fmt.Errorf("notifications: read application %d: %w", c.App.ID, err)
		}
	}
	if c.Procedure != nil {
		var p Procedure
		if err := tx.Select("id", "outcome", "requester_org").Where("id = ?", c.Procedure.ID).Take(&p).Error; err != nil &&
			!errors.Is(err, gorm.ErrRecordNotFound) {
			return snap, fmt.Errorf("notifications: read procedure %d: %w", c.Procedure.ID, err)
		}
		snap.procOutcome, snap.procRequester = p.Outcome, p.RequesterOrg
	}
	applicants := map[uint64]string{}
	for _, t := range c.Tasks {
		prev, existed := snap.tasks[t.ID]
		if !newlyOverdue(t, prev, existed) {
			continue
		}
		applicant, ok := applicants[t.ApplicationID]
		if !ok {
			var orgs []string
			if err := tx.Model(&Application{}).Where("id = ?", t.ApplicationID).
				Pluck("applicant_org", &orgs).Error; err != nil {
				return snap, fmt.Errorf("notifications: read the applicant of application %d: %w", t.ApplicationID, err)
			}
			if len(orgs) > 0 {
				applicant = orgs[0]
			}
			applicants[t.ApplicationID] = applicant
		}
		if t.Department == applicant {
			orgs, err := awaitingOrgsTx(tx, t)
			if err != nil {
				return snap, err
			}
			if snap.awaiting == nil {
				snap.awaiting = map[string][]string{}
			}
			snap.awaiting[t.ID] = orgs
			continue
		}
		if snap.supervision != nil {
			continue
		}
		snap.supervision = []string{}
		if err := tx.Model(&Org{}).Where("kind = ?", KindSupervision).Order("code").
			Pluck("code", &snap.supervision).Error; err != nil {
			return snap, fmt.Errorf("notifications: list supervision orgs: %w", err)
		}
	}
	return snap, nil
}

// awaitedBy names, for an applicant's step, the task kind of its workflow
// whose orgs wait on it: the initial reviewer (the big-data center) that
// returned the application for supplement, the reviewers that asked for a
// model's revision. Every other step of the applicant (its signatures,
// self-evaluation, exit confirmation) is awaited by the bureau, which
// files the service agreement, rates the evaluation and verifies the exit.
var awaitedBy = map[string]string{
	domain.TaskSupplement:    domain.TaskInitialReview,
	domain.TaskModelRevision: domain.TaskModelReview,
}

// awaitingOrgsTx lists, by code, the orgs waiting on t, an applicant's own
// step (awaitedBy), leaving out the applicant.
func awaitingOrgsTx(tx *gorm.DB, t Task) ([]string, error) {
	var orgs []string
	if kind, ok := awaitedBy[t.Kind]; ok {
		if err := tx.Model(&Task{}).Distinct("department").
			Where("workflow_id = ? AND kind = ? AND department <> ?", t.WorkflowID, kind, t.Department).
			Order("department").Pluck("department", &orgs).Error; err != nil {
			return nil, fmt.Errorf("notifications: find who awaits task %s: %w", t.ID, err)
		}
	}
	if len(orgs) == 0 {
		if err := tx.Model(&Org{}).Where("kind = ? AND code <> ?", KindBureau, t.Department).Order("code").
			Pluck("code", &orgs).Error; err != nil {
			return nil, fmt.Errorf("notifications: list the bureau for task %s: %w", t.ID, err)
		}
	}
	return orgs, nil
}

// notifyChange derives the events of a Change from the snapshot taken
// before it was written, and inserts them with their deliveries.
func notifyChange(tx *gorm.DB, snap notifySnapshot, c Change) error {
	_, err := insertEventsTx(tx, changeEvents(c, snap, time.Now()))
	return err
}

// newlyOverdue reports whether a change marks task t overdue: t stays
// open, with an overdue time it did not have before (prev, when existed).
func newlyOverdue(t, prev Task, existed bool) bool {
	return t.Status == domain.TaskOpen && t.OverdueAt != nil && (!existed || prev.OverdueAt == nil)
}

// changeEvents decides what a Change tells people, from the change and
// the rows as they were before it (before). It reads and writes nothing;
// now times a status change that carries no audit entry.
//
// A task the change leaves open tells its department that it opened (when
// it was not open before; not for the reply to an urge, whose due time the
// urge's own event carries: urgeEvent), that it was reminded (the first
// time it has a reminded time) and that it is overdue (the first time it
// has an overdue time); the overdue event also goes to every supervision
// office besides the department. An applicant's own step (a supplement, a
// signature...) is not a department's: its overdue event goes to the
// applicant and to the orgs awaiting it (before.awaiting), never to a
// supervision office. A task the change closes tells nobody.
//
// An application whose status changes to one of NotifiedStatuses tells
// its applicant; an application that was not there before tells nobody.
func changeEvents(c Change, before notifySnapshot, now time.Time) []NotifyEvent {
	var events []NotifyEvent
	for _, t := range c.Tasks {
		prev, existed := before.tasks[t.ID]
		if t.Status == domain.TaskCancelled && existed && prev.Status == domain.TaskOpen && t.Kind != domain.TaskUrgeReply {
			status, endReason := before.appStatus, ""
			if c.App != nil && c.App.Status != "" {
				status, endReason = c.App.Status, c.App.EndReason
			}
			// The applicant hears of its application's withdrawal once, by
			// the status event, not for each of its own steps.
			ownWithdrawal := status == domain.StatusWithdrawn && status != before.appStatus && t.Department == before.applicantOrg
			if !ownWithdrawal {
				events = append(events, NotifyEvent{
					EventKey: eventKey(EventTaskCancelled, t.ID, t.Department),
					Kind:     EventTaskCancelled, Org: t.Department, ApplicationID: t.ApplicationID, TaskID: t.ID,
					Data:      EventData{TaskKind: t.Kind, Department: t.Department, Status: status, EndReason: endReason, ProcedureID: t.ProcedureID},
					CreatedAt: changedAt(c, now),
				})
			}
		}
		if t.Status != domain.TaskOpen {
			continue
		}
		data := EventData{TaskKind: t.Kind, Department: t.Department, DueAt: utcPtr(&t.DueAt), ProcedureID: t.ProcedureID}
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
		if existed && prev.Status == domain.TaskOpen && !prev.DueAt.IsZero() && !prev.DueAt.Equal(t.DueAt) {
			moved := ev(EventTaskDueMoved, changedAt(c, now), t.Department)
			moved.EventKey = eventKey(EventTaskDueMoved, t.ID, strconv.FormatInt(t.DueAt.Unix(), 10), t.Department)
			moved.Data.WasDueAt = utcPtr(&prev.DueAt)
			events = append(events, moved)
		}
		if newlyOverdue(t, prev, existed) {
			// Besides the task's org: the supervision offices, or for an
			// applicant's own step the orgs awaiting it.
			others, applicant := before.awaiting[t.ID]
			if applicant {
				data.ApplicantStep = true
			} else {
				others = before.supervision
			}
			events = append(events, ev(EventTaskOverdue, *t.OverdueAt, t.Department))
			for _, o := range others {
				if o != t.Department {
					events = append(events, ev(EventTaskOverdue, *t.OverdueAt, o))
				}
			}
		}
	}
	if p := c.Procedure; p != nil && p.Outcome != domain.OutcomeOpen && before.procOutcome == domain.OutcomeOpen && before.procRequester != "" {
		at := changedAt(c, now)
		if p.ClosedAt != nil {
			at = p.ClosedAt.UTC()
		}
		events = append(events, NotifyEvent{
			EventKey: eventKey(EventProcedureClosed, strconv.FormatUint(p.ID, 10), before.procRequester),
			Kind:     EventProcedureClosed, Org: before.procRequester,
			Data:      EventData{ProcedureID: p.ID, Status: p.Outcome, Message: p.Reason},
			CreatedAt: at,
		})
	}
	if a, ok := expiring(c); ok && c.App != nil && before.appFound {
		// The entry names the application's operator, told with the
		// applicant.
		for _, org := range []string{before.applicantOrg, a.Target} {
			events = append(events, NotifyEvent{
				EventKey: eventKey(EventAppExpiring, strconv.FormatUint(c.App.ID, 10), org),
				Kind:     EventAppExpiring, Org: org, ApplicationID: c.App.ID,
				Data:      EventData{EndsAt: utcPtr(c.App.ActiveUntil)},
				CreatedAt: changedAt(c, now),
			})
		}
	}
	if c.App != nil && before.appFound && c.App.Status != before.appStatus && slices.Contains(NotifiedStatuses, c.App.Status) {
		// The change's last audit entry orders a status that recurs.
		var seq int64
		for _, a := range c.Audit {
			seq = max(seq, a.Seq)
		}
		at := changedAt(c, now)
		events = append(events, NotifyEvent{
			EventKey: eventKey(EventAppStatus, strconv.FormatUint(c.App.ID, 10), c.App.Status, strconv.FormatInt(seq, 10), before.applicantOrg),
			Kind:     EventAppStatus, Org: before.applicantOrg, ApplicationID: c.App.ID,
			Data:      EventData{Status: c.App.Status, EndReason: c.App.EndReason},
			CreatedAt: at,
		})
	}
	return events
}

// expiring finds the change's announcement of the end of an authorization.
func expiring(c Change) (AuditEntry, bool) {
	for _, a := range c.Audit {
		if a.Action == ActionAuthorizationExpiring {
			return a, true
		}
	}
	return AuditEntry{}, false
}

// changedAt is when change c happened: its last audit entry's time, or
// now when it has none.
func changedAt(c Change, now time.Time) time.Time {
	var seq int64
	at := now.UTC()
	for _, a := range c.Audit {
		if a.Seq >= seq {
			seq, at = a.Seq, a.At.UTC()
		}
	}
	return at
}

// notifyUrgeTx tells the department of an urge on its task, and when its
// reply is due (the reply task the workflow opened for it, if any).
func notifyUrgeTx(tx *gorm.DB, u Urge, t Task) error {
	var reply *Task
	var open Task
	err := tx.Select("id", "due_at").Where("kind = ? AND subject = ? AND status = ?", domain.TaskUrgeReply, t.ID, domain.TaskOpen).
		Order("opened_at DESC").Take(&open).Error
	switch {
	case err == nil:
		reply = &open
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("notifications: find the reply task of the urge on %s: %w", t.ID, err)
	}
	_, err = insertEventsTx(tx, []NotifyEvent{urgeEvent(u, t, reply)})
	return err
}

// notifyAutoUrgeTx tells of automatic urge u on task t: the department,
// as for a supervisor's urge (with no reply asked), and the bureau, the
// supervision offices and the applicant, who may withdraw while a review
// keeps it waiting.
func notifyAutoUrgeTx(tx *gorm.DB, u Urge, t Task) error {
	var orgs, applicant []string
	if err := tx.Model(&Org{}).Where("kind IN ? AND code <> ?", []string{KindBureau, KindSupervision}, t.Department).
		Order("code").Pluck("code", &orgs).Error; err != nil {
		return fmt.Errorf("notifications: list the bureau and supervision offices: %w", err)
	}
	if err := tx.Model(&Application{}).Where("id = ?", t.ApplicationID).Pluck("applicant_org", &applicant).Error; err != nil {
		return fmt.Errorf("notifications: read the applicant of application %d: %w", t.ApplicationID, err)
	}
	first := urgeEvent(u, t, nil)
	first.Data.Automatic = true
	events := []NotifyEvent{first}
	for _, org := range append(orgs, applicant...) {
		ev := first
		ev.Org, ev.EventKey = org, eventKey(EventTaskUrged, strconv.FormatUint(u.ID, 10), org)
		ev.Data.ToApplicant = slices.Contains(applicant, org)
		events = append(events, ev)
	}
	_, err := insertEventsTx(tx, events)
	return err
}

// urgeEvent is what urge u on task t tells the task's department; reply is
// the open reply task the workflow opened for the urge, nil when none.
func urgeEvent(u Urge, t Task, reply *Task) NotifyEvent {
	data := EventData{TaskKind: t.Kind, Department: t.Department, DueAt: utcPtr(&t.DueAt),
		Message: u.Message, Supervisor: u.Supervisor}
	if reply != nil {
		data.ReplyDueAt = utcPtr(&reply.DueAt)
	}
	return NotifyEvent{
		EventKey: eventKey(EventTaskUrged, strconv.FormatUint(u.ID, 10), u.Department),
		Kind:     EventTaskUrged, Org: u.Department, ApplicationID: u.ApplicationID, TaskID: u.TaskID,
		Data: data, CreatedAt: u.CreatedAt.UTC(),
	}
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
	var ids, procs []uint64
	var codes []string
	for _, e := range events {
		if e.ApplicationID != 0 && e.Data.Title == "" && !slices.Contains(ids, e.ApplicationID) {
			ids = append(ids, e.ApplicationID)
		}
		if p := e.Data.ProcedureID; p != 0 && e.Data.Title == "" && !slices.Contains(procs, p) {
			procs = append(procs, p)
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
	procTitles := map[uint64]string{}
	if len(procs) > 0 {
		var rows []Procedure
		if err := tx.Select("id", "title").Where("id IN ?", procs).Find(&rows).Error; err != nil {
			return fmt.Errorf("notifications: read procedure titles: %w", err)
		}
		for _, p := range rows {
			procTitles[p.ID] = p.Title
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
		if d.Title == "" && d.ProcedureID != 0 {
			d.Title = procTitles[d.ProcedureID]
		} else if d.Title == "" {
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
