package web

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/documents"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// Decisions that need a reason, and those that also need a basis.
var (
	reasonDecisions = []string{domain.DecisionReject, domain.DecisionReturn, domain.DecisionRectify,
		domain.DecisionUnqualified, domain.DecisionRequestChanges, domain.DecisionUphold, domain.DecisionReopen, domain.DecisionDecline,
		domain.DecisionSuggest, domain.DecisionDisagree, domain.DecisionRefuse,
		domain.DecisionWithdrawData, domain.DecisionTreatAndOpen, domain.DecisionKeepOpen,
		domain.DecisionAppeal, domain.DecisionLift}
	basisDecisions = []string{domain.DecisionReject, domain.DecisionUnqualified, domain.DecisionUphold, domain.DecisionRefuse}
)

// Statuses in which the applicant may withdraw: until the authorization
// takes effect.
var withdrawable = []string{domain.StatusSubmitted, domain.StatusInitialReview, domain.StatusSupplement,
	domain.StatusDepartmentReview, domain.StatusAgreements}

// Task kinds whose form has a comment, and those where it is required.
var (
	commentKinds = []string{domain.TaskRegulatorOpinion, domain.TaskSelfEvaluation, domain.TaskRectificationReport, domain.TaskExitConfirmation,
		domain.TaskExitVerification, domain.TaskSignAuthorization, domain.TaskSignService, domain.TaskSignCommitment,
		domain.TaskFileService, domain.TaskModelRevision, domain.TaskModelReview, domain.TaskInitialReview,
		domain.TaskRateEvaluation, domain.TaskUrgeReply, domain.TaskCatalogReview, domain.TaskCatalogConsult}
	commentRequired = []string{domain.TaskRegulatorOpinion, domain.TaskSelfEvaluation, domain.TaskRectificationReport, domain.TaskExitConfirmation,
		domain.TaskUrgeReply, domain.TaskCatalogConsult}
	// supervisionKinds are the tasks supervision itself opens: they are
	// neither urged nor flagged.
	supervisionKinds = []string{domain.TaskUrgeReply, domain.TaskFlagAnswer}
	// answeredDecisions: the steps that answer a decision (a supplement
	// answers a return, ...), with the decision each answers.
	answeredDecisions = map[string]string{domain.TaskSupplement: domain.DecisionReturn,
		domain.TaskModelRevision: domain.DecisionRequestChanges, domain.TaskRectificationReport: domain.DecisionRectify}
)

// datasetRow is one dataset of an application, with its catalog entry.
type datasetRow struct {
	store.ApplicationDataset
	Name  string
	Grade int
	// Open is the catalog's open attribute (store.Open*); AuthorizedOperation
	// says a closed dataset may be used in the secure environment.
	Open                string
	AuthorizedOperation bool
	// RequiresConsent: the dataset is used only with its data subjects'
	// consent; Consent is the basis the application states (nil: none).
	RequiresConsent bool
	Consent         *store.ApplicationConsent
}

// appFacts is what an application asks for, as every decider reads it:
// the scenario, purpose, scope, period, access mode, security controls
// and the datasets with their provider, grade and open attribute.
type appFacts struct {
	App      store.Application
	Datasets []datasetRow
	// Attachments are the documents attached to it, for every decider.
	Attachments []store.Attachment
	// Org is the viewer's org: its own datasets are marked.
	Org string
}

