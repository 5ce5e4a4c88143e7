package activities

import (
	"time"

	"github.com/datagate/datagate/store"
)

// The records below are what a workflow holds and what it hands the write
// step. They are durable payloads (workflow state carried across
// continue-as-new, Query answers, the write step's input in the history),
// so their JSON is a contract: fields are added with omitempty, never
// renamed. They are the workflows' own, not the read model's gorm rows:
// Apply maps them to rows, and a column change in store never changes a
// running workflow's payloads.

// Task is one step waiting on one org, with its statutory deadline. Who in
// the department holds it (claim, transfer) is the read model's alone.
type Task struct {
	ID            string     `json:"id"`
	ApplicationID uint64     `json:"application_id"`
	WorkflowID    string     `json:"workflow_id"`
	Kind          string     `json:"kind"`
	Subject       string     `json:"subject,omitempty"`
	Round         int        `json:"round"`
	Department    string     `json:"department"`
	Status        string     `json:"status"`
	OpenedAt      time.Time  `json:"opened_at"`
	DueAt         time.Time  `json:"due_at"`
	RemindAt      *time.Time `json:"remind_at,omitempty"`
	RemindedAt    *time.Time `json:"reminded_at,omitempty"`
	OverdueAt     *time.Time `json:"overdue_at,omitempty"`
	// UrgeAt is when the task, still open, is urged automatically (督办);
	// UrgedAt when it was urged, by a supervisor or automatically. Both
	// are the workflow's own: the read model keeps the urges.
	UrgeAt    *time.Time `json:"urge_at,omitempty"`
	UrgedAt   *time.Time `json:"urged_at,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	Decision  string     `json:"decision,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	Basis     string     `json:"basis,omitempty"`
	Comment   string     `json:"comment,omitempty"`
	ActorUser string     `json:"actor_user,omitempty"`
	ActorRole string     `json:"actor_role,omitempty"`
	// ProcedureID is the statutory procedure whose step the task is (its
	// ApplicationID is then 0).
	ProcedureID uint64 `json:"procedure_id,omitempty"`
}

// Signature is one party's signature on an agreement.
type Signature struct {
	Org  string    `json:"org"`
	User string    `json:"user"`
	At   time.Time `json:"at"`
}

// Agreement is one of an application's agreements (授权协议, 服务协议, 备案,
// 利用承诺).
type Agreement struct {
	Kind        string      `json:"kind"`
	Status      string      `json:"status"`
	Parties     []string    `json:"parties"`
	Signatures  []Signature `json:"signatures"`
	CompletedAt *time.Time  `json:"completed_at,omitempty"`
}

// Model is one model or data product built on the data (一模型一审定).
type Model struct {
	ID            string     `json:"id"`
	ApplicationID uint64     `json:"application_id"`
	No            int        `json:"no"`
	Name          string     `json:"name"`
	Description   string     `json:"description"`
	Status        string     `json:"status"`
	Round         int        `json:"round"`
	SubmittedAt   time.Time  `json:"submitted_at"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
}

// Evaluation is one periodic (or on-demand) evaluation of an authorization.
type Evaluation struct {
	ID            string     `json:"id"`
	ApplicationID uint64     `json:"application_id"`
	No            int        `json:"no"`
	Round         int        `json:"round"`
	Status        string     `json:"status"`
	SelfReport    string     `json:"self_report,omitempty"`
	Rating        string     `json:"rating,omitempty"`
	Reason        string     `json:"reason,omitempty"`
	RectifyUntil  *time.Time `json:"rectify_until,omitempty"`
	OpenedAt      time.Time  `json:"opened_at"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
}

// DatasetDecision is a provider department's decision on one dataset.
type DatasetDecision struct {
	Dataset    string     `json:"dataset"`
	Department string     `json:"department"`
	Decision   string     `json:"decision,omitempty"`
	Reason     string     `json:"reason,omitempty"`
	Basis      string     `json:"basis,omitempty"`
	DecidedAt  *time.Time `json:"decided_at,omitempty"`
}

