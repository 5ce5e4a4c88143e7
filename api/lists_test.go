package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// GET /api/v1/applications takes the pages' filters, sort and paging
// (issue 17) with the count of every match, within the caller's scope;
// an unknown value is a 400 naming its parameter.
func TestListApplicationsFilters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mk := func(org, user, title, status, dataset string) uint64 {
		a := &store.Application{ApplicantOrg: org, ApplicantUser: user, Title: title, Purpose: "p",
			PeriodMonths: 12, AccessMode: store.AccessSandbox, Datasets: []store.ApplicationDataset{{DatasetCode: dataset}}}
		if err := e.st.CreateApplication(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := e.st.MarkSubmitted(ctx, a.ID, workflows.ApplicationWorkflowID(a.ID), e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.st.Apply(ctx, store.Change{App: &store.AppState{ID: a.ID, Status: status}}); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	var gsa []uint64
	for i := 1; i <= 5; i++ {
		id := mk("acme-fintech", "applicant", fmt.Sprintf("信贷%d", i), domain.StatusDepartmentReview, "DS-0100")
		e.openTask(id, domain.TaskDepartmentReview, "gsa")
		gsa = append(gsa, id)
	}
	commerce := mk("kangming-medai", "applicant2", "商务", domain.StatusInitialReview, "DS-0102")
	e.openTask(commerce, domain.TaskInitialReview, "bdc")

	list := func(user, query string) ([]uint64, int64) {
		t.Helper()
		r := e.do("GET", "/api/v1/applications"+query, nil, user)
		if r.Status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", user, query, r.Status, r.Body)
		}
		var out struct {
			Applications []store.Application `json:"applications"`
			Total        *int64              `json:"total"`
		}
		r.decode(t, &out)
		if out.Total == nil {
			t.Fatalf("%s %s: no total", user, query)
		}
		var ids []uint64
		for _, a := range out.Applications {
			ids = append(ids, a.ID)
		}
		return ids, *out.Total
	}
	if ids, n := list("initial_reviewer", "?limit=2"); n != 6 || len(ids) != 2 || ids[0] != commerce {
		t.Errorf("a page of 2: %v of %d", ids, n)
	}
	if ids, n := list("initial_reviewer", "?step=initial_review"); n != 1 || !slices.Equal(ids, []uint64{commerce}) {
		t.Errorf("step: %v of %d", ids, n)
	}
	if ids, n := list("initial_reviewer", "?q=%E4%BF%A1%E8%B4%B72&sort=submitted&order=asc"); n != 1 || !slices.Equal(ids, []uint64{gsa[1]}) {
		t.Errorf("keyword 信贷2: %v of %d", ids, n)
	}
	if ids, _ := list("initial_reviewer", "?sort=id&order=asc&department=gsa"); !slices.Equal(ids, gsa) {
		t.Errorf("gsa's, oldest first: %v, want %v", ids, gsa)
	}
	today := e.clock.Now().Format(time.DateOnly)
	if _, n := list("initial_reviewer", "?from="+today+"&to="+today); n != 6 {
		t.Errorf("submitted today: %d", n)
	}
	// A department's scope stays: commerce's application is never gsa's.
	if ids, n := list("reviewer-gsa", "?applicant=kangming-medai"); n != 0 || len(ids) != 0 {
		t.Errorf("gsa asking for kangming's: %v of %d", ids, n)
	}
	if _, n := list("applicant2", "?department=gsa"); n != 0 {
		t.Errorf("applicant2 asking for gsa's: %d", n)
	}
	for _, q := range []string{"?step=nope", "?sort=title", "?order=up", "?from=2026-13-01", "?to=yesterday"} {
		if r := e.do("GET", "/api/v1/applications"+q, nil, "initial_reviewer"); r.Status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, r.Status)
		}
	}
}
