package workflows

import (
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/domain"
)

// Supervision inside the workflows: an urge (督办) opens a reply task for
// the department with its own deadline, and a groundless-rejection flag
// (无依据驳回) asks the department to uphold its rejection with a basis or
// to reopen the review, whose clock then restarts.
const (
	UpdateUrge           = "urge"
	UpdateFlagGroundless = "flag_groundless"

	// supervisionWindowChange guards the wait after a rejection during
	// which a flag may reopen it: histories recorded before it complete at
	// once (workflow.GetVersion).
	supervisionWindowChange = "supervision-window"
)

// UrgeRequest is the argument of the urge Update.
type UrgeRequest struct {
	Actor   Actor  `json:"actor"`
	TaskID  string `json:"task_id"`
	UrgeID  uint64 `json:"urge_id"`
	Message string `json:"message"`
}

// FlagRequest is the argument of the flag_groundless Update.
type FlagRequest struct {
	Actor  Actor  `json:"actor"`
	TaskID string `json:"task_id"`
	FlagID uint64 `json:"flag_id"`
	Reason string `json:"reason"`
}

// Rejection is a review task that rejected something, kept so that a flag
// can name it after the task closed.
type Rejection struct {
	TaskID     string `json:"task_id"`
	Kind       string `json:"kind"`
	Department string `json:"department"`
	Round      int    `json:"round"`
}

func (m *machine) validateUrge(_ workflow.Context, r UrgeRequest) error {
	if err := checkActor(r.Actor); err != nil {
		return err
	}
	if r.Actor.Role != domain.RoleSupervisor {
		return refuse(ErrForbidden, "actor.role", "only a supervisor may urge a task; %s is %s", r.Actor.User, r.Actor.Role)
	}
	if strings.TrimSpace(r.Message) == "" {
		return refuse(ErrInvalid, "message", "an urge needs its message: fill in message")
	}
	t, ok := m.task(r.TaskID)
	if !ok || t.Kind == domain.TaskUrgeReply || t.Kind == domain.TaskFlagAnswer {
		return refuse(ErrConflict, "task_id", "task %s is not open for an urge", r.TaskID)
	}
	for _, o := range m.core.Tasks {
		if o.Kind == domain.TaskUrgeReply && o.Subject == t.ID {
			return refuse(ErrConflict, "task_id", "task %s was already urged; its reply is pending", t.ID)
		}
	}
	return nil
}

// urge opens the department's reply task, due in UrgeReply working days.
func (m *machine) urge(ctx workflow.Context, r UrgeRequest) (UpdateResult, error) {
	t, _ := m.task(r.TaskID)
	var c change
	m.audit(ctx, &c, r.Actor, "urge.reply_requested", t.ID+" "+t.Department, r.Message, "")
	m.open(ctx, &c, domain.TaskUrgeReply, t.Department, t.ID, 1)
	if _, err := m.apply(ctx, &c); err != nil {
		return UpdateResult{}, err
	}
	// Urged by a supervisor: the automatic urge is not needed.
	now := m.now(ctx)
	t.UrgedAt = &now
	m.replace(t)
	return UpdateResult{Opened: m.lastOpened}, nil
}

