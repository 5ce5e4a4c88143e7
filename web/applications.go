package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/store"
)

// viewerOf is the signed-in caller of a gated page.
func (w *Web) viewerOf(c *gin.Context, p *page) viewer {
	u, _ := httpctx.User(c)
	return viewer{User: u, Can: p.Can}
}

// visibleApplication loads the application the :id parameter names, when
// the viewer's scope shows it; otherwise it answers (404 outside the
// scope, as if it did not exist) and returns false.
func (w *Web) visibleApplication(c *gin.Context, v viewer) (store.Application, bool) {
	ctx := c.Request.Context()
	id, err := strconv.ParseUint(c.Param("id"), 10, 63)
	if err != nil || id == 0 {
		w.notFound(c)
		return store.Application{}, false
	}
	f, err := w.deps.Scope(v.User)
	if err != nil {
		w.fail(c, err)
		return store.Application{}, false
	}
	ok, err := w.deps.Store.ApplicationVisible(ctx, id, f)
	if err != nil {
		w.fail(c, err)
		return store.Application{}, false
	}
	if !ok {
		w.notFound(c)
		return store.Application{}, false
	}
	a, err := w.deps.Store.Application(ctx, id)
	if err != nil {
		w.fail(c, err)
		return store.Application{}, false
	}
	return a, true
}

// application is one application's page.
func (w *Web) application(c *gin.Context) {
	ctx := c.Request.Context()
	p := w.frame(c, "application.title")
	v := w.viewerOf(c, p)
	a, ok := w.visibleApplication(c, v)
	if !ok {
		return
	}
	av, err := w.appView(ctx, v, a, true)
	if err != nil {
		w.fail(c, err)
		return
	}
	p.Title = w.cat[p.Lang].translate("application.title", a.ID, a.Title)
	p.Data = av
	w.render(c, http.StatusOK, "application", p)
}

// --- the application form ---------------------------------------------------

type pickRow struct {
	store.Dataset
	Selected bool
}

type pickGroup struct {
	Department string
	Datasets   []pickRow
	Selected   bool
}

type newApplicationData struct {
	Groups []pickGroup
	// Consents are the datasets the form asks the data subjects'
	// consent for, each shown while it is picked.
	Consents    []consentField
	AccessModes []string
	// Restricted: a grade-3 dataset is selected, so download and API
	// access are not offered.
	Restricted bool
	// App is the draft being edited; nil on the new-application form.
	App *store.Application
}

// consentField is the form's basis of the data subjects' consent to one
// dataset that requires it: shown (and sent) while the dataset is picked.
type consentField struct {
	store.Dataset
	Selected bool
	// Basis is the draft's, when it has one.
	Basis store.ApplicationConsent
}

func (w *Web) newApplication(c *gin.Context) {
	d, err := w.applicationForm(c.Request.Context(), c.QueryArray("datasets"), nil)
	if err != nil {
		w.fail(c, err)
		return
	}
	p := w.frame(c, "newapp.title")
	p.Data = d
	w.render(c, http.StatusOK, "new_application", p)
}

// editApplication is the application form filled with one of the
// applicant org's drafts; saving sends it to PUT /api/v1/applications/:id
// (the API's rules, the create form's), and the draft is then submitted
// from the form or from its page. Another org's application is not found;
// one that is no longer a draft cannot be edited.
func (w *Web) editApplication(c *gin.Context) {
	ctx := c.Request.Context()
	p := w.frame(c, "editapp.title")
	v := w.viewerOf(c, p)
	a, ok := w.visibleApplication(c, v)
	if !ok {
		return
	}
	if a.ApplicantOrg != v.User.OrgCode {
		w.notFound(c)
		return
	}
	if a.Status != domain.StatusDraft {
		w.message(c, http.StatusConflict, "editapp.not_draft.title", "editapp.not_draft")
		return
	}
	var codes []string
	for _, ds := range a.Datasets {
		codes = append(codes, ds.DatasetCode)
	}
	d, err := w.applicationForm(ctx, codes, a.Consents)
	if err != nil {
		w.fail(c, err)
		return
	}
	d.App = &a
	p.Title = w.cat[p.Lang].translate("editapp.title", a.ID, a.Title)
	p.Data = d
	w.render(c, http.StatusOK, "new_application", p)
}

