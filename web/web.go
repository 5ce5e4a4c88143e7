// Package web is DataGate's pages: server-rendered html/template pages,
// embedded and parsed once at start-up, that join the API's gin engine as
// api.Server.Pages. They are authenticated and casbin-gated like the API, read
// the store within the same scopes (httpctx), and leave every change to the API:
// each action is a form that the one small script (static/app.js) sends
// as JSON to its /api/v1 endpoint with the session's CSRF token.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/documents"
	"github.com/datagate/datagate/files"
	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/rbac"
	"github.com/datagate/datagate/store"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Web renders the pages over the dependencies it shares with the API.
type Web struct {
	deps *httpctx.Deps
	cat  map[string]catalog
	// pages holds each page's template set, by language then name.
	pages map[string]map[string]*template.Template
	// assets are the static files' content hashes, for cache busting.
	assets map[string]string

	orgsMu     sync.Mutex
	orgs       map[string]store.Org
	orgsLoaded time.Time

	usersMu     sync.Mutex
	users       map[string]store.User
	usersLoaded time.Time

	// demoHint: the sign-in page tells the demo users' password (DemoHint).
	demoHint bool
}

// Option sets up a Web beyond its dependencies.
type Option func(*Web)

// DemoHint makes the sign-in page tell the demo users and their password:
// on when the process seeded them (datagate dev with --demo), never under
// serve.
func DemoHint(on bool) Option { return func(w *Web) { w.demoHint = on } }

// New parses the embedded templates and catalogs. They are part of the
// binary, so a failure is a programming error: it panics, as template.Must
// does, and the web tests catch it.
func New(deps *httpctx.Deps, opts ...Option) *Web {
	w, err := build(deps)
	if err != nil {
		panic(fmt.Sprintf("web: %v", err))
	}
	for _, o := range opts {
		o(w)
	}
	return w
}

