package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// The statutory procedures beside the applications (domain/procedures.go):
// a provider department proposes a catalog change, an applicant asks for
// data outside the catalog, anyone signed in objects to published data.
// Each is filed here and runs in its own workflow; its steps are tasks in
// the answering org's inbox, decided by POST /api/v1/tasks/{id}/decision.

// The limits of a catalog entry's fields.
var (
	ruleCode      = textRule{max: 32, required: true}
	ruleShort     = textRule{max: 32}
	ruleFieldName = textRule{max: 100, required: true}
	maxFields     = 200
)

// checkProposal checks a proposed catalog entry's text, trimming it in
// place, and its rules (workflows.CheckProposal); its fields are named
// under "proposal.", as in every body that carries one.
func checkProposal(p *activities.Proposal) error {
	const prefix = "proposal."
	checks := []fieldCheck{{prefix + "code", &p.Code, ruleCode}, {prefix + "summary", &p.Summary, ruleLongText},
		{prefix + "format", &p.Format, ruleShort}, {prefix + "update_frequency", &p.UpdateFrequency, ruleShort},
		{prefix + "open_conditions", &p.OpenConditions, ruleLongText}, {prefix + "grounds", &p.Grounds, ruleLongText}}
	if p.Change != domain.ChangeRetire {
		checks = append(checks, fieldCheck{prefix + "name", &p.Name, ruleName})
	}
	if err := checkFields(checks...); err != nil {
		return err
	}
	if len(p.Fields) > maxFields {
		return badRequest(prefix+"fields", "list at most the number of data items the message names",
			"%sfields lists %d data items, more than %d", prefix, len(p.Fields), maxFields)
	}
	for i := range p.Fields {
		if err := checkFields(fieldCheck{fmt.Sprintf("%sfields[%d]", prefix, i), &p.Fields[i], ruleFieldName}); err != nil {
			return err
		}
	}
	return workflows.CheckProposal(*p)
}

// proposeBody is a catalog change as filed: the entry proposed, named
// "proposal" as in the decisions that revise it.
type proposeBody struct {
	Proposal *activities.Proposal `json:"proposal"`
}

// proposeCatalogChange files a provider department's catalog change: a
// new dataset, a change of one of its own, or its retirement.
func (s *Server) proposeCatalogChange(c *gin.Context) {
	var b proposeBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	if b.Proposal == nil {
		fail(c, badRequest("proposal", "send the catalog entry as proposal: {change, code, name, fields, open_attribute, grade, ...}", "proposal is required"))
		return
	}
	if err := checkProposal(b.Proposal); err != nil {
		fail(c, err)
		return
	}
	p := *b.Proposal
	u, ctx := user(c), c.Request.Context()
	ds, err := s.Store.DatasetsByCode(ctx, []string{p.Code})
	if err != nil {
		fail(c, err)
		return
	}
	cur, exists := ds[p.Code]
	switch {
	case p.Change == domain.ChangeCreate && exists:
		fail(c, newErr(http.StatusConflict, "conflict", "proposal.code", "choose a code no dataset has, or propose a change of it (change: modify)",
			"dataset %s is in the catalog already", p.Code))
		return
	case p.Change != domain.ChangeCreate && !exists:
		fail(c, newErr(http.StatusNotFound, "not_found", "proposal.code", "search the catalog at /api/v1/catalog", "no dataset %q", p.Code))
		return
	case exists && cur.Department != u.OrgCode:
		fail(c, newErr(http.StatusForbidden, "forbidden", "proposal.code", "ask its department to propose the change",
			"dataset %s is another department's", p.Code))
		return
	case exists && cur.State == domain.DatasetWithdrawn:
		fail(c, newErr(http.StatusConflict, "conflict", "proposal.code", "propose a new dataset instead", "dataset %s is withdrawn", p.Code))
		return
	}
	open, _, err := s.Store.Procedures(ctx, store.ProcedureFilter{Kind: domain.ProcCatalogChange, DatasetCode: p.Code, OpenOnly: true, Limit: 1})
	if err != nil {
		fail(c, err)
		return
	}
	if len(open) > 0 {
		fail(c, newErr(http.StatusConflict, "conflict", "proposal.code", "wait for it to end, or follow it at /api/v1/procedures/{id}",
			"a change of dataset %s is in review already (procedure %d)", p.Code, open[0].ID))
		return
	}
	title := domain.Display(domain.SetChange, p.Change, "zh-CN") + "：" + p.Code
	if p.Name != "" {
		title += " " + p.Name
	}
	sp := store.DatasetProposal(p)
	s.fileProcedure(c, store.Procedure{Kind: domain.ProcCatalogChange, Title: truncate(title, 200), Department: u.OrgCode,
		DatasetCode: p.Code, Proposal: &sp}, workflows.ProcedureInput{Proposal: &p})
}

