package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/rbac"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// maxBody bounds every request body.
const maxBody = 1 << 20

func actorOf(u store.User) workflows.Actor {
	return workflows.Actor{User: u.Username, Role: u.Role, Org: u.OrgCode}
}

// bind decodes a JSON body, refusing unknown fields.
func bind(c *gin.Context, v any) error {
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil ||
		(mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		// A cross-site form can send text/plain without a preflight; a
		// JSON body is only taken as JSON.
		return newErr(http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type",
			"send the body as JSON with Content-Type: application/json", "the request body must be JSON (Content-Type: application/json)")
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, next := dec.Token(); next != io.EOF {
			err = errTrailing
			if errors.As(next, new(*http.MaxBytesError)) {
				err = next
			}
		}
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return newErr(http.StatusRequestEntityTooLarge, "too_large", "", "send at most 1 MiB", "request body too large")
		}
		return badRequest("", "send a JSON object with the documented fields", "request body is not valid JSON for this endpoint: %v", err)
	}
	return nil
}

// errTrailing: the body goes on after its JSON object.
var errTrailing = errors.New("data after the JSON object")

func pathID(c *gin.Context) (uint64, error) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 63)
	if err != nil || id == 0 {
		return 0, badRequest("id", "use the numeric application id", "application id %q is not a positive number", c.Param("id"))
	}
	return id, nil
}

// --- catalog ------------------------------------------------------------

func (s *Server) listDatasets(c *gin.Context) {
	f := store.DatasetFilter{Department: c.Query("department"), OpenAttribute: c.Query("open"), Query: c.Query("q")}
	if utf8.RuneCountInString(f.Query) > store.MaxQueryRunes {
		fail(c, badRequest("q", "shorten the search text",
			"the search text has %d characters, more than %d", utf8.RuneCountInString(f.Query), store.MaxQueryRunes))
		return
	}
	if err := oneOf("open", f.OpenAttribute, store.OpenUnconditional, store.OpenConditional, store.OpenClosed); err != nil {
		fail(c, err)
		return
	}
	if v := c.Query("authorized_operation"); v != "" {
		if v != "true" && v != "false" {
			fail(c, badRequest("authorized_operation", "use true or false", "authorized_operation %q is not true or false", v))
			return
		}
		eligible := v == "true"
		f.AuthorizedOperation = &eligible
	}
	if g := c.Query("grade"); g != "" {
		n, err := strconv.Atoi(g)
		if err != nil || n < 1 || n > 4 {
			fail(c, badRequest("grade", "use 1, 2, 3 or 4", "grade %q is not a sensitivity grade", g))
			return
		}
		f.Grade = n
	}
	var err error
	if f.Limit, f.Offset, err = paging(c); err != nil {
		fail(c, err)
		return
	}
	ds, total, err := s.Store.Datasets(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	if ds == nil {
		ds = []store.Dataset{} // past the last entry: an empty page, never null
	}
	c.JSON(http.StatusOK, gin.H{"datasets": ds, "total": total})
}

func paging(c *gin.Context) (limit, offset int, err error) {
	if v := c.Query("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 500 {
			return 0, 0, badRequest("limit", "use a number from 1 to 500", "limit %q is out of range", v)
		}
	}
	if v := c.Query("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, badRequest("offset", "use a number from 0", "offset %q is not valid", v)
		}
	}
	return limit, offset, nil
}

func (s *Server) getDataset(c *gin.Context) {
	ds, err := s.Store.DatasetsByCode(c.Request.Context(), []string{c.Param("code")})
	if err != nil {
		fail(c, err)
		return
	}
	d, ok := ds[c.Param("code")]
	if !ok {
		fail(c, newErr(http.StatusNotFound, "not_found", "code", "search the catalog at /api/v1/catalog", "no dataset %q", c.Param("code")))
		return
	}
	c.JSON(http.StatusOK, d)
}

// --- applications -------------------------------------------------------

// applicationBody is a draft as the applicant writes it.
type applicationBody struct {
	Title            string   `json:"title"`
	Domain           string   `json:"domain"`
	Description      string   `json:"description"`
	Purpose          string   `json:"purpose"`
	Scope            string   `json:"scope"`
	PeriodMonths     int      `json:"period_months"`
	AccessMode       string   `json:"access_mode"`
	SecurityControls string   `json:"security_controls"`
	Datasets         []string `json:"datasets"`
	// Consents are the bases of the data subjects' consent, by dataset
	// code: one for each dataset that requires it, and no other.
	Consents map[string]consentBody `json:"consents"`
	// Submit submits the draft at once.
	Submit bool `json:"submit"`
}

