package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/store"
)

// The lists (issue 17): 我的申请 and the staff's list of applications, 待办
// and 已办 as compact tables, filtered, sorted and paged on the server,
// each row linking to the application's own page.

// pageSizes are the rows per page a list offers; the first is the default.
var pageSizes = []int{10, 20, 50, 100}

// paging is a list's page as the URL asks for it.
type paging struct {
	Page, Size int
}

func parsePaging(c *gin.Context) paging {
	p := paging{Page: 1, Size: pageSizes[0]}
	if n, err := strconv.Atoi(c.Query("page")); err == nil && n > 1 {
		p.Page = n
	}
	if n, err := strconv.Atoi(c.Query("size")); err == nil && slices.Contains(pageSizes, n) {
		p.Size = n
	}
	return p
}

func (p paging) offset() int { return (p.Page - 1) * p.Size }

// pager is what a list shows under its table: the count, the pages as
// numbered links (the first, the last and those around the current one,
// gaps between), previous and next.
type pager struct {
	Total       int64
	Page, Pages int
	// From and To number the rows shown (1-based); 0 when none.
	From, To   int64
	Links      []pageLink
	Prev, Next string
	Sizes      []sizeLink
}

type pageLink struct {
	N       int
	Href    string
	Current bool
	// Gap: the pages between are left out (…).
	Gap bool
}

type sizeLink struct {
	N       int
	Href    string
	Current bool
}

// newPager builds the pager of a list at base (a path) with query q
// (without page and size), at p with total rows.
func newPager(base string, q url.Values, p paging, total int64) pager {
	pages := int((total + int64(p.Size) - 1) / int64(p.Size))
	if pages < 1 {
		pages = 1
	}
	pg := pager{Total: total, Page: p.Page, Pages: pages}
	if total > 0 && p.Page <= pages {
		pg.From = int64(p.offset()) + 1
		pg.To = min(int64(p.offset()+p.Size), total)
	}
	href := func(page, size int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		if page > 1 {
			v.Set("page", strconv.Itoa(page))
		}
		if size != pageSizes[0] {
			v.Set("size", strconv.Itoa(size))
		}
		if len(v) == 0 {
			return base
		}
		return base + "?" + v.Encode()
	}
	last := 0
	for n := 1; n <= pages; n++ {
		if n != 1 && n != pages && (n < p.Page-2 || n > p.Page+2) {
			continue
		}
		if last != 0 && n > last+1 {
			pg.Links = append(pg.Links, pageLink{Gap: true})
		}
		pg.Links = append(pg.Links, pageLink{N: n, Href: href(n, p.Size), Current: n == p.Page})
		last = n
	}
	if p.Page > 1 {
		pg.Prev = href(min(p.Page-1, pages), p.Size)
	}
	if p.Page < pages {
		pg.Next = href(p.Page+1, p.Size)
	}
	for _, s := range pageSizes {
		pg.Sizes = append(pg.Sizes, sizeLink{N: s, Href: href(1, s), Current: s == p.Size})
	}
	return pg
}

// --- the list of applications ----------------------------------------------

// appQuery is what a list of applications is filtered and sorted by, as
// the URL says; a value out of its set is ignored.
type appQuery struct {
	Status, Step, Department, Applicant, Keyword string
	// From and To are dates (YYYY-MM-DD) of submission, both included.
	From, To string
	Sort     string
	Asc      bool
}

func parseAppQuery(c *gin.Context) appQuery {
	q := appQuery{Department: c.Query("department"), Applicant: c.Query("applicant"),
		Keyword: strings.TrimSpace(c.Query("q"))}
	if r := []rune(q.Keyword); len(r) > store.MaxQueryRunes {
		q.Keyword = string(r[:store.MaxQueryRunes])
	}
	if s := c.Query("status"); slices.Contains(domain.Statuses(), s) {
		q.Status = s
	}
	if s := c.Query("step"); slices.Contains(domain.TaskKinds(), s) {
		q.Step = s
	}
	if s := c.Query("sort"); slices.Contains(store.ApplicationSorts(), s) {
		q.Sort = s
	}
	q.Asc = c.Query("dir") == "asc"
	for _, d := range []struct {
		key string
		to  *string
	}{{"from", &q.From}, {"to", &q.To}} {
		if _, err := time.ParseInLocation(time.DateOnly, c.Query(d.key), calendar.Zone); err == nil {
			*d.to = c.Query(d.key)
		}
	}
	return q
}