func build(deps *httpctx.Deps) (*Web, error) {
	w := &Web{deps: deps, pages: map[string]map[string]*template.Template{}, assets: map[string]string{}}
	var err error
	if w.cat, err = loadCatalogs(); err != nil {
		return nil, err
	}
	err = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		w.assets[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hash static files: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, l := range langs {
		base, err := template.New("base").Funcs(w.funcs(l)).ParseFS(templateFS, "templates/*.html")
		if err != nil {
			return nil, fmt.Errorf("parse layout: %w", err)
		}
		w.pages[l] = map[string]*template.Template{}
		for _, n := range names {
			t, err := base.Clone()
			if err != nil {
				return nil, err
			}
			if t, err = t.ParseFS(templateFS, n); err != nil {
				return nil, fmt.Errorf("parse %s: %w", n, err)
			}
			w.pages[l][strings.TrimSuffix(path.Base(n), ".html")] = t
		}
	}
	return w, nil
}

// Pages are the web's routes, each with the action casbin must allow. A
// signed-in user whose roles do not allow it gets the forbidden page.
func (w *Web) Pages() []httpctx.Route {
	pages := []httpctx.Route{
		{Method: "GET", Path: "/static/*path", Action: rbac.CatalogRead, Handler: w.static},
		{Method: "GET", Path: "/favicon.ico", Action: rbac.CatalogRead, Handler: w.favicon},
		{Method: "GET", Path: "/", Action: rbac.CatalogRead, Handler: w.home},
		{Method: "GET", Path: "/lang", Action: rbac.CatalogRead, Handler: w.setLang},
		{Method: "GET", Path: "/login", Action: rbac.SessionOpen, Handler: w.login},
		{Method: "GET", Path: "/login/totp", Action: rbac.SessionOpen, Handler: w.loginCode},
		{Method: "GET", Path: "/account/2fa", Action: rbac.MeRead, Handler: w.secondFactor},
		{Method: "GET", Path: "/catalog", Action: rbac.CatalogRead, Handler: w.catalog},
		{Method: "GET", Path: "/catalog/:code", Action: rbac.CatalogRead, Handler: w.dataset},
		{Method: "GET", Path: "/catalog/propose", Action: rbac.CatalogPropose, Handler: w.propose},
		{Method: "GET", Path: "/catalog/request", Action: rbac.CatalogRequest, Handler: w.request},
		{Method: "GET", Path: "/disclosure", Action: rbac.DisclosureRead, Handler: w.disclosure},
		{Method: "GET", Path: "/applications", Action: rbac.ApplicationRead, Handler: w.applications},
		{Method: "GET", Path: "/applications/new", Action: rbac.ApplicationCreate, Handler: w.newApplication},
		{Method: "GET", Path: "/applications/export", Action: rbac.ApplicationRead, Handler: w.exportApplications},
		{Method: "GET", Path: "/applications/:id", Action: rbac.ApplicationRead, Handler: w.application},
		{Method: "GET", Path: "/applications/:id/edit", Action: rbac.ApplicationEdit, Handler: w.editApplication},
		{Method: "GET", Path: "/account/tokens", Action: rbac.TokenManage, Handler: w.tokens},
		{Method: "GET", Path: "/notifications", Action: rbac.MeRead, Handler: w.notifications},
		{Method: "GET", Path: "/inbox", Action: rbac.TaskRead, Handler: w.inbox},
		{Method: "GET", Path: "/inbox/done", Action: rbac.TaskRead, Handler: w.inboxDone},
		{Method: "GET", Path: "/inbox/copies", Action: rbac.CopyRead, Handler: w.inboxCopies},
		{Method: "GET", Path: "/procedures", Action: rbac.ProcedureRead, Handler: w.procedures},
		{Method: "GET", Path: "/procedures/:id", Action: rbac.ProcedureRead, Handler: w.procedure},
		{Method: "GET", Path: "/supervision", Action: rbac.SupervisionRead, Handler: w.supervision},
		{Method: "GET", Path: "/audit", Action: rbac.AuditRead, Handler: w.audit},
		{Method: "GET", Path: "/admin", Action: rbac.UserAdmin, Handler: w.admin},
	}
	for i := range pages {
		pages[i].Forbidden = w.forbidden
	}
	return pages
}

func (w *Web) now() time.Time { return w.deps.Clock() }

func (w *Web) log() *slog.Logger {
	if w.deps.Log != nil {
		return w.deps.Log
	}
	return slog.Default()
}

// funcs are the template functions of one language.
func (w *Web) funcs(lang string) template.FuncMap {
	tr := func(key string, args ...any) string { return w.cat[lang].translate(key, args...) }
	return template.FuncMap{
		"t": tr,
		// tx translates a value of a known set (a status, a task kind, a
		// decision) under its prefix; an unknown value shows as itself.
		"tx": func(prefix, v string) string {
			if k := prefix + "." + v; w.cat[lang].has(k) {
				return tr(k)
			}
			return v
		},

		// person names a user by display name, the system as 系统 / System
		// (words.go); said is a reason as a page shows it.
		"person":    func(username string) string { return w.person(lang, username) },
		"said":      func(actor, text string) string { return w.said(lang, actor, text) },
		"auditWhat": func(r auditRow) string { return w.auditWhat(lang, r) },
		"auditWhy":  func(r auditRow) string { return w.auditWhy(lang, r) },
		// procTitle is a procedure's title in lang (procedures.go).
		"procTitle": func(p store.Procedure) string { return w.procTitle(lang, p) },

		"org":      func(code string) string { return w.orgName(lang, code) },
		"date":     func(v any) string { return formatTime(v, "2006-01-02") },
		"datetime": func(v any) string { return formatTime(v, "2006-01-02 15:04") },
		"asset":    func(name string) string { return "/static/" + name + "?v=" + w.assets[name] },
		"pct": func(f *float64) string {
			if f == nil {
				return "—"
			}
			return fmt.Sprintf("%.0f%%", *f*100)
		},
		"freq": func(v string) string {
			if k, ok := frequencyKeys[v]; ok {
				return tr(k)
			}
			return v
		},
		"lang": func() string { return lang },
		"add":  func(a, b int) int { return a + b },
		"deref": func(p *int) int {
			if p == nil {
				return 0
			}
			return *p
		},
		"join": strings.Join,
		// signs is the agreement a signing task signs; "" for other tasks.
		"signs": func(kind string) string { a, _ := documents.AgreementOfTask(kind); return a },
		// uploadAccept is the file input's accept: the allowed extensions.
		"uploadAccept": func() string { return strings.Join(files.AllowedExts(), ",") },
		// size is a file's size for people: KB under a megabyte, else MB.
		"size": func(n int64) string {
			if n < 1<<20 {
				return fmt.Sprintf("%.0f KB", math.Ceil(float64(n)/1024))
			}
			return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
		},
		"split": strings.Fields,
		"ints":  func(xs ...int) []int { return xs },
		// sortTH is a sortable column's header (lists.go).
		"sortTH": func(label string, l sortLink) sortHeader { return sortHeader{Label: label, Link: l} },
		"derefF": func(p *float64) float64 {
			if p == nil {
				return 0
			}
			return *p
		},
		// diagram is an application's process diagram (diagram.go).
		"diagram": func(av appView) processDiagram { return w.diagram(lang, av) },
	}
}

// frequencyKeys translate the catalog's update frequencies (data in
// Chinese, from the seed texts).
var frequencyKeys = map[string]string{
	"实时": "freq.realtime", "每日": "freq.daily", "每周": "freq.weekly", "月度": "freq.monthly",
	"季度": "freq.quarterly", "年度": "freq.yearly", "不定期更新": "freq.irregular",
}

func formatTime(v any, layout string) string {
	switch t := v.(type) {
	case time.Time:
		if t.IsZero() {
			return "—"
		}
		return t.In(calendar.Zone).Format(layout)
	case *time.Time:
		if t == nil || t.IsZero() {
			return "—"
		}
		return t.In(calendar.Zone).Format(layout)
	}
	return "—"
}

// orgName is an org's name in lang, from a cache refreshed every minute
// or when a code is missing (an admin added an org).
func (w *Web) orgName(lang, code string) string {
	o, ok := w.org(code)
	switch {
	case !ok:
		return code
	case lang == LangEn && o.NameEn != "":
		return o.NameEn
	}
	return o.Name
}

func (w *Web) org(code string) (store.Org, bool) {
	w.orgsMu.Lock()
	defer w.orgsMu.Unlock()
	o, ok := w.orgs[code]
	age := time.Since(w.orgsLoaded)
	if (ok && age < time.Minute) || (!ok && age < 5*time.Second) {
		return o, ok
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	all, err := w.deps.Store.Orgs(ctx, "")
	w.orgsLoaded = time.Now()
	if err != nil {
		w.log().Warn("load orgs for the pages", "error", err)
		return o, ok
	}
	w.orgs = make(map[string]store.Org, len(all))
	for _, x := range all {
		w.orgs[x.Code] = x
	}
	o, ok = w.orgs[code]
	return o, ok
}

// --- rendering ------------------------------------------------------------

// page is what every template gets: the frame and the page's own data.
type page struct {
	Lang  string
	Title string
	User  *store.User
	CSRF  string
	// Path is the request URI, where the language toggle returns.
	Path string
	Nav  []navLink
	// Can says which actions the user's roles allow, by name (see canNames).
	Can map[string]bool
	// MissingYear, for admins and supervisors, is a year whose holiday
	// table is needed now and absent (calendar.MissingYear): deadlines
	// counted into it are provisional. 0: none.
	MissingYear int
	// Unread is the signed-in user's count of unread in-app notifications,
	// for the header's bell (0: the count is not shown).
	Unread int64
	Data   any
}

type navLink struct {
	Href, Label string
	Current     bool
}

// canNames are the actions a page may ask about with .Can.
var canNames = map[string]rbac.Action{
	"ApplicationRead": rbac.ApplicationRead, "ApplicationCreate": rbac.ApplicationCreate,
	"ApplicationSubmit": rbac.ApplicationSubmit, "ApplicationWithdraw": rbac.ApplicationWithdraw,
	"ApplicationEdit": rbac.ApplicationEdit, "TokenManage": rbac.TokenManage,
	"ModelSubmit": rbac.ModelSubmit, "ExitNotice": rbac.ExitNotice, "EvaluationRequest": rbac.EvaluationRequest,
	"AuthorizationEnd": rbac.AuthorizationEnd, "TaskRead": rbac.TaskRead, "TaskDecide": rbac.TaskDecide,
	"TaskAssign": rbac.TaskAssign, "SupervisionRead": rbac.SupervisionRead, "SupervisionUrge": rbac.SupervisionUrge,
	"SupervisionFlag": rbac.SupervisionFlag, "AuditRead": rbac.AuditRead, "UserAdmin": rbac.UserAdmin,
	"RoleAdmin": rbac.RoleAdminAct, "CalendarAdmin": rbac.CalendarAdmin, "AttachmentUpload": rbac.AttachmentUpload,
	"CopySend": rbac.CopySend, "CopyRead": rbac.CopyRead, "DataUse": rbac.DataUse,
	"ProcedureRead": rbac.ProcedureRead, "CatalogPropose": rbac.CatalogPropose, "CatalogRequest": rbac.CatalogRequest,
	"ObjectionFile": rbac.ObjectionFile, "AuthorizationRestrict": rbac.AuthorizationRestrict,
}

// can reports which of canNames the caller may do, in the caller's org.
func (w *Web) can(c *gin.Context) map[string]bool {
	out := make(map[string]bool, len(canNames))
	u, ok := httpctx.User(c)
	if !ok {
		return out
	}
	for name, a := range canNames {
		allowed, err := w.deps.RBAC.Allow(u.Username, u.OrgCode, a)
		out[name] = err == nil && allowed
	}
	return out
}

// navItems are the nav's links and the action each needs; a link shows
// only when the caller may open it.
var navItems = []struct {
	href, key, can string
}{
	{"/applications", "nav.applications", "ApplicationRead"},
	{"/applications/new", "nav.new_application", "ApplicationCreate"},
	{"/inbox", "nav.inbox", "TaskRead"},
	{"/procedures", "nav.procedures", "ProcedureRead"},
	{"/supervision", "nav.supervision", "SupervisionRead"},
	{"/audit", "nav.audit", "AuditRead"},
	{"/admin", "nav.admin", "UserAdmin"},
	{"/catalog", "nav.catalog", ""},
	{"/disclosure", "nav.disclosure", ""},
}

// frame builds the page frame for the caller.
func (w *Web) frame(c *gin.Context, titleKey string, titleArgs ...any) *page {
	lang := language(c)
	p := &page{Lang: lang, Title: w.cat[lang].translate(titleKey, titleArgs...), CSRF: httpctx.CSRFToken(c),
		Path: c.Request.URL.RequestURI(), Can: w.can(c)}
	if u, ok := httpctx.User(c); ok {
		p.User = &u
		// One query on idx_notifications_user_created (user_id first). A
		// failure costs the bell its count, never the page.
		n, err := w.deps.Store.UnreadCount(c.Request.Context(), u.ID)
		if err != nil {
			w.log().Warn("count unread notifications for the bell", "user", u.Username, "error", err)
		}
		p.Unread = n
	}
	if p.Can["CalendarAdmin"] || p.Can["SupervisionRead"] {
		if y, missing := w.deps.Calendar.MissingYear(w.now()); missing {
			p.MissingYear = y
		}
	}
	cur := c.FullPath()
	for _, n := range navItems {
		if n.can != "" && !p.Can[n.can] {
			continue
		}
		if n.href == "/applications" && p.Can["ApplicationCreate"] {
			n.key = "nav.my_applications"
		}
		p.Nav = append(p.Nav, navLink{Href: n.href, Label: w.cat[lang].translate(n.key),
			Current: cur == n.href || (n.href == "/catalog" && strings.HasPrefix(cur, "/catalog/")) || (n.href == "/applications" && cur == "/applications/:id") ||
				(n.href == "/inbox" && cur == "/inbox/done") || (n.href == "/procedures" && cur == "/procedures/:id")})
	}
	return p
}

// render executes page name with p into the response.
func (w *Web) render(c *gin.Context, status int, name string, p *page) {
	t := w.pages[p.Lang][name]
	if t == nil {
		w.fail(c, fmt.Errorf("no page template %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		w.fail(c, fmt.Errorf("render %s: %w", name, err))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Language", p.Lang)
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// fail logs err and shows the error page.
func (w *Web) fail(c *gin.Context, err error) {
	w.log().Error("page failed", "path", c.Request.URL.Path, "error", err)
	_ = c.Error(err)
	w.message(c, http.StatusInternalServerError, "error.title", "error.internal")
}

// notFound shows the not-found page.
func (w *Web) notFound(c *gin.Context) {
	w.message(c, http.StatusNotFound, "notfound.title", "notfound.body")
}

// message renders a page that only says something.
func (w *Web) message(c *gin.Context, status int, titleKey, bodyKey string) {
	p := w.frame(c, titleKey)
	p.Data = w.cat[p.Lang].translate(bodyKey)
	t := w.pages[p.Lang]["message"]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		c.String(http.StatusInternalServerError, "%s", http.StatusText(http.StatusInternalServerError))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// favicon is the site's icon where browsers look for it without a link
// (the layout links it too).
func (w *Web) favicon(c *gin.Context) {
	b, err := staticFS.ReadFile("static/favicon.svg")
	if err != nil {
		c.Status(http.StatusNotFound)
		return
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, "image/svg+xml", b)
}

// static serves web/static with a year's cache when the URL carries the
// content hash (as asset() writes it), and an hour's otherwise.
func (w *Web) static(c *gin.Context) {
	name := strings.TrimPrefix(path.Clean(c.Param("path")), "/")
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil || name == "" {
		c.Status(http.StatusNotFound)
		return
	}
	if v := c.Query("v"); v != "" && v == w.assets[name] {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "public, max-age=3600")
	}
	c.Header("ETag", `"`+w.assets[name]+`"`)
	c.Header("X-Content-Type-Options", "nosniff")
	if c.GetHeader("If-None-Match") == `"`+w.assets[name]+`"` {
		c.Status(http.StatusNotModified)
		return
	}
	ctype := "application/octet-stream"
	switch path.Ext(name) {
	case ".js":
		ctype = "text/javascript; charset=utf-8"
	case ".css":
		ctype = "text/css; charset=utf-8"
	case ".svg":
		ctype = "image/svg+xml"
	case ".png":
		ctype = "image/png"
	}
	c.Data(http.StatusOK, ctype, b)
}