var accessModes = []string{store.AccessDownload, store.AccessAPI, store.AccessSandbox, store.AccessModelResult}

// checkApplication validates a draft against the catalog and the rules:
// one scenario; named datasets that exist and are open (unconditional or
// conditional) or eligible for authorized operation (授权运营); a period
// of at most 5 years; the basis of the data subjects' consent to each
// dataset that requires it (checkConsents); closed data and grade-3 data
// in the secure environment only (sandbox or model-result, not download or
// API).
func (s *Server) checkApplication(ctx context.Context, b *applicationBody) (map[string]store.Dataset, error) {
	// Every field at fault is named at once, so that a form shows each
	// refusal at its field rather than one a submission.
	var errs fieldErrors
	if strings.TrimSpace(b.Title) == "" {
		errs.add(badRequest("title", "name the scenario, e.g. 小微企业信贷风控", "title is required"))
	}
	if strings.TrimSpace(b.Purpose) == "" {
		errs.add(badRequest("purpose", "state what the data will be used for", "purpose is required"))
	}
	for _, f := range []fieldCheck{{"title", &b.Title, ruleTitle}, {"domain", &b.Domain, ruleDomain},
		{"description", &b.Description, ruleLongText}, {"purpose", &b.Purpose, rulePurpose},
		{"scope", &b.Scope, ruleLongText}, {"security_controls", &b.SecurityControls, ruleLongText}} {
		if !errs.has(f.name) {
			errs.add(checkFields(f))
		}
	}
	switch {
	case b.PeriodMonths < 1:
		errs.add(badRequest("period_months", "give the usage period in months, 1 to 60", "period_months must be at least 1"))
	case b.PeriodMonths > 60:
		errs.add(unprocessable("period_months", "apply for at most 60 months; renew with a new application", "the usage period may not exceed 5 years (60 months)"))
	}
	if !contains(accessModes, b.AccessMode) {
		errs.add(badRequest("access_mode", "use one of: "+strings.Join(accessModes, ", "), "access_mode %q is not known", b.AccessMode))
	}
	if len(b.Datasets) == 0 {
		errs.add(badRequest("datasets", "name at least one dataset code from /api/v1/catalog", "datasets is empty"))
		return nil, errs.err()
	}
	found, err := s.Store.DatasetsByCode(ctx, b.Datasets)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, code := range b.Datasets {
		field := fmt.Sprintf("datasets[%d]", i)
		d, ok := found[code]
		switch {
		case seen[code]:
			errs.add(badRequest(field, "name each dataset once", "dataset %s is named twice", code))
		case !ok:
			errs.add(badRequest(field, "use a dataset code from /api/v1/catalog", "no dataset %q in the catalog", code))
		case !d.Requestable():
			errs.add(unprocessable(field, "remove it from datasets: data neither open nor eligible for authorized operation cannot be requested",
				"dataset %s (%s) is closed (非开放) and not eligible for authorized operation (授权运营): it cannot be requested", code, d.Name))
		}
		seen[code] = true
	}
	s.checkConsents(b, found, &errs)
	// Every dataset may be requested; the access mode must suit each.
	if store.SecureAccess(b.AccessMode) || errs.has("access_mode") {
		return found, errs.err()
	}
	for _, code := range b.Datasets {
		d, ok := found[code]
		switch {
		case !ok:
		case d.OpenAttribute == store.OpenClosed:
			errs.add(unprocessable("access_mode", "set access_mode to sandbox or model-result: closed data is used through authorized operation only",
				"dataset %s (%s) is closed (非开放): it may be used only through authorized operation (授权运营) in the secure environment (access_mode sandbox or model-result), not by %s", code, d.Name, b.AccessMode))
		case d.Grade >= 3:
			errs.add(unprocessable("access_mode", "use sandbox or model-result for grade-3 data", "dataset %s is grade %d: it may be used only in the secure environment (sandbox or model-result), not by %s", code, d.Grade, b.AccessMode))
		}
		if errs.has("access_mode") {
			break
		}
	}
	return found, errs.err()
}