// AuditEntry is one record of who did what, when and why; (WorkflowID,
// Seq) identifies it.
type AuditEntry struct {
	WorkflowID    string    `json:"workflow_id"`
	Seq           int64     `json:"seq"`
	ApplicationID uint64    `json:"application_id"`
	Actor         string    `json:"actor"`
	Role          string    `json:"role"`
	Department    string    `json:"department"`
	Action        string    `json:"action"`
	Target        string    `json:"target"`
	Reason        string    `json:"reason,omitempty"`
	Basis         string    `json:"basis,omitempty"`
	At            time.Time `json:"at"`
}

// Urge is an automatic urge (督办) on an overdue task: no supervisor
// signs it, and its text is the pages' and notifications' own.
type Urge struct {
	TaskID string    `json:"task_id"`
	At     time.Time `json:"at"`
}

// Proposal is a catalog entry as a department proposes it (a new dataset,
// a change of one, or its retirement).
type Proposal struct {
	Change              string   `json:"change"`
	Code                string   `json:"code"`
	Name                string   `json:"name,omitempty"`
	Summary             string   `json:"summary,omitempty"`
	Fields              []string `json:"fields,omitempty"`
	Format              string   `json:"format,omitempty"`
	UpdateFrequency     string   `json:"update_frequency,omitempty"`
	OpenAttribute       string   `json:"open_attribute,omitempty"`
	Grade               int      `json:"grade,omitempty"`
	OpenConditions      string   `json:"open_conditions,omitempty"`
	Grounds             string   `json:"grounds,omitempty"`
	AuthorizedOperation bool     `json:"authorized_operation,omitempty"`
	RequiresConsent     bool     `json:"requires_consent,omitempty"`
}

// ProcedureRow is the workflow-owned part of a statutory procedure's row:
// its outcome (domain.Outcomes), the reason and basis it closed with, and
// the proposal as it last stands.
type ProcedureRow struct {
	ID       uint64     `json:"id"`
	Outcome  string     `json:"outcome"`
	Reason   string     `json:"reason,omitempty"`
	Basis    string     `json:"basis,omitempty"`
	Proposal *Proposal  `json:"proposal,omitempty"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}

// Publication is an approved catalog change: the proposal becomes the
// dataset's next version, by the department's name.
type Publication struct {
	Proposal    Proposal  `json:"proposal"`
	Department  string    `json:"department"`
	ProcedureID uint64    `json:"procedure_id"`
	At          time.Time `json:"at"`
	By          string    `json:"by"`
}

// DatasetState sets a dataset's state (domain.DatasetStates).
type DatasetState struct {
	Code  string `json:"code"`
	State string `json:"state"`
}

// Restriction is one measure against an active authorization, with the
// holder's appeal and its outcome (domain/restrictions.go).
type Restriction struct {
	No           int        `json:"no"`
	Measure      string     `json:"measure"`
	Scope        string     `json:"scope,omitempty"`
	Reason       string     `json:"reason"`
	Basis        string     `json:"basis"`
	ImposedBy    string     `json:"imposed_by"`
	StartedAt    time.Time  `json:"started_at"`
	State        string     `json:"state"`
	Appeal       string     `json:"appeal"`
	AppealReason string     `json:"appeal_reason,omitempty"`
	AppealedAt   *time.Time `json:"appealed_at,omitempty"`
	Decision     string     `json:"decision,omitempty"`
	EndedAt      *time.Time `json:"ended_at,omitempty"`
}

// AppRow is the lifecycle part of the application's row, owned by its
// workflow.
type AppRow struct {
	Status      string     `json:"status"`
	ActiveFrom  *time.Time `json:"active_from,omitempty"`
	ActiveUntil *time.Time `json:"active_until,omitempty"`
	EndedAt     *time.Time `json:"ended_at,omitempty"`
	EndReason   string     `json:"end_reason,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	// Edits are supplemented fields (退回补正) by JSON field name.
	Edits map[string]string `json:"edits,omitempty"`
}

// EditableField reports whether an applicant may supplement a field.
func EditableField(field string) bool {
	_, ok := store.EditableFields[field]
	return ok
}