// taskView is one task as a page shows it: its clock in working days and,
// when the caller's org holds it, what the caller may do with it.
type taskView struct {
	store.Task
	AppTitle string
	// Proc is the statutory procedure whose step the task is (such a
	// task has no application); nil for an application's task.
	Proc *store.Procedure
	// Entry is the catalog entry the step's form sends (a revision, or the
	// entry that provides requested data), filled as it stands.
	Entry *entryForm
	// Left and Overdue count working days to or past the due date, for an
	// open task.
	Left, Overdue *int
	IsOverdue     bool
	// Provisional: the due date was counted across a year without a
	// holiday table, by weekends only, and moves when it is added.
	Provisional bool
	// Mine: the task is the caller's org's.
	Mine bool
	// CanDecide, CanAssign: the caller may decide it, or claim, release
	// and transfer it.
	CanDecide, CanAssign bool
	// Batch: the caller may decide it in a batch, with the inbox's
	// toolbar (domain.BatchDecisions).
	Batch                 bool
	HeldByMe, HeldByOther bool
	Decisions             []string
	NeedsReason           bool
	NeedsBasis            bool
	HasComment            bool
	CommentRequired       bool
	// Datasets are the caller's department's datasets (department review).
	Datasets []datasetRow
	// Facts is the task's application in full, when the caller's scope
	// shows it (the inbox); nil elsewhere.
	Facts      *appFacts
	Regulators []store.Org
	// PendingOpinion is the regulator whose opinion this department
	// review asked for and still waits on.
	PendingOpinion string
	Model          *store.Model
	// Edits are the fields an applicant may supplement, with their values.
	Edits      []editField
	Colleagues []store.User
	Urges      []store.Urge
	Flag       *store.GroundlessFlag
	// CanUrge, CanFlag: a supervisor's actions on it.
	CanUrge, CanFlag bool
	// Replying: an urge on it waits for the department's reply;
	// Answering: a flag on its rejection waits for the answer.
	Replying, Answering bool
	// AboutTask: the task is an urge reply or a flag answer; About the
	// task it is about, when found.
	AboutTask bool
	About     *store.Task
	// Answers are the decisions this step answers (the return a
	// supplement answers, ...), with their reasons.
	Answers []store.Task
}

type editField struct {
	Name, Value string
}

// Href is the page of what the task is a step of: its procedure's or its
// application's.
func (tv taskView) Href() string { return taskHref(tv.Task) }

func taskHref(t store.Task) string {
	if t.ProcedureID != 0 {
		return "/procedures/" + strconv.FormatUint(t.ProcedureID, 10)
	}
	return "/applications/" + strconv.FormatUint(t.ApplicationID, 10)
}

// clock fills a task's working-day figures.
func (w *Web) clock(t store.Task, now time.Time) (left, overdue *int, late bool) {
	left, overdue = w.deps.DueFigures(t, now)
	return left, overdue, overdue != nil
}

// viewer is who looks at a page: the user and what their roles allow.
type viewer struct {
	User store.User
	Can  map[string]bool
}

// taskContext is what building task views needs beyond the task: loaded
// once per page.
type taskContext struct {
	apps map[uint64]store.Application
	// procs are the procedures of the procedures' steps; procTasks every
	// step of those whose steps' views name another step (Answers,
	// About).
	procs      map[uint64]store.Procedure
	procTasks  map[uint64][]store.Task
	catalog    map[string]store.Dataset
	models     map[string]store.Model
	regulators []store.Org
	colleagues []store.User
	urges      map[string][]store.Urge
	flags      map[string]store.GroundlessFlag
	// replying and answering: tasks with an urge reply, or a flag answer,
	// still open.
	replying, answering map[string]bool
	// pendingOpinion: the caller's open department reviews waiting on a
	// regulator's opinion, with the regulator.
	pendingOpinion map[string]string
	// visible: the applications whose facts the caller's scope shows
	// (scopeApps); the tasks of these carry their application's facts.
	visible map[uint64]bool
	// appTasks: every task of the applications whose tasks' views name
	// another task (About, Answers).
	appTasks map[uint64][]store.Task
	// attachments: each application's documents.
	attachments map[uint64][]store.Attachment
}