// oneOf refuses a query filter outside its values; empty means no filter.
func oneOf(field, v string, values ...string) error {
	if v == "" || contains(values, v) {
		return nil
	}
	return badRequest(field, "use one of: "+strings.Join(values, ", "), "%s %q is not a known value", field, v)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) createApplication(c *gin.Context) {
	u := user(c)
	var b applicationBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	// A retry, with the same Idempotency-Key, of a request that saved its
	// draft and then failed: finish that draft rather than create another.
	var note createdDraft
	if r := resumed(c); r != "" && json.Unmarshal([]byte(r), &note) == nil && note.ApplicationID != 0 {
		s.finishCreate(c, u, note.ApplicationID, b.Submit, true)
		return
	}
	ctx := c.Request.Context()
	found, err := s.checkApplication(ctx, &b)
	if err != nil {
		fail(c, err)
		return
	}
	a := &store.Application{ApplicantOrg: u.OrgCode, ApplicantUser: u.Username, Title: b.Title, Domain: b.Domain,
		Description: b.Description, Purpose: b.Purpose, Scope: b.Scope, PeriodMonths: b.PeriodMonths,
		AccessMode: b.AccessMode, SecurityControls: b.SecurityControls}
	for _, code := range b.Datasets {
		a.Datasets = append(a.Datasets, store.ApplicationDataset{DatasetCode: code, Department: found[code].Department})
	}
	a.Consents = consentsOf(b)
	if err := s.Store.CreateApplication(ctx, a); err != nil {
		fail(c, err)
		return
	}
	s.noteResume(c, createdDraft{ApplicationID: a.ID})
	s.finishCreate(c, u, a.ID, b.Submit, false)
}

// createdDraft is what createApplication notes on its Idempotency-Key
// once the draft is saved.
type createdDraft struct {
	ApplicationID uint64 `json:"application_id"`
}

// finishCreate submits the saved draft id when asked, and answers 201
// with the application. When the draft cannot be submitted now (the
// workflow service or the database failed), the answer is 503 with
// Retry-After and the draft's application_id: the draft stays, a retry
// with the same Idempotency-Key submits it (creating no other), and so
// does POST /applications/{id}/submit. A resumed request finds the draft
// perhaps submitted meanwhile, and answers with it as it stands.
func (s *Server) finishCreate(c *gin.Context, u store.User, id uint64, submit, resuming bool) {
	ctx := c.Request.Context()
	if submit && resuming {
		a, err := s.Store.Application(ctx, id)
		if err != nil {
			fail(c, err)
			return
		}
		submit = a.Status == domain.StatusDraft
	}
	if submit {
		if err := s.submitAndAwait(ctx, u, id); err != nil {
			e := asError(err)
			if e.status < http.StatusInternalServerError {
				fail(c, e)
				return
			}
			if s.Log != nil {
				s.Log.Error("draft saved but not submitted", "application_id", id, "error", err.Error())
			}
			c.Header("Retry-After", unavailableRetryAfter)
			e = newErr(http.StatusServiceUnavailable, "unavailable", "",
				"retry with the same Idempotency-Key to submit this draft, or submit it later with POST /api/v1/applications/{id}/submit",
				"application %d is saved as a draft but could not be submitted now", id)
			c.AbortWithStatusJSON(e.status, gin.H{"error": localize(c, e), "application_id": id})
			return
		}
	}
	s.respondApplication(c, http.StatusCreated, id)
}

func (s *Server) submitApplication(c *gin.Context) {
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.submitAndAwait(c.Request.Context(), user(c), id); err != nil {
		fail(c, err)
		return
	}
	s.respondApplication(c, http.StatusAccepted, id)
}

// submitAndAwait submits the draft and waits for its first task (the
// big-data center's initial review), so the answer's timeline, and the
// reviewer's inbox read next, show it.
func (s *Server) submitAndAwait(ctx context.Context, u store.User, id uint64) error {
	if err := s.submit(ctx, u, id); err != nil {
		return err
	}
	// Submitted: a failure to read while waiting is not the submission's;
	// the answer reads the application afresh.
	_, _ = s.firstTasks(ctx, id, workflows.ApplicationWorkflowID(id))
	return nil
}

// draftBody is what the rules check of a stored draft.
func draftBody(a store.Application) applicationBody {
	body := applicationBody{Title: a.Title, Purpose: a.Purpose, PeriodMonths: a.PeriodMonths, AccessMode: a.AccessMode,
		Consents: bodyConsents(a)}
	for _, d := range a.Datasets {
		body.Datasets = append(body.Datasets, d.DatasetCode)
	}
	return body
}

