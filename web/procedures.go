package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// The statutory procedures beside the applications (domain/procedures.go):
// a provider department's catalog change, an applicant's request for data
// outside the catalog, an objection to published data. Each has its page
// (/procedures/:id) with what was filed, its steps and its record; its
// steps are tasks in the answering org's 待办, decided there or on the
// procedure's page through POST /api/v1/tasks/:id/decision.

// procTitle is a procedure's title in lang. The API writes the title of a
// catalog change and of an objection in Chinese, after the kind of change
// or the ground ("新增数据资源：DS-0901 …"): that word is said in lang.
func (w *Web) procTitle(lang string, p store.Procedure) string {
	set, code := "", ""
	switch {
	case p.Kind == domain.ProcCatalogChange && p.Proposal != nil:
		set, code = domain.SetChange, p.Proposal.Change
	case p.Kind == domain.ProcObjection:
		set, code = domain.SetGround, p.Ground
	default:
		return p.Title
	}
	rest, ok := strings.CutPrefix(p.Title, domain.Display(set, code, LangZh)+"：")
	if !ok {
		return p.Title
	}
	return w.cat[lang].translate("proc.title", domain.Display(set, code, lang), rest)
}

// frequencies are the catalog's update frequencies a form offers, in
// order (frequencyKeys says them in each language).
var frequencies = []string{"实时", "每日", "每周", "月度", "季度", "年度", "不定期更新"}

// openAttributes are the open attributes, in order.
var openAttributes = []string{store.OpenUnconditional, store.OpenConditional, store.OpenClosed}

// entryForm is the form of a catalog entry as a department proposes it (a
// new dataset, a change of one, the revision the bureau suggested, the
// entry that provides requested data): its inputs are named as the API
// reads them ("proposal.name", ...), and their ids start with ID.
type entryForm struct {
	ID    string
	Entry store.DatasetProposal
	// Fixed: the code is the procedure's or the dataset's, not chosen.
	Fixed bool
	// Lines are the data items, one a line.
	Lines string
	// Frequencies are the update frequencies offered: the known ones, and
	// the entry's own when it is another.
	Frequencies []string
	Attributes  []string
	Grades      []int
}

func newEntryForm(id string, e store.DatasetProposal, fixed bool) *entryForm {
	f := &entryForm{ID: id, Entry: e, Fixed: fixed, Lines: strings.Join(e.Fields, "\n"),
		Frequencies: slices.Clone(frequencies), Attributes: openAttributes, Grades: []int{1, 2, 3, 4}}
	if e.UpdateFrequency != "" && !slices.Contains(f.Frequencies, e.UpdateFrequency) {
		f.Frequencies = append(f.Frequencies, e.UpdateFrequency)
	}
	if f.Entry.Grade == 0 {
		f.Entry.Grade = 1
	}
	if f.Entry.OpenAttribute == "" {
		f.Entry.OpenAttribute = store.OpenUnconditional
	}
	return f
}

// entryOf is a dataset's catalog entry as a change of it starts.
func entryOf(d store.Dataset, change string) store.DatasetProposal {
	return store.DatasetProposal{Change: change, Code: d.Code, Name: d.Name, Summary: d.Summary, Fields: d.Fields,
		Format: d.Format, UpdateFrequency: d.UpdateFrequency, OpenAttribute: d.OpenAttribute, Grade: d.Grade,
		OpenConditions: d.OpenConditions, Grounds: d.Grounds, AuthorizedOperation: d.AuthorizedOperation}
}

// --- the list -----------------------------------------------------------------

// procRow is one procedure in the list: where it stands, who holds it and
// by when.
type procRow struct {
	P store.Procedure
	openSteps
}

type proceduresData struct {
	Rows []procRow
	// Kind and Outcome are the filters as set, Kinds and Outcomes their
	// choices.
	Kind, Outcome   string
	Kinds, Outcomes []string
	// Keyword is searched in the titles, or is a procedure's number.
	Keyword string
	// All: the viewer sees every procedure (ProcedureScope), not only its
	// org's.
	All   bool
	Pager pager
}

// Filtered: some filter is set.
func (d proceduresData) Filtered() bool { return d.Kind != "" || d.Outcome != "" || d.Keyword != "" }

