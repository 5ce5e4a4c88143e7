// Package httpctx is what the API (package api) and the pages (package
// web) share about a request: the dependencies both are built from, who
// is calling and their session's CSRF token, the language they read, what
// they may see (the scope), the route table's shape and the security
// headers. Neither api nor web builds on the other's server: both take one
// *Deps.
package httpctx

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/rbac"
	"github.com/datagate/datagate/store"
)

// Deps are the dependencies the API and the pages share.
type Deps struct {
	Store    *store.Store
	Calendar *calendar.Calendar
	RBAC     *rbac.Enforcer
	Log      *slog.Logger
	// Now is the clock for working-day figures; time.Now if nil.
	Now func() time.Time
}

// Clock is the current time by Now.
func (d *Deps) Clock() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Logger is Log, or a logger that discards.
func (d *Deps) Logger() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.New(slog.DiscardHandler)
}

// AtRiskDays is how near its due date an open task is at risk (临期): due
// within this many working days, counted in China time.
const AtRiskDays = 3

// AtRisk lists the departments' open tasks (never an applicant's own step)
// that are not overdue at now and are due by the end of the AtRiskDays-th
// working day after now's date, earliest due first, at most 500, and that
// end (until). department "" means every department.
func (d *Deps) AtRisk(ctx context.Context, now time.Time, department string) (tasks []store.Task, until time.Time, err error) {
	until = d.Calendar.DueAt(now, AtRiskDays)
	tasks, err = d.Store.DueWithin(ctx, now, until, department, 500)
	return tasks, until, err
}

// DueFigures are an open task's working days: left until its due time,
// or overdue since (one of the two is set); nil both for a closed task.
func (d *Deps) DueFigures(t store.Task, now time.Time) (left, overdue *int) {
	if t.Status != domain.TaskOpen {
		return nil, nil
	}
	if now.After(t.DueAt) {
		n := d.Calendar.Between(t.DueAt, now)
		return nil, &n
	}
	n := d.Calendar.Between(now, t.DueAt)
	return &n, nil
}

// Scope narrows the applications a user sees to what their roles in their
// org allow: the process's central orgs see every submitted application, a
// provider department those naming its datasets, a regulator those it was
// asked about, an applicant its own org's; anyone else nothing.
func (d *Deps) Scope(u store.User) (store.ApplicationFilter, error) {
	pairs, err := d.RBAC.RolesOf(u.Username)
	if err != nil {
		return store.ApplicationFilter{}, err
	}
	has := map[string]bool{}
	for _, p := range pairs {
		if p[1] == u.OrgCode {
			has[p[0]] = true
		}
	}
	switch {
	case has[domain.RoleInitialReviewer] || has[domain.RoleBureauOfficer] || has[domain.RoleOperator] ||
		has[domain.RoleSupervisor]:
		return store.ApplicationFilter{SubmittedOnly: true}, nil
	case has[domain.RoleDeptReviewer]:
		return store.ApplicationFilter{Department: u.OrgCode, SubmittedOnly: true}, nil
	case has[domain.RoleRegulator]:
		return store.ApplicationFilter{TaskOrg: u.OrgCode, SubmittedOnly: true}, nil
	case has[domain.RoleApplicant]:
		return store.ApplicationFilter{ApplicantOrg: u.OrgCode}, nil
	}
	return store.ApplicationFilter{ApplicantOrg: "\x00"}, nil // sees nothing
}

// ProcedureScope is the org whose statutory procedures a user sees: those
// it filed or answers. The orgs that keep the catalog and review (the
// bureau, the big-data center) and supervisors see every one: "" for
// them.
func (d *Deps) ProcedureScope(u store.User) (string, error) {
	pairs, err := d.RBAC.RolesOf(u.Username)
	if err != nil {
		return "", err
	}
	for _, p := range pairs {
		if p[1] == u.OrgCode && (p[0] == domain.RoleBureauOfficer || p[0] == domain.RoleInitialReviewer || p[0] == domain.RoleSupervisor) {
			return "", nil
		}
	}
	return u.OrgCode, nil
}

// Route is one route of the engine: the casbin action it performs gates
// it. Forbidden, on a page, answers a GET by a signed-in caller whose
// roles do not allow Action, in place of the API's JSON 403: a browser
// gets a page that says so. It must answer 403. Nil: the JSON error. (A
// caller nobody signed in to is sent to the sign-in page instead.)
type Route struct {
	Method, Path string
	Action       rbac.Action
	Handler      gin.HandlerFunc
	Forbidden    gin.HandlerFunc
}

// The request's values, set by authentication.
const (
	userKey    = "user"
	sessionKey = "session"
	csrfKey    = "csrf"
	// secondFactorKey: the second-factor state of the caller's session
	// (store.SecondFactorNone, Pending, Enrol or Passed).
	secondFactorKey = "second_factor"
)

// SetSecondFactor records the second-factor state of the caller's session.
func SetSecondFactor(c *gin.Context, state string) { c.Set(secondFactorKey, state) }

// SecondFactor is the second-factor state of the caller's session; empty
// for a bearer token or nobody.
func SecondFactor(c *gin.Context) string { return c.GetString(secondFactorKey) }

// SetUser records the signed-in caller.
func SetUser(c *gin.Context, u store.User) { c.Set(userKey, u) }

// SetSession records the caller's session cookie and its CSRF token.
func SetSession(c *gin.Context, cookie, csrf string) {
	c.Set(sessionKey, cookie)
	c.Set(csrfKey, csrf)
}

// User is the signed-in caller; ok is false for nobody.
func User(c *gin.Context) (u store.User, ok bool) {
	v, ok := c.Get(userKey)
	if !ok {
		return store.User{}, false
	}
	return v.(store.User), true
}

// Session is the caller's session cookie; empty for a bearer token.
func Session(c *gin.Context) string { return c.GetString(sessionKey) }

// CSRFToken is the caller's session CSRF token, which pages put in their
// forms; empty for a bearer token.
func CSRFToken(c *gin.Context) string { return c.GetString(csrfKey) }

// PrefersEnglish reads Accept-Language: of the two languages spoken here,
// the one with the higher weight wins; without either, zh-CN.
func PrefersEnglish(header string) bool {
	best, bestQ := "zh", -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		if !strings.HasPrefix(tag, "en") && !strings.HasPrefix(tag, "zh") {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > bestQ {
			best, bestQ = tag[:2], q
		}
	}
	return best == "en"
}

// contentSecurityPolicy: scripts and styles from this origin only, no
// inline code, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// SecurityHeaders sets the headers every answer carries, API and pages
// alike; HSTS only over TLS.
func SecurityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if c.Request.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}