// submit starts the application's workflow from its draft.
func (s *Server) submit(ctx context.Context, u store.User, id uint64) error {
	a, err := s.Store.Application(ctx, id)
	if err != nil {
		return err
	}
	if a.ApplicantOrg != u.OrgCode {
		return newErr(http.StatusForbidden, "forbidden", "", "", "application %d belongs to another org", id)
	}
	if a.Status != domain.StatusDraft {
		return newErr(http.StatusConflict, "conflict", "", "", "application %d is %s, not a draft", id, a.Status)
	}
	// A draft the rules refuse now (a consent's term ended since it was
	// saved, ...) is refused before anything changes.
	pre := draftBody(a)
	if _, err := s.checkApplication(ctx, &pre); err != nil {
		return err
	}
	// The workflow starts from the row as the submission locked it, not
	// as read above: an edit may land in between.
	wfID := workflows.ApplicationWorkflowID(id)
	if a, err = s.Store.SubmitDraft(ctx, id, wfID, s.now()); err != nil {
		return onConflict(err, notADraft(id))
	}
	body := draftBody(a)
	found, err := s.checkApplication(ctx, &body)
	if err != nil {
		return errors.Join(err, s.Store.RevertSubmitted(context.WithoutCancel(ctx), id))
	}
	in := workflows.ApplicationInput{ApplicationID: id, ApplicantOrg: a.ApplicantOrg, Submitter: actorOf(u), Title: a.Title,
		PeriodMonths: a.PeriodMonths, AccessMode: a.AccessMode, Orgs: s.Orgs, Deadlines: s.Deadlines}
	for _, code := range body.Datasets {
		d := found[code]
		in.Datasets = append(in.Datasets, workflows.DatasetRef{Code: code, Name: d.Name, Department: d.Department, Grade: d.Grade})
	}
	_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: wfID, TaskQueue: workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
	}, workflows.ApplicationWorkflowName, in)
	if err != nil {
		if rerr := s.Store.RevertSubmitted(context.WithoutCancel(ctx), id); rerr != nil {
			return errors.Join(err, rerr)
		}
		return fmt.Errorf("start workflow %s: %w", wfID, err)
	}
	return nil
}

