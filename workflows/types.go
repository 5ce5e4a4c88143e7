// Package workflows holds DataGate's durable workflows: one
// ApplicationWorkflow per application and one ModelReviewWorkflow per model.
// Workflow code is deterministic: time comes from workflow.Now, waiting from
// timers and Await, and every effect goes through the Apply activity,
// scheduled by the workflow task that commits the transition.
package workflows

import (
	"fmt"
	"time"

	"github.com/datagate/datagate/activities"
)

// Registered names; never derive them from Go identifiers, so that a rename
// never breaks a running workflow.
const (
	ApplicationWorkflowName = "ApplicationWorkflow"
	ModelReviewWorkflowName = "ModelReviewWorkflow"
	TaskQueue               = "datagate"

	UpdateDecide            = "decide"
	UpdateWithdraw          = "withdraw"
	UpdateSubmitModel       = "submit_model"
	UpdateRequestEvaluation = "request_evaluation"
	UpdateGiveExitNotice    = "give_exit_notice"
	UpdateTerminate         = "terminate"
	QueryStatus             = "status"
	SignalModelReviewed     = "model_reviewed"
)

// ApplicationWorkflowID is the workflow ID of an application.
func ApplicationWorkflowID(appID uint64) string { return fmt.Sprintf("application-%d", appID) }

// ModelWorkflowID is the workflow ID of an application's n-th model review.
func ModelWorkflowID(appWorkflowID string, no int) string {
	return fmt.Sprintf("%s-model-%d", appWorkflowID, no)
}

// Actor is the authenticated person behind an Update, passed by the API.
type Actor struct {
	User string `json:"user"`
	Role string `json:"role"`
	Org  string `json:"org"`
}

// Orgs names the organisations that play the fixed roles.
type Orgs struct {
	BigDataCenter string `json:"bigdata_center"`
	Bureau        string `json:"bureau"`
	Operator      string `json:"operator"`
}

// Deadlines are the default time limits, in working days unless named Days
// or Months (calendar). Every one is configurable.
type Deadlines struct {
	InitialReview            int `json:"initial_review"`
	Supplement               int `json:"supplement"`
	DepartmentReview         int `json:"department_review"`
	RegulatorOpinion         int `json:"regulator_opinion"`
	Signature                int `json:"signature"`
	ModelReview              int `json:"model_review"`
	ModelRevision            int `json:"model_revision"`
	SelfEvaluation           int `json:"self_evaluation"`
	Rating                   int `json:"rating"`
	ExitVerification         int `json:"exit_verification"`
	ReminderBefore           int `json:"reminder_before"`
	RectificationDays        int `json:"rectification_days"`
	ExitConfirmationDays     int `json:"exit_confirmation_days"`
	EvaluationIntervalMonths int `json:"evaluation_interval_months"`
	ExitNoticeMonths         int `json:"exit_notice_months"`
	// Supervision deadlines; zero (in inputs older than them) means the
	// default.
	UrgeReply             int `json:"urge_reply,omitempty"`
	FlagAnswer            int `json:"flag_answer,omitempty"`
	SupervisionWindowDays int `json:"supervision_window_days,omitempty"`
	// FinalEvaluationDays: the final evaluation opens this many days
	// before the authorization ends (zero in older inputs: the default).
	FinalEvaluationDays int `json:"final_evaluation_days,omitempty"`
	// RectificationRounds: how many times an evaluation may be rated
	// rectify before it must be rated qualified or unqualified (zero in
	// older inputs: the default).
	RectificationRounds int `json:"rectification_rounds,omitempty"`
	// AutoUrgeDays: a department's task still open this many working
	// days past its due date is urged automatically (督办), and the
	// bureau, the supervision offices and the applicant are told (zero in
	// older inputs: the default).
	AutoUrgeDays int `json:"auto_urge_days,omitempty"`
	// The statutory procedures' time limits (procedure.go; zero: the
	// default). The bureau reviews a catalog change in CatalogReview, a
	// department considers its suggested changes in CatalogRevise, and a
	// joint consultation is recorded within CatalogConsult. The texts fix
	// the others (《公共数据开放管理办法》): an out-of-catalog request is
	// refused within RequestAssess (5) of its receipt or provided within
	// RequestProvide (20, 第十八条); an objection is handled within
	// ObjectionHandle (15, 第二十九条).
	CatalogReview   int `json:"catalog_review,omitempty"`
	CatalogRevise   int `json:"catalog_revise,omitempty"`
	CatalogConsult  int `json:"catalog_consult,omitempty"`
	RequestAssess   int `json:"request_assess,omitempty"`
	RequestProvide  int `json:"request_provide,omitempty"`
	ObjectionHandle int `json:"objection_handle,omitempty"`
	// The holder appeals a restriction within AppealDays, and the bureau
	// decides the appeal within AppealReview (zero: the default, 15 each).
	AppealDays   int `json:"appeal_days,omitempty"`
	AppealReview int `json:"appeal_review,omitempty"`
}

