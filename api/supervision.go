package api

import (
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// Statistics periods.
const (
	statsDefaultDays = 90 // the default period: the last 90 days, today included
	statsMaxYears    = 2
)

// Lengths of supervisors' texts, in characters.
const (
	maxUrgeMessage = 1000
	maxFlagReason  = 2000
)

// auditCSVMax caps the rows of one audit export.
const auditCSVMax = 100000

// parseDay reads an optional YYYY-MM-DD query parameter as the start of
// that day in Asia/Shanghai; ok is false when it is absent.
func parseDay(c *gin.Context, field string) (day time.Time, ok bool, err error) {
	v := c.Query(field)
	if v == "" {
		return time.Time{}, false, nil
	}
	day, err = time.ParseInLocation(time.DateOnly, v, calendar.Zone)
	if err != nil {
		return time.Time{}, false, badRequest(field, "use a date as YYYY-MM-DD, e.g. 2026-03-02", "%s %q is not a date", field, v)
	}
	return day, true, nil
}

// period reads from and to (both days included). A missing to is today, a
// missing from the defaultDays days up to to; with defaultDays 0 a missing
// bound stays zero (unbounded). The result is [from, end of to).
func (s *Server) period(c *gin.Context, defaultDays, maxYears int) (from, to time.Time, err error) {
	from, hasFrom, err := parseDay(c, "from")
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	to, hasTo, err := parseDay(c, "to")
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if defaultDays > 0 {
		if !hasTo {
			now := s.now().In(calendar.Zone)
			to, hasTo = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, calendar.Zone), true
		}
		if !hasFrom {
			from, hasFrom = to.AddDate(0, 0, -(defaultDays-1)), true
		}
	}
	if hasFrom && hasTo && from.After(to) {
		return time.Time{}, time.Time{}, badRequest("from", "give a from date on or before the to date", "from %s is after to %s",
			from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	if maxYears > 0 && from.Before(to.AddDate(-maxYears, 0, 0)) {
		return time.Time{}, time.Time{}, badRequest("from", "ask for at most 2 years at a time", "the period from %s to %s is longer than %d years",
			from.Format(time.DateOnly), to.Format(time.DateOnly), maxYears)
	}
	if hasTo {
		to = to.AddDate(0, 0, 1)
	}
	return from, to, nil
}

// --- statistics ---------------------------------------------------------

func (s *Server) departmentStats(c *gin.Context) {
	ctx := c.Request.Context()
	from, end, err := s.period(c, statsDefaultDays, statsMaxYears)
	if err != nil {
		fail(c, err)
		return
	}
	dept := c.Query("department")
	if dept != "" {
		org, err := s.Store.Org(ctx, dept)
		switch {
		case errors.Is(err, store.ErrNotFound):
			fail(c, badRequest("department", "use a department's org code, e.g. gsa", "no department %q", dept))
			return
		case err != nil:
			fail(c, err)
			return
		case org.Kind == store.KindApplicant || org.Kind == store.KindSupervision:
			fail(c, badRequest("department", "use the org code of a reviewing or providing department, e.g. gsa", "%q is not a department under supervision", dept))
			return
		}
	}
	now := s.now()
	stats, err := s.Store.DepartmentStats(ctx, store.StatsQuery{
		From: from, To: end, Now: now, Department: dept,
		WorkingDays: s.Calendar.Between,
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{
		"from":        from.Format(time.DateOnly),
		"to":          end.AddDate(0, 0, -1).Format(time.DateOnly),
		"now":         now.UTC(),
		"departments": stats,
	})
}

// --- urges and flags ----------------------------------------------------

type urgeBody struct {
	TaskID  string `json:"task_id"`
	Message string `json:"message"`
}

type flagBody struct {
	TaskID string `json:"task_id"`
	Reason string `json:"reason"`
}

func supervisorOf(u store.User) store.Supervisor {
	return store.Supervisor{User: u.Username, Role: u.Role, Org: u.OrgCode}
}

// checkText trims a required text and bounds its length in characters.
func checkText(field, value string, max int) (string, error) {
	if strings.TrimSpace(value) == "" {
		return "", badRequest(field, "write what the department must know", "%s is required", field)
	}
	return checkField(field, value, textRule{max: max, required: true, multiline: true})
}

func taskNotFound(id string) error {
	return newErr(http.StatusNotFound, "not_found", "task_id", "take the task ID from GET /api/v1/supervision/overdue or an application's timeline", "no task %q", id)
}

func (s *Server) urge(c *gin.Context) {
	var b urgeBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	b.TaskID = strings.TrimSpace(b.TaskID)
	if b.TaskID == "" {
		fail(c, badRequest("task_id", "name the open task to urge, e.g. application-1-t2", "task_id is required"))
		return
	}
	msg, err := checkText("message", b.Message, maxUrgeMessage)
	if err != nil {
		fail(c, err)
		return
	}
	// 督办 is addressed to a department: an applicant's own step (a
	// supplement, a signature) is followed up by the department, not
	// urged, whatever kind of org applied.
	if t, err := s.Store.Task(c.Request.Context(), b.TaskID); err == nil {
		own, err := s.Store.IsApplicantStep(c.Request.Context(), t)
		if err != nil {
			fail(c, err)
			return
		}
		if own {
			fail(c, unprocessable("task_id", "urge a department's task; the department follows up the applicant's steps",
				"task %s is the applicant's own step, not a department's", b.TaskID))
			return
		}
	}
	// The workflow opens the department's reply task, with its own
	// deadline, before the urge is recorded.
	if t, err := s.Store.Task(c.Request.Context(), b.TaskID); err == nil && t.Status == domain.TaskOpen {
		if err := s.toWorkflow(c, t.WorkflowID, workflows.UpdateUrge,
			workflows.UrgeRequest{Actor: actorOf(user(c)), TaskID: t.ID, Message: msg}); err != nil {
			fail(c, err)
			return
		}
	}
	u := &store.Urge{TaskID: b.TaskID, Message: msg, CreatedAt: s.now()}
	err = s.Store.CreateUrge(c.Request.Context(), u, supervisorOf(user(c)))
	switch {
	case errors.Is(err, store.ErrNotFound):
		fail(c, taskNotFound(b.TaskID))
	case errors.Is(err, store.ErrConflict):
		fail(c, newErr(http.StatusConflict, "conflict", "task_id", "urge only open tasks; see GET /api/v1/supervision/overdue", "task %s is no longer open", b.TaskID))
	case err != nil:
		fail(c, err)
	default:
		c.JSON(http.StatusCreated, u)
	}
}

// rejected reports whether a decided review task rejected something: its
// decision is a rejection, or it is a department review that rejected one
// of its datasets.
func (s *Server) rejected(c *gin.Context, t store.Task) (bool, error) {
	if t.Decision == domain.DecisionReject {
		return true, nil
	}
	if t.Kind != domain.TaskDepartmentReview {
		return false, nil
	}
	ds, err := s.Store.DepartmentDatasets(c.Request.Context(), t.ApplicationID, t.Department)
	if err != nil {
		return false, err
	}
	for _, d := range ds {
		if d.Decision == domain.DecisionReject {
			return true, nil
		}
	}
	return false, nil
}

func (s *Server) flagGroundless(c *gin.Context) {
	ctx := c.Request.Context()
	var b flagBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	b.TaskID = strings.TrimSpace(b.TaskID)
	if b.TaskID == "" {
		fail(c, badRequest("task_id", "name the review task whose rejection is groundless, e.g. application-1-t2", "task_id is required"))
		return
	}
	reason, err := checkText("reason", b.Reason, maxFlagReason)
	if err != nil {
		fail(c, err)
		return
	}
	t, err := s.scopedTask(c, "task_id", b.TaskID)
	if err != nil {
		fail(c, err)
		return
	}
	if t.Status == domain.TaskOpen {
		fail(c, newErr(http.StatusConflict, "conflict", "task_id", "flag a rejection once the task is decided", "task %s is still open", t.ID))
		return
	}
	if !domain.IsReview(t.Kind) || t.Status != domain.TaskDone {
		fail(c, unprocessable("task_id", "flag only rejections of initial, department or model reviews", "task %s (%s, %s) is not a decided review", t.ID, t.Kind, t.Status))
		return
	}
	rej, err := s.rejected(c, t)
	if err != nil {
		fail(c, err)
		return
	}
	if !rej {
		fail(c, unprocessable("task_id", "flag only rejections of initial, department or model reviews", "task %s was decided %q, which rejected nothing", t.ID, t.Decision))
		return
	}
	if prev, err := s.Store.GroundlessFlagOf(ctx, t.ID); err == nil && prev.ID != 0 {
		fail(c, newErr(http.StatusConflict, "conflict", "task_id", "see the flag already raised on this task", "task %s is already flagged", t.ID))
		return
	}
	// The application's workflow asks the department to uphold or reopen
	// (a model review's rejection is flagged on the record only).
	if t.Kind != domain.TaskModelReview {
		if err := s.toWorkflow(c, t.WorkflowID, workflows.UpdateFlagGroundless,
			workflows.FlagRequest{Actor: actorOf(user(c)), TaskID: t.ID, Reason: reason}); err != nil {
			fail(c, err)
			return
		}
	}
	f := &store.GroundlessFlag{TaskID: t.ID, Reason: reason, CreatedAt: s.now()}
	err = s.Store.CreateGroundlessFlag(ctx, f, supervisorOf(user(c)))
	switch {
	case errors.Is(err, store.ErrNotFound):
		fail(c, taskNotFound(b.TaskID))
	case errors.Is(err, store.ErrConflict):
		fail(c, newErr(http.StatusConflict, "conflict", "task_id", "a rejection is flagged once; its flag is in the audit log", "the rejection of task %s is already flagged", t.ID))
	case err != nil:
		fail(c, err)
	default:
		c.JSON(http.StatusCreated, f)
	}
}

// --- audit log ----------------------------------------------------------

// auditFilter reads the audit filters shared by the JSON and CSV reads.
func (s *Server) auditFilter(c *gin.Context) (store.AuditFilter, error) {
	var f store.AuditFilter
	if v := c.Query("application"); v != "" {
		id, err := strconv.ParseUint(v, 10, 63)
		if err != nil || id == 0 {
			return f, badRequest("application", "use the numeric application id", "application %q is not a positive number", v)
		}
		f.ApplicationID = id
	}
	f.Actor, f.Department, f.Action = c.Query("actor"), c.Query("department"), c.Query("action")
	var err error
	if f.From, f.To, err = s.period(c, 0, 0); err != nil {
		return f, err
	}
	return f, nil
}

func (s *Server) auditLog(c *gin.Context) {
	f, err := s.auditFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	if f.Limit, f.Offset, err = paging(c); err != nil {
		fail(c, err)
		return
	}
	entries, more, err := s.Store.AuditLog(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	if entries == nil {
		entries = []store.AuditEntry{}
	}
	limit := f.Limit
	if limit == 0 {
		limit = store.DefaultLimit
	}
	c.JSON(http.StatusOK, gin.H{"entries": entries, "limit": limit, "offset": f.Offset, "more": more})
}

var auditCSVHeader = []string{"id", "at", "application_id", "stream", "seq", "actor", "role", "department", "action", "target", "reason", "basis"}

func (s *Server) auditCSV(c *gin.Context) {
	ctx := c.Request.Context()
	f, err := s.auditFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	total, err := s.Store.CountAudit(ctx, f)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("X-Total-Count", strconv.FormatInt(total, 10))
	if total > auditCSVMax {
		c.Header("X-Truncated", "true")
	}
	w := startCSV(c, "audit-"+s.now().In(calendar.Zone).Format("20060102")+".csv", auditCSVHeader)
	err = s.Store.EachAudit(ctx, f, auditCSVMax, func(batch []store.AuditEntry) error {
		for _, e := range batch {
			w.row(strconv.FormatUint(e.ID, 10), e.At.In(calendar.Zone).Format(time.RFC3339), strconv.FormatUint(e.ApplicationID, 10),
				e.WorkflowID, strconv.FormatInt(e.Seq, 10), e.Actor, e.Role, e.Department, e.Action, e.Target, e.Reason, e.Basis)
		}
		return w.flush()
	})
	if err != nil {
		s.streamFailed(c, "audit export", err)
	}
}

// --- CSV ----------------------------------------------------------------

// csvOut writes a CSV download: UTF-8 with a byte-order mark (so that
// Excel reads Chinese), RFC 4180 quoting and CRLF line ends, and cells that
// a spreadsheet would run as formulas neutralised.
type csvOut struct {
	c *gin.Context
	w *csv.Writer
}

// utf8BOM tells Excel the file is UTF-8.
const utf8BOM = "\uFEFF"

func startCSV(c *gin.Context, filename string, header []string) *csvOut {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Status(http.StatusOK)
	_, _ = c.Writer.WriteString(utf8BOM)
	w := csv.NewWriter(c.Writer)
	w.UseCRLF = true
	out := &csvOut{c: c, w: w}
	out.extend()
	out.row(header...)
	return out
}

// csvPartWindow is how long a client has to take each part of a CSV
// download: the download as a whole may outlast the server's write
// timeout (--http-write-timeout) as long as the client keeps reading.
const csvPartWindow = 2 * time.Minute

// extend gives the client csvPartWindow from now to read what is written
// next.
func (o *csvOut) extend() {
	_ = http.NewResponseController(o.c.Writer).SetWriteDeadline(time.Now().Add(csvPartWindow))
}

func (o *csvOut) row(cells ...string) {
	for i, v := range cells {
		cells[i] = safeCell(v)
	}
	_ = o.w.Write(cells)
}

func (o *csvOut) flush() error {
	o.w.Flush()
	if err := o.w.Error(); err != nil {
		return err
	}
	o.c.Writer.Flush()
	o.extend()
	return nil
}

// safeCell prefixes an apostrophe to a cell a spreadsheet would read as a
// formula (OWASP's CSV injection list: = + - @, tab and carriage return).
func safeCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// streamFailed records an error after the response has begun: the status
// is sent, so the body is cut short and the error logged.
func (s *Server) streamFailed(c *gin.Context, what string, err error) {
	_ = c.Error(err)
	if s.Log != nil {
		s.Log.Error(what+" cut short", "error", err, "path", c.Request.URL.Path)
	}
}

// toWorkflow sends a supervision Update to a task's workflow. Without a
// workflow engine (the API's own tests) the act is recorded only.
func (s *Server) toWorkflow(c *gin.Context, wfID, name string, arg any) error {
	if s.Temporal == nil {
		return nil
	}
	_, err := s.update(c, wfID, name, arg)
	return err
}
