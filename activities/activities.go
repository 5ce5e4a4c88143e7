// Package activities holds the side effects of the workflows: computing
// deadlines from the working-day calendar and writing the read model.
package activities

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/docgen"
	"github.com/datagate/datagate/docsign"
	"github.com/datagate/datagate/documents"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/files"
	"github.com/datagate/datagate/store"
)

// ApplyName is the registered name of Activities.Apply.
const ApplyName = "Apply"

// Activities carries the injected dependencies.
type Activities struct {
	Store    *store.Store
	Calendar *calendar.Calendar
	// Files keeps the agreements' documents by digest; nil: only their
	// digests are recorded (the same record renders the same bytes).
	Files files.Store
	// Signer signs an agreement's document with the SM2 key of each
	// party whose signing decision a change commits; nil: no signatures
	// are made (DATAGATE_SIGNING_KEY unset).
	Signer *docsign.Authority
}

// Deadline says when a new task falls due: WorkingDays (Chinese working
// days) or CalendarDays after it opens, or at Until (a date an earlier
// round set), but never after NotAfter (a step that must end within
// another's time), how many working days before that the reminder goes
// out (0: no reminder), and how many working days after it a task still
// open is urged automatically (UrgeAfter; 0: never).
type Deadline struct {
	WorkingDays    int        `json:"working_days,omitempty"`
	CalendarDays   int        `json:"calendar_days,omitempty"`
	Until          *time.Time `json:"until,omitempty"`
	NotAfter       *time.Time `json:"not_after,omitempty"`
	ReminderBefore int        `json:"reminder_before,omitempty"`
	UrgeAfter      int        `json:"urge_after,omitempty"`
	// From: the working or calendar days count from this moment instead
	// of the task's opening (a time limit that runs from the receipt of a
	// request, 第十八条).
	From *time.Time `json:"from,omitempty"`
}

// NewTask is a task to open; its DueAt, RemindAt and UrgeAt are computed
// here.
type NewTask struct {
	Task     Task     `json:"task"`
	Deadline Deadline `json:"deadline"`
}

// Change is one committed transition of one workflow: the records it
// changed and the tasks it opens. Writing the same change again leaves the
// same rows.
type Change struct {
	ApplicationID uint64            `json:"application_id"`
	App           *AppRow           `json:"app,omitempty"`
	Urges         []Urge            `json:"urges,omitempty"`
	Datasets      []DatasetDecision `json:"datasets,omitempty"`
	Tasks         []Task            `json:"tasks,omitempty"`
	Agreements    []Agreement       `json:"agreements,omitempty"`
	Models        []Model           `json:"models,omitempty"`
	Evaluations   []Evaluation      `json:"evaluations,omitempty"`
	Audit         []AuditEntry      `json:"audit,omitempty"`
	Open          []NewTask         `json:"open,omitempty"`
	// A statutory procedure's: its row, an approved catalog change, the
	// datasets it suspends, reopens or withdraws.
	Procedure     *ProcedureRow  `json:"procedure,omitempty"`
	Publish       *Publication   `json:"publish,omitempty"`
	DatasetStates []DatasetState `json:"dataset_states,omitempty"`
	// Restrictions are an authorization's measures, as they now stand.
	Restrictions []Restriction `json:"restrictions,omitempty"`
}

// Applied returns the opened tasks with their computed deadlines. It is
// recorded in the workflow history, so a new holiday table never changes a
// running workflow's replay.
type Applied struct {
	Opened []Task `json:"opened,omitempty"`
}

// reminderHour is when a reminder goes out on its working day (+08:00).
const reminderHour = 9

// Apply computes the deadlines of new tasks and writes the whole change in
// one transaction. Writing the same change again writes nothing new.
func (a *Activities) Apply(ctx context.Context, c Change) (Applied, error) {
	var out Applied
	for _, nt := range c.Open {
		t := nt.Task
		from := t.OpenedAt
		if nt.Deadline.From != nil {
			from = *nt.Deadline.From
		}
		at, err := a.deadline(from, nt.Deadline)
		if err != nil {
			return Applied{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("task %s: %v", t.ID, err), "BadDeadline", err)
		}
		t.DueAt, t.RemindAt, t.UrgeAt = at.Due, at.Remind, at.Urge
		out.Opened = append(out.Opened, t)
	}
	ch := c.rows()
	for _, t := range out.Opened {
		ch.Tasks = append(ch.Tasks, t.Row())
	}
	if err := a.Store.Apply(ctx, ch); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Applied{}, temporal.NewNonRetryableApplicationError(err.Error(), "NotFound", err)
		}
		return Applied{}, err
	}
	// Written after the change, which they are drawn from; a failure
	// retries the whole activity, whose change is written once.
	if err := a.recordDocuments(ctx, c, out.Opened); err != nil {
		return Applied{}, err
	}
	if err := a.recordSignatures(ctx, c); err != nil {
		return Applied{}, err
	}
	return out, nil
}