// loadTaskContext loads, for tasks, their applications with their datasets'
// catalog entries, models, urges and flags, and the caller's colleagues
// and the regulators when a form may need them.
func (w *Web) loadTaskContext(ctx context.Context, v viewer, tasks []store.Task, apps map[uint64]store.Application) (*taskContext, error) {
	st := w.deps.Store
	tc := &taskContext{apps: apps, models: map[string]store.Model{}, appTasks: map[uint64][]store.Task{},
		procTasks: map[uint64][]store.Task{}}
	if tc.apps == nil {
		tc.apps = map[uint64]store.Application{}
	}
	ids := make([]string, 0, len(tasks))
	var procIDs []uint64
	needRegulators := false
	for _, t := range tasks {
		ids = append(ids, t.ID)
		if t.ProcedureID != 0 {
			// A procedure's step: no application, no model, no regulator.
			if !slices.Contains(procIDs, t.ProcedureID) {
				procIDs = append(procIDs, t.ProcedureID)
			}
			mine := t.Status == domain.TaskOpen && t.Department == v.User.OrgCode
			if _, ok := tc.procTasks[t.ProcedureID]; !ok && (mine || slices.Contains(supervisionKinds, t.Kind)) {
				all, err := st.TasksOfProcedure(ctx, t.ProcedureID)
				if err != nil {
					return nil, err
				}
				tc.procTasks[t.ProcedureID] = all
			}
			continue
		}
		if _, ok := tc.apps[t.ApplicationID]; !ok {
			a, err := st.Application(ctx, t.ApplicationID)
			if err != nil {
				return nil, err
			}
			tc.apps[t.ApplicationID] = a
		}
		if t.Kind == domain.TaskModelReview || t.Kind == domain.TaskModelRevision {
			if _, ok := tc.models[t.WorkflowID]; !ok {
				ms, err := st.Models(ctx, t.ApplicationID)
				if err != nil {
					return nil, err
				}
				for _, m := range ms {
					tc.models[m.ID] = m
				}
			}
		}
		if _, answers := answeredDecisions[t.Kind]; answers || slices.Contains(supervisionKinds, t.Kind) {
			if _, ok := tc.appTasks[t.ApplicationID]; !ok {
				all, err := st.TasksOf(ctx, t.ApplicationID)
				if err != nil {
					return nil, err
				}
				tc.appTasks[t.ApplicationID] = all
			}
		}
		if t.Kind == domain.TaskDepartmentReview && t.Status == domain.TaskOpen && t.Department == v.User.OrgCode {
			needRegulators = true
			if err := tc.loadPendingOpinion(ctx, st, t); err != nil {
				return nil, err
			}
		}
	}
	var codes []string
	for _, a := range tc.apps {
		for _, d := range a.Datasets {
			codes = append(codes, d.DatasetCode)
		}
	}
	var err error
	if tc.procs, err = st.ProceduresByID(ctx, procIDs); err != nil {
		return nil, err
	}
	if tc.catalog, err = st.DatasetsByCode(ctx, codes); err != nil {
		return nil, err
	}
	tc.attachments = map[uint64][]store.Attachment{}
	for id := range tc.apps {
		if tc.attachments[id], err = st.Attachments(ctx, id); err != nil {
			return nil, err
		}
	}
	if needRegulators {
		if tc.regulators, err = st.Orgs(ctx, store.KindRegulator); err != nil {
			return nil, err
		}
	}
	if v.Can["TaskAssign"] {
		users, err := st.UsersOfOrg(ctx, v.User.OrgCode)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.ID == v.User.ID {
				continue
			}
			if ok, err := w.deps.RBAC.Allow(u.Username, u.OrgCode, canNames["TaskDecide"]); err == nil && ok {
				tc.colleagues = append(tc.colleagues, u)
			}
		}
	}
	if tc.urges, err = st.UrgesOfTasks(ctx, ids); err != nil {
		return nil, err
	}
	if tc.flags, err = st.FlagsOfTasks(ctx, ids); err != nil {
		return nil, err
	}
	if tc.replying, err = st.OpenSubjects(ctx, domain.TaskUrgeReply, ids); err != nil {
		return nil, err
	}
	if tc.answering, err = st.OpenSubjects(ctx, domain.TaskFlagAnswer, ids); err != nil {
		return nil, err
	}
	return tc, nil
}

// loadPendingOpinion notes the regulator an open department review waits
// on, if any.
func (tc *taskContext) loadPendingOpinion(ctx context.Context, st *store.Store, review store.Task) error {
	tasks, err := st.TasksOf(ctx, review.ApplicationID)
	if err != nil {
		return err
	}
	for _, o := range tasks {
		if o.Kind == domain.TaskRegulatorOpinion && o.Status == domain.TaskOpen && o.Subject == review.Department {
			if tc.pendingOpinion == nil {
				tc.pendingOpinion = map[string]string{}
			}
			tc.pendingOpinion[review.ID] = o.Department
		}
	}
	return nil
}

// siblings are the loaded tasks of t's application or procedure.
func (tc *taskContext) siblings(t store.Task) []store.Task {
	if t.ProcedureID != 0 {
		return tc.procTasks[t.ProcedureID]
	}
	return tc.appTasks[t.ApplicationID]
}

// subject is the task t is about (an urge reply's or a flag answer's).
func (tc *taskContext) subject(t store.Task) *store.Task {
	for _, o := range tc.siblings(t) {
		if o.ID == t.Subject {
			return &o
		}
	}
	return nil
}

