// Package worker runs DataGate's workflows and activities on a Temporal
// task queue.
package worker

import (
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/workflows"
)

// Pollers is the number of workflow and activity task pollers; measured on
// the embedded server, about 8 keeps both cores busy.
const Pollers = 8

// StickyTimeout is how long a workflow task may wait on the worker's own
// (sticky) queue before the server hands it to any worker with the whole
// history. The SDK's default, 5 s, is short for deadlines: when thousands
// fall due in the same second, their tasks queue there longer than that,
// time out, and come back as full replays that make the queue longer still
// (bench P5: 2,000 deadlines drained in 38 s with 5 s, 25 s with 60 s, no
// task timed out). The cost is on a worker that dies: the tasks already
// queued for it wait this long (the server stops queueing there about 10 s
// after its last poll), which deadlines counted in working days and
// decisions retried by their clients can bear.
const StickyTimeout = 30 * time.Second

// WorkflowRegistry is a worker, a test environment or a replayer.
type WorkflowRegistry interface {
	RegisterWorkflowWithOptions(any, workflow.RegisterOptions)
}

// RegisterWorkflows adds every workflow under its fixed name.
func RegisterWorkflows(r WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(workflows.ApplicationWorkflow, workflow.RegisterOptions{Name: workflows.ApplicationWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.ModelReviewWorkflow, workflow.RegisterOptions{Name: workflows.ModelReviewWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.ProcedureWorkflow, workflow.RegisterOptions{Name: workflows.ProcedureWorkflowName})
}

// Register adds every workflow and activity under its fixed name.
func Register(r interface {
	WorkflowRegistry
	RegisterActivityWithOptions(any, activity.RegisterOptions)
}, acts *activities.Activities) {
	RegisterWorkflows(r)
	r.RegisterActivityWithOptions(acts.Apply, activity.RegisterOptions{Name: activities.ApplyName})
	r.RegisterActivityWithOptions(acts.Redue, activity.RegisterOptions{Name: activities.RedueName})
}

// New builds a worker on the DataGate task queue; Start or Run it. Stop
// waits up to stopTimeout for running activities to finish.
// Interceptors, if any, wrap every workflow and activity (the fault
// tests inject failures through them).
func New(c client.Client, acts *activities.Activities, stopTimeout time.Duration, interceptors ...interceptor.WorkerInterceptor) sdkworker.Worker {
	w := sdkworker.New(c, workflows.TaskQueue, sdkworker.Options{
		MaxConcurrentWorkflowTaskPollers: Pollers,
		MaxConcurrentActivityTaskPollers: Pollers,
		StickyScheduleToStartTimeout:     StickyTimeout,
		WorkerStopTimeout:                stopTimeout,
		Interceptors:                     interceptors,
	})
	Register(w, acts)
	return w
}