// applicationForm is the form's catalog, with the datasets in want picked,
// and the consents its datasets require, with the bases in basis.
func (w *Web) applicationForm(ctx context.Context, want []string, basis []store.ApplicationConsent) (newApplicationData, error) {
	var all []store.Dataset
	for offset := 0; ; offset += store.MaxLimit {
		ds, total, err := w.deps.Store.Datasets(ctx, store.DatasetFilter{Limit: store.MaxLimit, Offset: offset})
		if err != nil {
			return newApplicationData{}, err
		}
		all = append(all, ds...)
		if int64(len(all)) >= total || len(ds) == 0 {
			break
		}
	}
	d := newApplicationData{AccessModes: []string{store.AccessSandbox, store.AccessModelResult, store.AccessAPI, store.AccessDownload}}
	// Conditional data first: it is what needs an application.
	slices.SortStableFunc(all, func(a, b store.Dataset) int {
		rank := func(d store.Dataset) int {
			switch d.OpenAttribute {
			case store.OpenConditional:
				return 0
			case store.OpenUnconditional:
				return 1
			}
			if d.Requestable() { // closed, eligible for authorized operation
				return 2
			}
			return 3
		}
		if r := rank(a) - rank(b); r != 0 {
			return r
		}
		return 0
	})
	index := map[string]int{}
	for _, ds := range all {
		sel := slices.Contains(want, ds.Code) && ds.Requestable()
		if sel && ds.SecureOnly() {
			d.Restricted = true
		}
		i, ok := index[ds.Department]
		if !ok {
			i = len(d.Groups)
			index[ds.Department] = i
			d.Groups = append(d.Groups, pickGroup{Department: ds.Department})
		}
		d.Groups[i].Datasets = append(d.Groups[i].Datasets, pickRow{Dataset: ds, Selected: sel})
		d.Groups[i].Selected = d.Groups[i].Selected || sel
		if ds.RequiresConsent && ds.Requestable() {
			f := consentField{Dataset: ds, Selected: sel}
			for _, b := range basis {
				if b.DatasetCode == ds.Code {
					f.Basis = b
				}
			}
			d.Consents = append(d.Consents, f)
		}
	}
	// Groups with a preselected dataset come first.
	slices.SortStableFunc(d.Groups, func(a, b pickGroup) int {
		switch {
		case a.Selected && !b.Selected:
			return -1
		case b.Selected && !a.Selected:
			return 1
		}
		return 0
	})
	return d, nil
}

// --- the inbox ---------------------------------------------------------------

type inboxData struct {
	// Tasks are the page's open tasks, as table rows and, below, each
	// with its forms.
	Tasks []taskView
	// Total counts every open task of the org, Overdue those past due.
	Total, Overdue int64
	// Applicant: the caller applies (an enterprise): its inbox holds its
	// org's own steps, which nobody claims.
	Applicant bool
	// Filters are the filter bar: keyword, step and due dates.
	Filters taskFilters
	Pager   pager
	// BatchChoices are the decisions the batch toolbar offers for the
	// page's rows that may be batched (none: no toolbar).
	BatchChoices []batchChoice
	// AppStatus is the status of each task's application.
	AppStatus map[uint64]string
	Tabs      workTabs
	// Stale are the department's datasets not updated as often as their
	// entries say (第十三条): told to it here, above its tasks.
	Stale []store.StaleDataset
}

