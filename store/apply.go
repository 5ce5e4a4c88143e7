package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// AppState is the lifecycle part of an application row, owned by its workflow.
type AppState struct {
	ID          uint64
	Status      string
	ActiveFrom  *time.Time
	ActiveUntil *time.Time
	EndedAt     *time.Time
	EndReason   string
	ClosedAt    *time.Time
	// Edits are supplemented draft fields (退回补正), by JSON field name:
	// description, purpose, scope, security_controls.
	Edits map[string]string
}

// EditableFields are the application fields an applicant may change when
// supplementing, mapped to their columns.
var EditableFields = map[string]string{
	"description":       "description",
	"purpose":           "purpose",
	"scope":             "scope",
	"security_controls": "security_controls",
}

// Change is one workflow transition. Applying the same Change twice leaves
// the same rows: rows are upserted by key, audit entries are keyed by
// (workflow ID, sequence).
type Change struct {
	App         *AppState
	Datasets    []ApplicationDataset
	Tasks       []Task
	Agreements  []Agreement
	Models      []Model
	Evaluations []Evaluation
	// Urges are automatic urges (Supervisor AutomaticUrger) on tasks the
	// change leaves open; one per task, however often it is written.
	Urges []Urge
	// Procedure, Publish and DatasetStates are a statutory procedure's
	// (procedures.go): its outcome, an approved catalog change, and the
	// datasets it suspends, reopens or withdraws.
	Procedure     *ProcedureState
	Publish       *Publication
	DatasetStates []DatasetStateChange
	// Restrictions are an authorization's restrictions (restrictions.go).
	Restrictions []Restriction
	Audit        []AuditEntry
}

// Apply writes a Change in one transaction.
func (s *Store) Apply(ctx context.Context, c Change) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// What the change tells people is derived from the rows as they
		// were, and written with it (see notifications.go).
		before, err := snapshotForNotify(tx, c)
		if err != nil {
			return err
		}
		if c.App != nil {
			if err := applyAppState(tx, *c.App); err != nil {
				return err
			}
		}
		upsert := clause.OnConflict{UpdateAll: true}
		if len(c.Datasets) > 0 {
			if err := tx.Clauses(upsert).Create(utcAll(c.Datasets, normDataset)).Error; err != nil {
				return fmt.Errorf("write dataset decisions: %w", err)
			}
		}
		if len(c.Tasks) > 0 {
			if err := tx.Clauses(taskUpsert).Create(utcAll(c.Tasks, normTask)).Error; err != nil {
				return fmt.Errorf("write tasks: %w", err)
			}
		}
		if len(c.Agreements) > 0 {
			if err := tx.Clauses(upsert).Create(utcAll(c.Agreements, normAgreement)).Error; err != nil {
				return fmt.Errorf("write agreements: %w", err)
			}
		}
		if len(c.Models) > 0 {
			if err := tx.Clauses(upsert).Create(utcAll(c.Models, normModel)).Error; err != nil {
				return fmt.Errorf("write models: %w", err)
			}
		}
		if len(c.Evaluations) > 0 {
			if err := tx.Clauses(upsert).Create(utcAll(c.Evaluations, normEvaluation)).Error; err != nil {
				return fmt.Errorf("write evaluations: %w", err)
			}
		}
		if len(c.Restrictions) > 0 {
			if err := tx.Clauses(upsert).Create(utcAll(c.Restrictions, normRestriction)).Error; err != nil {
				return fmt.Errorf("write restrictions: %w", err)
			}
		}
		if c.Procedure != nil {
			if err := applyProcedureState(tx, *c.Procedure); err != nil {
				return err
			}
		}
		if c.Publish != nil {
			if err := publish(tx, *c.Publish); err != nil {
				return err
			}
		}
		for _, d := range c.DatasetStates {
			if err := setDatasetState(tx, d); err != nil {
				return err
			}
		}
		if err := autoUrgesTx(tx, c.Urges); err != nil {
			return err
		}
		// Never update an audit row: a retried write of the same
		// (workflow, seq) is skipped, and the rest join the chain.
		if err := chainAudit(tx, c.Audit); err != nil {
			return err
		}
		return notifyChange(tx, before, c)
	})
}

// taskUpsert rewrites a task's workflow-owned columns; who in the
// department holds it (assignee) is the department's business, not the
// workflow's, and survives every transition.
var taskUpsert = clause.OnConflict{
	Columns: []clause.Column{{Name: "id"}},
	DoUpdates: clause.AssignmentColumns([]string{"application_id", "workflow_id", "kind", "subject", "round",
		"department", "status", "opened_at", "due_at", "remind_at", "reminded_at", "overdue_at", "decided_at",
		"decision", "reason", "basis", "comment", "actor_user", "actor_role", "procedure_id"}),
}

func applyAppState(tx *gorm.DB, st AppState) error {
	cols := map[string]any{
		"status":       st.Status,
		"active_from":  utcPtr(st.ActiveFrom),
		"active_until": utcPtr(st.ActiveUntil),
		"ended_at":     utcPtr(st.EndedAt),
		"end_reason":   st.EndReason,
		"closed_at":    utcPtr(st.ClosedAt),
		"updated_at":   time.Now().UTC(),
	}
	for field, v := range st.Edits {
		col, ok := EditableFields[field]
		if !ok {
			return fmt.Errorf("application %d: field %q cannot be edited", st.ID, field)
		}
		cols[col] = v
	}
	res := tx.Model(&Application{}).Where("id = ?", st.ID).Updates(cols)
	if res.Error != nil {
		return fmt.Errorf("update application %d: %w", st.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("update application %d: %w", st.ID, ErrNotFound)
	}
	return nil
}

func normDataset(d *ApplicationDataset) { d.DecidedAt = utcPtr(d.DecidedAt) }

func normTask(t *Task) {
	t.OpenedAt, t.DueAt = t.OpenedAt.UTC(), t.DueAt.UTC()
	t.RemindAt, t.RemindedAt = utcPtr(t.RemindAt), utcPtr(t.RemindedAt)
	t.OverdueAt, t.DecidedAt = utcPtr(t.OverdueAt), utcPtr(t.DecidedAt)
}

func normAgreement(a *Agreement) {
	a.CompletedAt = utcPtr(a.CompletedAt)
	sigs := make([]Signature, len(a.Signatures))
	for i, s := range a.Signatures {
		s.At = s.At.UTC()
		sigs[i] = s
	}
	a.Signatures = sigs
}

func normModel(m *Model) {
	m.SubmittedAt, m.DecidedAt = m.SubmittedAt.UTC(), utcPtr(m.DecidedAt)
}

func normEvaluation(e *Evaluation) {
	e.OpenedAt = e.OpenedAt.UTC()
	e.RectifyUntil, e.ClosedAt = utcPtr(e.RectifyUntil), utcPtr(e.ClosedAt)
}
