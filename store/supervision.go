package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/datagate/datagate/domain"
)

// SupervisionAuditStream is the audit stream of supervisors' actions
// (urges, groundless-rejection flags).
const SupervisionAuditStream = "supervision"

// Audit actions of supervisors.
const (
	ActionTaskUrged        = "task.urged"
	ActionRejectionFlagged = "rejection.flagged"
)

// Supervisor is who performs a supervision action, for the audit entry.
type Supervisor struct {
	User, Role, Org string
}

// Urge is a supervisor's 督办 on an open task: the department is told to act.
type Urge struct {
	ID            uint64    `gorm:"primaryKey;autoIncrement" json:"id"`
	TaskID        string    `gorm:"size:160;not null;index" json:"task_id"`
	ApplicationID uint64    `gorm:"not null;index" json:"application_id"`
	Department    string    `gorm:"size:64;not null;index" json:"department"`
	Supervisor    string    `gorm:"size:64;not null" json:"supervisor"`
	Message       string    `gorm:"size:16777215;not null" json:"message"`
	CreatedAt     time.Time `gorm:"not null;index" json:"created_at"`
}

// TableName names the urges table.
func (Urge) TableName() string { return "urges" }

// CreateUrge records an urge on an open task and its audit entry, in one
// transaction. The task, application and department are the task's; u.ID
// is assigned. A missing task is ErrNotFound; a task that is not open is
// ErrConflict.
func (s *Store) CreateUrge(ctx context.Context, u *Urge, by Supervisor) error {
	row := *u
	row.ID, row.Supervisor, row.CreatedAt = 0, by.User, u.CreatedAt.UTC()
	err := s.inTxRetrying(ctx, func(tx *gorm.DB) error {
		t, err := s.lockTask(tx, u.TaskID)
		if err != nil {
			return err
		}
		if t.Status != domain.TaskOpen {
			return fmt.Errorf("task %s is %s, not open: %w", t.ID, t.Status, ErrConflict)
		}
		row.ID, row.ApplicationID, row.Department = 0, t.ApplicationID, t.Department
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := notifyUrgeTx(tx, row, t); err != nil {
			return err
		}
		return appendAuditTx(tx, SupervisionAuditStream, AuditEntry{
			ApplicationID: t.ApplicationID, Actor: by.User, Role: by.Role, Department: by.Org,
			Action: ActionTaskUrged, Target: t.ID + " " + t.Department, Reason: row.Message, At: row.CreatedAt,
		})
	})
	if err != nil {
		return fmt.Errorf("urge task %q: %w", u.TaskID, err)
	}
	*u = row
	return nil
}

// AutomaticUrger is the Supervisor of an automatic urge: a department's
// task still open some working days past its due date (the workflow's
// auto_urge_days) is urged by the system, without a message.
const AutomaticUrger = domain.RoleSystem

// autoUrgesTx writes the automatic urges of a change and tells the task's
// department, the bureau, the supervision offices and the applicant. An
// urge already written for its task is skipped.
func autoUrgesTx(tx *gorm.DB, urges []Urge) error {
	for _, u := range urges {
		var n int64
		if err := tx.Model(&Urge{}).Where("task_id = ? AND supervisor = ?", u.TaskID, AutomaticUrger).
			Count(&n).Error; err != nil {
			return fmt.Errorf("automatic urge on %s: %w", u.TaskID, err)
		}
		if n > 0 {
			continue
		}
		var t Task
		if err := tx.Where("id = ?", u.TaskID).Take(&t).Error; err != nil {
			return fmt.Errorf("automatic urge on %s: %w", u.TaskID, notFound(err))
		}
		row := Urge{TaskID: t.ID, ApplicationID: t.ApplicationID, Department: t.Department,
			Supervisor: AutomaticUrger, CreatedAt: u.CreatedAt.UTC()}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("automatic urge on %s: %w", u.TaskID, err)
		}
		if err := notifyAutoUrgeTx(tx, row, t); err != nil {
			return err
		}
	}
	return nil
}

// UrgesOf lists the urges on a task, oldest first.
func (s *Store) UrgesOf(ctx context.Context, taskID string) ([]Urge, error) {
	var out []Urge
	err := s.reader(ctx).Where("task_id = ?", taskID).Order("created_at").Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list urges of task %q: %w", taskID, err)
	}
	return out, nil
}

// UrgesOfTasks lists the urges on the given tasks, oldest first, by task.
func (s *Store) UrgesOfTasks(ctx context.Context, taskIDs []string) (map[string][]Urge, error) {
	out := map[string][]Urge{}
	if len(taskIDs) == 0 {
		return out, nil
	}
	var rows []Urge
	err := s.reader(ctx).Where("task_id IN ?", taskIDs).Order("created_at").Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list urges of %d tasks: %w", len(taskIDs), err)
	}
	for _, u := range rows {
		out[u.TaskID] = append(out[u.TaskID], u)
	}
	return out, nil
}
