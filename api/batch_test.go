package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// batchAnswer is the answer of POST /api/v1/tasks/decisions.
type batchAnswer struct {
	Results []struct {
		TaskID string `json:"task_id"`
		Status int    `json:"status"`
		Error  *struct {
			Code, Message, Field, Hint string
		} `json:"error"`
		Result *struct{ Status string } `json:"result"`
	} `json:"results"`
}

type batchRow = map[string]string

func batchOf(rows ...batchRow) map[string]any { return map[string]any{"decisions": rows} }

func han(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff })
}

// A batch's rows are refused one by one, each as the single decision
// would refuse it and named by its row, without stopping the rows after
// it; none of these reaches a workflow (no Temporal runs here), so
// nothing changes. cmd/datagate's TestBatchDecisionsOverHTTP decides
// rows for real.
func TestBatchRowsRefusedOneByOne(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mine := e.submitted("acme-fintech", "applicant") // DS-0100 (gsa), DS-0102 (commerce)
	review := e.openTask(mine, domain.TaskDepartmentReview, "gsa")
	// An application of datasets of neither gsa nor commerce: its task is
	// outside gsa's scope, as if it did not exist.
	a := &store.Application{ApplicantOrg: "tongqu-logistics", ApplicantUser: "applicant3", Title: "物流", Purpose: "p",
		PeriodMonths: 12, AccessMode: store.AccessSandbox, Datasets: []store.ApplicationDataset{{DatasetCode: "DS-0104"}}}
	if err := e.st.CreateApplication(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := e.st.MarkSubmitted(ctx, a.ID, workflows.ApplicationWorkflowID(a.ID), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	outside := e.openTask(a.ID, domain.TaskInitialReview, "bdc")

	body := batchOf(
		batchRow{"task_id": outside, "decision": "pass"},
		batchRow{"task_id": review, "decision": "pass"},
		batchRow{"task_id": "", "decision": "pass"},
		batchRow{"task_id": review, "decision": "sign"},
		batchRow{"task_id": "application-999-t1", "decision": "pass"},
	)
	want := []struct {
		status int
		field  string
	}{
		{http.StatusNotFound, "decisions[0].task_id"},
		{http.StatusUnprocessableEntity, "decisions[1].task_id"},
		{http.StatusBadRequest, "decisions[2].task_id"},
		{http.StatusBadRequest, "decisions[3].task_id"}, // listed twice
		{http.StatusNotFound, "decisions[4].task_id"},
	}
	before := e.counts()
	r := e.do("POST", "/api/v1/tasks/decisions", body, "reviewer-gsa")
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var got batchAnswer
	r.decode(t, &got)
	if len(got.Results) != len(want) {
		t.Fatalf("%d results, want %d: %s", len(got.Results), len(want), r.Body)
	}
	for i, w := range want {
		g := got.Results[i]
		if g.Status != w.status || g.Error == nil || g.Error.Field != w.field || g.Result != nil {
			t.Errorf("row %d: %d %+v, want %d naming %s", i, g.Status, g.Error, w.status, w.field)
			continue
		}
		if g.TaskID != body["decisions"].([]batchRow)[i]["task_id"] {
			t.Errorf("row %d answers for %q", i, g.TaskID)
		}
		if !han(g.Error.Message) || !han(g.Error.Hint) {
			t.Errorf("row %d: not in Chinese: %+v", i, g.Error)
		}
		for _, leak := range []string{"SELECT", "sql", "goroutine", ".go:", "record not found"} {
			if strings.Contains(g.Error.Message+g.Error.Hint, leak) {
				t.Errorf("row %d leaks %q: %+v", i, leak, g.Error)
			}
		}
	}
	if m := got.Results[1].Error.Message; !strings.Contains(m, "批量办理只适用于初审、协议签署和备案") {
		t.Errorf("the refusal of a department review names no rule: %q", m)
	}
	if after := e.counts(); !equalCounts(before, after) {
		t.Error("refused rows changed rows")
	}

	// As the big-data center, in English: a decision a batch does not
	// take on an initial review, a reason too long (checked before the
	// workflow, and named by its row), and a review a colleague claimed.
	theirs := e.submitted("kangming-medai", "applicant2")
	initial := e.openTask(theirs, domain.TaskInitialReview, "bdc")
	claimed := e.openTask(mine, domain.TaskInitialReview, "bdc")
	long := e.openTask(e.submitted("kangming-medai", "applicant2"), domain.TaskInitialReview, "bdc")
	if err := e.st.ClaimTask(ctx, claimed, "someone-else"); err != nil {
		t.Fatal(err)
	}
	before = e.counts()
	r = e.do("POST", "/api/v1/tasks/decisions", batchOf(
		batchRow{"task_id": initial, "decision": "sign"},
		batchRow{"task_id": long, "decision": "return", "reason": strings.Repeat("长", 2001)},
		batchRow{"task_id": claimed, "decision": "pass"},
	), func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+e.token("initial_reviewer"))
		req.Header.Set("Accept-Language", "en")
	})
	got = batchAnswer{}
	r.decode(t, &got)
	if len(got.Results) != 3 {
		t.Fatalf("results: %s", r.Body)
	}
	if g := got.Results[0]; g.Status != http.StatusUnprocessableEntity || g.Error.Field != "decisions[0].decision" ||
		!strings.Contains(g.Error.Message, "pass, return, reject") || han(g.Error.Message) {
		t.Errorf("a signature on an initial review: %+v", g)
	}
	// The row after a refused one is still decided on its own merits:
	// here, refused for its own field.
	if g := got.Results[1]; g.Status != http.StatusBadRequest || g.Error.Field != "decisions[1].reason" {
		t.Errorf("a reason too long: %d %+v", g.Status, g.Error)
	}
	if g := got.Results[2]; g.Status != http.StatusConflict || g.Error == nil || g.Error.Field != "" {
		t.Errorf("a task a colleague holds: %d %+v", g.Status, g.Error)
	}
	if after := e.counts(); !equalCounts(before, after) {
		t.Error("refused rows changed rows")
	}
}

