package web_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// A signed-in user lists, creates (shown once) and revokes their own API
// tokens on a page linked from the header.
func TestTokensPage(t *testing.T) {
	e := newEnv(t)
	app := e.as("applicant")
	p := app.get("/catalog")
	mustContain(t, "header", p, `href="/account/tokens" id="account-tokens"`)
	mustNotContain(t, "anonymous header", e.as("").get("/catalog"), `id="account-tokens"`)

	p = app.get("/account/tokens")
	if p.Status != http.StatusOK {
		t.Fatalf("tokens page: %d %.300s", p.Status, p.Body)
	}
	mustContain(t, "empty", p, "<title>API 令牌", `aria-current="page"`, `data-api="/api/v1/tokens" data-show="token-once"`,
		`name="name"`, `name="ttl_days" type="number" min="1" max="365"`, `data-type="int"`,
		`id="token-once" role="status" tabindex="-1" hidden`, `data-fill="token"`, "您还没有 API 令牌。")

	// What the form sends; the API names the field it refuses.
	for _, bad := range []map[string]any{{"name": "x", "ttl_days": 0}, {"name": "x", "ttl_days": 366}, {"name": " ", "ttl_days": 30}} {
		r := app.post("/api/v1/tokens", bad)
		field, _, _ := apiError(t, r)
		if r.Status != http.StatusBadRequest || (field != "ttl_days" && field != "name") {
			t.Errorf("%v: %d field %q", bad, r.Status, field)
		}
	}
	r := app.post("/api/v1/tokens", map[string]any{"name": "信贷风控接口", "ttl_days": 30})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var tok struct {
		Token, Prefix string
		ID            uint
	}
	if err := json.Unmarshal([]byte(r.Body), &tok); err != nil || !strings.HasPrefix(tok.Token, "dg_") {
		t.Fatalf("create: %s", r.Body)
	}
	tid := strconv.FormatUint(uint64(tok.ID), 10)
	p = app.get("/account/tokens")
	mustContain(t, "listed", p, `id="token-`+tid+`"`, "信贷风控接口", tok.Prefix+"…", "有效", "2026-04-01",
		`data-api="/api/v1/tokens/`+tid+`" data-method="DELETE"`)
	// The secret is shown once, by the form's answer, never on the page.
	mustNotContain(t, "listed", p, tok.Token)
	// Nobody else sees it.
	if q := e.as("applicant2").get("/account/tokens"); strings.Contains(q.Body, "信贷风控接口") {
		i := strings.Index(q.Body, "信贷风控接口")
		t.Errorf("another user sees it: %s", q.Body[i-400:i+100])
	}
	if r := e.as("applicant2").send("DELETE", "/api/v1/tokens/"+tid, nil); r.Status != http.StatusNotFound {
		t.Errorf("another user revokes it: %d", r.Status)
	}

	// Revoked: the state, and no revoke button.
	if r := app.send("DELETE", "/api/v1/tokens/"+tid, nil); r.Status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	p = app.get("/account/tokens")
	mustContain(t, "revoked", p, `id="token-`+tid+`"`, "已撤销")
	mustNotContain(t, "revoked", p, `data-api="/api/v1/tokens/`+tid+`"`)

	// Every role has the page; signed out, sign in.
	for _, user := range []string{"admin", "supervisor", "reviewer-gsa"} {
		if p := e.as(user).get("/account/tokens"); p.Status != http.StatusOK {
			t.Errorf("%s: %d", user, p.Status)
		}
	}
	if p := e.as("").get("/account/tokens"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login?next=") {
		t.Errorf("anonymous: %d %q", p.Status, p.Header.Get("Location"))
	}
	en := e.as("applicant")
	en.lang = "en"
	mustContain(t, "english", en.get("/account/tokens"), "<title>API tokens", "Create a token", "Revoked")
}