// answered are the decisions step t answers: those of its workflow that
// decided what answeredDecisions names for its kind, after the previous
// step of t's kind opened and before t did.
func (tc *taskContext) answered(t store.Task) []store.Task {
	if t.ProcedureID != 0 {
		return tc.procAnswered(t)
	}
	decision, ok := answeredDecisions[t.Kind]
	if !ok {
		return nil
	}
	var since time.Time
	for _, o := range tc.appTasks[t.ApplicationID] {
		if o.Kind == t.Kind && o.WorkflowID == t.WorkflowID && o.OpenedAt.Before(t.OpenedAt) && o.OpenedAt.After(since) {
			since = o.OpenedAt
		}
	}
	var out []store.Task
	for _, o := range tc.appTasks[t.ApplicationID] {
		if o.WorkflowID == t.WorkflowID && o.Decision == decision && o.DecidedAt != nil &&
			!o.DecidedAt.After(t.OpenedAt) && o.DecidedAt.After(since) {
			out = append(out, o)
		}
	}
	return out
}

// procAnswered is what a procedure's step answers: the step decided last
// before it opened (the bureau's suggestion a revision answers, the
// disagreement a joint consultation answers, ...), supervision's
// exchanges left out.
func (tc *taskContext) procAnswered(t store.Task) []store.Task {
	if slices.Contains(supervisionKinds, t.Kind) {
		return nil
	}
	var last *store.Task
	for i, o := range tc.procTasks[t.ProcedureID] {
		if o.ID == t.ID || o.Status != domain.TaskDone || o.DecidedAt == nil || o.DecidedAt.After(t.OpenedAt) ||
			slices.Contains(supervisionKinds, o.Kind) {
			continue
		}
		if last == nil || o.DecidedAt.After(*last.DecidedAt) {
			last = &tc.procTasks[t.ProcedureID][i]
		}
	}
	if last == nil {
		return nil
	}
	return []store.Task{*last}
}

// scopeApps notes which of the context's applications v's scope shows
// (httpctx.Deps.Scope, as the application page checks it): their tasks
// carry the application's facts.
func (w *Web) scopeApps(ctx context.Context, v viewer, tc *taskContext) error {
	f, err := w.deps.Scope(v.User)
	if err != nil {
		return err
	}
	tc.visible = make(map[uint64]bool, len(tc.apps))
	for id := range tc.apps {
		ok, err := w.deps.Store.ApplicationVisible(ctx, id, f)
		if err != nil {
			return err
		}
		tc.visible[id] = ok
	}
	return nil
}

// datasetRows are an application's datasets with their catalog names,
// those of one department when dept is not empty.
func (tc *taskContext) datasetRows(a store.Application, dept string) []datasetRow {
	var out []datasetRow
	for _, d := range a.Datasets {
		if dept != "" && d.Department != dept {
			continue
		}
		c := tc.catalog[d.DatasetCode]
		row := datasetRow{ApplicationDataset: d, Name: c.Name, Grade: c.Grade,
			Open: c.OpenAttribute, AuthorizedOperation: c.AuthorizedOperation, RequiresConsent: c.RequiresConsent}
		for i, cs := range a.Consents {
			if cs.DatasetCode == d.DatasetCode {
				row.Consent = &a.Consents[i]
			}
		}
		out = append(out, row)
	}
	return out
}

// facts is application a as v reads it.
func (tc *taskContext) facts(v viewer, a store.Application) *appFacts {
	return &appFacts{App: a, Datasets: tc.datasetRows(a, ""), Attachments: tc.attachments[a.ID], Org: v.User.OrgCode}
}

