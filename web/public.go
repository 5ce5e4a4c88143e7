package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/store"
)

// home sends each visitor where their work is: an applicant to its
// applications, a reviewer to the inbox, a supervisor to the dashboard,
// an admin to the admin page, anyone else to the catalog.
func (w *Web) home(c *gin.Context) {
	c.Redirect(http.StatusSeeOther, w.homeOf(c))
}

func (w *Web) homeOf(c *gin.Context) string {
	if _, ok := httpctx.User(c); !ok {
		return "/catalog"
	}
	can := w.can(c)
	switch {
	case can["ApplicationCreate"]:
		return "/applications"
	case can["SupervisionUrge"]:
		return "/supervision"
	case can["TaskDecide"]:
		return "/inbox"
	case can["UserAdmin"]:
		return "/admin"
	}
	return "/catalog"
}

// safeNext keeps a redirect target on this site: a path, never a scheme,
// a host ("//evil") or a backslash trick.
func safeNext(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return fallback
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" {
		return fallback
	}
	return next
}

// setLang remembers the chosen language for a year and goes back.
func (w *Web) setLang(c *gin.Context) {
	l, ok := normLang(c.Query("to"))
	if !ok {
		l = LangZh
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Request.TLS != nil})
	c.Redirect(http.StatusSeeOther, safeNext(c.Query("next"), "/"))
}

type loginData struct {
	Next string
	// Step is where a right password leads: the code step, which sends a
	// session that needs no code on to Next.
	Step string
	// DemoHint: tell the demo users and their password (DemoHint).
	DemoHint bool
}

func (w *Web) login(c *gin.Context) {
	next := safeNext(c.Query("next"), "/")
	if _, ok := httpctx.User(c); ok {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	p := w.frame(c, "login.title")
	p.Data = loginData{Next: next, Step: "/login/totp?next=" + url.QueryEscape(next), DemoHint: w.demoHint}
	w.render(c, http.StatusOK, "login", p)
}

// --- catalog --------------------------------------------------------------

type catalogData struct {
	Datasets    []store.Dataset
	Total       int64
	Departments []store.Org
	Department  string
	Open        string
	Grade       int
	Query       string
	Prev, Next  string
	From, To    int
}

const catalogPage = 25

func (w *Web) catalog(c *gin.Context) {
	ctx := c.Request.Context()
	f := store.DatasetFilter{Department: c.Query("department"), OpenAttribute: c.Query("open"), Query: strings.TrimSpace(c.Query("q")),
		Limit: catalogPage}
	if q := []rune(f.Query); len(q) > store.MaxQueryRunes {
		f.Query = string(q[:store.MaxQueryRunes]) // a page searches with what fits
	}
	switch f.OpenAttribute {
	case "", store.OpenUnconditional, store.OpenConditional, store.OpenClosed:
	default:
		f.OpenAttribute = ""
	}
	if g, err := strconv.Atoi(c.Query("grade")); err == nil && g >= 1 && g <= 4 {
		f.Grade = g
	}
	if o, err := strconv.Atoi(c.Query("offset")); err == nil && o > 0 {
		f.Offset = o
	}
	ds, total, err := w.deps.Store.Datasets(ctx, f)
	if err != nil {
		w.fail(c, err)
		return
	}
	depts, err := w.deps.Store.Orgs(ctx, store.KindProvider)
	if err != nil {
		w.fail(c, err)
		return
	}
	d := catalogData{Datasets: ds, Total: total, Departments: depts, Department: f.Department, Open: f.OpenAttribute,
		Grade: f.Grade, Query: f.Query, From: f.Offset + 1, To: f.Offset + len(ds)}
	pageURL := func(offset int) string {
		q := c.Request.URL.Query()
		q.Set("offset", strconv.Itoa(offset))
		return "/catalog?" + q.Encode()
	}
	if f.Offset > 0 {
		d.Prev = pageURL(max(0, f.Offset-catalogPage))
	}
	if int64(f.Offset+len(ds)) < total {
		d.Next = pageURL(f.Offset + catalogPage)
	}
	p := w.frame(c, "catalog.title")
	p.Data = d
	w.render(c, http.StatusOK, "catalog", p)
}

// --- disclosure -----------------------------------------------------------

type disclosureData struct {
	Authorizations []store.Disclosure
	Total          int64
	Prev, Next     string
	// Measures are the latest measures taken against authorizations and
	// their outcomes (第三十条 予以公示); MeasuresTotal counts them all.
	Measures      []store.PublishedRestriction
	MeasuresTotal int64
}

const disclosurePage = 50

func (w *Web) disclosure(c *gin.Context) {
	offset, _ := strconv.Atoi(c.Query("offset"))
	offset = max(0, offset)
	list, total, err := w.deps.Store.Disclosures(c.Request.Context(), store.DisclosureFilter{Limit: disclosurePage, Offset: offset})
	if err != nil {
		w.fail(c, err)
		return
	}
	d := disclosureData{Authorizations: list, Total: total}
	if d.Measures, d.MeasuresTotal, err = w.deps.Store.PublishedRestrictions(c.Request.Context(), disclosurePage, 0); err != nil {
		w.fail(c, err)
		return
	}
	if offset > 0 {
		d.Prev = "/disclosure?offset=" + strconv.Itoa(max(0, offset-disclosurePage))
	}
	if int64(offset+len(list)) < total {
		d.Next = "/disclosure?offset=" + strconv.Itoa(offset+disclosurePage)
	}
	p := w.frame(c, "disclosure.title")
	p.Data = d
	w.render(c, http.StatusOK, "disclosure", p)
}