func (s *Server) listApplications(c *gin.Context) {
	f, err := s.Scope(user(c))
	if err != nil {
		fail(c, err)
		return
	}
	f.Status = c.Query("status")
	if err := oneOf("status", f.Status, domain.Statuses()...); err != nil {
		fail(c, err)
		return
	}
	if err := listFilters(c, &f); err != nil {
		fail(c, err)
		return
	}
	if f.Limit, f.Offset, err = paging(c); err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	total, err := s.Store.CountApplications(ctx, f)
	if err != nil {
		fail(c, err)
		return
	}
	apps := []store.Application{}
	if total > int64(f.Offset) {
		if apps, err = s.Store.Applications(ctx, f); err != nil {
			fail(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"applications": apps, "total": total})
}

// listFilters reads the list's filters and sort (the pages' list takes the
// same): each narrows the caller's scope, never widens it.
func listFilters(c *gin.Context, f *store.ApplicationFilter) error {
	f.Step, f.Involves, f.Applicant = c.Query("step"), c.Query("department"), c.Query("applicant")
	if err := oneOf("step", f.Step, domain.TaskKinds()...); err != nil {
		return err
	}
	if err := keywordAndDays(c, &f.Keyword, "from", &f.From, "to", &f.To); err != nil {
		return err
	}
	f.Sort = c.Query("sort")
	if err := oneOf("sort", f.Sort, store.ApplicationSorts()...); err != nil {
		return err
	}
	order := c.Query("order")
	if err := oneOf("order", order, "asc", "desc"); err != nil {
		return err
	}
	f.Asc = order == "asc"
	return nil
}

func (s *Server) getApplication(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	s.respondApplication(c, http.StatusOK, id)
}

// Step is one line of an application's timeline.
type Step struct {
	store.Task
	// WorkingDaysLeft counts working days until the due date (open tasks).
	WorkingDaysLeft *int `json:"working_days_left,omitempty"`
	// OverdueWorkingDays counts working days past the due date.
	OverdueWorkingDays *int `json:"overdue_working_days,omitempty"`
	// DueProvisional: the due date of this open task was counted across
	// a year without a holiday table, by weekends only; its workflow
	// counts it again when the table is added.
	DueProvisional bool `json:"due_provisional,omitempty"`
	// Next says who must act, for an open task.
	Next string `json:"next,omitempty"`
}

// applicationDetail is an application with everything that happened to it.
type applicationDetail struct {
	Application store.Application  `json:"application"`
	Timeline    []Step             `json:"timeline"`
	Audit       []store.AuditEntry `json:"audit"`
	Agreements  []store.Agreement  `json:"agreements"`
	Models      []store.Model      `json:"models"`
	Evaluations []store.Evaluation `json:"evaluations"`
	Attachments []store.Attachment `json:"attachments"`
	// Documents are the agreements' texts recorded when their signing
	// opened; Signatures the parties' SM2 signatures on them.
	Documents  []store.AgreementDocument  `json:"documents"`
	Signatures []store.AgreementSignature `json:"signatures"`
	// Renews is the application this one renews (续期), with its last
	// evaluation and its agreements as references.
	Renews *store.RenewalSource `json:"renews,omitempty"`
	// RenewedBy is the renewal of this application, when the caller may
	// see it.
	RenewedBy *store.RenewalLink `json:"renewed_by,omitempty"`
}

func (s *Server) respondApplication(c *gin.Context, status int, id uint64) {
	ctx := c.Request.Context()
	if err := s.visible(c, id); err != nil {
		fail(c, err)
		return
	}
	var d applicationDetail
	var err error
	if d.Application, err = s.Store.Application(ctx, id); err != nil {
		fail(c, err)
		return
	}
	var tasks []store.Task
	for _, load := range []func() error{
		func() (err error) { tasks, err = s.Store.TasksOf(ctx, id); return },
		func() (err error) { d.Audit, err = s.Store.Audit(ctx, id); return },
		func() (err error) { d.Agreements, err = s.Store.Agreements(ctx, id); return },
		func() (err error) { d.Models, err = s.Store.Models(ctx, id); return },
		func() (err error) { d.Evaluations, err = s.Store.Evaluations(ctx, id); return },
		func() (err error) { d.Attachments, err = s.Store.Attachments(ctx, id); return },
		func() (err error) { d.Documents, err = s.Store.AgreementDocuments(ctx, id); return },
		func() (err error) { d.Signatures, err = s.Store.AgreementSignatures(ctx, id); return },
	} {
		if err := load(); err != nil {
			fail(c, err)
			return
		}
	}
	if err := s.renewalLinks(c, &d); err != nil {
		fail(c, err)
		return
	}
	u := user(c)
	if ok, err := s.RBAC.Allow(u.Username, u.OrgCode, rbac.CopyRead); err != nil {
		fail(c, err)
		return
	} else if !ok {
		d.Audit = store.WithoutCopies(d.Audit)
	}
	d.Timeline = s.steps(tasks)
	c.JSON(status, d)
}

func (s *Server) steps(tasks []store.Task) []Step {
	now := s.now()
	out := make([]Step, 0, len(tasks))
	for _, t := range tasks {
		st := Step{Task: t}
		if t.Status == domain.TaskOpen {
			st.WorkingDaysLeft, st.OverdueWorkingDays = s.DueFigures(t, now)
			st.DueProvisional = s.Calendar.Provisional(t.OpenedAt, t.DueAt)
			st.Next = fmt.Sprintf("%s: %s (one of: %s) by %s", t.Department, t.Kind,
				strings.Join(domain.AllowedDecisions(t.Kind), ", "), t.DueAt.In(calendar.Zone).Format("2006-01-02 15:04 MST"))
		}
		out = append(out, st)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].OpenedAt.Before(out[j].OpenedAt) })
	return out
}

// --- Updates ------------------------------------------------------------

// update sends an Update and waits until the workflow has persisted it.
// An Idempotency-Key header makes a client's retry apply once.
func (s *Server) update(c *gin.Context, wfID, name string, arg any) (workflows.UpdateResult, error) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 30*time.Second)
	defer cancel()
	h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: wfID, UpdateName: name, UpdateID: updateID(c, name, arg),
		Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var res workflows.UpdateResult
	if err == nil {
		err = h.Get(ctx, &res)
	}
	return res, err
}