// inbox (待办) is a department's open tasks, earliest due first, one page
// at a time: a table of what each is, who holds it and the working days
// left (overdue in red), each linking to its application and to its card
// below, with claim, release and transfer, the application in full
// (within the caller's scope) and the decision form.
func (w *Web) inbox(c *gin.Context) {
	ctx := c.Request.Context()
	p := w.frame(c, "inbox.title")
	v := w.viewerOf(c, p)
	now := w.now()
	q := parseTaskQuery(c)
	d := inboxData{Applicant: p.Can["ApplicationCreate"], Filters: taskFilters{Action: "/inbox", Q: q, Steps: domain.TaskKinds()}}
	pg := parsePaging(c)
	n := q.narrow()
	f := store.InboxFilter{Department: v.User.OrgCode, Status: domain.TaskOpen, Kind: n.Kind, Keyword: n.Keyword,
		DueFrom: n.DueFrom, DueTo: n.DueTo, Limit: pg.Size, Offset: pg.offset()}
	total, err := w.deps.Store.CountInbox(ctx, f)
	if err != nil {
		w.fail(c, err)
		return
	}
	late := f
	late.DueBefore = now
	overdue, err := w.deps.Store.CountInbox(ctx, late)
	if err != nil {
		w.fail(c, err)
		return
	}
	var tasks []store.Task
	if total > int64(f.Offset) {
		if tasks, err = w.deps.Store.Inbox(ctx, f); err != nil {
			w.fail(c, err)
			return
		}
	}
	tc, err := w.loadTaskContext(ctx, v, tasks, nil)
	if err != nil {
		w.fail(c, err)
		return
	}
	if err := w.scopeApps(ctx, v, tc); err != nil {
		w.fail(c, err)
		return
	}
	d.Total, d.Overdue = total, overdue
	if p.Can["CatalogPropose"] {
		if d.Stale, err = w.deps.Store.StaleDatasets(ctx, now, v.User.OrgCode); err != nil {
			w.fail(c, err)
			return
		}
	}
	d.AppStatus = map[uint64]string{}
	for id, a := range tc.apps {
		d.AppStatus[id] = a.Status
	}
	d.Tabs = workTabsOf(p, "todo")
	for _, t := range tasks {
		tv := w.taskView(v, tc, t, now)
		tv.Batch = tv.CanDecide && len(domain.BatchDecisions(t.Kind)) > 0
		d.Tasks = append(d.Tasks, tv)
	}
	d.BatchChoices = batchChoices(d.Tasks)
	d.Pager = newPager("/inbox", q.values(), pg, total)
	p.Data = d
	w.render(c, http.StatusOK, "inbox", p)
}

// taskHeads loads what a list names tasks by: the applications of the
// applications' steps (their heads), and the procedures of the
// procedures' steps.
func (w *Web) taskHeads(ctx context.Context, tasks []store.Task) (map[uint64]store.Application, map[uint64]store.Procedure, error) {
	var appIDs, procIDs []uint64
	for _, t := range tasks {
		if t.ProcedureID != 0 {
			procIDs = append(procIDs, t.ProcedureID)
		} else {
			appIDs = append(appIDs, t.ApplicationID)
		}
	}
	apps, err := w.deps.Store.ApplicationHeads(ctx, appIDs)
	if err != nil {
		return nil, nil, err
	}
	procs, err := w.deps.Store.ProceduresByID(ctx, procIDs)
	if err != nil {
		return nil, nil, err
	}
	return apps, procs, nil
}

// doneRow is one task the org decided, with its application, or its
// procedure (Proc) when it is a procedure's step.
type doneRow struct {
	store.Task
	App  store.Application
	Proc *store.Procedure
	// Late: decided after its due date.
	Late bool
}

type doneData struct {
	Rows      []doneRow
	Filters   taskFilters
	Mine      bool
	MineHref  string
	AllHref   string
	Applicant bool
	Pager     pager
	Tabs      workTabs
}

