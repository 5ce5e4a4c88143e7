package workflows

import (
	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/domain"
)

// For is the deadline of a task of kind: how many working days (or, for
// the exit confirmation, calendar days) after it opens it falls due, and
// the reminder ReminderBefore working days before. It is the one table
// from kinds to time limits: tasks are opened with it, and their due dates
// recomputed with it when a holiday table changes.
func (d Deadlines) For(kind string) activities.Deadline {
	days := map[string]int{
		domain.TaskInitialReview:     d.InitialReview,
		domain.TaskSupplement:        d.Supplement,
		domain.TaskDepartmentReview:  d.DepartmentReview,
		domain.TaskRegulatorOpinion:  d.RegulatorOpinion,
		domain.TaskSignAuthorization: d.Signature,
		domain.TaskSignService:       d.Signature,
		domain.TaskFileService:       d.Signature,
		domain.TaskSignCommitment:    d.Signature,
		domain.TaskSignSupplement:    d.Signature,
		domain.TaskSelfEvaluation:    d.SelfEvaluation,
		domain.TaskRateEvaluation:    d.Rating,
		domain.TaskExitVerification:  d.ExitVerification,
		domain.TaskModelReview:       d.ModelReview,
		domain.TaskModelRevision:     d.ModelRevision,
		// Zero in inputs older than supervision: the default.
		domain.TaskUrgeReply:  orDefault(d.UrgeReply, 3),
		domain.TaskFlagAnswer: orDefault(d.FlagAnswer, 10),
		// The statutory procedures' (zero: the default).
		domain.TaskCatalogReview:   orDefault(d.CatalogReview, 15),
		domain.TaskCatalogRevise:   orDefault(d.CatalogRevise, 10),
		domain.TaskCatalogConsult:  orDefault(d.CatalogConsult, 20),
		domain.TaskRequestAssess:   orDefault(d.RequestAssess, 5),
		domain.TaskRequestProvide:  orDefault(d.RequestProvide, 20),
		domain.TaskObjectionHandle: orDefault(d.ObjectionHandle, 15),
		domain.TaskAppeal:          orDefault(d.AppealDays, 15),
		domain.TaskAppealReview:    orDefault(d.AppealReview, 15),
	}
	if kind == domain.TaskExitConfirmation {
		return activities.Deadline{CalendarDays: d.ExitConfirmationDays, ReminderBefore: d.ReminderBefore}
	}
	return activities.Deadline{WorkingDays: days[kind], ReminderBefore: d.ReminderBefore}
}

// autoUrgeDays is how many working days past its due date a department's
// task is urged automatically (zero in older inputs: the default).
func (d Deadlines) autoUrgeDays() int { return orDefault(d.AutoUrgeDays, 5) }