// recordSignatures signs, for each party's signature the change carries
// and the record lacks, the agreement's latest recorded document with the
// party's SM2 key: a detached CMS kept beside the document. The
// signature's time is the signing decision's; a party that signed before
// the document changed (datasets joining a supplementary agreement)
// signed the earlier one, and is not signed again.
func (a *Activities) recordSignatures(ctx context.Context, c Change) error {
	if a.Signer == nil {
		return nil
	}
	var docs map[string]store.AgreementDocument
	var made []store.AgreementSignature
	for _, ag := range c.Agreements {
		for _, sig := range ag.Signatures {
			if docs == nil {
				recorded, err := a.Store.AgreementDocuments(ctx, c.ApplicationID)
				if err != nil {
					return err
				}
				docs = documents.Latest(recorded)
				if made, err = a.Store.AgreementSignatures(ctx, c.ApplicationID); err != nil {
					return err
				}
			}
			doc, ok := docs[ag.Kind]
			if !ok || slices.ContainsFunc(made, func(m store.AgreementSignature) bool {
				return m.Kind == ag.Kind && m.Org == sig.Org && m.SignedAt.Truncate(time.Microsecond).Equal(sig.At.Truncate(time.Microsecond))
			}) {
				continue
			}
			pdf, err := documents.Bytes(ctx, a.Store, a.Files, c.ApplicationID, doc)
			var rec store.AgreementSignature
			if err == nil {
				rec, err = documents.Sign(ctx, a.Store, a.Signer, c.ApplicationID, ag.Kind, sig.Org, sig.At, pdf, doc.SM3)
			}
			if errors.Is(err, documents.ErrChanged) || errors.Is(err, store.ErrNotFound) {
				// No retry mends it: the decision stands, unsigned, and
				// the log says why.
				activity.GetLogger(ctx).Error("an agreement's signature cannot be made", "application", c.ApplicationID,
					"agreement", ag.Kind, "org", sig.Org, "error", err.Error())
				continue
			} else if err != nil {
				return err
			}
			if err := a.Store.RecordAgreementSignature(ctx, rec); err != nil {
				return err
			}
			made = append(made, rec)
		}
	}
	return nil
}

// recordDocuments records the text of each agreement this change opens
// for signing, or whose content it changes while open (datasets joining
// a supplementary agreement): the template version and the SM3 digest of
// the PDF, whose bytes go to the file store. A record the document font
// cannot print leaves the agreement without a recorded text (its download
// says why) rather than stopping the process.
func (a *Activities) recordDocuments(ctx context.Context, c Change, opened []Task) error {
	kinds := map[string]bool{}
	for _, t := range opened {
		if k, ok := documents.AgreementOfTask(t.Kind); ok {
			kinds[k] = true
		}
	}
	for _, ag := range c.Agreements {
		if ag.Kind == domain.AgreementSupplement && ag.Status == domain.AgreementPending && len(c.Datasets) > 0 {
			kinds[ag.Kind] = true
		}
	}
	for _, kind := range slices.Sorted(maps.Keys(kinds)) {
		in, err := documents.Agreement(ctx, a.Store, c.ApplicationID, kind)
		var doc docgen.Document
		if err == nil {
			doc, err = docgen.Render(in)
		}
		var unprintable *docgen.FieldError
		switch {
		case errors.Is(err, documents.ErrNoDocument):
			continue
		case errors.Is(err, store.ErrNotFound) || errors.As(err, &unprintable):
			// No bureau or operator on record, a character outside the
			// font: no retry mends it.
			activity.GetLogger(ctx).Warn("an agreement's text cannot be made", "application", c.ApplicationID,
				"agreement", kind, "error", err.Error())
			continue
		case err != nil:
			return err
		}
		if a.Files != nil {
			if err := a.Files.Put(ctx, doc.SM3, bytes.NewReader(doc.PDF), int64(len(doc.PDF))); err != nil {
				return err
			}
		}
		if err := a.Store.RecordAgreementDocument(ctx, store.AgreementDocument{ApplicationID: c.ApplicationID, Kind: kind,
			SM3: doc.SM3, TemplateVersion: doc.TemplateVersion, Size: int64(len(doc.PDF)), RecordedAt: in.Date}); err != nil {
			return err
		}
	}
	return nil
}

// timing is when a task falls due, is reminded and is urged.
type timing struct {
	Due          time.Time
	Remind, Urge *time.Time
}

func (a *Activities) deadline(opened time.Time, d Deadline) (timing, error) {
	var due time.Time
	switch {
	case (d.WorkingDays > 0 && d.CalendarDays > 0) || (d.Until != nil && d.WorkingDays+d.CalendarDays > 0):
		return timing{}, errors.New("deadline has more than one of working_days, calendar_days and until")
	case d.Until != nil:
		due = *d.Until
	case d.WorkingDays > 0:
		due = a.Calendar.DueAt(opened, d.WorkingDays)
	case d.CalendarDays > 0:
		day := opened.In(calendar.Zone)
		end := time.Date(day.Year(), day.Month(), day.Day()+d.CalendarDays, 23, 59, 59, 0, calendar.Zone)
		due = end
	default:
		return timing{}, errors.New("deadline has neither working_days nor calendar_days")
	}
	if d.NotAfter != nil && d.NotAfter.Before(due) {
		due = *d.NotAfter
	}
	at := timing{Due: due.UTC()}
	if d.ReminderBefore > 0 {
		day := a.Calendar.SubWorkingDays(due, d.ReminderBefore)
		r := time.Date(day.Year(), day.Month(), day.Day(), reminderHour, 0, 0, 0, calendar.Zone)
		if r.After(opened) {
			at.Remind = utc(&r)
		}
	}
	if d.UrgeAfter > 0 {
		// The end of the UrgeAfter-th working day past the due date.
		u := a.Calendar.DueAt(due, d.UrgeAfter).UTC()
		at.Urge = &u
	}
	return at, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