// filter narrows scope (the viewer's, httpctx.Deps.Scope) by q.
func (q appQuery) filter(scope store.ApplicationFilter) store.ApplicationFilter {
	f := scope
	if q.Status != "" {
		f.Status = q.Status
	}
	f.Step, f.Involves, f.Applicant, f.Keyword = q.Step, q.Department, q.Applicant, q.Keyword
	if t, err := time.ParseInLocation(time.DateOnly, q.From, calendar.Zone); err == nil {
		f.From = t
	}
	if t, err := time.ParseInLocation(time.DateOnly, q.To, calendar.Zone); err == nil {
		f.To = t.AddDate(0, 0, 1)
	}
	f.Sort, f.Asc = q.Sort, q.Asc
	return f
}

// values are q as a URL query, with the sort unless noSort.
func (q appQuery) values(noSort bool) url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"status": q.Status, "step": q.Step, "department": q.Department,
		"applicant": q.Applicant, "q": q.Keyword, "from": q.From, "to": q.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !noSort && q.Sort != "" {
		v.Set("sort", q.Sort)
		if q.Asc {
			v.Set("dir", "asc")
		}
	}
	return v
}

// Filtered: some filter is set.
func (q appQuery) Filtered() bool { return len(q.values(true)) > 0 }

// sortLink is a sortable column's header: the link that sorts by it (or
// reverses it) and, for the current sort, its aria-sort.
type sortLink struct {
	Href string
	// Aria: "ascending" or "descending" for the column sorted by; "".
	Aria string
}

// sortHeader is what the "sort-th" template draws.
type sortHeader struct {
	Label string
	Link  sortLink
}

func (q appQuery) sortLinks(base string) map[string]sortLink {
	out := map[string]sortLink{}
	cur := q.Sort
	if cur == "" {
		cur = store.SortID
	}
	for _, s := range store.ApplicationSorts() {
		v := q.values(true)
		v.Set("sort", s)
		l := sortLink{}
		if s == cur {
			l.Aria = "descending"
			if q.Asc {
				l.Aria = "ascending"
			} else {
				v.Set("dir", "asc")
			}
		}
		l.Href = base + "?" + v.Encode()
		out[s] = l
	}
	return out
}

// appRow is one application in a list: where it stands, who holds it and
// by when.
type appRow struct {
	App store.Application
	openSteps
	// Yours: one of the open steps is the viewer's org's.
	Yours bool
}

// openSteps is what a list's row shows of a case's open steps (an
// application's, a procedure's).
type openSteps struct {
	// Open are the open steps (not supervision's exchanges), earliest due
	// first; Due is the first, with its clock in working days.
	Open []taskView
	Due  *taskView
	// Steps are the kinds of the open steps, each once (parallel
	// department reviews are one step); Holders name who holds each
	// open step (holder).
	Steps, Holders []string
}

// add takes the next open step, held by holder.
func (o *openSteps) add(tv taskView, holder string) {
	o.Open = append(o.Open, tv)
	if !slices.Contains(o.Steps, tv.Kind) {
		o.Steps = append(o.Steps, tv.Kind)
	}
	if !slices.Contains(o.Holders, holder) {
		o.Holders = append(o.Holders, holder)
	}
	o.Due = &o.Open[0]
}

// appRows loads the open steps of apps and builds their rows for v.
func (w *Web) appRows(ctx context.Context, lang string, v viewer, apps []store.Application) ([]appRow, error) {
	ids := make([]uint64, len(apps))
	for i, a := range apps {
		ids[i] = a.ID
	}
	tasks, err := w.deps.Store.OpenTasksOfApplications(ctx, ids)
	if err != nil {
		return nil, err
	}
	byApp := map[uint64][]store.Task{}
	for _, t := range tasks {
		if slices.Contains(supervisionKinds, t.Kind) {
			continue
		}
		byApp[t.ApplicationID] = append(byApp[t.ApplicationID], t)
	}
	now := w.now()
	rows := make([]appRow, len(apps))
	for i, a := range apps {
		r := appRow{App: a}
		for _, t := range byApp[a.ID] {
			tv := w.clockView(t, a.Title, now)
			tv.Mine = t.Department == v.User.OrgCode
			r.Yours = r.Yours || tv.Mine
			r.add(tv, w.holder(lang, v, tv))
		}
		rows[i] = r
	}
	return rows, nil
}