// DefaultDeadlines are DOMAIN.md's defaults.
func DefaultDeadlines() Deadlines {
	return Deadlines{
		InitialReview:            5,
		Supplement:               20,
		DepartmentReview:         20,
		RegulatorOpinion:         10,
		Signature:                10,
		ModelReview:              20,
		ModelRevision:            20,
		SelfEvaluation:           10,
		Rating:                   10,
		ExitVerification:         10,
		ReminderBefore:           3,
		RectificationDays:        30,
		ExitConfirmationDays:     30,
		EvaluationIntervalMonths: 12,
		ExitNoticeMonths:         3,
		UrgeReply:                3,
		FlagAnswer:               10,
		SupervisionWindowDays:    60,
		FinalEvaluationDays:      45,
		RectificationRounds:      2,
		AutoUrgeDays:             5,
	}
}

// Validate checks every deadline is usable.
func (d Deadlines) Validate() error {
	checks := []struct {
		name string
		v    int
	}{
		{"initial_review", d.InitialReview}, {"supplement", d.Supplement},
		{"department_review", d.DepartmentReview}, {"regulator_opinion", d.RegulatorOpinion},
		{"signature", d.Signature}, {"model_review", d.ModelReview}, {"model_revision", d.ModelRevision},
		{"self_evaluation", d.SelfEvaluation}, {"rating", d.Rating}, {"exit_verification", d.ExitVerification},
		{"rectification_days", d.RectificationDays}, {"exit_confirmation_days", d.ExitConfirmationDays},
		{"evaluation_interval_months", d.EvaluationIntervalMonths}, {"exit_notice_months", d.ExitNoticeMonths},
		{"urge_reply", d.UrgeReply}, {"flag_answer", d.FlagAnswer}, {"supervision_window_days", d.SupervisionWindowDays},
		{"final_evaluation_days", d.FinalEvaluationDays}, {"rectification_rounds", d.RectificationRounds},
		{"auto_urge_days", d.AutoUrgeDays},
	}
	for _, c := range checks {
		if c.v < 1 || c.v > 366 {
			return fmt.Errorf("deadline %s = %d: must be between 1 and 366", c.name, c.v)
		}
	}
	if d.ReminderBefore < 0 || d.ReminderBefore > 60 {
		return fmt.Errorf("deadline reminder_before = %d: must be between 0 and 60 working days", d.ReminderBefore)
	}
	return nil
}

// DatasetRef is a dataset an application names, with its provider.
type DatasetRef struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Department string `json:"department"`
	Grade      int    `json:"grade"`
}

// ApplicationInput starts an ApplicationWorkflow. Resume is set only by
// continue-as-new.
type ApplicationInput struct {
	ApplicationID uint64       `json:"application_id"`
	ApplicantOrg  string       `json:"applicant_org"`
	Submitter     Actor        `json:"submitter"`
	Title         string       `json:"title"`
	Datasets      []DatasetRef `json:"datasets"`
	PeriodMonths  int          `json:"period_months"`
	AccessMode    string       `json:"access_mode"`
	Orgs          Orgs         `json:"orgs"`
	Deadlines     Deadlines    `json:"deadlines"`
	Resume        *AppState    `json:"resume,omitempty"`
}

// DatasetItem is one department's decision on one dataset.
type DatasetItem struct {
	Dataset  string `json:"dataset"`
	Decision string `json:"decision"` // approve or reject
	Reason   string `json:"reason,omitempty"`
	Basis    string `json:"basis,omitempty"`
}

// DecideRequest is the argument of the decide Update.
type DecideRequest struct {
	TaskID   string `json:"task_id"`
	Actor    Actor  `json:"actor"`
	Decision string `json:"decision"`
	Reason   string `json:"reason,omitempty"`
	Basis    string `json:"basis,omitempty"`
	Comment  string `json:"comment,omitempty"`
	// Items are per-dataset decisions (department review, decision "decide").
	Items []DatasetItem `json:"items,omitempty"`
	// Regulator is the org asked for an opinion (decision ask_regulator).
	Regulator string `json:"regulator,omitempty"`
	// Edits are supplemented fields (supplement, model revision).
	Edits map[string]string `json:"edits,omitempty"`
	// Proposal is a catalog entry (a procedure's revise and provide).
	Proposal *activities.Proposal `json:"proposal,omitempty"`
}

// ActionRequest is the argument of the non-task Updates (withdraw,
// request_evaluation, give_exit_notice, terminate).
type ActionRequest struct {
	Actor  Actor  `json:"actor"`
	Reason string `json:"reason,omitempty"`
	Basis  string `json:"basis,omitempty"`
}