// taskView builds one task's view for v.
func (w *Web) taskView(v viewer, tc *taskContext, t store.Task, now time.Time) taskView {
	tv := taskView{Task: t}
	a := tc.apps[t.ApplicationID]
	if p, ok := tc.procs[t.ProcedureID]; ok && t.ProcedureID != 0 {
		tv.Proc, tv.AppTitle = &p, p.Title
	} else if t.ProcedureID == 0 {
		tv.AppTitle = a.Title
		if tc.visible[t.ApplicationID] {
			tv.Facts = tc.facts(v, a)
		}
	}
	tv.Left, tv.Overdue, tv.IsOverdue = w.clock(t, now)
	tv.Provisional = t.Status == domain.TaskOpen && w.deps.Calendar.Provisional(t.OpenedAt, t.DueAt)
	tv.Urges = tc.urges[t.ID]
	if f, ok := tc.flags[t.ID]; ok {
		tv.Flag = &f
	}
	if m, ok := tc.models[t.WorkflowID]; ok {
		tv.Model = &m
	}
	open := t.Status == domain.TaskOpen
	tv.AboutTask = slices.Contains(supervisionKinds, t.Kind)
	if tv.AboutTask {
		tv.About = tc.subject(t)
	}
	tv.Answers = tc.answered(t)
	// An applicant's own step is its org's: nobody claims or transfers it.
	applicantStep := t.ProcedureID == 0 && t.Department == a.ApplicantOrg
	tv.Mine = t.Department == v.User.OrgCode
	tv.HeldByMe = t.Assignee != "" && t.Assignee == v.User.Username
	tv.HeldByOther = t.Assignee != "" && !tv.HeldByMe
	if open && tv.Mine {
		tv.CanDecide = v.Can["TaskDecide"] && !tv.HeldByOther
		tv.CanAssign = v.Can["TaskAssign"] && !applicantStep
		tv.Colleagues = tc.colleagues
	}
	if tv.CanDecide {
		tv.Decisions = domain.AllowedDecisions(t.Kind)
		if !applicantStep {
			// Only the applicant may decline the agreements.
			tv.Decisions = slices.DeleteFunc(tv.Decisions, func(d string) bool { return d == domain.DecisionDecline })
		}
		for _, d := range tv.Decisions {
			tv.NeedsReason = tv.NeedsReason || slices.Contains(reasonDecisions, d)
			tv.NeedsBasis = tv.NeedsBasis || slices.Contains(basisDecisions, d)
		}
		tv.HasComment = slices.Contains(commentKinds, t.Kind)
		tv.CommentRequired = slices.Contains(commentRequired, t.Kind)
		switch t.Kind {
		case domain.TaskDepartmentReview:
			// A reopened review decides only what it rejected; what an
			// earlier round approved stands.
			tv.Datasets = slices.DeleteFunc(tc.datasetRows(a, t.Department), func(d datasetRow) bool { return d.Decision != "" })
			tv.Regulators = tc.regulators
			tv.PendingOpinion = tc.pendingOpinion[t.ID]
		case domain.TaskSupplement:
			tv.Edits = []editField{{"description", a.Description}, {"purpose", a.Purpose}, {"scope", a.Scope},
				{"security_controls", a.SecurityControls}}
		case domain.TaskModelRevision:
			if tv.Model != nil {
				tv.Edits = []editField{{"description", tv.Model.Description}}
			}
		case domain.TaskCatalogRevise:
			// The revision starts from the entry as it stands.
			if tv.Proc != nil && tv.Proc.Proposal != nil {
				tv.Entry = newEntryForm("e-"+t.ID, *tv.Proc.Proposal, true)
			}
		case domain.TaskRequestProvide:
			// Requested data joins the catalog as a new dataset, proposed
			// afresh in each round (the last one rejected is the start).
			e := store.DatasetProposal{Change: domain.ChangeCreate}
			if tv.Proc != nil && tv.Proc.Proposal != nil {
				e = *tv.Proc.Proposal
			}
			tv.Entry = newEntryForm("e-"+t.ID, e, false)
		}
	}
	// 督办 goes to departments: never to an applicant's own step, nor to a
	// task whose department has yet to reply to the last urge.
	tv.Replying, tv.Answering = tc.replying[t.ID], tc.answering[t.ID]
	tv.CanUrge = open && v.Can["SupervisionUrge"] && !applicantStep && !tv.Replying && !slices.Contains(supervisionKinds, t.Kind)
	if !open && t.Status == domain.TaskDone && v.Can["SupervisionFlag"] && tv.Flag == nil && !tv.Answering && domain.IsReview(t.Kind) {
		tv.CanFlag = t.Decision == domain.DecisionReject || w.rejectedDataset(a, t)
	}
	return tv
}

// rejectedDataset: a department review whose department rejected one of
// its datasets.
func (w *Web) rejectedDataset(a store.Application, t store.Task) bool {
	if t.Kind != domain.TaskDepartmentReview {
		return false
	}
	for _, d := range a.Datasets {
		if d.Department == t.Department && d.Decision == domain.DecisionReject {
			return true
		}
	}
	return false
}

