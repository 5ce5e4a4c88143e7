package workflows_test

import (
	"context"
	"errors"
	"testing"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/domain"
	wf "github.com/datagate/datagate/workflows"
)

// An active authorization whose history has grown long continues as new,
// carrying its state: open tasks, deadlines, the audit sequence, and the
// evaluation schedule, which fires in the next run.
func TestContinueAsNewCarriesTheAuthorization(t *testing.T) {
	h := newHarness(t, monday)
	h.env.SetContinueAsNewSuggested(true)
	last := h.toActive()
	h.run()
	var can *workflow.ContinueAsNewError
	if err := h.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("want continue-as-new once active, got %v", err)
	}
	var in wf.ApplicationInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &in); err != nil {
		t.Fatal(err)
	}
	if in.Resume == nil || in.Resume.Status != domain.StatusActive || in.Resume.Runs != 1 || in.Resume.Seq == 0 {
		t.Fatalf("carried state: %+v", in.Resume)
	}

	// The next run, from where the first stopped.
	h2 := newHarnessOn(t, monday.Add(last), h.st)
	h2.in = in
	year := 365*24*hour + hour
	h2.at(year, func() { h2.decide(domain.TaskSelfEvaluation, applicant, domain.DecisionSubmit, withComment("自评")) })
	h2.at(year+hour, func() { h2.decide(domain.TaskRateEvaluation, bureau, domain.DecisionQualified) })
	h2.at(year+2*hour, func() {
		h2.must(appWFID, wf.UpdateTerminate, wf.ActionRequest{Actor: actor(bureau), Reason: "违规", Basis: "第六条"})
	})
	h2.exit(year + 3*hour)
	final := h2.finish()
	if final.Status != domain.StatusClosed || final.Runs != 2 || final.EvaluationCount != 1 {
		t.Fatalf("second run ended %s after %d runs, %d evaluations", final.Status, final.Runs, final.EvaluationCount)
	}
	audit, _ := h.st.Audit(context.Background(), h.in.ApplicationID)
	for i, e := range audit {
		if e.Seq != int64(i+1) {
			t.Fatalf("audit sequence broken across runs at %d: %d", i, e.Seq)
		}
	}
}
