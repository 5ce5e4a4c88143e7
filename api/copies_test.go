package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// A reviewer with a step sends an application to another department for
// information (抄送): that department, which could not see it, reads it
// from then on and finds the copy with its note in its list; marking it
// read (已阅) is recorded once, whoever of the department races to do it.
// Refusals name their field and change nothing; the applicant never
// sees the copies.
func TestCopyOpensTheApplicationToItsRecipient(t *testing.T) {
	e := newEnv(t)
	id := e.submitted("acme-fintech", "applicant")
	e.openTask(id, domain.TaskDepartmentReview, "gsa")
	appPath := fmt.Sprintf("/api/v1/applications/%d", id)

	e.refusedUnchanged("GET", appPath, nil, "reviewer-hrss", http.StatusNotFound)
	for _, c := range []struct {
		who   string
		body  string
		want  int
		field string
	}{
		{"reviewer-gsa", `{"to_org":"hrss"}`, 400, "note"},
		{"reviewer-gsa", `{"note":"请知悉"}`, 400, "to_user"},
		{"reviewer-gsa", `{"to_org":"hrss","to_user":"reviewer-hrss","note":"x"}`, 400, "to_org"},
		{"reviewer-gsa", `{"to_org":"acme-fintech","note":"x"}`, 422, "to_org"},
		{"reviewer-gsa", `{"to_org":"gsa","note":"x"}`, 422, "to_org"},
		{"reviewer-gsa", `{"to_user":"applicant","note":"x"}`, 422, "to_user"},
		{"reviewer-gsa", `{"to_user":"reviewer-gsa","note":"x"}`, 422, "to_user"},
		{"reviewer-gsa", `{"to_user":"nobody","note":"x"}`, 422, "to_user"},
		{"bureau_officer", `{"to_org":"hrss","note":"x"}`, 403, ""},
		{"reviewer-hrss", `{"to_org":"samr","note":"x"}`, 404, "id"},
	} {
		r := e.refusedUnchanged("POST", appPath+"/copies", c.body, c.who, c.want)
		if c.field != "" && !strings.Contains(string(r.Body), `"field":"`+c.field+`"`) {
			t.Errorf("%s %s: the refusal does not name %s: %s", c.who, c.body, c.field, r.Body)
		}
	}

	var sent store.Copy
	r := e.do("POST", appPath+"/copies", `{"to_org":"hrss","note":"涉及贵局人才数据，请知悉"}`, "reviewer-gsa")
	if r.Status != http.StatusCreated {
		t.Fatalf("copy: %d %s", r.Status, r.Body)
	}
	r.decode(t, &sent)
	if r := e.do("GET", appPath, nil, "reviewer-hrss"); r.Status != http.StatusOK {
		t.Errorf("the recipient department reads the application: %d", r.Status)
	}
	if r := e.do("GET", appPath, nil, "reviewer-samr"); r.Status != http.StatusNotFound {
		t.Errorf("another department reads it: %d", r.Status)
	}
	var page struct {
		Copies []store.Copy `json:"copies"`
		Total  int64        `json:"total"`
	}
	e.do("GET", "/api/v1/copies?unread=true", nil, "reviewer-hrss").decode(t, &page)
	if page.Total != 1 || len(page.Copies) != 1 || page.Copies[0].Note != "涉及贵局人才数据，请知悉" || page.Copies[0].FromUser != "reviewer-gsa" {
		t.Errorf("the recipient's list: %+v", page)
	}
	e.do("GET", "/api/v1/copies", nil, "reviewer-gsa").decode(t, &page)
	if page.Total != 0 {
		t.Errorf("the sender's own list holds %d copies", page.Total)
	}
	if r := e.do("GET", appPath+"/copies", nil, "applicant"); r.Status != http.StatusForbidden {
		t.Errorf("the applicant reads the copies: %d", r.Status)
	}
	for who, want := range map[string]bool{"applicant": false, "reviewer-hrss": true} {
		if r := e.do("GET", appPath, nil, who); strings.Contains(string(r.Body), store.AuditCopied) != want {
			t.Errorf("%s's record of the application shows the copy: %v, want %v", who, !want, want)
		}
	}

	// Two of the department mark it read at once: one reading counts.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := e.do("POST", fmt.Sprintf("/api/v1/copies/%d/read", sent.ID), nil, "reviewer-hrss"); r.Status != http.StatusOK {
				t.Errorf("read: %d %s", r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	e.do("GET", "/api/v1/copies?unread=true", nil, "reviewer-hrss").decode(t, &page)
	if page.Total != 0 {
		t.Errorf("still %d unread after reading", page.Total)
	}
	e.refusedUnchanged("POST", fmt.Sprintf("/api/v1/copies/%d/read", sent.ID), nil, "reviewer-samr", http.StatusNotFound)
	audit, err := e.st.Audit(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, a := range audit {
		n[a.Action]++
	}
	if n[store.AuditCopied] != 1 || n[store.AuditCopyRead] != 1 {
		t.Errorf("audit: %d copied, %d read; want 1 and 1", n[store.AuditCopied], n[store.AuditCopyRead])
	}
}