// updateID is the Temporal Update ID of a request with an Idempotency-Key:
// the key scoped to the user, the route, the Update and its task. Temporal
// answers a repeated Update ID with the first Update's outcome, so an ID
// shared by two users (or two tasks) would tell the second that it
// succeeded when nothing of it was applied. Without a key, Temporal
// makes one up.
func updateID(c *gin.Context, name string, arg any) string {
	key := c.GetHeader(idempotencyHeader)
	if key == "" {
		return ""
	}
	task := ""
	if r, ok := arg.(workflows.DecideRequest); ok {
		task = r.TaskID
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{strconv.FormatUint(uint64(user(c).ID), 10),
		c.Request.Method, c.Request.URL.Path, name, task, key}, "\x00")))
	return "key-" + hex.EncodeToString(sum[:16])
}

type decisionBody struct {
	Decision  string                  `json:"decision"`
	Reason    string                  `json:"reason"`
	Basis     string                  `json:"basis"`
	Comment   string                  `json:"comment"`
	Items     []workflows.DatasetItem `json:"items"`
	Regulator string                  `json:"regulator"`
	Edits     map[string]string       `json:"edits"`
	// Proposal is a catalog entry: a procedure's revision, or the entry
	// that provides requested data.
	Proposal *activities.Proposal `json:"proposal"`
}

// check bounds a decision's free text; the workflow checks what each
// decision requires.
func (b *decisionBody) check() error {
	if err := checkFields(fieldCheck{"reason", &b.Reason, ruleReason}, fieldCheck{"basis", &b.Basis, ruleBasis},
		fieldCheck{"comment", &b.Comment, ruleReport}); err != nil {
		return err
	}
	for i := range b.Items {
		it := &b.Items[i]
		if err := checkFields(fieldCheck{fmt.Sprintf("items[%d].reason", i), &it.Reason, ruleReason},
			fieldCheck{fmt.Sprintf("items[%d].basis", i), &it.Basis, ruleBasis}); err != nil {
			return err
		}
	}
	if err := checkEdits(b.Edits); err != nil {
		return err
	}
	if b.Proposal != nil {
		return checkProposal(b.Proposal)
	}
	return nil
}

// checkEdits holds a supplement's edits to the rules of the draft's
// fields: a field the draft requires cannot be blanked.
func checkEdits(edits map[string]string) error {
	for field, v := range edits {
		rule, ok := editRules[field]
		if !ok {
			continue // the workflow names the fields that may be edited
		}
		if rule.required && strings.TrimSpace(v) == "" {
			return badRequest("edits."+field, "write the new text, or leave the field out of edits to keep it", "edits.%s would blank a required field", field)
		}
		v, err := checkField("edits."+field, v, rule)
		if err != nil {
			return err
		}
		edits[field] = v
	}
	return nil
}

func (s *Server) decide(c *gin.Context) {
	a, err := s.decideTask(c, "id", c.Param("id"), func(store.Task) (decisionBody, error) {
		var b decisionBody
		return b, bind(c, &b)
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a)
}

// decideTask decides task id (named by field in the request) as the
// caller: the one path of every decision, alone or in a batch. The task
// must be the caller's org's (one outside the caller's scope is 404, as
// if it did not exist) and not held by a colleague; body reads the
// decision once the task is known; its free text is bounded here, and
// the workflow's Update checks the rest and applies it.
func (s *Server) decideTask(c *gin.Context, field, id string, body func(store.Task) (decisionBody, error)) (updateAnswer, error) {
	t, err := s.ownTaskAt(c, field, id)
	if err != nil {
		return updateAnswer{}, err
	}
	if err := s.holds(c, t); err != nil {
		return updateAnswer{}, err
	}
	b, err := body(t)
	if err != nil {
		return updateAnswer{}, err
	}
	if err := b.check(); err != nil {
		return updateAnswer{}, err
	}
	if b.Regulator != "" {
		org, err := s.Store.Org(c.Request.Context(), b.Regulator)
		if err != nil || org.Kind != store.KindRegulator {
			return updateAnswer{}, badRequest("regulator", "use the org code of an industry regulator", "%q is not a regulator", b.Regulator)
		}
	}
	res, err := s.update(c, t.WorkflowID, workflows.UpdateDecide, workflows.DecideRequest{
		TaskID: t.ID, Actor: actorOf(user(c)), Decision: b.Decision, Reason: b.Reason, Basis: b.Basis,
		Comment: b.Comment, Items: b.Items, Regulator: b.Regulator, Edits: b.Edits, Proposal: b.Proposal,
	})
	if err != nil {
		return updateAnswer{}, err
	}
	return answerOf(res), nil
}

type actionBody struct {
	Reason string `json:"reason"`
	Basis  string `json:"basis"`
}

// action sends one of the application-level Updates.
func (s *Server) action(name string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := s.visibleID(c)
		if err != nil {
			fail(c, err)
			return
		}
		var b actionBody
		if c.Request.ContentLength != 0 {
			if err := bind(c, &b); err != nil {
				fail(c, err)
				return
			}
		}
		if err := checkFields(fieldCheck{"reason", &b.Reason, ruleReason}, fieldCheck{"basis", &b.Basis, ruleBasis}); err != nil {
			fail(c, err)
			return
		}
		res, err := s.update(c, workflows.ApplicationWorkflowID(id), name,
			workflows.ActionRequest{Actor: actorOf(user(c)), Reason: b.Reason, Basis: b.Basis})
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, answerOf(res))
	}
}

