package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// The second factor in the pages (issue 15, item 6), zh-CN first: a
// supervisor, whose role requires one, signs in and is sent from every
// page to set it up; the page shows the QR code form, the API answers the
// key and recovery codes it fills in; the next sign-in goes through the
// code step to the page asked for.
func TestSecondFactorPages(t *testing.T) {
	e := newEnv(t)
	e.srv.Auth.SecondFactorRequired = func(_ context.Context, u store.User) (bool, error) {
		return u.Role == domain.RoleSupervisor, nil
	}
	sup := e.as("supervisor")
	for _, path := range []string{"/supervision", "/login/totp?next=%2Fsupervision"} {
		p := sup.get(path)
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/account/2fa?next=") {
			t.Errorf("%s before enrolment: %d %q, want the set-up page", path, p.Status, p.Header.Get("Location"))
		}
	}
	p := sup.get("/account/2fa?next=%2Fsupervision")
	mustContain(t, "set-up page", p, "<title>双因素认证", `id="totp-required"`, "您的角色要求开启双因素认证",
		`data-api="/api/v1/me/totp" data-show="totp-setup"`, `data-fill="qr_png"`, `data-fill="secret"`,
		`data-api="/api/v1/me/totp/confirm" data-show="totp-done"`, `data-fill="recovery_codes"`, `href="/supervision" id="totp-continue"`)
	en := *sup
	en.lang = "en"
	mustContain(t, "set-up page in English", en.get("/account/2fa"), "Your role requires two-factor sign-in", "Turn it on")

	r := sup.post("/api/v1/me/totp", map[string]any{})
	var begun struct{ Secret string }
	if err := json.Unmarshal([]byte(r.Body), &begun); err != nil || r.Status != http.StatusCreated {
		t.Fatalf("begin: %d %s", r.Status, r.Body)
	}
	code, _ := totp.GenerateCode(begun.Secret, e.clock.Now())
	r = sup.post("/api/v1/me/totp/confirm", map[string]string{"code": code})
	var done struct {
		CSRF  string   `json:"csrf_token"`
		Codes []string `json:"recovery_codes"`
	}
	if err := json.Unmarshal([]byte(r.Body), &done); err != nil || r.Status != http.StatusOK || len(done.Codes) != 10 {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	sup.csrf = done.CSRF
	if p := sup.get("/supervision"); p.Status != http.StatusOK {
		t.Errorf("supervision after enrolment: %d", p.Status)
	}
	mustContain(t, "set-up page when on", sup.get("/account/2fa"), `id="totp-on"`, "已开启双因素认证", "剩余恢复码：10 个")

	// The next sign-in: the password, then the code page, then the page.
	again := e.as("supervisor")
	if p := again.get("/supervision"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login/totp?next=") {
		t.Errorf("a page before the code: %d %q", p.Status, p.Header.Get("Location"))
	}
	p = again.get("/login/totp?next=%2Fsupervision")
	mustContain(t, "code step", p, "<title>输入验证码", `data-api="/api/v1/session/totp" data-next="/supervision"`, `autocomplete="one-time-code"`)
	if strings.Contains(p.Body, `id="sign-out"`) || strings.Contains(p.Body, "督查员") {
		t.Error("the code step shows the user as signed in")
	}
	e.clock.mu.Lock()
	e.clock.now = e.clock.now.Add(30 * time.Second) // the next code is a new one
	e.clock.mu.Unlock()
	code, _ = totp.GenerateCode(begun.Secret, e.clock.Now())
	r = again.post("/api/v1/session/totp", map[string]string{"code": code})
	if r.Status != http.StatusOK {
		t.Fatalf("code step: %d %s", r.Status, r.Body)
	}
	if p := again.get("/supervision"); p.Status != http.StatusOK {
		t.Errorf("supervision after the code: %d", p.Status)
	}
	// Signed in already: the code step goes on.
	if p := again.get("/login/totp?next=%2Fsupervision"); p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/supervision" {
		t.Errorf("code step when signed in: %d %q", p.Status, p.Header.Get("Location"))
	}
	// A user who needs none: the code step sends them straight on; the
	// page offers to set one up.
	app := e.as("applicant")
	if p := app.get("/login/totp?next=%2Fapplications"); p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/applications" {
		t.Errorf("applicant's code step: %d %q", p.Status, p.Header.Get("Location"))
	}
	mustContain(t, "optional set-up", app.get("/account/2fa"), `id="totp-off"`, `href="/account/2fa" id="account-2fa"`)
	if p := e.as("").get("/login/totp"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login?next=") {
		t.Errorf("code step, nobody: %d %q", p.Status, p.Header.Get("Location"))
	}
}
