package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// A signed-in user who opens a page their roles do not allow gets an HTML
// page, 403, in their language, with the layout and their navigation, what
// they tried, their roles, and a way back; the API still answers JSON, and
// a visitor who is not signed in is still sent to sign in.
func TestForbiddenPageIsHTML(t *testing.T) {
	e := newEnv(t)
	isHTML403 := func(what string, p page) {
		t.Helper()
		if p.Status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", what, p.Status)
		}
		if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: Content-Type %q, want text/html: %.200s", what, ct, p.Body)
		}
		if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: CSP %q", what, csp)
		}
	}

	sup := e.as("supervisor")
	p := sup.get("/admin")
	isHTML403("supervisor /admin", p)
	mustContain(t, "zh", p, `<html lang="zh-CN">`, "<title>无权访问", `<nav`, `href="/supervision"`, `href="/audit"`, `id="sign-out"`,
		"您尝试打开「系统管理」（/admin）。", "您在市人民政府督查室的角色是「督查」，该角色不允许打开此页面。", "系统管理员",
		`<a href="/" id="forbidden-back">返回首页</a>`)
	mustNotContain(t, "zh", p, `"error"`, "forbidden.", `href="/admin"`)
	if p.Header.Get("Content-Language") != "zh-CN" {
		t.Errorf("Content-Language %q", p.Header.Get("Content-Language"))
	}

	// English by Accept-Language, as every page.
	en := e.as("applicant")
	en.lang = "en-GB,en;q=0.9"
	p = en.get("/audit")
	isHTML403("applicant /audit", p)
	mustContain(t, "en", p, `<html lang="en">`, "<title>Not allowed", `href="/applications"`, `href="/inbox"`,
		"You tried to open Audit log (/audit).", "Your role in ", " is Applicant, and it does not allow you to open this page.",
		"ask an administrator for a role that allows it", `id="forbidden-back">Back to the start page</a>`)
	mustNotContain(t, "en", p, "无权访问", "forbidden.")

	// A page with a parameter, and a link back to where the user came from
	// on this site; never to another site.
	req, _ := http.NewRequest("GET", e.http.URL+"/applications/new?datasets=DS-0100", nil)
	req.Header.Set("Referer", e.http.URL+"/supervision?department=gsa")
	p = sup.do(req)
	isHTML403("supervisor /applications/new", p)
	mustContain(t, "back", p, "「新建申请」（/applications/new）", `<a href="/supervision?department=gsa" id="forbidden-back">返回上一页</a>`, `<a href="/">返回首页</a>`)
	for _, ref := range []string{"https://evil.example/supervision", "//evil.example/x", "javascript:alert(1)"} {
		req, _ := http.NewRequest("GET", e.http.URL+"/admin", nil)
		req.Header.Set("Referer", ref)
		if p := sup.do(req); !strings.Contains(p.Body, `<a href="/" id="forbidden-back">`) {
			t.Errorf("Referer %q: the back link is not the start page", ref)
		}
	}

	// A user whose role was taken away holds none.
	if err := e.srv.RBAC.RevokeRole("supervisor", "supervisor", "inspect"); err != nil {
		t.Fatal(err)
	}
	p = sup.get("/supervision")
	isHTML403("supervisor without a role /supervision", p)
	mustContain(t, "no role", p, "您尝试打开「督查」（/supervision）。", "您在市人民政府督查室没有任何角色，因此不能打开此页面。")

	// The API answers JSON, whoever asks.
	for user, path := range map[string]string{"applicant": "/api/v1/audit", "reviewer-gsa": "/api/v1/admin/users"} {
		p := e.as(user).get(path)
		if p.Status != http.StatusForbidden || !strings.HasPrefix(p.Header.Get("Content-Type"), "application/json") ||
			!strings.Contains(p.Body, `"code":"forbidden"`) {
			t.Errorf("%s %s: %d %q %.200s, want a JSON 403", user, path, p.Status, p.Header.Get("Content-Type"), p.Body)
		}
	}

	// Not signed in: the sign-in page, as before.
	for _, path := range []string{"/admin", "/audit", "/applications/new"} {
		p := e.as("").get(path)
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/login?next="+strings.ReplaceAll(path, "/", "%2F") {
			t.Errorf("anonymous %s: %d %q, want a redirect to sign in", path, p.Status, p.Header.Get("Location"))
		}
	}
}