type modelBody struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

func (s *Server) submitModel(c *gin.Context) {
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var b modelBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	if err := checkFields(fieldCheck{"name", &b.Name, ruleModelName}, fieldCheck{"description", &b.Description, ruleLongText}); err != nil {
		fail(c, err)
		return
	}
	res, err := s.update(c, workflows.ApplicationWorkflowID(id), workflows.UpdateSubmitModel,
		workflows.ModelRequest{Actor: actorOf(user(c)), Name: b.Name, Description: b.Description})
	if err != nil {
		fail(c, err)
		return
	}
	// The review runs in its own workflow: answer once its tasks are open,
	// so that a reviewer's inbox read next has them.
	a := answerOf(res)
	if a.Opened, err = s.firstTasks(c.Request.Context(), id, res.Model); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a)
}

// updateAnswer is what a decision or action answers: the workflow's
// result, with the tasks it opened as the read model shows them.
type updateAnswer struct {
	Status string       `json:"status"`
	Opened []store.Task `json:"opened,omitempty"`
	Model  string       `json:"model,omitempty"`
}

func answerOf(res workflows.UpdateResult) updateAnswer {
	a := updateAnswer{Status: res.Status, Model: res.Model}
	for _, t := range res.Opened {
		a.Opened = append(a.Opened, t.Row())
	}
	return a
}

// firstTaskWait bounds how long an answer waits for a workflow's first
// tasks: a worker that is down leaves them to come later.
const firstTaskWait = 10 * time.Second