// catalogRequestBody is an out-of-catalog request (第十八条).
type catalogRequestBody struct {
	Department  string `json:"department"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

func (s *Server) requestOutOfCatalog(c *gin.Context) {
	var b catalogRequestBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	if err := checkFields(fieldCheck{"title", &b.Title, ruleTitle}, fieldCheck{"description", &b.Description, rulePurpose},
		fieldCheck{"department", &b.Department, ruleDomain}); err != nil {
		fail(c, err)
		return
	}
	if err := s.providerDepartment(c.Request.Context(), b.Department); err != nil {
		fail(c, err)
		return
	}
	s.fileProcedure(c, store.Procedure{Kind: domain.ProcCatalogRequest, Title: b.Title, Department: b.Department, Body: b.Description},
		workflows.ProcedureInput{})
}

// providerDepartment checks that org is a department providing data.
func (s *Server) providerDepartment(ctx context.Context, org string) error {
	o, err := s.Store.Org(ctx, org)
	if errors.Is(err, store.ErrNotFound) || (err == nil && o.Kind != store.KindProvider) {
		return badRequest("department", "use the org code of a department providing data (GET /api/v1/orgs?kind=provider)",
			"%q is not a department providing data", org)
	}
	return err
}

// objectionBody is an objection to published data (第二十九条).
type objectionBody struct {
	Ground      string `json:"ground"`
	Description string `json:"description"`
}

func (s *Server) objectToDataset(c *gin.Context) {
	var b objectionBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	if b.Ground == "" {
		fail(c, badRequest("ground", "name the ground of the objection: "+strings.Join(domain.ObjectionGrounds(), ", "), "ground is required"))
		return
	}
	if err := oneOf("ground", b.Ground, domain.ObjectionGrounds()...); err != nil {
		fail(c, err)
		return
	}
	if err := checkFields(fieldCheck{"description", &b.Description, rulePurpose}); err != nil {
		fail(c, err)
		return
	}
	code := c.Param("code")
	ds, err := s.Store.DatasetsByCode(c.Request.Context(), []string{code})
	if err != nil {
		fail(c, err)
		return
	}
	d, ok := ds[code]
	if !ok {
		fail(c, newErr(http.StatusNotFound, "not_found", "code", "search the catalog at /api/v1/catalog", "no dataset %q", code))
		return
	}
	if d.State == domain.DatasetWithdrawn {
		fail(c, newErr(http.StatusConflict, "conflict", "code", "", "dataset %s is withdrawn", code))
		return
	}
	title := domain.Display(domain.SetGround, b.Ground, "zh-CN") + "：" + d.Name
	s.fileProcedure(c, store.Procedure{Kind: domain.ProcObjection, Title: truncate(title, 200), Department: d.Department,
		DatasetCode: code, Ground: b.Ground, Body: b.Description}, workflows.ProcedureInput{})
}

// fileProcedure records a procedure filed by the caller, starts its
// workflow and answers 201 with it once its first step is open (or after
// a short wait). When the workflow cannot be started, the filing is removed and
// the answer says so: nothing of it happened.
func (s *Server) fileProcedure(c *gin.Context, p store.Procedure, in workflows.ProcedureInput) {
	u, ctx := user(c), c.Request.Context()
	p.RequesterOrg, p.RequesterUser, p.OpenedAt = u.OrgCode, u.Username, s.now()
	if err := s.Store.CreateProcedure(ctx, &p); err != nil {
		fail(c, err)
		return
	}
	wfID := workflows.ProcedureWorkflowID(p.ID)
	if err := s.Store.SetProcedureWorkflow(ctx, p.ID, wfID); err != nil {
		fail(c, errors.Join(err, s.Store.DeleteUnstartedProcedure(context.WithoutCancel(ctx), p.ID)))
		return
	}
	in.ProcedureID, in.Kind, in.Title, in.Requester = p.ID, p.Kind, p.Title, actorOf(u)
	in.Department, in.Bureau, in.Dataset, in.Ground = p.Department, s.Orgs.Bureau, p.DatasetCode, p.Ground
	in.ReceivedAt, in.Deadlines = p.OpenedAt, s.Deadlines
	_, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: wfID, TaskQueue: workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
	}, workflows.ProcedureWorkflowName, in)
	if err != nil {
		fail(c, errors.Join(fmt.Errorf("start workflow %s: %w", wfID, err), s.Store.DeleteUnstartedProcedure(context.WithoutCancel(ctx), p.ID)))
		return
	}
	s.awaitFirstStep(ctx, p.ID)
	s.respondProcedure(c, http.StatusCreated, p.ID)
}

// awaitFirstStep waits, briefly, for a new procedure's first task, so the
// answer and the inbox read next show it.
func (s *Server) awaitFirstStep(ctx context.Context, id uint64) {
	wait := 10 * time.Millisecond
	deadline := time.Now().Add(firstTaskWait)
	for time.Now().Before(deadline) {
		if ts, err := s.Store.TasksOfProcedure(ctx, id); err != nil || len(ts) > 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// procedureView is a procedure with its steps and its record.
type procedureView struct {
	store.Procedure
	Tasks []store.Task       `json:"tasks"`
	Audit []store.AuditEntry `json:"audit"`
}

func (s *Server) respondProcedure(c *gin.Context, status int, id uint64) {
	ctx := c.Request.Context()
	p, err := s.Store.Procedure(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	v := procedureView{Procedure: p}
	if v.Tasks, err = s.Store.TasksOfProcedure(ctx, id); err != nil {
		fail(c, err)
		return
	}
	if v.Audit, err = s.Store.AuditOfWorkflow(ctx, p.WorkflowID); err != nil {
		fail(c, err)
		return
	}
	if v.Tasks == nil {
		v.Tasks = []store.Task{}
	}
	if v.Audit == nil {
		v.Audit = []store.AuditEntry{}
	}
	c.JSON(status, v)
}

// procedureID is the path's procedure id, if the caller may see it: one
// outside the caller's scope answers 404 as if it did not exist.
func (s *Server) procedureID(c *gin.Context) (uint64, error) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 63)
	if err != nil || id == 0 {
		return 0, badRequest("id", "use the numeric procedure id", "procedure id %q is not a positive number", c.Param("id"))
	}
	return id, s.procedureVisible(c, id)
}

// procedureVisible: the caller's org filed or answers the procedure, or
// the caller keeps the catalog or supervises (ProcedureScope).
func (s *Server) procedureVisible(c *gin.Context, id uint64) error {
	missing := newErr(http.StatusNotFound, "not_found", "id", "list your procedures at GET /api/v1/procedures", "no procedure %d", id)
	p, err := s.Store.Procedure(c.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return missing
	} else if err != nil {
		return err
	}
	org, err := s.ProcedureScope(user(c))
	if err != nil {
		return err
	}
	if org != "" && p.RequesterOrg != org && p.Department != org {
		return missing
	}
	return nil
}

func (s *Server) getProcedure(c *gin.Context) {
	id, err := s.procedureID(c)
	if err != nil {
		fail(c, err)
		return
	}
	s.respondProcedure(c, http.StatusOK, id)
}

func (s *Server) listProcedures(c *gin.Context) {
	org, err := s.ProcedureScope(user(c))
	if err != nil {
		fail(c, err)
		return
	}
	f := store.ProcedureFilter{Org: org, Kind: c.Query("kind"), Outcome: c.Query("outcome"), DatasetCode: c.Query("dataset"),
		Keyword: c.Query("q")}
	if n := utf8.RuneCountInString(f.Keyword); n > store.MaxQueryRunes {
		fail(c, badRequest("q", "shorten the search text", "the search text has %d characters, more than %d", n, store.MaxQueryRunes))
		return
	}
	if err := errors.Join(oneOf("kind", f.Kind, domain.ProcedureKinds()...), oneOf("outcome", f.Outcome, domain.Outcomes()...)); err != nil {
		fail(c, err)
		return
	}
	if f.Limit, f.Offset, err = paging(c); err != nil {
		fail(c, err)
		return
	}
	ps, total, err := s.Store.Procedures(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"procedures": ps, "total": total})
}

// datasetVersions is a dataset's catalog history: every approved version,
// latest first.
func (s *Server) datasetVersions(c *gin.Context) {
	code := c.Param("code")
	vs, err := s.Store.DatasetVersions(c.Request.Context(), code)
	if err != nil {
		fail(c, err)
		return
	}
	if len(vs) == 0 {
		ds, err := s.Store.DatasetsByCode(c.Request.Context(), []string{code})
		if err != nil {
			fail(c, err)
			return
		}
		if _, ok := ds[code]; !ok {
			fail(c, newErr(http.StatusNotFound, "not_found", "code", "search the catalog at /api/v1/catalog", "no dataset %q", code))
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"versions": vs})
}

// truncate cuts s to n characters.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n]))
}

// procedureStats answers who is late in each procedure: per procedure (the
// applications' process, or a statutory procedure's kind) and department,
// the steps open and overdue now and those decided in the period, on time
// or not.
func (s *Server) procedureStats(c *gin.Context) {
	from, end, err := s.period(c, statsDefaultDays, statsMaxYears)
	if err != nil {
		fail(c, err)
		return
	}
	now := s.now()
	stats, err := s.Store.ProcedureStats(c.Request.Context(), now, from, end)
	if err != nil {
		fail(c, err)
		return
	}
	if stats == nil {
		stats = []store.ProcedureStat{}
	}
	c.JSON(http.StatusOK, gin.H{"from": from.Format(time.DateOnly), "to": end.AddDate(0, 0, -1).Format(time.DateOnly),
		"now": now.UTC(), "procedures": stats})
}

// staleDatasets lists the datasets whose update frequency is missed
// (第十三条), for supervision; a department's own are on its pages.
func (s *Server) staleDatasets(c *gin.Context) {
	ds, err := s.Store.StaleDatasets(c.Request.Context(), s.now(), c.Query("department"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"datasets": ds})
}

// recordDataUpdate records, for a dataset's own department, that its data
// was updated now: a missed update frequency is counted from then.
func (s *Server) recordDataUpdate(c *gin.Context) {
	u, ctx, code := user(c), c.Request.Context(), c.Param("code")
	ds, err := s.Store.DatasetsByCode(ctx, []string{code})
	if err != nil {
		fail(c, err)
		return
	}
	d, ok := ds[code]
	switch {
	case !ok:
		fail(c, newErr(http.StatusNotFound, "not_found", "code", "search the catalog at /api/v1/catalog", "no dataset %q", code))
		return
	case d.Department != u.OrgCode:
		fail(c, newErr(http.StatusForbidden, "forbidden", "code", "only its own department records its updates", "dataset %s is another department's", code))
		return
	case d.State == domain.DatasetWithdrawn:
		fail(c, newErr(http.StatusConflict, "conflict", "code", "", "dataset %s is withdrawn", code))
		return
	}
	now := s.now()
	if err := s.Store.RecordDataUpdate(ctx, code, now, store.AuditEntry{Actor: u.Username, Role: domain.RoleDeptReviewer,
		Department: u.OrgCode, Action: "dataset.updated", Target: code, At: now}); err != nil {
		fail(c, err)
		return
	}
	ds, err = s.Store.DatasetsByCode(ctx, []string{code})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, ds[code])
}
