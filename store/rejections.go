package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/datagate/datagate/domain"
)

// Rejections lists the review tasks (domain.ReviewKinds) decided since
// since that rejected something: their decision is reject, or they are
// department reviews and a dataset of their department in their
// application was rejected. Newest first, at most
// limit (DefaultLimit when 0, at most MaxLimit).
func (s *Store) Rejections(ctx context.Context, since time.Time, limit int) ([]Task, error) {
	limit, _ = page(limit, 0)
	reject := domain.DecisionReject
	db := s.reader(ctx)
	rejectedDataset := db.Model(&ApplicationDataset{}).Select("1").
		Where("application_datasets.application_id = tasks.application_id AND application_datasets.department = tasks.department AND application_datasets.decision = ?", reject)
	var out []Task
	err := db.Where("status = ? AND kind IN ? AND decided_at >= ?", domain.TaskDone, domain.ReviewKinds(), since.UTC()).
		Where(db.Where("decision = ?", reject).Or("kind = ? AND EXISTS (?)", domain.TaskDepartmentReview, rejectedDataset)).
		Order("decided_at DESC").Order("id DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list rejections since %s: %w", since.Format(time.DateOnly), err)
	}
	return out, nil
}

// GroundlessFlag is a supervisor's finding that a rejection had no ground
// (无依据驳回). One per task. The department's answer comes later.
type GroundlessFlag struct {
	ID            uint64     `gorm:"primaryKey;autoIncrement" json:"id"`
	TaskID        string     `gorm:"size:160;not null;uniqueIndex" json:"task_id"`
	ApplicationID uint64     `gorm:"not null;index" json:"application_id"`
	Department    string     `gorm:"size:64;not null;index:idx_flags_dept_created,priority:1" json:"department"`
	Supervisor    string     `gorm:"size:64;not null" json:"supervisor"`
	Reason        string     `gorm:"size:16777215;not null" json:"reason"`
	CreatedAt     time.Time  `gorm:"not null;index;index:idx_flags_dept_created,priority:2" json:"created_at"`
	Answer        string     `gorm:"size:16777215" json:"answer,omitempty"`
	AnsweredAt    *time.Time `json:"answered_at,omitempty"`
	AnsweredBy    string     `gorm:"size:64" json:"answered_by,omitempty"`
}

// TableName names the groundless-rejection flags table.
func (GroundlessFlag) TableName() string { return "groundless_flags" }

// CreateGroundlessFlag records that a task's rejection had no ground, and
// its audit entry, in one transaction. The caller has checked that the task
// is a decided rejection; the application and department are the task's;
// f.ID is assigned. A missing task is ErrNotFound; a task already flagged
// is ErrConflict.
func (s *Store) CreateGroundlessFlag(ctx context.Context, f *GroundlessFlag, by Supervisor) error {
	row := GroundlessFlag{TaskID: f.TaskID, Supervisor: by.User, Reason: f.Reason, CreatedAt: f.CreatedAt.UTC()}
	err := s.inTxRetrying(ctx, func(tx *gorm.DB) error {
		t, err := s.lockTask(tx, f.TaskID)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&GroundlessFlag{}).Where("task_id = ?", t.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("the rejection of task %s is already flagged: %w", t.ID, ErrConflict)
		}
		row.ID, row.ApplicationID, row.Department = 0, t.ApplicationID, t.Department
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return appendAuditTx(tx, SupervisionAuditStream, AuditEntry{
			ApplicationID: t.ApplicationID, Actor: by.User, Role: by.Role, Department: by.Org,
			Action: ActionRejectionFlagged, Target: t.ID + " " + t.Department, Reason: row.Reason, At: row.CreatedAt,
		})
	})
	if err != nil {
		return fmt.Errorf("flag the rejection of task %q: %w", f.TaskID, err)
	}
	*f = row
	return nil
}

// GroundlessFlagOf loads the flag on a task; ErrNotFound when there is none.
func (s *Store) GroundlessFlagOf(ctx context.Context, taskID string) (GroundlessFlag, error) {
	var f GroundlessFlag
	if err := s.reader(ctx).Where("task_id = ?", taskID).Take(&f).Error; err != nil {
		return GroundlessFlag{}, fmt.Errorf("load flag of task %q: %w", taskID, notFound(err))
	}
	return f, nil
}

// FlagsOfTasks loads the groundless-rejection flags on the given tasks, by
// task.
func (s *Store) FlagsOfTasks(ctx context.Context, taskIDs []string) (map[string]GroundlessFlag, error) {
	out := map[string]GroundlessFlag{}
	if len(taskIDs) == 0 {
		return out, nil
	}
	var rows []GroundlessFlag
	if err := s.reader(ctx).Where("task_id IN ?", taskIDs).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list flags of %d tasks: %w", len(taskIDs), err)
	}
	for _, f := range rows {
		out[f.TaskID] = f
	}
	return out, nil
}