// rows maps a change to the read model's rows.
func (c Change) rows() store.Change {
	id := c.ApplicationID
	var out store.Change
	if c.App != nil {
		a := c.App
		out.App = &store.AppState{ID: id, Status: a.Status, ActiveFrom: a.ActiveFrom, ActiveUntil: a.ActiveUntil,
			EndedAt: a.EndedAt, EndReason: a.EndReason, ClosedAt: a.ClosedAt, Edits: a.Edits}
	}
	for _, d := range c.Datasets {
		out.Datasets = append(out.Datasets, store.ApplicationDataset{ApplicationID: id, DatasetCode: d.Dataset,
			Department: d.Department, Decision: d.Decision, Reason: d.Reason, Basis: d.Basis, DecidedAt: d.DecidedAt})
	}
	for _, t := range c.Tasks {
		out.Tasks = append(out.Tasks, t.Row())
	}
	for _, a := range c.Agreements {
		sigs := make([]store.Signature, len(a.Signatures))
		for i, s := range a.Signatures {
			sigs[i] = store.Signature(s)
		}
		out.Agreements = append(out.Agreements, store.Agreement{ApplicationID: id, Kind: a.Kind, Status: a.Status,
			Parties: a.Parties, Signatures: sigs, CompletedAt: a.CompletedAt})
	}
	for _, m := range c.Models {
		out.Models = append(out.Models, store.Model(m))
	}
	for _, e := range c.Evaluations {
		out.Evaluations = append(out.Evaluations, store.Evaluation(e))
	}
	for _, u := range c.Urges {
		out.Urges = append(out.Urges, store.Urge{TaskID: u.TaskID, Supervisor: store.AutomaticUrger, CreatedAt: u.At})
	}
	for _, r := range c.Restrictions {
		out.Restrictions = append(out.Restrictions, store.Restriction{ApplicationID: id, No: r.No, Measure: r.Measure,
			Scope: r.Scope, Reason: r.Reason, Basis: r.Basis, ImposedBy: r.ImposedBy, StartedAt: r.StartedAt, State: r.State,
			Appeal: r.Appeal, AppealReason: r.AppealReason, AppealedAt: r.AppealedAt, Decision: r.Decision, EndedAt: r.EndedAt})
	}
	if p := c.Procedure; p != nil {
		out.Procedure = &store.ProcedureState{ID: p.ID, Outcome: p.Outcome, Reason: p.Reason, Basis: p.Basis,
			ClosedAt: p.ClosedAt, Proposal: (*store.DatasetProposal)(p.Proposal)}
	}
	if p := c.Publish; p != nil {
		out.Publish = &store.Publication{Proposal: store.DatasetProposal(p.Proposal), Department: p.Department,
			ProcedureID: p.ProcedureID, At: p.At, By: p.By}
	}
	for _, d := range c.DatasetStates {
		out.DatasetStates = append(out.DatasetStates, store.DatasetStateChange(d))
	}
	for _, a := range c.Audit {
		out.Audit = append(out.Audit, store.AuditEntry{WorkflowID: a.WorkflowID, Seq: a.Seq, ApplicationID: a.ApplicationID,
			Actor: a.Actor, Role: a.Role, Department: a.Department, Action: a.Action, Target: a.Target,
			Reason: a.Reason, Basis: a.Basis, At: a.At})
	}
	return out
}

// Row is the task's read-model row.
func (t Task) Row() store.Task {
	return store.Task{ID: t.ID, ApplicationID: t.ApplicationID, WorkflowID: t.WorkflowID, Kind: t.Kind,
		Subject: t.Subject, Round: t.Round, Department: t.Department, Status: t.Status, OpenedAt: t.OpenedAt,
		DueAt: t.DueAt, RemindAt: t.RemindAt, RemindedAt: t.RemindedAt, OverdueAt: t.OverdueAt,
		DecidedAt: t.DecidedAt, Decision: t.Decision, Reason: t.Reason, Basis: t.Basis, Comment: t.Comment,
		ActorUser: t.ActorUser, ActorRole: t.ActorRole, ProcedureID: t.ProcedureID}
}