// procedures is the list of the statutory procedures in the viewer's scope
// (httpctx.Deps.ProcedureScope, as the API's list): those its org filed or
// answers, or every one for the bureau, the big-data center and
// supervisors; filtered by kind and outcome, latest first, paged.
func (w *Web) procedures(c *gin.Context) {
	ctx := c.Request.Context()
	p := w.frame(c, "procs.title")
	v := w.viewerOf(c, p)
	org, err := w.deps.ProcedureScope(v.User)
	if err != nil {
		w.fail(c, err)
		return
	}
	d := proceduresData{Kinds: domain.ProcedureKinds(), Outcomes: domain.Outcomes(), All: org == ""}
	if k := c.Query("kind"); slices.Contains(d.Kinds, k) {
		d.Kind = k
	}
	if o := c.Query("outcome"); slices.Contains(d.Outcomes, o) {
		d.Outcome = o
	}
	if kw := strings.TrimSpace(c.Query("q")); utf8.RuneCountInString(kw) <= store.MaxQueryRunes {
		d.Keyword = kw
	}
	pg := parsePaging(c)
	procs, total, err := w.deps.Store.Procedures(ctx, store.ProcedureFilter{Org: org, Kind: d.Kind, Outcome: d.Outcome,
		Keyword: d.Keyword, Limit: pg.Size, Offset: pg.offset()})
	if err != nil {
		w.fail(c, err)
		return
	}
	if d.Rows, err = w.procRows(ctx, p.Lang, v, procs); err != nil {
		w.fail(c, err)
		return
	}
	q := url.Values{}
	if d.Kind != "" {
		q.Set("kind", d.Kind)
	}
	if d.Outcome != "" {
		q.Set("outcome", d.Outcome)
	}
	if d.Keyword != "" {
		q.Set("q", d.Keyword)
	}
	d.Pager = newPager("/procedures", q, pg, total)
	p.Data = d
	w.render(c, http.StatusOK, "procedures", p)
}

// procRows loads the open steps of procs and builds their rows for v.
func (w *Web) procRows(ctx context.Context, lang string, v viewer, procs []store.Procedure) ([]procRow, error) {
	ids := make([]uint64, len(procs))
	for i, p := range procs {
		ids[i] = p.ID
	}
	tasks, err := w.deps.Store.OpenTasksOfProcedures(ctx, ids)
	if err != nil {
		return nil, err
	}
	byProc := map[uint64][]store.Task{}
	for _, t := range tasks {
		if !slices.Contains(supervisionKinds, t.Kind) {
			byProc[t.ProcedureID] = append(byProc[t.ProcedureID], t)
		}
	}
	now := w.now()
	rows := make([]procRow, len(procs))
	for i, p := range procs {
		r := procRow{P: p}
		for _, t := range byProc[p.ID] {
			tv := w.clockView(t, p.Title, now)
			tv.Proc = &procs[i]
			tv.Mine = t.Department == v.User.OrgCode
			r.add(tv, w.holder(lang, v, tv))
		}
		rows[i] = r
	}
	return rows, nil
}

// --- one procedure ------------------------------------------------------------

// procView is one procedure with everything that happened to it and what
// the viewer may do next.
type procView struct {
	P store.Procedure
	// Dataset is the catalog entry it is about, as it stands now; nil for
	// a request not yet provided, or a new dataset not yet published.
	Dataset *store.Dataset
	Steps   []taskView
	// Open are its open steps (supervision's exchanges with the answering
	// org included), earliest due first; MyTasks those the viewer's org
	// holds, with their forms.
	Open    []taskView
	MyTasks []taskView
	Audit   []auditRow
}

