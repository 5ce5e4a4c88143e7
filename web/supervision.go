package web

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/store"
)

// Supervision figures cover the last statsDays days, as the API's
// statistics do by default; the trend covers trendWeeks weeks.
const (
	statsDays  = 90
	trendWeeks = 12
)

type supervisionData struct {
	From, To time.Time
	Stats    []store.DepartmentStat
	Charts   []chart
	// Department is the drill-down's department; Tasks its open tasks,
	// or every overdue task without a drill-down.
	Department string
	Tasks      []taskView
	Rejections []taskView
	// AtRisk are the open tasks due within AtRiskDays working days (临期),
	// earliest due first: the department's, in a drill-down.
	AtRisk     []taskView
	AtRiskDays int
	// Open, Overdue: the departments' open and overdue tasks now.
	Open, Overdue int64
	// Procedures are who is late in each procedure (the applications'
	// process and each statutory procedure), per department; Stale the
	// datasets whose update frequency is missed.
	Procedures []store.ProcedureStat
	Stale      []store.StaleDataset
}

// ageBuckets group open tasks by working days since they opened.
var ageBuckets = []struct {
	lo, hi int // inclusive; hi < 0: no upper bound
	label  string
}{{0, 2, "0–2"}, {3, 5, "3–5"}, {6, 10, "6–10"}, {11, 20, "11–20"}, {21, -1, ">20"}}

