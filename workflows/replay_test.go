package workflows_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/worker"
)

// TestReplayRecordedLifecycle replays every history in testdata, recorded
// on a real Temporal server: the integration test in cmd/datagate drives
// one application through its lifecycle and, with
// DATAGATE_RECORD_HISTORY=$PWD/workflows/testdata and
// DATAGATE_RECORD_LABEL=<label>, writes application_<label>_history.json
// and model_<label>_history.json here; TestProceduresOverHTTP writes
// procedure-<id>_<label>_history.json. Keep the old files: each is a
// workflow that may still be running somewhere. A change to workflow code
// that would break one of them fails this test; such a change goes behind
// workflow.GetVersion.
func TestReplayRecordedLifecycle(t *testing.T) {
	files, err := filepath.Glob("testdata/*_history.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("found %d histories in testdata, want at least 4", len(files))
	}
	for _, file := range files {
		// The workflow's own ID names its tasks and its children.
		workflowID := "application-1"
		if strings.HasPrefix(filepath.Base(file), "model") {
			workflowID = "application-1-model-1"
		}
		// A statutory procedure's history is named by its workflow ID.
		if base := filepath.Base(file); strings.HasPrefix(base, "procedure-") {
			workflowID, _, _ = strings.Cut(base, "_")
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			f, err := os.Open(file)
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
			err = replayer.ReplayWorkflowHistoryWithOptions(nil, hist, sdkworker.ReplayWorkflowHistoryOptions{
				OriginalExecution: workflow.Execution{ID: workflowID,
					RunID: hist.Events[0].GetWorkflowExecutionStartedEventAttributes().GetOriginalExecutionRunId()},
			})
			if err != nil {
				t.Fatalf("replay %s: %v", file, err)
			}
		})
	}
}
