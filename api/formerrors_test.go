package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// A draft with several fields wrong is refused once, naming every field
// at fault (the first, and the others), each in the caller's language,
// and nothing is created.
func TestApplicationRefusalNamesEveryField(t *testing.T) {
	e := newEnv(t)
	body := `{"title":" ","purpose":"","period_months":0,"access_mode":"fax","datasets":["DS-9999","DS-0100","DS-0100"]}`
	r := e.refusedUnchanged("POST", "/api/v1/applications", body, "applicant", http.StatusBadRequest)
	var got struct {
		Error struct {
			Field  string
			Others []struct{ Field, Message, Hint string }
		}
	}
	r.decode(t, &got)
	fields := []string{got.Error.Field}
	for _, o := range got.Error.Others {
		fields = append(fields, o.Field)
		if o.Message == "" || o.Hint == "" {
			t.Errorf("%s: no message or hint: %+v", o.Field, o)
		}
	}
	if want := "title purpose period_months access_mode datasets[0] datasets[2]"; strings.Join(fields, " ") != want {
		t.Errorf("refused fields %v, want %s", fields, want)
	}
	if !strings.Contains(string(r.Body), "数据用途（purpose）不能为空") {
		t.Errorf("the refusals are not in Chinese: %s", r.Body)
	}
	// One field wrong: one refusal, no others.
	r = e.refusedUnchanged("POST", "/api/v1/applications", `{"title":"t","purpose":"p","period_months":12,"access_mode":"sandbox","datasets":[]}`,
		"applicant", http.StatusBadRequest)
	if strings.Contains(string(r.Body), "others") {
		t.Errorf("a single refusal carries others: %s", r.Body)
	}
}