// reply records the department's answer to an urge.
func (m *machine) reply(ctx workflow.Context, c *change, t activities.Task, r DecideRequest) error {
	m.audit(ctx, c, r.Actor, "urge.replied", t.Subject+" "+t.Department, r.Comment, "")
	_, err := m.apply(ctx, c)
	return err
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// --- groundless-rejection flags (application workflow) -------------------

func (w *app) validateFlag(_ workflow.Context, r FlagRequest) error {
	if err := checkActor(r.Actor); err != nil {
		return err
	}
	if r.Actor.Role != domain.RoleSupervisor {
		return refuse(ErrForbidden, "actor.role", "only a supervisor may flag a rejection; %s is %s", r.Actor.User, r.Actor.Role)
	}
	if strings.TrimSpace(r.Reason) == "" {
		return refuse(ErrInvalid, "reason", "a flag needs its reason: fill in reason")
	}
	rej, ok := w.rejection(r.TaskID)
	if !ok {
		return refuse(ErrConflict, "task_id", "task %s is not a rejection of this application", r.TaskID)
	}
	for _, o := range w.m.core.Tasks {
		if o.Kind == domain.TaskFlagAnswer && o.Subject == rej.TaskID {
			return refuse(ErrConflict, "task_id", "the rejection in task %s is already flagged; its answer is pending", r.TaskID)
		}
	}
	return nil
}

// rejection is the recorded rejection of review task id.
func (w *app) rejection(id string) (Rejection, bool) {
	for _, rej := range w.st.Rejections {
		if rej.TaskID == id {
			return rej, true
		}
	}
	return Rejection{}, false
}

// flagGroundless asks the rejecting department to answer the flag.
func (w *app) flagGroundless(ctx workflow.Context, r FlagRequest) (UpdateResult, error) {
	rej, _ := w.rejection(r.TaskID)
	var c change
	w.m.audit(ctx, &c, r.Actor, "flag.answer_requested", rej.TaskID+" "+rej.Department, r.Reason, "")
	w.m.open(ctx, &c, domain.TaskFlagAnswer, rej.Department, rej.TaskID, 1)
	if _, err := w.commit(ctx, &c); err != nil {
		return UpdateResult{}, err
	}
	return UpdateResult{Status: w.st.Status, Opened: w.m.lastOpened}, nil
}

// reopenedReviewChange: a reopened department review decides only the
// datasets it had rejected. Before it, the review decided all of its
// datasets again, so a dataset the agreements already covered, and that
// was provisioned, could turn pending or rejected.
const reopenedReviewChange = "reopened-review-keeps-approved"

// onFlagAnswer: uphold keeps the rejection (with its basis); reopen opens
// the review again, with a new clock, and the application goes back to it.
func (w *app) onFlagAnswer(ctx workflow.Context, c *change, t activities.Task, r DecideRequest) error {
	if r.Decision == domain.DecisionUphold {
		w.m.audit(ctx, c, r.Actor, "rejection.upheld", t.Subject, r.Reason, r.Basis)
		_, err := w.commit(ctx, c)
		return err
	}
	var rej Rejection
	for _, x := range w.st.Rejections {
		if x.TaskID == t.Subject {
			rej = x
		}
	}
	w.m.audit(ctx, c, r.Actor, "rejection.reopened", t.Subject, r.Reason, "")
	switch rej.Kind {
	case domain.TaskInitialReview:
		w.st.Status = domain.StatusInitialReview
		w.st.InitialRound++
		w.m.open(ctx, c, domain.TaskInitialReview, w.in.Orgs.BigDataCenter, "", w.st.InitialRound)
	case domain.TaskDepartmentReview:
		if w.st.Status == domain.StatusRejected {
			w.st.Status = domain.StatusDepartmentReview
		}
		if workflow.GetVersion(ctx, reopenedReviewChange, workflow.DefaultVersion, 1) >= 1 {
			w.st.ReopenedKeepApproved = true
		}
		for i, d := range w.st.Datasets {
			if d.Department == rej.Department && d.Decision == domain.DecisionReject {
				w.st.Datasets[i].Decision, w.st.Datasets[i].Reason, w.st.Datasets[i].Basis = "", "", ""
				c.Datasets = append(c.Datasets, activities.DatasetDecision{
					Dataset: d.Code, Department: d.Department})
			}
		}
		w.m.open(ctx, c, domain.TaskDepartmentReview, rej.Department, "", rej.Round+1)
	}
	_, err := w.commit(ctx, c)
	return err
}

// validateFlagAnswer: upholding states its reason and basis.
func validateFlagAnswer(r DecideRequest) error {
	if r.Decision == domain.DecisionUphold {
		return requireReasonBasis("", r.Reason, r.Basis)
	}
	return requireReason(r.Decision, r.Reason)
}

// recordRejection remembers a review task that rejected something.
func (w *app) recordRejection(t activities.Task) {
	w.st.Rejections = append(w.st.Rejections, Rejection{TaskID: t.ID, Kind: t.Kind, Department: t.Department, Round: t.Round})
}

// supervisionWindow keeps a rejected application open for flags: until the
// window closes and no answer is pending, or until a flag reopens it
// (true: go on with the process).
func (w *app) supervisionWindow(ctx workflow.Context) (reopened bool, err error) {
	days := orDefault(w.in.Deadlines.SupervisionWindowDays, 60)
	ends := w.st.RejectedAt.AddDate(0, 0, days)
	for {
		if !terminal(w.st.Status) {
			return true, nil
		}
		now := workflow.Now(ctx)
		if len(w.st.Tasks) == 0 && !now.Before(ends) {
			return false, nil
		}
		seen := w.m.version
		woke := func() bool { return w.m.version != seen }
		if len(w.st.Tasks) > 0 {
			err = workflow.Await(ctx, woke)
		} else if w.m.oneTimer {
			w.windowEnds = ends
			err = workflow.Await(ctx, func() bool { return woke() || reached(ctx, ends) })
		} else {
			_, err = workflow.AwaitWithTimeout(ctx, ends.Sub(now), woke)
		}
		if err != nil {
			return false, err
		}
	}
}