// firstTasks waits until workflow wfID (of application appID) has written
// its first open tasks, and returns them: an answer given before would
// send a client to an inbox that does not show them yet. When none
// appear in firstTaskWait (no worker runs), it returns none: the
// application's timeline shows them once they open.
func (s *Server) firstTasks(ctx context.Context, appID uint64, wfID string) ([]store.Task, error) {
	wait := 10 * time.Millisecond
	deadline := time.Now().Add(firstTaskWait)
	for {
		tasks, err := s.Store.TasksOf(ctx, appID)
		if err != nil {
			return nil, err
		}
		var open []store.Task
		for _, t := range tasks {
			if t.WorkflowID == wfID && t.Status == domain.TaskOpen {
				open = append(open, t)
			}
		}
		if len(open) > 0 || !time.Now().Before(deadline) {
			return open, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// --- tasks and supervision ---------------------------------------------

func (s *Server) inbox(c *gin.Context) {
	u := user(c)
	f := store.InboxFilter{Department: u.OrgCode, Status: c.DefaultQuery("status", domain.TaskOpen)}
	if err := oneOf("status", f.Status, domain.TaskOpen, domain.TaskDone, domain.TaskCancelled); err != nil {
		fail(c, err)
		return
	}
	if v := c.Query("application"); v != "" {
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil || id == 0 {
			fail(c, badRequest("application", "use an application's number, e.g. 12", "application %q is not an application number", v))
			return
		}
		f.ApplicationID = id
	}
	if f.Kind = c.Query("kind"); f.Kind != "" {
		if err := oneOf("kind", f.Kind, domain.TaskKinds()...); err != nil {
			fail(c, err)
			return
		}
	}
	if err := taskFilters(c, &f); err != nil {
		fail(c, err)
		return
	}
	var err error
	if f.Limit, f.Offset, err = paging(c); err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	total, err := s.Store.CountInbox(ctx, f)
	if err != nil {
		fail(c, err)
		return
	}
	tasks := []store.Task{}
	if total > int64(f.Offset) {
		if tasks, err = s.Store.Inbox(ctx, f); err != nil {
			fail(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"tasks": s.steps(tasks), "total": total})
}

// keywordAndDays reads a list's keyword (q) and a range of days
// (YYYY-MM-DD in China time, both days included): from is the first
// day's start, to the end of the last day.
func keywordAndDays(c *gin.Context, keyword *string, fromField string, from *time.Time, toField string, to *time.Time) error {
	*keyword = strings.TrimSpace(c.Query("q"))
	if n := utf8.RuneCountInString(*keyword); n > store.MaxQueryRunes {
		return badRequest("q", "shorten the search text", "the search text has %d characters, more than %d", n, store.MaxQueryRunes)
	}
	for _, d := range []struct {
		field string
		at    *time.Time
		days  int
	}{{fromField, from, 0}, {toField, to, 1}} {
		v := c.Query(d.field)
		if v == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, v, calendar.Zone)
		if err != nil {
			return badRequest(d.field, "use YYYY-MM-DD", "%s %q is not a date", d.field, v)
		}
		*d.at = t.AddDate(0, 0, d.days) // the last day is included
	}
	return nil
}

// taskFilters reads the inbox's keyword (q: the application's title or
// number) and its range of due dates (due_from, due_to: YYYY-MM-DD in
// China time, both days included).
func taskFilters(c *gin.Context, f *store.InboxFilter) error {
	if err := keywordAndDays(c, &f.Keyword, "due_from", &f.DueFrom, "due_to", &f.DueTo); err != nil {
		return err
	}
	if !f.DueFrom.IsZero() && !f.DueTo.IsZero() && !f.DueFrom.Before(f.DueTo) {
		return badRequest("due_to", "use a due_to on or after due_from", "due_to %s is before due_from %s", c.Query("due_to"), c.Query("due_from"))
	}
	return nil
}

func (s *Server) overdue(c *gin.Context) {
	tasks, err := s.Store.Overdue(c.Request.Context(), s.now(), c.Query("department"), 500)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"tasks": s.steps(tasks)})
}

// atRisk lists the departments' open tasks due within
// httpctx.AtRiskDays working days (临期), earliest due first.
func (s *Server) atRisk(c *gin.Context) {
	tasks, until, err := s.AtRisk(c.Request.Context(), s.now(), c.Query("department"))
	if err != nil {
		fail(c, err)
		return
	}
	steps := s.steps(tasks)
	sort.SliceStable(steps, func(i, j int) bool {
		if !steps[i].DueAt.Equal(steps[j].DueAt) {
			return steps[i].DueAt.Before(steps[j].DueAt)
		}
		return steps[i].ID < steps[j].ID
	})
	c.JSON(http.StatusOK, gin.H{"tasks": steps, "working_days": httpctx.AtRiskDays, "until": until.UTC()})
}

// --- calendar -----------------------------------------------------------

func (s *Server) calendarDue(c *gin.Context) {
	from, err := time.ParseInLocation(time.DateOnly, c.Query("from"), calendar.Zone)
	if err != nil {
		fail(c, badRequest("from", "use YYYY-MM-DD", "from %q is not a date", c.Query("from")))
		return
	}
	days, err := strconv.Atoi(c.Query("days"))
	if err != nil || days < 1 || days > 1000 {
		fail(c, badRequest("days", "use a number of working days from 1 to 1000", "days %q is not valid", c.Query("days")))
		return
	}
	due := s.Calendar.DueAt(from, days)
	out := gin.H{"from": c.Query("from"), "days": days, "due": due.Format(time.DateOnly), "due_at": due, "provisional": false}
	// Counted across a year without a holiday table: by weekends only.
	if missing := s.Calendar.MissingYears(from, due); len(missing) > 0 {
		out["provisional"], out["missing_years"] = true, missing
		out["note"] = calendar.ProvisionalNote
		if httpctx.PrefersEnglish(c.GetHeader("Accept-Language")) {
			out["note"] = calendar.ProvisionalNoteEN
		}
	}
	c.JSON(http.StatusOK, out)
}
