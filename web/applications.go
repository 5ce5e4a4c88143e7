package web

import (
	"context"
	"net/http"
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

type applicationsData struct {
	// Blocks are each application in full (an applicant's dashboard);
	// Rows a plain list (everyone else).
	Blocks []appView
	Rows   []store.Application
	// Tasks are the applicant org's open steps across applications.
	Todo []taskView
}

// applications is an applicant's dashboard: each application with its
// timeline, what the applicant must do next, and the applicant's open
// steps as forms. Other roles get the applications in their scope as a
// list.
func (w *Web) applications(c *gin.Context) {
	ctx := c.Request.Context()
	p := w.frame(c, "applications.title")
	v := w.viewerOf(c, p)
	f, err := w.deps.Scope(v.User)
	if err != nil {
		w.fail(c, err)
		return
	}
	f.Limit = store.MaxLimit
	apps, err := w.deps.Store.Applications(ctx, f)
	if err != nil {
		w.fail(c, err)
		return
	}
	var d applicationsData
	if p.Can["ApplicationCreate"] {
		p.Title = w.cat[p.Lang].translate("applications.mine")
		for _, a := range apps {
			av, err := w.appView(ctx, v, a, false)
			if err != nil {
				w.fail(c, err)
				return
			}
			d.Blocks = append(d.Blocks, av)
			d.Todo = append(d.Todo, av.MyTasks...)
			if av.Supplement != nil {
				d.Todo = append(d.Todo, *av.Supplement)
			}
		}
		slices.SortStableFunc(d.Todo, func(a, b taskView) int { return a.DueAt.Compare(b.DueAt) })
	} else {
		d.Rows = apps
	}
	p.Data = d
	w.render(c, http.StatusOK, "applications", p)
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
	Groups      []pickGroup
	AccessModes []string
	// Restricted: a grade-3 dataset is selected, so download and API
	// access are not offered.
	Restricted bool
	// App is the draft being edited; nil on the new-application form.
	App *store.Application
}

func (w *Web) newApplication(c *gin.Context) {
	d, err := w.applicationForm(c.Request.Context(), c.QueryArray("datasets"))
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
	d, err := w.applicationForm(ctx, codes)
	if err != nil {
		w.fail(c, err)
		return
	}
	d.App = &a
	p.Title = w.cat[p.Lang].translate("editapp.title", a.ID, a.Title)
	p.Data = d
	w.render(c, http.StatusOK, "new_application", p)
}

// applicationForm is the form's catalog, with the datasets in want picked.
func (w *Web) applicationForm(ctx context.Context, want []string) (newApplicationData, error) {
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

// --- the inbox --------------------------------------------------------------

type inboxData struct {
	Tasks []taskView
	// Overdue counts the tasks past their due date.
	Overdue int
	// Applicant: the caller applies (an enterprise): its inbox holds its
	// org's own steps, which nobody claims.
	Applicant bool
}

// inbox is a department's open tasks, earliest due first, with working
// days left (overdue in red), claim, release and transfer, the application
// each is about in full (within the caller's scope), and the decision form
// of each.
func (w *Web) inbox(c *gin.Context) {
	ctx := c.Request.Context()
	p := w.frame(c, "inbox.title")
	v := w.viewerOf(c, p)
	tasks, err := w.deps.Store.OpenTasks(ctx, v.User.OrgCode, store.MaxLimit)
	if err != nil {
		w.fail(c, err)
		return
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
	now := w.now()
	d := inboxData{Applicant: p.Can["ApplicationCreate"]}
	for _, t := range tasks {
		tv := w.taskView(v, tc, t, now)
		if tv.IsOverdue {
			d.Overdue++
		}
		d.Tasks = append(d.Tasks, tv)
	}
	p.Data = d
	w.render(c, http.StatusOK, "inbox", p)
}
