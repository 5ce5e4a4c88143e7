package workflows_test

import (
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"github.com/datagate/datagate/domain"
	wf "github.com/datagate/datagate/workflows"
)

// The search attributes follow the application: its ID and applicant org
// from the start, its step as it moves, and overdue from the moment a task
// passes its due time until it is decided. One upsert per change.
func TestSearchAttributesFollowTheApplication(t *testing.T) {
	h := newHarness(t, cst(2025, 9, 26, 10, 0, 0))
	type indexed struct {
		id      int64
		org     string
		step    string
		overdue bool
	}
	var seen []indexed
	h.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		step, ok := sa.GetKeyword(wf.SearchStep)
		if !ok {
			return // not ours
		}
		id, _ := sa.GetInt64(wf.SearchApplicationID)
		org, _ := sa.GetKeyword(wf.SearchApplicantOrg)
		overdue, _ := sa.GetBool(wf.SearchOverdue)
		seen = append(seen, indexed{id, org, step, overdue})
	}).Return(nil)
	// Due Friday 10 October 2025 at 23:59:59 (the National Day week
	// skipped); decided on 25 November.
	h.at(60*24*hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	h.at(60*24*hour+hour, func() { h.env.CancelWorkflow() })
	h.run()
	id := int64(h.in.ApplicationID)
	want := []indexed{
		{id, applicant, domain.StatusInitialReview, false},
		{id, applicant, domain.StatusInitialReview, true},
		{id, applicant, domain.StatusDepartmentReview, false},
	}
	if len(seen) != len(want) {
		t.Fatalf("upserts %+v, want %+v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Errorf("upsert %d = %+v, want %+v", i, seen[i], want[i])
		}
	}
}
