// Package documents builds the printed documents of an application from
// its committed record: the agreements (docgen.Agreement) and the approval
// form (审批单, docgen.ApprovalForm). Everything they say is read from the
// store, so a document says what the workflows committed and nothing else;
// the same record gives the same bytes.
package documents

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/datagate/datagate/docgen"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// zh is the document language.
const zh = "zh-CN"

// notGiven stands for a field the application left blank.
const notGiven = "（申请未填写）"

// accessModes and openAttributes are the documents' words for an access
// mode and an open attribute.
var (
	accessModes = map[string]string{
		store.AccessDownload: "下载", store.AccessAPI: "接口调用",
		store.AccessSandbox: "数据沙箱（安全环境内使用）", store.AccessModelResult: "模型结果（仅获取结果）",
	}
	openAttributes = map[string]string{
		store.OpenUnconditional: "无条件开放", store.OpenConditional: "有条件开放", store.OpenClosed: "非开放",
	}
)

// signTask is the task kind in which an agreement is signed.
var signTask = map[string]string{
	domain.AgreementAuthorization: domain.TaskSignAuthorization,
	domain.AgreementService:       domain.TaskSignService,
	domain.AgreementCommitment:    domain.TaskSignCommitment,
	domain.AgreementSupplement:    domain.TaskSignSupplement,
}

// AgreementOfTask is the agreement a signing task signs.
func AgreementOfTask(taskKind string) (string, bool) {
	for a, t := range signTask {
		if t == taskKind {
			return a, true
		}
	}
	return "", false
}

// ErrNoDocument: the agreement has no text of its own (the filing, 备案,
// is an act on the signed service agreement) or has not been opened.
var ErrNoDocument = errors.New("documents: the agreement has no document yet")

// record is what one application's documents are built from.
type record struct {
	app        store.Application
	tasks      []store.Task
	agreements []store.Agreement
	datasets   map[string]store.Dataset
	orgs       map[string]string // code: name
	people     map[string]string // username: display name
}