// supervision is the supervisor's dashboard: charts of overdue work and
// on-time rates by department, the weekly overdue trend, the age of open
// tasks; a drill-down to a department's tasks; urge and flag forms.
func (w *Web) supervision(c *gin.Context) {
	ctx := c.Request.Context()
	p := w.frame(c, "supervision.title")
	v := w.viewerOf(c, p)
	tr := w.cat[p.Lang]
	now := w.now()
	today := startOfDay(now)
	d := supervisionData{To: today, From: today.AddDate(0, 0, -(statsDays - 1)), Department: c.Query("department")}
	stats, err := w.deps.Store.DepartmentStats(ctx, store.StatsQuery{
		From: d.From, To: today.AddDate(0, 0, 1), Now: now,
		WorkingDays: w.deps.Calendar.Between,
	})
	if err != nil {
		w.fail(c, err)
		return
	}
	d.Stats = stats
	if d.Procedures, err = w.deps.Store.ProcedureStats(ctx, now, d.From, today.AddDate(0, 0, 1)); err != nil {
		w.fail(c, err)
		return
	}
	if d.Stale, err = w.deps.Store.StaleDatasets(ctx, now, d.Department); err != nil {
		w.fail(c, err)
		return
	}
	drill := func(code string) string { return "/supervision?department=" + url.QueryEscape(code) + "#tasks" }

	overdue := chart{ID: "chart-overdue", Title: tr.translate("sup.chart.overdue"), Desc: tr.translate("sup.chart.overdue.desc"),
		LabelHeader: tr.translate("sup.department"), ValueHeader: tr.translate("sup.overdue_open"), Empty: tr.translate("sup.chart.none_open")}
	ontime := chart{ID: "chart-ontime", Title: tr.translate("sup.chart.ontime"), Desc: tr.translate("sup.chart.ontime.desc", statsDays),
		LabelHeader: tr.translate("sup.department"), ValueHeader: tr.translate("sup.ontime_rate"), Empty: tr.translate("sup.chart.none_decided")}
	var allOpen, allOverdue int64
	for _, s := range stats {
		allOpen += s.Open
		allOverdue += s.Overdue
		if d.Department == "" || d.Department == s.Department {
			d.Open += s.Open
			d.Overdue += s.Overdue
		}
		name := w.orgName(p.Lang, s.Department)
		if s.Open > 0 {
			overdue.Bars = append(overdue.Bars, bar{Label: name, Value: float64(s.Overdue),
				Display: fmt.Sprintf("%d / %d", s.Overdue, s.Open), Href: drill(s.Department), Alert: s.Overdue > 0})
		}
		if s.Decided > 0 && s.OnTimeRate != nil {
			ontime.Bars = append(ontime.Bars, bar{Label: name, Value: *s.OnTimeRate * 100,
				Display: fmt.Sprintf("%.0f%% (%d/%d)", *s.OnTimeRate*100, s.OnTime, s.Decided), Href: drill(s.Department),
				Alert: *s.OnTimeRate < 0.8})
		}
	}
	sort.SliceStable(ontime.Bars, func(i, j int) bool { return ontime.Bars[i].Value < ontime.Bars[j].Value })
	// With nothing overdue the chart would be bars of nought: words say it.
	if allOverdue > 0 {
		hbars(&overdue, 0)
	} else if allOpen > 0 {
		overdue.Empty = tr.translate("sup.chart.none_overdue", allOpen)
	}
	hbars(&ontime, 100)

	// The weekly trend: how many tasks were overdue at the end of each of
	// the last weeks (now, for this week).
	weekStart := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7)) // Monday
	first := weekStart.AddDate(0, 0, -7*(trendWeeks-1))
	during, err := w.deps.Store.TasksOverdueDuring(ctx, first, now)
	if err != nil {
		w.fail(c, err)
		return
	}
	trend := chart{ID: "chart-trend", Title: tr.translate("sup.chart.trend"), Desc: tr.translate("sup.chart.trend.desc", trendWeeks),
		LabelHeader: tr.translate("sup.week"), ValueHeader: tr.translate("sup.overdue_count")}
	for i := 0; i < trendWeeks; i++ {
		start := first.AddDate(0, 0, 7*i)
		at := start.AddDate(0, 0, 7)
		if at.After(now) {
			at = now
		}
		n := 0
		for _, t := range during {
			if t.DueAt.Before(at) && !t.OpenedAt.After(at) && (t.DecidedAt == nil || t.DecidedAt.After(at)) {
				n++
			}
		}
		trend.Bars = append(trend.Bars, bar{Label: start.Format("01-02"), Value: float64(n), Display: strconv.Itoa(n), Alert: n > 0})
	}
	if anyValue(trend.Bars) {
		line(&trend)
	} else {
		trend.Empty = tr.translate("sup.chart.trend.none", trendWeeks)
	}

	// The departments' work only: an applicant's own step is followed up
	// by the department awaiting it, not supervised.
	open, err := w.deps.Store.OpenDepartmentTasks(ctx, "", 0)
	if err != nil {
		w.fail(c, err)
		return
	}
	age := chart{ID: "chart-age", Title: tr.translate("sup.chart.age"), Desc: tr.translate("sup.chart.age.desc"),
		LabelHeader: tr.translate("sup.age_days"), ValueHeader: tr.translate("sup.open_tasks"), Empty: tr.translate("sup.chart.none_open")}
	counts := make([]int, len(ageBuckets))
	for _, t := range open {
		days := w.deps.Calendar.Between(t.OpenedAt, now)
		for i, b := range ageBuckets {
			if days >= b.lo && (b.hi < 0 || days <= b.hi) {
				counts[i]++
				break
			}
		}
	}
	if len(open) > 0 {
		for i, b := range ageBuckets {
			age.Bars = append(age.Bars, bar{Label: b.label, Value: float64(counts[i]), Display: strconv.Itoa(counts[i]), Alert: b.lo > 10})
		}
	}
	columns(&age)
	d.Charts = []chart{overdue, ontime, trend, age}

	// The tasks: a department's open tasks, or every overdue one.
	var tasks []store.Task
	if d.Department != "" {
		tasks, err = w.deps.Store.OpenDepartmentTasks(ctx, d.Department, store.MaxLimit)
	} else {
		tasks, err = w.deps.Store.Overdue(ctx, now, "", store.MaxLimit)
	}
	if err != nil {
		w.fail(c, err)
		return
	}
	// Due within AtRiskDays working days, not yet overdue (临期).
	atRisk, _, err := w.deps.AtRisk(ctx, now, d.Department)
	if err != nil {
		w.fail(c, err)
		return
	}
	d.AtRiskDays = httpctx.AtRiskDays
	rejections, err := w.deps.Store.Rejections(ctx, d.From, store.DefaultLimit)
	if err != nil {
		w.fail(c, err)
		return
	}
	if d.Department != "" {
		keep := rejections[:0]
		for _, t := range rejections {
			if t.Department == d.Department {
				keep = append(keep, t)
			}
		}
		rejections = keep
	}
	tc, err := w.loadTaskContext(ctx, v, append(append(append([]store.Task{}, tasks...), rejections...), atRisk...), nil)
	if err != nil {
		w.fail(c, err)
		return
	}
	for _, t := range tasks {
		d.Tasks = append(d.Tasks, w.taskView(v, tc, t, now))
	}
	for _, t := range rejections {
		d.Rejections = append(d.Rejections, w.taskView(v, tc, t, now))
	}
	for _, t := range atRisk {
		d.AtRisk = append(d.AtRisk, w.taskView(v, tc, t, now))
	}
	p.Data = d
	w.render(c, http.StatusOK, "supervision", p)
}

