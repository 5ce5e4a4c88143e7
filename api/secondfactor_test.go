package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/store"
)

// sessionOf is the dg_session cookie an answer sets, and its CSRF token.
func sessionOf(t *testing.T, r response) (*http.Cookie, string) {
	t.Helper()
	var body struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.Unmarshal(r.Body, &body)
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "dg_session" {
			return c, body.CSRF
		}
	}
	t.Fatalf("no session cookie in %d %s", r.Status, r.Body)
	return nil, ""
}

func (e *env) code(secret string) string {
	e.t.Helper()
	c, err := totp.GenerateCode(secret, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// Two factors for officials (issue 15, item 6): the admin, whose role
// requires one, signs in with the password into a session that can only
// set it up; enrolment answers a secret, its otpauth URL and a QR code,
// and a first code confirms it and answers ten recovery codes; later
// sign-ins wait for a code; API tokens are made only in a session that
// passed it, never with a token.
func TestSecondFactorForOfficials(t *testing.T) {
	e := newEnv(t)
	e.srv.Auth.SecondFactorRequired = func(_ context.Context, u store.User) (bool, error) {
		return u.Role == domain.RoleAdmin, nil
	}
	adminToken := e.token("admin") // made before, as a machine's would be

	// The password alone: a session that must enrol.
	r := e.do("POST", "/api/v1/session", map[string]string{"username": "admin", "password": identity.DemoPassword}, nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"second_factor":"enrol"`) {
		t.Fatalf("sign-in: %d %s", r.Status, r.Body)
	}
	cookie, csrf := sessionOf(t, r)
	half := withCookie(cookie, csrf)
	for _, rt := range [][2]string{{"GET", "/api/v1/me"}, {"GET", "/api/v1/admin/users"}, {"GET", "/api/v1/tokens"}} {
		r := e.refusedUnchanged(rt[0], rt[1], nil, half, http.StatusUnauthorized)
		if !strings.Contains(string(r.Body), "second factor") && !strings.Contains(string(r.Body), "双因素") {
			t.Errorf("%s %s before enrolment: %s", rt[0], rt[1], r.Body)
		}
	}
	e.refusedUnchanged("POST", "/api/v1/tokens", map[string]any{"name": "x", "ttl_days": 1}, half, http.StatusUnauthorized)
	e.refusedUnchanged("POST", "/api/v1/session/totp", map[string]string{"code": "123456"}, half, http.StatusConflict)
	if r := e.do("GET", "/api/v1/me/totp", nil, half); r.Status != 200 || !strings.Contains(string(r.Body), `"required":true`) {
		t.Errorf("status before enrolment: %d %s", r.Status, r.Body)
	}
	// A bearer token cannot enrol.
	e.refusedUnchanged("POST", "/api/v1/me/totp", "{}", "admin", http.StatusForbidden)

	r = e.do("POST", "/api/v1/me/totp", "{}", half)
	var begun struct {
		Secret string
		URL    string `json:"otpauth_url"`
		QR     string `json:"qr_png"`
	}
	r.decode(t, &begun)
	if r.Status != http.StatusCreated || begun.Secret == "" || !strings.HasPrefix(begun.URL, "otpauth://totp/DataGate:admin?") {
		t.Fatalf("begin: %d %s", r.Status, r.Body)
	}
	if raw, err := base64.StdEncoding.DecodeString(begun.QR); err != nil {
		t.Errorf("qr_png is not base64: %v", err)
	} else if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Errorf("qr_png is not a PNG: %v", err)
	}
	for _, bad := range []string{"", "12345", "abcdef", "1234567"} {
		r := e.refusedUnchanged("POST", "/api/v1/me/totp/confirm", map[string]string{"code": bad}, half, http.StatusBadRequest)
		if !strings.Contains(string(r.Body), `"field":"code"`) {
			t.Errorf("code %q: %s", bad, r.Body)
		}
	}
	if r := e.do("POST", "/api/v1/me/totp/confirm", map[string]string{"code": "000000"}, half); r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), `"field":"code"`) {
		t.Errorf("a wrong first code: %d %s", r.Status, r.Body)
	}
	first := e.code(begun.Secret)
	r = e.do("POST", "/api/v1/me/totp/confirm", map[string]string{"code": first}, half)
	var confirmed struct {
		Codes []string `json:"recovery_codes"`
	}
	r.decode(t, &confirmed)
	if r.Status != http.StatusOK || len(confirmed.Codes) != identity.RecoveryCodes {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	cookie, csrf = sessionOf(t, r)
	full := withCookie(cookie, csrf)
	e.refusedUnchanged("GET", "/api/v1/me", nil, half, http.StatusUnauthorized) // the half session is gone
	if r := e.do("GET", "/api/v1/me", nil, full); r.Status != http.StatusOK {
		t.Errorf("me after enrolment: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/tokens", map[string]any{"name": "ops", "ttl_days": 30}, full); r.Status != http.StatusCreated {
		t.Errorf("a token in a session that passed: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/me/totp", nil, full); !strings.Contains(string(r.Body), `"enrolled":true`) || !strings.Contains(string(r.Body), `"recovery_codes_left":10`) {
		t.Errorf("status after enrolment: %s", r.Body)
	}
	e.refusedUnchanged("POST", "/api/v1/me/totp", "{}", full, http.StatusConflict)
	// Tokens stay single-factor: a token does not make another.
	e.refusedUnchanged("POST", "/api/v1/tokens", map[string]any{"name": "x", "ttl_days": 1},
		func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+adminToken) }, http.StatusForbidden)

	// The next sign-in waits for a code.
	r = e.do("POST", "/api/v1/session", map[string]string{"username": "admin", "password": identity.DemoPassword}, nil)
	if !strings.Contains(string(r.Body), `"second_factor":"totp"`) {
		t.Fatalf("second sign-in: %d %s", r.Status, r.Body)
	}
	cookie, csrf = sessionOf(t, r)
	waiting := withCookie(cookie, csrf)
	e.refusedUnchanged("GET", "/api/v1/me", nil, waiting, http.StatusUnauthorized)
	e.refusedUnchanged("GET", "/api/v1/me/totp", nil, waiting, http.StatusUnauthorized)
	e.refusedUnchanged("POST", "/api/v1/session/totp", map[string]string{"code": first}, withCookie(cookie, ""), http.StatusForbidden) // CSRF
	// The enrolment's code, again: used.
	if r := e.do("POST", "/api/v1/session/totp", map[string]string{"code": first}, waiting); r.Status != http.StatusUnauthorized {
		t.Errorf("a used code: %d %s", r.Status, r.Body)
	}
	e.clock.Add(30 * time.Second)
	r = e.do("POST", "/api/v1/session/totp", map[string]string{"code": e.code(begun.Secret)}, waiting)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"second_factor":"passed"`) {
		t.Fatalf("the code step: %d %s", r.Status, r.Body)
	}
	cookie, csrf = sessionOf(t, r)
	if r := e.do("GET", "/api/v1/admin/users", nil, withCookie(cookie, csrf)); r.Status != http.StatusOK {
		t.Errorf("admin after the code: %d %s", r.Status, r.Body)
	}
	e.refusedUnchanged("GET", "/api/v1/me", nil, waiting, http.StatusUnauthorized) // replaced

	// A recovery code signs in once.
	r = e.do("POST", "/api/v1/session", map[string]string{"username": "admin", "password": identity.DemoPassword}, nil)
	cookie, csrf = sessionOf(t, r)
	if r := e.do("POST", "/api/v1/session/totp", map[string]string{"code": confirmed.Codes[0]}, withCookie(cookie, csrf)); r.Status != http.StatusOK {
		t.Errorf("a recovery code: %d %s", r.Status, r.Body)
	}

	// A role that needs none: a plain session, tokens as before.
	c2, csrf2, r := e.signIn("applicant", identity.DemoPassword)
	if c2 == nil || !strings.Contains(string(r.Body), `"second_factor":"none"`) {
		t.Fatalf("applicant: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/tokens", map[string]any{"name": "ci", "ttl_days": 30}, withCookie(c2, csrf2)); r.Status != http.StatusCreated {
		t.Errorf("applicant's token: %d %s", r.Status, r.Body)
	}
}