// visibleProcedure loads the procedure the :id parameter names, when the
// viewer's scope shows it (ProcedureScope: its org filed or answers it, or
// it sees every one); otherwise it answers 404, as if it did not exist,
// and returns false.
func (w *Web) visibleProcedure(c *gin.Context, v viewer) (store.Procedure, bool) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 63)
	if err != nil || id == 0 {
		w.notFound(c)
		return store.Procedure{}, false
	}
	pr, err := w.deps.Store.Procedure(c.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		w.notFound(c)
		return store.Procedure{}, false
	} else if err != nil {
		w.fail(c, err)
		return store.Procedure{}, false
	}
	org, err := w.deps.ProcedureScope(v.User)
	if err != nil {
		w.fail(c, err)
		return store.Procedure{}, false
	}
	if !inProcedureScope(org, pr) {
		w.notFound(c)
		return store.Procedure{}, false
	}
	return pr, true
}

// inProcedureScope: org ("" for every one) filed or answers pr.
func inProcedureScope(org string, pr store.Procedure) bool {
	return org == "" || pr.RequesterOrg == org || pr.Department == org
}

// procedure is one procedure's page: what was filed, where it stands, the
// viewer's org's steps with their forms, every step as a timeline, and its
// audit record.
func (w *Web) procedure(c *gin.Context) {
	ctx := c.Request.Context()
	p := w.frame(c, "procs.title")
	v := w.viewerOf(c, p)
	pr, ok := w.visibleProcedure(c, v)
	if !ok {
		return
	}
	pv, err := w.procView(ctx, v, pr)
	if err != nil {
		w.fail(c, err)
		return
	}
	p.Title = w.procTitle(p.Lang, pr)
	p.Data = pv
	w.render(c, http.StatusOK, "procedure", p)
}

func (w *Web) procView(ctx context.Context, v viewer, pr store.Procedure) (procView, error) {
	st := w.deps.Store
	pv := procView{P: pr}
	tasks, err := st.TasksOfProcedure(ctx, pr.ID)
	if err != nil {
		return pv, err
	}
	tc, err := w.loadTaskContext(ctx, v, tasks, nil)
	if err != nil {
		return pv, err
	}
	tc.procTasks[pr.ID] = tasks
	if code := pr.DatasetCode; code != "" {
		ds, err := st.DatasetsByCode(ctx, []string{code})
		if err != nil {
			return pv, err
		}
		if d, ok := ds[code]; ok {
			pv.Dataset = &d
		}
	}
	entries, err := st.AuditOfWorkflow(ctx, pr.WorkflowID)
	if err != nil {
		return pv, err
	}
	if pv.Audit, err = w.auditRows(ctx, entries, tasks...); err != nil {
		return pv, err
	}
	now := w.now()
	for _, t := range tasks {
		tv := w.taskView(v, tc, t, now)
		pv.Steps = append(pv.Steps, tv)
		if t.Status != domain.TaskOpen {
			continue
		}
		pv.Open = append(pv.Open, tv)
		if tv.Mine && (tv.CanDecide || tv.CanAssign || tv.HeldByOther) {
			pv.MyTasks = append(pv.MyTasks, tv)
		}
	}
	sort.SliceStable(pv.Open, func(i, j int) bool { return pv.Open[i].DueAt.Before(pv.Open[j].DueAt) })
	return pv, nil
}

// --- filing -------------------------------------------------------------------

// proposeData is the form of a new dataset.
type proposeData struct {
	Entry *entryForm
}

// propose is a provider department's form of a new dataset: it is filed
// with POST /api/v1/catalog/proposals, and the bureau reviews it.
func (w *Web) propose(c *gin.Context) {
	p := w.frame(c, "propose.title")
	p.Data = proposeData{Entry: newEntryForm("new", store.DatasetProposal{Change: domain.ChangeCreate}, false)}
	w.render(c, http.StatusOK, "catalog_propose", p)
}

// requestData is the form of a request for data outside the catalog.
type requestData struct {
	Departments []store.Org
	// Department is the one picked beforehand (?department=).
	Department string
}

// request is an applicant's form of a request for data outside the
// catalog (第十八条): filed with POST /api/v1/catalog/requests, answered by
// the department that holds the data.
func (w *Web) request(c *gin.Context) {
	depts, err := w.deps.Store.Orgs(c.Request.Context(), store.KindProvider)
	if err != nil {
		w.fail(c, err)
		return
	}
	p := w.frame(c, "request.title")
	p.Data = requestData{Departments: depts, Department: c.Query("department")}
	w.render(c, http.StatusOK, "catalog_request", p)
}

