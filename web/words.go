package web

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// The pages name people, steps and records in words: a user by display
// name, the workflows' own steps as 系统 / System, a task by its kind and
// department, an audit entry's object by what its action is about. Login
// names, task and workflow IDs and field keys stay in the data (and in the
// API and the CSV export); they are never page text.

// person is how a page names the user with login name username: the
// display name (the login name when the user has none, or is unknown),
// and 系统 / System for what the workflows do on their own.
func (w *Web) person(lang, username string) string {
	switch username {
	case "":
		return ""
	case domain.RoleSystem:
		return w.cat[lang].translate("role.system")
	}
	if u, ok := w.user(username); ok && u.DisplayName != "" {
		return u.DisplayName
	}
	return username
}

// user is a user by login name, from a cache refreshed every minute or when
// a name is missing (an admin added a user).
func (w *Web) user(username string) (store.User, bool) {
	w.usersMu.Lock()
	defer w.usersMu.Unlock()
	u, ok := w.users[username]
	age := time.Since(w.usersLoaded)
	if (ok && age < time.Minute) || (!ok && age < 5*time.Second) {
		return u, ok
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	all, err := w.deps.Store.Users(ctx)
	w.usersLoaded = time.Now()
	if err != nil {
		w.log().Warn("load users for the pages", "error", err)
		return u, ok
	}
	w.users = make(map[string]store.User, len(all))
	for _, x := range all {
		w.users[x.Username] = x
	}
	u, ok = w.users[username]
	return u, ok
}

// word translates a value of a known set (prefix "kind", "decision", ...);
// an unknown value shows as itself.
func (w *Web) word(lang, prefix, v string) string {
	if k := prefix + "." + v; w.cat[lang].has(k) {
		return w.cat[lang].translate(k)
	}
	return v
}

// internalID matches a workflow's or a task's ID (application-12,
// application-12-t3, application-12-model-1-t2, ...).
var internalID = regexp.MustCompile(`\b(application|procedure)-\d+(-[a-z]+-?\d*)*\b`)

// --- the audit log's rows ------------------------------------------------------

// auditRow is one audit entry as a page shows it, with the task its
// target names, when it names one.
type auditRow struct {
	store.AuditEntry
	Task *store.Task
}

// ProcedureID is the statutory procedure whose workflow wrote the entry
// (or whose step a claim or transfer was of); 0 for any other.
func (r auditRow) ProcedureID() uint64 {
	m := procedureWorkflow.FindStringSubmatch(r.WorkflowID)
	if m == nil {
		return 0
	}
	id, _ := strconv.ParseUint(m[1], 10, 64)
	return id
}

// procedureWorkflow matches a procedure's workflow ID, and the log of the
// claims and transfers of its steps.
var procedureWorkflow = regexp.MustCompile(`^(?:assign-)?procedure-(\d+)$`)

// auditRows attaches to entries the tasks their targets name, loading each
// application's tasks once; known are tasks already loaded (a procedure's).
func (w *Web) auditRows(ctx context.Context, entries []store.AuditEntry, known ...store.Task) ([]auditRow, error) {
	tasks := map[string]store.Task{}
	for _, t := range known {
		tasks[t.ID] = t
	}
	loaded := map[uint64]bool{}
	out := make([]auditRow, 0, len(entries))
	for _, e := range entries {
		r := auditRow{AuditEntry: e}
		if id := auditTaskID(e); id != "" {
			if !loaded[e.ApplicationID] && e.ApplicationID != 0 {
				loaded[e.ApplicationID] = true
				ts, err := w.deps.Store.TasksOf(ctx, e.ApplicationID)
				if err != nil {
					return nil, err
				}
				for _, t := range ts {
					tasks[t.ID] = t
				}
			}
			if t, ok := tasks[id]; ok {
				r.Task = &t
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// auditTaskID is the task an entry's target names: the first word of the
// target of a task's, an urge's or a flag's action.
func auditTaskID(e store.AuditEntry) string {
	switch {
	case strings.HasPrefix(e.Action, "task."), strings.HasPrefix(e.Action, "urge."),
		strings.HasPrefix(e.Action, "flag."), strings.HasPrefix(e.Action, "rejection."):
		if f := strings.Fields(e.Target); len(f) > 0 {
			return f[0]
		}
	}
	return ""
}

// auditWhat is what an audit entry is about, in lang: a task by its kind
// and department (and the decision), an application's datasets, an
// agreement, an evaluation, a model, an org or a user by name. Empty when
// the entry is about the application itself, which the row names.
func (w *Web) auditWhat(lang string, r auditRow) string {
	c := w.cat[lang]
	f := strings.Fields(r.Target)
	arg := func(i int) string {
		if i < len(f) {
			return f[i]
		}
		return ""
	}
	orgs := func(list string) string {
		var names []string
		for _, code := range strings.Split(list, ",") {
			if code = strings.TrimSpace(code); code != "" {
				names = append(names, w.orgName(lang, code))
			}
		}
		return strings.Join(names, c.translate("list.sep"))
	}
	// task names the entry's task: "<kind> · <department>". Targets are
	// "<task> <kind> <decision>" (decided, cancelled), "<task> <kind>
	// <department>" or "<task> <department>".
	task := func() string {
		kind, dept := "", ""
		if r.Task != nil {
			kind, dept = r.Task.Kind, r.Task.Department
		} else if len(f) == 3 && r.Action != "task.decided" && r.Action != "task.cancelled" {
			kind, dept = f[1], f[2]
		} else if len(f) == 3 {
			kind = f[1]
		} else if len(f) == 2 {
			dept = f[1]
		}
		switch {
		case kind != "" && dept != "":
			return c.translate("audit.what.task", w.word(lang, domain.SetKind, kind), w.orgName(lang, dept))
		case kind != "":
			return w.word(lang, domain.SetKind, kind)
		case dept != "":
			return w.orgName(lang, dept)
		}
		return ""
	}
	a := r.Action
	switch {
	case a == "task.decided":
		if d := arg(2); d != "" {
			return c.translate("audit.what.decided", task(), w.word(lang, domain.SetDecision, d))
		}
		return task()
	case auditTaskID(r.AuditEntry) != "":
		return task()
	case a == "application.approved":
		if n, err := strconv.Atoi(arg(0)); err == nil {
			return c.translate("audit.what.approved", n)
		}
		return ""
	case a == "application.pushed":
		return orgs(r.Target)
	case a == "application.rejected":
		return w.word(lang, domain.SetKind, r.Target)
	case a == "application.resubmitted":
		if n, err := strconv.Atoi(arg(1)); err == nil && arg(0) == "round" {
			return c.translate("app.model.round", n)
		}
		return ""
	case strings.HasPrefix(a, "agreement."):
		return w.word(lang, domain.SetAgreement, r.Target)
	case strings.HasPrefix(a, "evaluation."):
		if i := strings.LastIndex(r.Target, "-evaluation-"); i >= 0 {
			if n, err := strconv.Atoi(r.Target[i+len("-evaluation-"):]); err == nil {
				return c.translate("audit.what.evaluation", n)
			}
		}
		return ""
	case a == "model.submitted":
		// The target is the model's review workflow; the reason its name.
		return r.Reason
	case a == "regulator.asked", a == "regulator.request_withdrawn", a == "authorization.expiring", a == "org.created":
		return orgs(r.Target)
	case a == "user.created", a == "user.disabled", a == "role.assigned", a == "role.revoked":
		return w.person(lang, r.Target)
	case a == "procedure.filed":
		// "<kind> <dataset>": the kind of procedure, and its dataset.
		if arg(1) != "" {
			return c.translate("audit.what.task", w.word(lang, domain.SetProcedure, arg(0)), arg(1))
		}
		return w.word(lang, domain.SetProcedure, arg(0))
	case a == "procedure.closed":
		// "<kind> <outcome>".
		return c.translate("proc.title", w.word(lang, domain.SetProcedure, arg(0)), w.word(lang, domain.SetOutcome, arg(1)))
	case a == "catalog.published":
		// "<change> <dataset>".
		return c.translate("audit.what.task", w.word(lang, domain.SetChange, arg(0)), arg(1))
	case a == "calendar.year_replaced":
		return c.translate("audit.what.year", r.Target)
	case a == "exit.confirmed":
		return c.translate("audit.what.exit_confirmed")
	case a == store.AuditDataUsed:
		// "<use> <dataset>": the dataset used.
		return arg(1)
	case a == store.AuditCopied, a == store.AuditCopyRead:
		// "<copy> <org>" or "<copy> <user> <org>": its recipient.
		if len(f) == 3 {
			return w.person(lang, f[1])
		}
		return w.orgName(lang, arg(1))
	}
	if internalID.MatchString(r.Target) {
		return ""
	}
	return r.Target
}

// auditWhy is an audit entry's reason, in lang: what a person wrote, as
// written; what the system wrote, in words (said); a role and org where
// the admin log names one.
func (w *Web) auditWhy(lang string, r auditRow) string {
	c := w.cat[lang]
	switch r.Action {
	case "task.claimed", "task.released", "model.submitted":
		// The claimant is the actor; the model's name is the object.
		return ""
	case "task.transferred":
		to, why, _ := strings.Cut(r.Reason, " ")
		return c.translate("audit.why.transferred", w.person(lang, to), why)
	case "user.created", "role.assigned", "role.revoked":
		if role, org, ok := strings.Cut(r.Reason, "@"); ok {
			return c.translate("audit.why.role", w.word(lang, domain.SetRole, role), w.orgName(lang, org))
		}
	case "org.created":
		return w.word(lang, "orgkind", r.Reason)
	case "model.resubmitted", "catalog.revised":
		if n, err := strconv.Atoi(strings.TrimPrefix(r.Reason, "round ")); err == nil {
			return c.translate("app.model.round", n)
		}
	}
	return w.said(lang, r.Actor, r.Reason)
}

// said is a reason or comment as a page shows it: a person's words as
// they wrote them; the system's (the workflows write them in English) in
// lang, when they are one of its known phrases.
func (w *Web) said(lang, actor, text string) string {
	c := w.cat[lang]
	// A department withdrawing its request for an opinion: the workflow
	// puts its words after its own.
	if rest, ok := strings.CutPrefix(text, "request withdrawn: "); ok {
		return c.translate("said.request_withdrawn", rest)
	}
	if actor != domain.RoleSystem || text == "" {
		return text
	}
	if k, ok := systemPhrases[text]; ok {
		return c.translate(k)
	}
	for _, p := range systemPatterns {
		m := p.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		args := make([]any, len(m)-1)
		for i, v := range m[1:] {
			switch p.args[i] {
			case "access":
				args[i] = w.word(lang, "access", v)
			case "end":
				args[i] = w.word(lang, domain.SetEnd, v)
			case "outcome":
				args[i] = w.word(lang, domain.SetOutcome, v)
			case "org":
				args[i] = w.orgName(lang, v)
			case "said":
				args[i] = w.said(lang, actor, v)
			default:
				args[i] = v
			}
		}
		return c.translate(p.key, args...)
	}
	return text
}

// systemPhrases are the fixed reasons the workflows give, by catalog key.
var systemPhrases = map[string]string{
	"overdue: escalated to supervision":             "said.escalated",
	"every dataset was rejected":                    "said.all_rejected",
	"rectification period elapsed":                  "said.rectification_elapsed",
	"rectification period elapsed without a report": "said.rectification_no_report",
	"datasets approved after the agreements":        "said.approved_after",
	"more datasets approved: the signatures on the earlier text are void, and every party signs the new text": "said.supplement_revised",
	"department decided": "said.department_decided",
	"not supplemented by the deadline: deemed withdrawn (视为撤回)":                "said.not_supplemented",
	"the agreements were not signed by the deadline: deemed withdrawn (视为撤回)":  "said.not_signed",
	"the return and destruction of the data was not confirmed by the deadline": "said.exit_not_confirmed",
	"exit not complied":                     "said.exit_not_complied",
	"exit notice period elapsed":            "said.exit_elapsed",
	"authorization period ended":            "said.period_ended",
	"the applicant declined the agreements": "said.declined",
	"withdrawn by the applicant":            "said.withdrawn",
	"objection about personal information":  "said.personal_suspended",
}

// systemPatterns are the reasons the workflows give with values in them:
// each capture is formatted by its kind ("access", "end", "org", "said",
// or as it is) into the catalog message key.
var systemPatterns = []struct {
	re   *regexp.Regexp
	key  string
	args []string
}{
	{regexp.MustCompile(`^overdue (\d+) working days: urged automatically$`), "said.auto_urged", []string{""}},
	{regexp.MustCompile(`^authorization ended: (\w+)$`), "said.ended", []string{"end"}},
	{regexp.MustCompile(`^the model was rejected by (\S+)$`), "said.model_rejected", []string{"org"}},
	{regexp.MustCompile(`^supplementary agreement signed; (\S+) access until (\S+)$`), "said.supplement_access", []string{"access", ""}},
	{regexp.MustCompile(`^(\S+) access until (\d{4}-\d{2}-\d{2})$`), "said.access", []string{"access", ""}},
	{regexp.MustCompile(`^the authorization ends on (\S+): apply for renewal or submit the exit plan$`), "said.expiring", []string{""}},
	{regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}) -> (\d{4}-\d{2}-\d{2}): (.*)$`), "said.due_moved", []string{"", "", "said"}},
	{regexp.MustCompile(`^holiday table (\d{4}) replaced by (.+)$`), "said.holidays", []string{"", ""}},
	{regexp.MustCompile(`^the procedure ended: (\w+)$`), "said.procedure_ended", []string{"outcome"}},
}