// appView is one application with everything that happened to it and what
// the viewer may do next.
type appView struct {
	App store.Application
	// Facts is what the application asks for, datasets included.
	Facts      *appFacts
	Steps      []taskView
	Open       []taskView
	MyTasks    []taskView
	Agreements []store.Agreement
	// Docs are the agreements' texts recorded when their signing opened
	// (the latest of each kind); SM2 the parties' signatures on them, by
	// kind/org.
	Docs        map[string]*store.AgreementDocument
	SM2         map[string]*store.AgreementSignature
	Models      []store.Model
	Evaluations []store.Evaluation
	Audit       []auditRow
	// Verdicts are why a rejected application was rejected, or why one
	// in supplement was returned, shown first; Supplement is the
	// viewer's supplement step, shown under the return it answers (and
	// not among MyTasks).
	Verdicts   []verdict
	Supplement *taskView
	// Renews is the application this one renews (续期), with its last
	// evaluation and agreements; RenewedBy its renewal, when the viewer's
	// scope shows it.
	Renews    *store.RenewalSource
	RenewedBy *store.RenewalLink
	// Own: the viewer's org applied.
	Own                                bool
	CanSubmit, CanWithdraw, CanEdit    bool
	CanSubmitModel, CanExitNotice      bool
	CanRequestEvaluation, CanTerminate bool
	// CanRenew: the viewer's org may apply for this application's renewal.
	CanRenew bool
	// AttachKinds are the kinds of document the viewer may attach: the
	// applicant's while the case runs, or a review opinion on one of
	// ReviewTasks, the open tasks its org holds.
	AttachKinds                           []string
	ReviewTasks                           []taskView
	ApplicantMustAct, OthersMustAct, Done bool
	// Copies are the application's copies (抄送), for the officials who
	// read them; CanCopy: the viewer's org has a step in it and may send
	// it to a colleague (CopyColleagues) or another department
	// (CopyOrgs).
	Copies         []store.Copy
	CanCopy        bool
	CopyColleagues []store.User
	CopyOrgs       []store.Org
	// Uses are the recorded uses of the data (数据调用), oldest first;
	// ConsentUses each consent with the accesses used and left. CanUse:
	// the viewer records a use of the approved datasets (UseDatasets).
	Uses        []store.DataUse
	ConsentUses []store.ConsentUse
	CanUse      bool
	UseDatasets []datasetRow
	// Restrictions are the measures taken against the authorization,
	// latest first; InForce the one that holds, if any. CanRestrict and
	// CanLift: the viewer (the bureau) may take a measure or lift it.
	Restrictions         []store.Restriction
	InForce              *store.Restriction
	CanRestrict, CanLift bool
}

