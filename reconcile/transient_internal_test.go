package reconcile

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/api/serviceerror"
)

// A Query refused because no worker polled lately (a worker restarting)
// is tried again, like one that timed out; another refusal is a verdict.
func TestTransientQueryErrors(t *testing.T) {
	for err, want := range map[error]bool{
		serviceerror.NewFailedPrecondition("no poller seen for task queue recently, worker may be down"): true,
		fmt.Errorf("query: %w", serviceerror.NewDeadlineExceeded("x")):                                   true,
		serviceerror.NewUnavailable("x"):                                                                 true,
		context.DeadlineExceeded:                                                                         true,
		serviceerror.NewFailedPrecondition("workflow is not ready"):                                      false,
		serviceerror.NewInvalidArgument("unknown query"):                                                 false,
		errors.New("decode"):                                                                             false,
	} {
		if got := transient(err); got != want {
			t.Errorf("transient(%v) = %v, want %v", err, got, want)
		}
	}
}
