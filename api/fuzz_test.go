package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzApplicationBody sends arbitrary bytes as a new application: the API
// answers 201 or a 4xx naming what is wrong, never a 5xx, and a refused
// body changes no row. Run longer with
// go test -run x -fuzz FuzzApplicationBody -fuzztime 60s ./api/
func FuzzApplicationBody(f *testing.F) {
	for _, seed := range []string{
		`{"title":"小微企业信贷风控","purpose":"授信","period_months":24,"access_mode":"sandbox","datasets":["DS-0100","DS-0102"]}`,
		`{"title":"t","purpose":"p","period_months":61,"access_mode":"sandbox","datasets":["DS-0100"]}`,
		`{"title":"t","purpose":"p","period_months":12,"access_mode":"download","datasets":["DS-0101"]}`,
		`{"title":"t","purpose":"p","period_months":12,"access_mode":"sandbox","datasets":["DS-0103"]}`,
		`{"title":"<script>alert(1)</script>","purpose":"'; DROP TABLE applications; --","period_months":1,"access_mode":"api","datasets":["DS-0100"]}`,
		`{"title":"t","purpose":"p","period_months":1e99,"access_mode":"sandbox","datasets":["DS-0100"]}`,
		`{"title":"t","purpose":"p","period_months":12,"access_mode":"sandbox","datasets":["DS-0111"],"consents":{"DS-0111":{"matter":"核验","max_accesses":3,"until":"2026-12-31","evidence":"授权书"}}}`,
		`{"title":"t","purpose":"p","period_months":12,"access_mode":"sandbox","datasets":["DS-0111"],"consents":{"DS-0111":{"max_accesses":-1,"until":"2026-02-30"},"DS-0100":{}}}`,
		`{"datasets":[[[[[[[[[[]]]]]]]]]]}`,
		"{\"title\":\"\xff\xfe\",\"purpose\":\"p\"}",
		`{"title":"t","extra":1}`,
		`[]`, `null`, ``, `{`,
	} {
		f.Add([]byte(seed))
	}
	e := newEnv(f)
	h := e.srv.Handler()
	token := e.token("applicant")
	counts := func(t *testing.T) map[string]int64 {
		c, err := e.st.RowCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		before := counts(t)
		req := httptest.NewRequest("POST", "/api/v1/applications", strings.NewReader(string(body)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusCreated:
			return
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("body %q: status %d: %s", body, rec.Code, rec.Body)
		}
		if !strings.Contains(rec.Body.String(), `"error"`) {
			t.Fatalf("refusal without an error body: %s", rec.Body)
		}
		if !equalCounts(before, counts(t)) {
			t.Fatalf("body %q was refused but changed rows", body)
		}
	})
}