// appView loads an application's view for v.
func (w *Web) appView(ctx context.Context, v viewer, a store.Application, withAudit bool) (appView, error) {
	st := w.deps.Store
	av := appView{App: a, Own: a.ApplicantOrg == v.User.OrgCode}
	tasks, err := st.TasksOf(ctx, a.ID)
	if err != nil {
		return av, err
	}
	tc, err := w.loadTaskContext(ctx, v, tasks, map[uint64]store.Application{a.ID: a})
	if err != nil {
		return av, err
	}
	tc.appTasks[a.ID] = tasks
	av.Facts = tc.facts(v, a)
	if av.Agreements, err = st.Agreements(ctx, a.ID); err != nil {
		return av, err
	}
	docs, err := st.AgreementDocuments(ctx, a.ID)
	if err != nil {
		return av, err
	}
	av.Docs = map[string]*store.AgreementDocument{}
	for k, d := range documents.Latest(docs) {
		av.Docs[k] = &d
	}
	sigs, err := st.AgreementSignatures(ctx, a.ID)
	if err != nil {
		return av, err
	}
	av.SM2 = map[string]*store.AgreementSignature{}
	for _, s := range sigs {
		av.SM2[s.Kind+"/"+s.Org] = &s // in signing order: the latest stays
	}
	if av.Models, err = st.Models(ctx, a.ID); err != nil {
		return av, err
	}
	if av.Evaluations, err = st.Evaluations(ctx, a.ID); err != nil {
		return av, err
	}
	if withAudit {
		entries, err := st.Audit(ctx, a.ID)
		if err != nil {
			return av, err
		}
		if !v.Can["CopyRead"] {
			entries = store.WithoutCopies(entries)
		}
		if av.Audit, err = w.auditRows(ctx, entries); err != nil {
			return av, err
		}
	}
	if err := w.renewalLinks(ctx, v, &av); err != nil {
		return av, err
	}
	now := w.now()
	for _, t := range tasks {
		tv := w.taskView(v, tc, t, now)
		av.Steps = append(av.Steps, tv)
		if t.Status == domain.TaskOpen {
			// The applicant's next steps are the case's, not supervision's
			// exchanges with a department.
			if !av.Own || !slices.Contains(supervisionKinds, t.Kind) {
				av.Open = append(av.Open, tv)
			}
			if t.Department == a.ApplicantOrg {
				av.ApplicantMustAct = true
			} else {
				av.OthersMustAct = true
			}
			switch {
			case tv.CanDecide && t.Kind == domain.TaskSupplement && a.Status == domain.StatusSupplement:
				av.Supplement = &tv
			case tv.CanDecide:
				av.MyTasks = append(av.MyTasks, tv)
			}
		}
	}
	av.Verdicts = verdicts(a, av.Facts.Datasets, tasks)
	sort.SliceStable(av.Steps, func(i, j int) bool { return av.Steps[i].OpenedAt.Before(av.Steps[j].OpenedAt) })
	sort.SliceStable(av.Open, func(i, j int) bool { return av.Open[i].DueAt.Before(av.Open[j].DueAt) })
	s := a.Status
	av.Done = s == domain.StatusClosed || s == domain.StatusRejected || s == domain.StatusWithdrawn
	if v.Can["AttachmentUpload"] && !av.Done {
		if av.Own {
			for _, k := range domain.AttachmentKinds() {
				if domain.AttachedByApplicant(k) {
					av.AttachKinds = append(av.AttachKinds, k)
				}
			}
		} else {
			for _, t := range av.Open {
				if t.Mine {
					av.ReviewTasks = append(av.ReviewTasks, t)
				}
			}
			if len(av.ReviewTasks) > 0 {
				av.AttachKinds = []string{domain.AttachmentReviewOpinion}
			}
		}
	}
	av.CanSubmit = av.Own && v.Can["ApplicationSubmit"] && s == domain.StatusDraft
	av.CanEdit = av.Own && v.Can["ApplicationEdit"] && s == domain.StatusDraft
	av.CanWithdraw = av.Own && v.Can["ApplicationWithdraw"] && slices.Contains(withdrawable, s)
	av.CanSubmitModel = av.Own && v.Can["ModelSubmit"] && s == domain.StatusActive
	av.CanExitNotice = av.Own && v.Can["ExitNotice"] && s == domain.StatusActive
	av.CanRequestEvaluation = v.Can["EvaluationRequest"] && s == domain.StatusActive
	av.CanTerminate = v.Can["AuthorizationEnd"] && s == domain.StatusActive
	av.CanRenew = av.Own && v.Can["ApplicationCreate"] && store.Renewable(a) && (av.RenewedBy == nil || !av.RenewedBy.Blocks())
	if err := w.copyView(ctx, v, &av, tasks); err != nil {
		return av, err
	}
	if err := w.useView(ctx, v, &av); err != nil {
		return av, err
	}
	if err := w.restrictionView(ctx, v, &av); err != nil {
		return av, err
	}
	return av, nil
}

// restrictionView fills the measures taken against the authorization and
// what the bureau may do about them.
func (w *Web) restrictionView(ctx context.Context, v viewer, av *appView) error {
	if av.App.Status == domain.StatusDraft {
		return nil
	}
	rs, err := w.deps.Store.Restrictions(ctx, av.App.ID)
	if err != nil {
		return err
	}
	av.Restrictions = rs
	if len(rs) > 0 && rs[0].InForce() {
		av.InForce = &rs[0]
	}
	may := v.Can["AuthorizationRestrict"] && av.App.Status == domain.StatusActive
	av.CanRestrict = may && av.InForce == nil
	av.CanLift = may && av.InForce != nil
	return nil
}

// useView fills the application's uses of the data and its consents'
// accesses left, once it is or was authorized, and what the viewer may
// use: the applicant, while the authorization is active, its approved
// datasets.
func (w *Web) useView(ctx context.Context, v viewer, av *appView) error {
	st := w.deps.Store
	if !slices.Contains(domain.DisclosedStatuses(), av.App.Status) {
		return nil
	}
	var err error
	if av.Uses, err = st.DataUses(ctx, av.App.ID); err != nil {
		return err
	}
	if av.ConsentUses, err = st.ConsentUses(ctx, av.App.ID, w.now().In(calendar.Zone).Format(time.DateOnly)); err != nil {
		return err
	}
	if !av.Own || !v.Can["DataUse"] || av.App.Status != domain.StatusActive {
		return nil
	}
	for _, d := range av.Facts.Datasets {
		if d.Decision == domain.DecisionApprove {
			av.UseDatasets = append(av.UseDatasets, d)
		}
	}
	av.CanUse = len(av.UseDatasets) > 0
	return nil
}