// --- the dataset's page -------------------------------------------------------

// datasetData is a dataset's page: its entry, its history, the procedures
// about it in the viewer's scope, and what the viewer may file.
type datasetData struct {
	store.Dataset
	// Versions are its approved versions, latest first; Linked the
	// procedures (by ID) of those the viewer may open.
	Versions []store.DatasetVersion
	Linked   map[uint64]bool
	// Procedures are the open procedures about it in the viewer's scope.
	Procedures []store.Procedure
	// CanObject: the viewer may object to it (an objection form).
	CanObject bool
	// ObjectionGrounds are the grounds an objection may give.
	ObjectionGrounds []string
	// Change and Retire are its department's forms of a change of the
	// entry and of its retirement; ChangeOpen the change of it in review,
	// when there is one (a second is not filed meanwhile).
	Change, Retire *entryForm
	ChangeOpen     *store.Procedure
	// Stale: its data was not updated as often as its entry says (第十三条),
	// told to everyone who reads it; CanRecordUpdate: the viewer's
	// department provides it and records an update of its data.
	Stale           *store.StaleDataset
	CanRecordUpdate bool
}

func (w *Web) dataset(c *gin.Context) {
	ctx := c.Request.Context()
	code := c.Param("code")
	ds, err := w.deps.Store.DatasetsByCode(ctx, []string{code})
	if err != nil {
		w.fail(c, err)
		return
	}
	d, ok := ds[code]
	if !ok {
		w.notFound(c)
		return
	}
	p := w.frame(c, "dataset.title", d.Name)
	dd := datasetData{Dataset: d, ObjectionGrounds: domain.ObjectionGrounds(), Linked: map[uint64]bool{}}
	if dd.Versions, err = w.deps.Store.DatasetVersions(ctx, code); err != nil {
		w.fail(c, err)
		return
	}
	withdrawn := d.State == domain.DatasetWithdrawn
	dd.CanObject = p.Can["ObjectionFile"] && !withdrawn
	if sd, ok := d.Stale(w.now()); ok {
		dd.Stale = &sd
	}
	dd.CanRecordUpdate = p.User != nil && p.Can["CatalogPropose"] && p.User.OrgCode == d.Department && !withdrawn
	if p.User != nil && p.Can["ProcedureRead"] {
		if err := w.datasetProcedures(ctx, *p.User, &dd); err != nil {
			w.fail(c, err)
			return
		}
	}
	if p.User != nil && p.Can["CatalogPropose"] && p.User.OrgCode == d.Department && !withdrawn && dd.ChangeOpen == nil {
		dd.Change = newEntryForm("change", entryOf(d, domain.ChangeModify), true)
		dd.Retire = newEntryForm("retire", store.DatasetProposal{Change: domain.ChangeRetire, Code: d.Code}, true)
	}
	p.Data = dd
	w.render(c, http.StatusOK, "dataset", p)
}

// datasetProcedures fills the procedures about dd that u's scope shows:
// those open, the change in review, and which versions' procedures u may
// open.
func (w *Web) datasetProcedures(ctx context.Context, u store.User, dd *datasetData) error {
	st := w.deps.Store
	org, err := w.deps.ProcedureScope(u)
	if err != nil {
		return err
	}
	open, _, err := st.Procedures(ctx, store.ProcedureFilter{DatasetCode: dd.Code, OpenOnly: true, Limit: store.MaxLimit})
	if err != nil {
		return err
	}
	for i, pr := range open {
		if pr.Kind == domain.ProcCatalogChange && dd.ChangeOpen == nil {
			dd.ChangeOpen = &open[i]
		}
		if inProcedureScope(org, pr) {
			dd.Procedures = append(dd.Procedures, pr)
		}
	}
	ids := make([]uint64, 0, len(dd.Versions))
	for _, v := range dd.Versions {
		if v.ProcedureID != 0 {
			ids = append(ids, v.ProcedureID)
		}
	}
	procs, err := st.ProceduresByID(ctx, ids)
	if err != nil {
		return err
	}
	for id, pr := range procs {
		dd.Linked[id] = inProcedureScope(org, pr)
	}
	return nil
}