// A batch holds one to 50 decisions: none, or more, is refused as a
// whole, naming the field decisions, in zh-CN and English, and decides
// nothing.
func TestBatchBounds(t *testing.T) {
	e := newEnv(t)
	var rows []batchRow
	for i := 0; i < 51; i++ {
		id := e.submitted("acme-fintech", "applicant")
		rows = append(rows, batchRow{"task_id": e.openTask(id, domain.TaskInitialReview, "bdc"), "decision": "pass"})
	}
	for _, tc := range []struct {
		name string
		body map[string]any
		lang string
		msg  string
	}{
		{"51 decisions", batchOf(rows...), "", "批量办理含 51 项，超过上限 50 项"},
		{"51 decisions, in English", batchOf(rows...), "en", "the batch holds 51 decisions, more than 50"},
		{"none", batchOf(), "", "批量办理中没有任何办理事项"},
		{"no list", map[string]any{}, "en", "the batch holds no decision"},
	} {
		before := e.counts()
		r := e.do("POST", "/api/v1/tasks/decisions", tc.body, func(req *http.Request) {
			req.Header.Set("Authorization", "Bearer "+e.token("initial_reviewer"))
			if tc.lang != "" {
				req.Header.Set("Accept-Language", tc.lang)
			}
		})
		var out struct {
			Error struct{ Field, Message, Hint string }
		}
		r.decode(t, &out)
		if r.Status != http.StatusBadRequest || out.Error.Field != "decisions" || out.Error.Message != tc.msg || out.Error.Hint == "" {
			t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
		}
		if after := e.counts(); !equalCounts(before, after) {
			t.Errorf("%s: refused, but rows changed", tc.name)
		}
	}
	// An applicant, who signs, may batch; a supervisor, who decides
	// nothing, may not.
	if r := e.do("POST", "/api/v1/tasks/decisions", batchOf(rows[0]), "supervisor"); r.Status != http.StatusForbidden {
		t.Errorf("a supervisor's batch: %d %s", r.Status, r.Body)
	}
}