// copyView fills the application's copies (抄送) for an official who reads
// them, and whom the viewer may send it to: a colleague, or another
// government department, when the viewer's org has a step in it.
func (w *Web) copyView(ctx context.Context, v viewer, av *appView, tasks []store.Task) error {
	st := w.deps.Store
	if !v.Can["CopyRead"] {
		return nil
	}
	var err error
	if av.Copies, err = st.CopiesOf(ctx, av.App.ID); err != nil {
		return err
	}
	av.CanCopy = v.Can["CopySend"] && slices.ContainsFunc(tasks, func(t store.Task) bool { return t.Department == v.User.OrgCode })
	if !av.CanCopy {
		return nil
	}
	users, err := st.UsersOfOrg(ctx, v.User.OrgCode)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.ID != v.User.ID && !u.Disabled && u.Role != domain.RoleAdmin {
			av.CopyColleagues = append(av.CopyColleagues, u)
		}
	}
	orgs, err := st.Orgs(ctx, "")
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if o.Kind != store.KindApplicant && o.Code != v.User.OrgCode {
			av.CopyOrgs = append(av.CopyOrgs, o)
		}
	}
	return nil
}

// verdict is a decision the reader of an application must see first: a
// rejection or a return, with its reason and basis, by which department
// and when.
type verdict struct {
	Kind, Department, Decision string
	Reason, Basis              string
	At                         *time.Time
	// Dataset: a department's rejection of one of its datasets.
	Dataset *datasetRow
}

// verdicts are why application a, rejected, was rejected (the review that
// rejected it, or each department's rejection of its datasets), or why,
// in supplement, it was returned.
func verdicts(a store.Application, datasets []datasetRow, tasks []store.Task) []verdict {
	var last *store.Task
	var want string
	switch a.Status {
	case domain.StatusRejected:
		want = domain.DecisionReject
	case domain.StatusSupplement:
		want = domain.DecisionReturn
	default:
		return nil
	}
	var deptOpened time.Time
	for i, t := range tasks {
		if t.Kind == domain.TaskDepartmentReview && t.OpenedAt.After(deptOpened) {
			deptOpened = t.OpenedAt
		}
		if t.Decision != want || t.DecidedAt == nil || t.Kind == domain.TaskDepartmentReview || !domain.IsReview(t.Kind) {
			continue
		}
		if last == nil || t.DecidedAt.After(*last.DecidedAt) {
			last = &tasks[i]
		}
	}
	var out []verdict
	// A rejection the departments' review came after was reopened.
	if last != nil && (want == domain.DecisionReturn || !deptOpened.After(*last.DecidedAt)) {
		out = append(out, verdict{Kind: last.Kind, Department: last.Department, Decision: last.Decision,
			Reason: last.Reason, Basis: last.Basis, At: last.DecidedAt})
	}
	if want == domain.DecisionReject {
		for i, d := range datasets {
			if d.Decision == domain.DecisionReject {
				out = append(out, verdict{Kind: domain.TaskDepartmentReview, Department: d.Department, Decision: d.Decision,
					Reason: d.Reason, Basis: d.Basis, At: d.DecidedAt, Dataset: &datasets[i]})
			}
		}
	}
	return out
}

// renewalLinks loads what av's application renews and its renewal, the
// latter when v's scope shows it (a draft is its applicant's alone).
func (w *Web) renewalLinks(ctx context.Context, v viewer, av *appView) error {
	st := w.deps.Store
	if old := av.App.RenewsApplicationID; old != nil {
		src, err := st.RenewalSourceOf(ctx, *old)
		if err != nil {
			return err
		}
		av.Renews = &src
	}
	link, ok, err := st.RenewalOf(ctx, av.App.ID)
	if err != nil || !ok {
		return err
	}
	f, err := w.deps.Scope(v.User)
	if err != nil {
		return err
	}
	if ok, err = st.ApplicationVisible(ctx, link.ID, f); err != nil || !ok {
		return err
	}
	av.RenewedBy = &link
	return nil
}