// clockView is a task with its application's title and its clock: what a
// list row shows of it.
func (w *Web) clockView(t store.Task, title string, now time.Time) taskView {
	tv := taskView{Task: t, AppTitle: title}
	tv.Left, tv.Overdue, tv.IsOverdue = w.clock(t, now)
	tv.Provisional = t.Status == domain.TaskOpen && w.deps.Calendar.Provisional(t.OpenedAt, t.DueAt)
	return tv
}

// clockText is a task's clock in words, as the "clock" template says it.
func (w *Web) clockText(lang string, tv taskView) string {
	cat := w.cat[lang]
	var out string
	switch {
	case tv.IsOverdue && deref(tv.Overdue) > 0:
		out = cat.translate("clock.overdue", deref(tv.Overdue))
	case tv.IsOverdue:
		out = cat.translate("clock.overdue_today")
	case tv.Left != nil && *tv.Left > 0:
		out = cat.translate("clock.left", *tv.Left)
	case tv.Left != nil:
		out = cat.translate("clock.due_today")
	}
	if tv.Provisional {
		out = cat.translate("clock.provisional") + " " + out
	}
	return out
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// option is one choice of a filter's select: a code and its words.
type option struct {
	Value, Label string
}

// appFilterChoices are the choices of a list's filters for v: the
// departments (providers and regulators) and, for staff, the applicants
// within their scope.
func (w *Web) appFilterChoices(ctx context.Context, lang string, scope store.ApplicationFilter, applicant bool) (depts, applicants []option, err error) {
	for _, kind := range []string{store.KindProvider, store.KindRegulator} {
		orgs, err := w.deps.Store.Orgs(ctx, kind)
		if err != nil {
			return nil, nil, err
		}
		for _, o := range orgs {
			depts = append(depts, option{o.Code, w.orgName(lang, o.Code)})
		}
	}
	if applicant {
		return depts, nil, nil
	}
	codes, err := w.deps.Store.ApplicantsIn(ctx, scope)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range codes {
		applicants = append(applicants, option{c, w.orgName(lang, c)})
	}
	return depts, applicants, nil
}

// applicationsData is a list of applications: the rows of one page, the
// filters as set and their choices, the sort, the pager and the export.
type applicationsData struct {
	Rows  []appRow
	Q     appQuery
	Pager pager
	Sorts map[string]sortLink
	// Export is the CSV of every row the filters select.
	Export                  string
	Statuses, Steps         []string
	Departments, Applicants []option
	// Applicant: the viewer applies (its org's applications only, no
	// applicant filter); Todo its org's open steps.
	Applicant bool
	Todo      []taskView
	Tabs      workTabs
}

// applications is the list of the applications in the viewer's scope
// (httpctx.Deps.Scope, as the API's list): an applicant's own org's (我的申请),
// a department's those involving it, the central orgs' every submitted
// one; filtered, sorted and paged on the server.
func (w *Web) applications(c *gin.Context) {
	ctx := c.Request.Context()
	p := w.frame(c, "applications.title")
	v := w.viewerOf(c, p)
	scope, err := w.deps.Scope(v.User)
	if err != nil {
		w.fail(c, err)
		return
	}
	d := applicationsData{Q: parseAppQuery(c), Applicant: p.Can["ApplicationCreate"],
		Statuses: domain.Statuses(), Steps: domain.TaskKinds()}
	if d.Applicant {
		p.Title = w.cat[p.Lang].translate("applications.mine")
		d.Q.Applicant = ""
	}
	pg := parsePaging(c)
	f := d.Q.filter(scope)
	f.Limit, f.Offset = pg.Size, pg.offset()
	total, err := w.deps.Store.CountApplications(ctx, f)
	if err != nil {
		w.fail(c, err)
		return
	}
	var apps []store.Application
	if total > int64(f.Offset) {
		if apps, err = w.deps.Store.Applications(ctx, f); err != nil {
			w.fail(c, err)
			return
		}
	}
	if d.Rows, err = w.appRows(ctx, p.Lang, v, apps); err != nil {
		w.fail(c, err)
		return
	}
	d.Pager = newPager("/applications", d.Q.values(false), pg, total)
	d.Sorts = d.Q.sortLinks("/applications")
	d.Export = "/applications/export"
	if q := d.Q.values(false).Encode(); q != "" {
		d.Export += "?" + q
	}
	if d.Departments, d.Applicants, err = w.appFilterChoices(ctx, p.Lang, scope, d.Applicant); err != nil {
		w.fail(c, err)
		return
	}
	if d.Applicant && p.Can["TaskDecide"] {
		if d.Todo, err = w.todo(ctx, v); err != nil {
			w.fail(c, err)
			return
		}
	}
	if d.Applicant {
		d.Tabs = workTabsOf(p, "mine")
	}
	p.Data = d
	w.render(c, http.StatusOK, "applications", p)
}

// todo are the open steps of the viewer's org (an applicant's: its
// supplements, signatures, self-evaluations ...), earliest due first.
func (w *Web) todo(ctx context.Context, v viewer) ([]taskView, error) {
	tasks, err := w.deps.Store.OpenTasks(ctx, v.User.OrgCode, store.MaxLimit)
	if err != nil {
		return nil, err
	}
	apps, procs, err := w.taskHeads(ctx, tasks)
	if err != nil {
		return nil, err
	}
	now := w.now()
	out := make([]taskView, 0, len(tasks))
	for _, t := range tasks {
		tv := w.clockView(t, apps[t.ApplicationID].Title, now)
		if p, ok := procs[t.ProcedureID]; ok {
			tv.Proc, tv.AppTitle = &p, p.Title
		}
		out = append(out, tv)
	}
	return out, nil
}

// maxExportRows bounds one export.
const maxExportRows = 100000

// exportApplications is the list's CSV: every application the filters
// select in the viewer's scope (not only the page shown), with the
// columns of the page in its language, UTF-8 with a byte-order mark so
// that Excel reads the Chinese.
func (w *Web) exportApplications(c *gin.Context) {
	ctx := c.Request.Context()
	lang := language(c)
	cat := w.cat[lang]
	u, _ := httpctx.User(c)
	v := viewer{User: u, Can: w.can(c)}
	scope, err := w.deps.Scope(u)
	if err != nil {
		w.fail(c, err)
		return
	}
	q := parseAppQuery(c)
	applicant := v.Can["ApplicationCreate"]
	if applicant {
		q.Applicant = ""
	}
	f := q.filter(scope)
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	header := []string{cat.translate("appfield.id"), cat.translate("appfield.title")}
	if !applicant {
		header = append(header, cat.translate("appfield.applicant"))
	}
	header = append(header, cat.translate("list.step"), cat.translate("list.holder"), cat.translate("task.due"),
		cat.translate("list.left"), cat.translate("appfield.status"), cat.translate("appfield.submitted_at"))
	_ = cw.Write(header)
	for f.Offset = 0; f.Offset < maxExportRows; f.Offset += store.MaxLimit {
		f.Limit = store.MaxLimit
		apps, err := w.deps.Store.Applications(ctx, f)
		if err != nil {
			w.fail(c, err)
			return
		}
		rows, err := w.appRows(ctx, lang, v, apps)
		if err != nil {
			w.fail(c, err)
			return
		}
		for _, r := range rows {
			rec := []string{strconv.FormatUint(r.App.ID, 10), r.App.Title}
			if !applicant {
				rec = append(rec, w.orgName(lang, r.App.ApplicantOrg))
			}
			var steps []string
			for _, k := range r.Steps {
				steps = append(steps, cat.value(domain.SetKind, k))
			}
			sep := "；"
			if lang == LangEn {
				sep = "; "
			}
			due, left := "", ""
			if r.Due != nil {
				due, left = formatTime(r.Due.DueAt, "2006-01-02 15:04"), w.clockText(lang, *r.Due)
			}
			rec = append(rec, strings.Join(steps, sep), strings.Join(r.Holders, sep), due, left,
				cat.value(domain.SetStatus, r.App.Status), formatTime(r.App.SubmittedAt, "2006-01-02 15:04"))
			for i := range rec {
				rec[i] = csvCell(rec[i])
			}
			_ = cw.Write(rec)
		}
		if len(apps) < store.MaxLimit {
			break
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		w.fail(c, err)
		return
	}
	name := "applications-" + w.now().In(calendar.Zone).Format("20060102") + ".csv"
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// csvCell keeps a cell from being read as a formula by a spreadsheet
// (CSV injection): a leading =, +, -, @, tab or carriage return is
// quoted with an apostrophe.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// holder names who holds an open step, as a list shows it: the viewer's
// own org as such, another org by name, with the colleague who claimed it.
func (w *Web) holder(lang string, v viewer, t taskView) string {
	name := w.orgName(lang, t.Department)
	if t.Department == v.User.OrgCode {
		name = w.cat[lang].translate("list.you")
	}
	// The colleague who claimed it: for the staff, and for its own org.
	if t.Assignee != "" && (t.Department == v.User.OrgCode || !v.Can["ApplicationCreate"]) {
		name += " · " + w.person(lang, t.Assignee)
	}
	return name
}

// workTabs are the tabs of a user's work: 待办, 已办 and, for an applicant,
// 我的申请; each shows when the user may open it.
type workTabs struct {
	Current                  string
	Todo, Done, Mine, Copies bool
}

func workTabsOf(p *page, current string) workTabs {
	return workTabs{Current: current, Todo: p.Can["TaskRead"], Done: p.Can["TaskRead"], Mine: p.Can["ApplicationCreate"],
		Copies: p.Can["CopyRead"]}
}

// value is a code of a known set in words, as the template function tx
// says it: the code itself when unknown.
func (c catalog) value(set, code string) string {
	if k := set + "." + code; c.has(k) {
		return c.translate(k)
	}
	return code
}

// --- 待办 and 已办 ------------------------------------------------------------

// taskQuery is what 待办 and 已办 are filtered by, as the URL says: a
// keyword (the application's title or number), the kind of step and a
// range of due dates (YYYY-MM-DD, China time, both days included). A value
// out of its set is ignored, as on the list of applications.
type taskQuery struct {
	Keyword, Step  string
	DueFrom, DueTo string
	dueFrom, dueTo time.Time
}

func parseTaskQuery(c *gin.Context) taskQuery {
	q := taskQuery{Keyword: strings.TrimSpace(c.Query("q"))}
	if r := []rune(q.Keyword); len(r) > store.MaxQueryRunes {
		q.Keyword = string(r[:store.MaxQueryRunes])
	}
	if s := c.Query("step"); slices.Contains(domain.TaskKinds(), s) {
		q.Step = s
	}
	if t, err := time.ParseInLocation(time.DateOnly, c.Query("due_from"), calendar.Zone); err == nil {
		q.DueFrom, q.dueFrom = c.Query("due_from"), t
	}
	if t, err := time.ParseInLocation(time.DateOnly, c.Query("due_to"), calendar.Zone); err == nil {
		q.DueTo, q.dueTo = c.Query("due_to"), t.AddDate(0, 0, 1)
	}
	return q
}

// narrow is q as the store filters by it.
func (q taskQuery) narrow() store.TaskNarrow {
	return store.TaskNarrow{Kind: q.Step, Keyword: q.Keyword, DueFrom: q.dueFrom, DueTo: q.dueTo}
}

// values are q as a URL query: what the pager keeps.
func (q taskQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"q": q.Keyword, "step": q.Step, "due_from": q.DueFrom, "due_to": q.DueTo} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// Filtered: some filter is set.
func (q taskQuery) Filtered() bool { return len(q.values()) > 0 }

// taskFilters is what the "task-filters" template draws: the filter bar
// of 待办 or 已办 at Action, with the query as set and the steps to
// choose from; Keep are hidden fields kept across a filtering (已办's
// "only mine"), and Reset clears the filters but keeps them.
type taskFilters struct {
	Action, Reset string
	Q             taskQuery
	Steps         []string
	Keep          map[string]string
}

// batchChoice is one decision the inbox's batch toolbar offers, with the
// kinds of task it may be taken on (space-separated, for app.js).
type batchChoice struct {
	Decision, Kinds string
	// Reason, Basis: the decision needs them.
	Reason, Basis bool
}

// batchChoices are the batch decisions for the batchable kinds among
// tasks, in the order the first such kind offers them.
func batchChoices(tasks []taskView) []batchChoice {
	var out []batchChoice
	index := map[string]int{}
	for _, kind := range domain.BatchKinds() {
		if !slices.ContainsFunc(tasks, func(t taskView) bool { return t.Batch && t.Kind == kind }) {
			continue
		}
		for _, d := range domain.BatchDecisions(kind) {
			i, ok := index[d]
			if !ok {
				i = len(out)
				index[d] = i
				out = append(out, batchChoice{Decision: d, Reason: slices.Contains(reasonDecisions, d), Basis: slices.Contains(basisDecisions, d)})
			}
			out[i].Kinds = strings.TrimSpace(out[i].Kinds + " " + kind)
		}
	}
	return out
}
