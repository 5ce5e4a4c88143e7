package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// A department review waiting on the regulator it consulted offers no
// approve or reject: the page says whose opinion is awaited and offers to
// withdraw the request, with a reason. The other department decides as
// usual.
func TestReviewWaitingOnARegulator(t *testing.T) {
	e := newEnv(t)
	f := e.fixture()
	now := e.clock.Now()
	op := e.task(f.app, 4, domain.TaskRegulatorOpinion, "nfra", now.Add(-time.Hour), f.gsa.DueAt)
	op.Subject = "gsa"
	if err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{op}}); err != nil {
		t.Fatal(err)
	}
	p := e.as("reviewer-gsa").get("/inbox")
	mustContain(t, "gsa's inbox", p, `value="withdraw_request"`, "尚待答复")
	mustNotContain(t, "gsa's inbox", p, `value="approve"`)
	p = e.as("reviewer-commerce").get("/inbox")
	mustContain(t, "commerce's inbox", p, `value="approve"`)
	mustNotContain(t, "commerce's inbox", p, `value="withdraw_request"`)
}