// inboxDone (已办) is what the caller's org decided, the latest first, or
// what the caller decided (mine=1): each task with the decision, who
// decided and when, and whether it was on time, linking to its
// application.
func (w *Web) inboxDone(c *gin.Context) {
	ctx := c.Request.Context()
	p := w.frame(c, "done.title")
	v := w.viewerOf(c, p)
	tq := parseTaskQuery(c)
	d := doneData{Mine: c.Query("mine") == "1", Applicant: p.Can["ApplicationCreate"],
		Filters: taskFilters{Action: "/inbox/done", Q: tq, Steps: domain.TaskKinds()}}
	pg := parsePaging(c)
	f := store.DoneFilter{Department: v.User.OrgCode, TaskNarrow: tq.narrow(), Limit: pg.Size, Offset: pg.offset()}
	q := tq.values()
	// "All" and "only mine" keep the filters; the filters keep the choice.
	all := "/inbox/done"
	if e := q.Encode(); e != "" {
		all += "?" + e
	}
	q.Set("mine", "1")
	d.AllHref, d.MineHref = all, "/inbox/done?"+q.Encode()
	q.Del("mine")
	if d.Mine {
		f.Actor = v.User.Username
		q.Set("mine", "1")
		d.Filters.Keep, d.Filters.Reset = map[string]string{"mine": "1"}, "/inbox/done?mine=1"
	}
	tasks, total, err := w.deps.Store.DoneTasks(ctx, f)
	if err != nil {
		w.fail(c, err)
		return
	}
	apps, procs, err := w.taskHeads(ctx, tasks)
	if err != nil {
		w.fail(c, err)
		return
	}
	for _, t := range tasks {
		r := doneRow{Task: t, App: apps[t.ApplicationID], Late: t.DecidedAt != nil && t.DecidedAt.After(t.DueAt)}
		if p, ok := procs[t.ProcedureID]; ok {
			r.Proc = &p
		}
		d.Rows = append(d.Rows, r)
	}
	d.Pager = newPager("/inbox/done", q, pg, total)
	d.Tabs = workTabsOf(p, "done")
	p.Data = d
	w.render(c, http.StatusOK, "inbox_done", p)
}

// copyRow is one copy (抄送) the caller received, with its application.
type copyRow struct {
	store.Copy
	App store.Application
}

type copiesData struct {
	Rows   []copyRow
	Unread bool
	Pager  pager
	Tabs   workTabs
}

// inboxCopies (抄送我的) lists the applications sent to the caller or the
// caller's org for information, newest first, or the unread ones
// (unread=1), each with who sent it, the note, and who marked it read.
func (w *Web) inboxCopies(c *gin.Context) {
	ctx := c.Request.Context()
	p := w.frame(c, "copies.title")
	v := w.viewerOf(c, p)
	d := copiesData{Unread: c.Query("unread") == "1"}
	pg := parsePaging(c)
	q := url.Values{}
	if d.Unread {
		q.Set("unread", "1")
	}
	copies, total, err := w.deps.Store.CopiesReceived(ctx, store.CopyFilter{Org: v.User.OrgCode, User: v.User.Username,
		Unread: d.Unread, Limit: pg.Size, Offset: pg.offset()})
	if err != nil {
		w.fail(c, err)
		return
	}
	ids := make([]uint64, 0, len(copies))
	for _, cp := range copies {
		ids = append(ids, cp.ApplicationID)
	}
	apps, err := w.deps.Store.ApplicationHeads(ctx, ids)
	if err != nil {
		w.fail(c, err)
		return
	}
	for _, cp := range copies {
		d.Rows = append(d.Rows, copyRow{Copy: cp, App: apps[cp.ApplicationID]})
	}
	d.Pager = newPager("/inbox/copies", q, pg, total)
	d.Tabs = workTabsOf(p, "copies")
	p.Data = d
	w.render(c, http.StatusOK, "inbox_copies", p)
}
