package reconcile

import (
	"context"
	"errors"
	"testing"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

// flakyQueries answers the status Query with the errors in fail, in turn,
// then with an empty value.
type flakyQueries struct {
	client.Client
	fail  []error
	calls int
}

func (f *flakyQueries) QueryWorkflow(ctx context.Context, id, run, name string, args ...any) (converter.EncodedValue, error) {
	f.calls++
	if len(f.fail) > 0 {
		err := f.fail[0]
		f.fail = f.fail[1:]
		return nil, err
	}
	return nil, nil
}

// A Query that times out or finds the service unavailable is tried again:
// reconcile answers for the workflow instead of failing on one slow call
// (seen on a loaded CI machine, right after 200 workflows closed). Any
// other error is the answer at once.
func TestQueryRetriesTransientErrors(t *testing.T) {
	settled := func(converter.EncodedValue) (bool, error) { return false, nil }
	f := &flakyQueries{fail: []error{
		serviceerror.NewDeadlineExceeded("query timed out"),
		context.DeadlineExceeded,
		serviceerror.NewUnavailable("restarting"),
	}}
	found, err := (&Checker{Temporal: f}).query(context.Background(), "application-5", settled)
	if err != nil || !found || f.calls != 4 {
		t.Fatalf("found %v, err %v after %d calls; want found after 4", found, err, f.calls)
	}

	denied := serviceerror.NewPermissionDenied("no", "")
	f = &flakyQueries{fail: []error{denied}}
	if _, err := (&Checker{Temporal: f}).query(context.Background(), "application-5", settled); !errors.Is(err, denied) || f.calls != 1 {
		t.Fatalf("err %v after %d calls; want the permission error after 1", err, f.calls)
	}

	f = &flakyQueries{fail: []error{serviceerror.NewNotFound("gone")}}
	if found, err := (&Checker{Temporal: f}).query(context.Background(), "application-5", settled); found || err != nil {
		t.Fatalf("found %v, err %v; want not found", found, err)
	}
}
