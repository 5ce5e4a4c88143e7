package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/datagate/datagate/internal/catalogcheck"
)

// Every message and hint the API writes has its zh-CN translation.
func TestEveryMessageHasChinese(t *testing.T) {
	catalogcheck.Check(t, ".", map[string][2]int{
		// function: {index of the hint argument, index of the format argument}
		"newErr": {3, 4}, "badRequest": {1, 2}, "unprocessable": {1, 2}, "unauthenticated": {1, 2},
	}, "zhMessages", "zhHints")
}

func TestAcceptLanguage(t *testing.T) {
	e := newEnv(t)
	body := appBody(map[string]any{"period_months": 61})
	get := func(lang string) (msg, hint string, r response) {
		r = e.do("POST", "/api/v1/applications", body, func(req *http.Request) {
			req.Header.Set("Authorization", "Bearer "+e.token("applicant"))
			if lang != "" {
				req.Header.Set("Accept-Language", lang)
			}
		})
		var out struct {
			Error struct{ Message, Hint, Field string }
		}
		_ = json.Unmarshal(r.Body, &out)
		return out.Error.Message, out.Error.Hint, r
	}
	for _, tc := range []struct {
		lang    string
		chinese bool
	}{
		{"", true}, {"zh-CN,zh;q=0.9", true}, {"en-US,en;q=0.9", false}, {"en", false},
		{"zh-CN;q=0.5, en;q=0.8", false}, {"fr-FR, en;q=0.5", false}, {"de", true},
	} {
		msg, hint, r := get(tc.lang)
		han := strings.ContainsFunc(msg+hint, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff })
		if r.Status != 422 || han != tc.chinese {
			t.Errorf("Accept-Language %q: %d %q / %q, want Chinese=%v", tc.lang, r.Status, msg, hint, tc.chinese)
		}
	}
}