// ModelRequest is the argument of the submit_model Update.
type ModelRequest struct {
	Actor       Actor  `json:"actor"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// UpdateResult is what every Update returns once the new state is persisted.
type UpdateResult struct {
	Status string            `json:"status"`
	Opened []activities.Task `json:"opened,omitempty"`
	Model  string            `json:"model,omitempty"`
}

// DatasetState is a dataset's decision in the workflow.
type DatasetState struct {
	DatasetRef
	Decision string `json:"decision,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Basis    string `json:"basis,omitempty"`
}

// ModelState is the parent's view of one model review.
type ModelState struct {
	No         int    `json:"no"`
	WorkflowID string `json:"workflow_id"`
	Name       string `json:"name"`
	Status     string `json:"status"`
}

// Core is the state both workflows share: the audit sequence and the open
// tasks, carried across continue-as-new.
type Core struct {
	Seq     int64             `json:"seq"`
	TaskSeq int               `json:"task_seq"`
	Tasks   []activities.Task `json:"tasks"`
}

// AppState is the whole state of an ApplicationWorkflow.
type AppState struct {
	Core
	Status           string                 `json:"status"`
	Datasets         []DatasetState         `json:"datasets"`
	InitialRound     int                    `json:"initial_round"`
	Agreements       []activities.Agreement `json:"agreements,omitempty"`
	ActiveFrom       time.Time              `json:"active_from,omitzero"`
	ActiveUntil      time.Time              `json:"active_until,omitzero"`
	NextEvaluationAt time.Time              `json:"next_evaluation_at,omitzero"`
	Evaluation       *activities.Evaluation `json:"evaluation,omitempty"`
	EvaluationCount  int                    `json:"evaluation_count"`
	// RenewalPromptedAt is when the applicant and the operator were told
	// the authorization ends in ExitNoticeMonths.
	RenewalPromptedAt time.Time `json:"renewal_prompted_at,omitzero"`
	// OpinionsWithinReview and RectificationReports: this application's
	// opinions and rectifications follow the rules of those names (set by
	// the versioned code that first applies them), so the validators
	// enforce them; histories from before the rules never set them.
	OpinionsWithinReview bool `json:"opinions_within_review,omitempty"`
	RectificationReports bool `json:"rectification_reports,omitempty"`
	// ReopenedKeepApproved: a department review reopened by a flag
	// decides only the datasets it had rejected; those it approved stand
	// (set by the versioned code that reopens).
	ReopenedKeepApproved bool `json:"reopened_keep_approved,omitempty"`
	// LastRatedAt is when the last evaluation was rated qualified.
	LastRatedAt     time.Time `json:"last_rated_at,omitzero"`
	ExitEffectiveAt time.Time `json:"exit_effective_at,omitzero"`
	// ExitDueAt is when the return and destruction of the data is due:
	// the first exit confirmation's due time, kept by every later round.
	ExitDueAt time.Time    `json:"exit_due_at,omitzero"`
	EndedAt   time.Time    `json:"ended_at,omitzero"`
	EndReason string       `json:"end_reason,omitempty"`
	ClosedAt  time.Time    `json:"closed_at,omitzero"`
	Models    []ModelState `json:"models,omitempty"`
	Runs      int          `json:"runs"`
	// Rejections are the review tasks that rejected something, which a
	// supervisor may flag as groundless.
	Rejections []Rejection `json:"rejections,omitempty"`
	RejectedAt time.Time   `json:"rejected_at,omitzero"`
	// Restrictions are the measures the bureau took against the active
	// authorization, the last one in force or not (restrictions.go).
	Restrictions []activities.Restriction `json:"restrictions,omitempty"`
}

// Status is the answer to the status Query.
type Status struct {
	AppState
	ApplicationID uint64 `json:"application_id"`
	HistoryLength int    `json:"history_length"`
	// Applying: a transition is being written; the read model may not
	// hold it yet.
	Applying bool `json:"applying,omitempty"`
}

// ModelInput starts a ModelReviewWorkflow.
type ModelInput struct {
	ApplicationID         uint64    `json:"application_id"`
	ApplicationWorkflowID string    `json:"application_workflow_id"`
	No                    int       `json:"no"`
	Name                  string    `json:"name"`
	Description           string    `json:"description"`
	ApplicantOrg          string    `json:"applicant_org"`
	Submitter             Actor     `json:"submitter"`
	Reviewers             []string  `json:"reviewers"`
	Deadlines             Deadlines `json:"deadlines"`
	SubmittedAt           time.Time `json:"submitted_at"`
}

// ModelReviewed is the signal a model review sends its application.
type ModelReviewed struct {
	No     int    `json:"no"`
	Status string `json:"status"`
}

// ModelStatus is the answer to a model review's status Query.
type ModelStatus struct {
	Core
	Status string `json:"status"`
	Round  int    `json:"round"`
	// Decisions are the reviewers' closed tasks, every round.
	Decisions []activities.Task `json:"decisions,omitempty"`
	// Applying (Query answers only): a transition is being written.
	Applying bool `json:"applying,omitempty"`
}
