package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/identity"
)

// A 1-day API token cannot create a 365-day one (issue 15, item 7): 400
// naming ttl_days, the token's expiry and the longest lifetime left, in
// zh-CN and English, and nothing is created. It may create one that
// expires with it; a signed-in session may ask for 365 days.
func TestTokenCannotMintALongerToken(t *testing.T) {
	e := newEnv(t)
	short := e.token("applicant") // 24 hours
	bearer := func(lang string) func(*http.Request) {
		return func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+short)
			r.Header.Set("Accept-Language", lang)
		}
	}
	for _, lang := range []string{"zh-CN", "en"} {
		r := e.refusedUnchanged("POST", "/api/v1/tokens", map[string]any{"name": "long", "ttl_days": 365}, bearer(lang), http.StatusBadRequest)
		var out struct {
			Error struct{ Code, Message, Field, Hint string }
		}
		_ = json.Unmarshal(r.Body, &out)
		want := "may live at most 1 day(s)"
		if lang == "zh-CN" {
			want = "最多有效 1 天"
		}
		if out.Error.Field != "ttl_days" || !strings.Contains(out.Error.Message, want) || out.Error.Hint == "" {
			t.Errorf("%s: %+v, want field ttl_days saying %q", lang, out.Error, want)
		}
	}
	r := e.do("POST", "/api/v1/tokens", map[string]any{"name": "same day", "ttl_days": 1}, bearer("en"))
	var made struct {
		Token     string
		ExpiresAt time.Time `json:"expires_at"`
	}
	r.decode(t, &made)
	if r.Status != http.StatusCreated || !made.ExpiresAt.Equal(e.clock.Now().Add(24*time.Hour)) {
		t.Fatalf("a token expiring with its creator: %d %s", r.Status, r.Body)
	}
	// Once an hour has passed, not even one day is left.
	e.clock.Add(time.Hour)
	r = e.refusedUnchanged("POST", "/api/v1/tokens", map[string]any{"name": "late", "ttl_days": 1}, bearer("en"), http.StatusBadRequest)
	if !strings.Contains(string(r.Body), "in less than a day") || !strings.Contains(string(r.Body), `"field":"ttl_days"`) {
		t.Errorf("1 day from a token with 23 hours left: %s", r.Body)
	}

	// A session may ask for the longest lifetime.
	cookie, csrf, r := e.signIn("applicant", identity.DemoPassword)
	if cookie == nil {
		t.Fatalf("sign-in: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/tokens", map[string]any{"name": "a year", "ttl_days": 365}, withCookie(cookie, csrf)); r.Status != http.StatusCreated {
		t.Errorf("365 days from a session: %d %s", r.Status, r.Body)
	}
}