func load(ctx context.Context, st *store.Store, appID uint64) (*record, error) {
	r := &record{orgs: map[string]string{}, people: map[string]string{}}
	var err error
	if r.app, err = st.Application(ctx, appID); err != nil {
		return nil, err
	}
	if r.tasks, err = st.TasksOf(ctx, appID); err != nil {
		return nil, err
	}
	if r.agreements, err = st.Agreements(ctx, appID); err != nil {
		return nil, err
	}
	codes := make([]string, len(r.app.Datasets))
	for i, d := range r.app.Datasets {
		codes[i] = d.DatasetCode
	}
	if r.datasets, err = st.DatasetsByCode(ctx, codes); err != nil {
		return nil, err
	}
	for _, kind := range []string{store.KindBureau, store.KindOperator, store.KindProvider, store.KindRegulator,
		store.KindApplicant, store.KindSupervision, store.KindBigDataCenter} {
		orgs, err := st.Orgs(ctx, kind)
		if err != nil {
			return nil, err
		}
		for _, o := range orgs {
			r.orgs[o.Code] = o.Name
		}
	}
	for _, t := range r.tasks {
		if t.ActorUser == "" || r.people[t.ActorUser] != "" {
			continue
		}
		u, err := st.UserByName(ctx, t.ActorUser)
		switch {
		case err == nil && u.DisplayName != "":
			r.people[t.ActorUser] = u.DisplayName
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
	}
	return r, nil
}

func (r *record) org(code string) string {
	if n := r.orgs[code]; n != "" {
		return n
	}
	return code
}

// orgOfKind is the name of the first org of a kind.
func (r *record) orgOfKind(ctx context.Context, st *store.Store, kind string) (string, error) {
	o, err := st.OrgOfKind(ctx, kind)
	if err != nil {
		return "", err
	}
	return o.Name, nil
}

// application is the application's part of a document, with the datasets
// keep selects.
func (r *record) application(from time.Time, keep func(store.ApplicationDataset) bool) docgen.Application {
	a := r.app
	out := docgen.Application{
		Number: strconv.FormatUint(a.ID, 10), Title: a.Title, Domain: a.Domain, Applicant: r.org(a.ApplicantOrg),
		Purpose: a.Purpose, Scope: a.Scope, AccessMode: accessModes[a.AccessMode], SecurityControls: a.SecurityControls,
	}
	if out.AccessMode == "" {
		out.AccessMode = a.AccessMode
	}
	// Only the purpose is required of an application; a document says
	// what was left blank.
	for _, f := range []*string{&out.Purpose, &out.Scope, &out.SecurityControls} {
		if strings.TrimSpace(*f) == "" {
			*f = notGiven
		}
	}
	// The period agreed: the authorization's when it is active, else the
	// months asked for from the document's date.
	switch {
	case a.ActiveFrom != nil && a.ActiveUntil != nil:
		out.Period = docgen.Period{From: *a.ActiveFrom, To: *a.ActiveUntil}
	case !from.IsZero():
		out.Period = docgen.Period{From: from, To: from.AddDate(0, a.PeriodMonths, 0)}
	}
	for _, d := range a.Datasets {
		if !keep(d) {
			continue
		}
		ds := r.datasets[d.DatasetCode]
		out.Datasets = append(out.Datasets, docgen.Dataset{Name: ds.Name, Code: d.DatasetCode, Department: r.org(d.Department),
			Grade: ds.Grade, OpenAttribute: openAttributes[ds.OpenAttribute]})
	}
	return out
}

// Agreement is the text of one of the application's agreements as it
// stands in the record: the datasets approved (a supplementary agreement:
// those approved after the agreements), dated when its signing opened.
func Agreement(ctx context.Context, st *store.Store, appID uint64, kind string) (docgen.Agreement, error) {
	r, err := load(ctx, st, appID)
	if err != nil {
		return docgen.Agreement{}, err
	}
	return r.agreement(ctx, st, kind)
}

func (r *record) agreement(ctx context.Context, st *store.Store, kind string) (docgen.Agreement, error) {
	taskKind, ok := signTask[kind]
	if !ok {
		return docgen.Agreement{}, ErrNoDocument
	}
	var opened time.Time
	for _, t := range r.tasks {
		if t.Kind == taskKind && (opened.IsZero() || t.OpenedAt.Before(opened)) {
			opened = t.OpenedAt
		}
	}
	if opened.IsZero() {
		return docgen.Agreement{}, ErrNoDocument
	}
	// The supplementary agreement covers what was approved once the
	// authorization agreement was complete; the others what was approved
	// before.
	var authorized *time.Time
	for _, a := range r.agreements {
		if a.Kind == domain.AgreementAuthorization {
			authorized = a.CompletedAt
		}
	}
	keep := func(d store.ApplicationDataset) bool {
		if d.Decision != domain.DecisionApprove && d.Decision != domain.DatasetApprovePending {
			return false
		}
		late := authorized != nil && d.DecidedAt != nil && d.DecidedAt.After(*authorized)
		return late == (kind == domain.AgreementSupplement)
	}
	out := docgen.Agreement{Kind: docgen.Kind(kind), Application: r.application(opened, keep), Date: opened}
	var err error
	if out.Bureau, err = r.orgOfKind(ctx, st, store.KindBureau); err != nil {
		return out, err
	}
	if kind != domain.AgreementCommitment {
		if out.Operator, err = r.orgOfKind(ctx, st, store.KindOperator); err != nil {
			return out, err
		}
	}
	return out, nil
}

// ApprovalForm is the approval form (审批单) of the application as it
// stands: its fields and datasets, every step with its decider, time,
// decision, reason and basis, and its agreements with the template
// version and SM3 fingerprint of their documents.
func ApprovalForm(ctx context.Context, st *store.Store, appID uint64, now time.Time) (docgen.ApprovalForm, error) {
	r, err := load(ctx, st, appID)
	if err != nil {
		return docgen.ApprovalForm{}, err
	}
	from := now
	if r.app.SubmittedAt != nil {
		from = *r.app.SubmittedAt
	}
	f := docgen.ApprovalForm{
		Application: r.application(from, func(store.ApplicationDataset) bool { return true }),
		Status:      domain.Display(domain.SetStatus, r.app.Status, zh),
		Date:        now,
	}
	if r.app.SubmittedAt != nil {
		f.SubmittedAt = *r.app.SubmittedAt
	}
	tasks := slices.Clone(r.tasks)
	slices.SortStableFunc(tasks, func(a, b store.Task) int { return a.OpenedAt.Compare(b.OpenedAt) })
	for _, t := range tasks {
		s := docgen.Step{Name: domain.KindName(t.Kind, zh) + "（" + r.org(t.Department) + "）",
			Reason: t.Reason, Basis: t.Basis}
		if t.Status != domain.TaskOpen {
			s.Decision = domain.DecisionName(t.Decision, zh)
			s.DeciderOrg = r.org(t.Department)
			s.Decider = r.people[t.ActorUser]
			if t.DecidedAt != nil {
				s.Time = *t.DecidedAt
			}
		}
		f.Steps = append(f.Steps, s)
	}
	// Every agreement whose signing opened, in signing order.
	for _, kind := range domain.Agreements() {
		ag, err := r.agreement(ctx, st, kind)
		if errors.Is(err, ErrNoDocument) {
			continue
		} else if err != nil {
			return f, err
		}
		ref := docgen.AgreementRef{Name: docgen.Kind(kind).Title()}
		if doc, err := docgen.Render(ag); err == nil {
			ref.TemplateVersion, ref.SM3 = doc.TemplateVersion, doc.SM3
		}
		f.Agreements = append(f.Agreements, ref)
	}
	return f, nil
}

// Name is a document's file name: the application's number and the
// document's title.
func Name(appID uint64, title string) string { return fmt.Sprintf("申请%d-%s.pdf", appID, title) }
