package workflows_test

import (
	"os"
	"testing"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/worker"
)

// TestReplayRecordedLifecycle replays histories recorded on a real Temporal
// server: the integration test in cmd/datagate drives one application
// through its lifecycle and, with DATAGATE_RECORD_HISTORY=workflows/testdata,
// writes them here. A change to workflow code that would break a running
// application fails this test; such a change goes behind workflow.GetVersion.
func TestReplayRecordedLifecycle(t *testing.T) {
	for _, tc := range []struct{ file, workflowID string }{
		{"testdata/application_history.json", "application-1"},
		{"testdata/model_history.json", "application-1-model-1"},
	} {
		t.Run(tc.workflowID, func(t *testing.T) {
			f, err := os.Open(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			hist, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
			if err != nil {
				t.Fatal(err)
			}
			replayer := sdkworker.NewWorkflowReplayer()
			worker.RegisterWorkflows(replayer)
			// The workflow's own ID names its tasks and its children.
			err = replayer.ReplayWorkflowHistoryWithOptions(nil, hist, sdkworker.ReplayWorkflowHistoryOptions{
				OriginalExecution: workflow.Execution{ID: tc.workflowID,
					RunID: hist.Events[0].GetWorkflowExecutionStartedEventAttributes().GetOriginalExecutionRunId()},
			})
			if err != nil {
				t.Fatalf("replay %s: %v", tc.file, err)
			}
		})
	}
}