// anyValue reports whether a bar is not nought.
func anyValue(bars []bar) bool {
	for _, b := range bars {
		if b.Value != 0 {
			return true
		}
	}
	return false
}

// startOfDay is midnight of t's date in Asia/Shanghai.
func startOfDay(t time.Time) time.Time {
	t = t.In(calendar.Zone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, calendar.Zone)
}

// --- the audit log ------------------------------------------------------------

type auditData struct {
	Entries     []auditRow
	Filter      auditFilter
	Departments []store.Org
	CSV         string
	Prev, Next  string
	Invalid     string
}

type auditFilter struct {
	Application, Actor, Department, Action, From, To string
}

const auditPage = 50

func (w *Web) audit(c *gin.Context) {
	ctx := c.Request.Context()
	p := w.frame(c, "audit.title")
	tr := w.cat[p.Lang]
	in := auditFilter{Application: strings.TrimSpace(c.Query("application")), Actor: strings.TrimSpace(c.Query("actor")),
		Department: c.Query("department"), Action: strings.TrimSpace(c.Query("action")), From: c.Query("from"), To: c.Query("to")}
	f := store.AuditFilter{Actor: in.Actor, Department: in.Department, Action: in.Action, Limit: auditPage}
	var d auditData
	d.Filter = in
	if in.Application != "" {
		id, err := strconv.ParseUint(in.Application, 10, 63)
		if err != nil || id == 0 {
			d.Invalid = tr.translate("audit.bad_application")
		}
		f.ApplicationID = id
	}
	for _, x := range []struct {
		v   string
		dst *time.Time
		end bool
	}{{in.From, &f.From, false}, {in.To, &f.To, true}} {
		if x.v == "" {
			continue
		}
		day, err := time.ParseInLocation(time.DateOnly, x.v, calendar.Zone)
		if err != nil {
			d.Invalid = tr.translate("audit.bad_date")
			continue
		}
		if x.end {
			day = day.AddDate(0, 0, 1)
		}
		*x.dst = day
	}
	offset, _ := strconv.Atoi(c.Query("offset"))
	f.Offset = max(0, offset)
	q := url.Values{}
	for k, v := range map[string]string{"application": in.Application, "actor": in.Actor, "department": in.Department,
		"action": in.Action, "from": in.From, "to": in.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	d.CSV = "/api/v1/audit.csv"
	if len(q) > 0 {
		d.CSV += "?" + q.Encode()
	}
	if d.Invalid == "" {
		entries, more, err := w.deps.Store.AuditLog(ctx, f)
		if err != nil {
			w.fail(c, err)
			return
		}
		if d.Entries, err = w.auditRows(ctx, entries); err != nil {
			w.fail(c, err)
			return
		}
		page := func(o int) string {
			q2 := url.Values{}
			for k, v := range q {
				q2[k] = v
			}
			q2.Set("offset", strconv.Itoa(o))
			return "/audit?" + q2.Encode()
		}
		if f.Offset > 0 {
			d.Prev = page(max(0, f.Offset-auditPage))
		}
		if more {
			d.Next = page(f.Offset + auditPage)
		}
	}
	var err error
	if d.Departments, err = w.deps.Store.Orgs(ctx, ""); err != nil {
		w.fail(c, err)
		return
	}
	p.Data = d
	w.render(c, http.StatusOK, "audit", p)
}
