package rbac

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/casbin/casbin/v2/persist"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// replicaStores opens one SQLite database twice, as two `datagate serve`
// processes would: each with its own connections.
func replicaStores(t *testing.T) (*store.Store, *store.Store) {
	t.Helper()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "shared.db")
	var out [2]*store.Store
	for i := range out {
		st, err := store.Open(dsn)
		must(t, err)
		t.Cleanup(func() { _ = st.Close() })
		must(t, st.MigrateCasbin(context.Background()))
		out[i] = st
	}
	return out[0], out[1]
}

// eventually waits until e decides want for user in org on a, polling the
// decision (cached or not) the way requests would.
func eventually(t *testing.T, e *Enforcer, user, org string, a Action, want bool, within time.Duration) time.Duration {
	t.Helper()
	began := time.Now()
	for {
		got, err := e.Allow(user, org, a)
		must(t, err)
		if got == want {
			return time.Since(began)
		}
		if time.Since(began) > within {
			t.Fatalf("after %v, %s in %s %s still decided %v", within, user, org, a, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Two replicas on one database: a role granted or revoked, or a policy
// line added, through one is decided by the other within its poll
// interval, though the other had cached the opposite decision; a replica
// that does not watch keeps its stale decision.
func TestWatchSeesAnotherReplicasChanges(t *testing.T) {
	st1, st2 := replicaStores(t)
	one := newEnforcer(t, st1)
	two := newEnforcerOn(t, st2)
	stale := newEnforcerOn(t, st2) // never watches

	const interval = 100 * time.Millisecond
	// Generous for a busy machine; the poll itself is one query.
	const within = 5 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- two.Watch(ctx, interval, slog.New(slog.DiscardHandler)) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Watch: %v", err)
			}
		case <-time.After(2 * time.Second):
			t.Error("Watch did not return after its context ended")
		}
	}()

	// Both replicas decide, and cache, a denial.
	for _, e := range []*Enforcer{two, stale} {
		if ok, _ := e.Allow("wu", "inspect", SupervisionRead); ok {
			t.Fatal("wu reads supervision before holding a role")
		}
	}

	// Grant through replica one: replica two allows.
	must(t, one.AssignRole("wu", domain.RoleSupervisor, "inspect"))
	took := eventually(t, two, "wu", "inspect", SupervisionRead, true, within)
	t.Logf("grant seen after %v (interval %v)", took, interval)

	// Revoke through replica one: replica two denies.
	must(t, one.RevokeRole("wu", domain.RoleSupervisor, "inspect"))
	took = eventually(t, two, "wu", "inspect", SupervisionRead, false, within)
	t.Logf("revoke seen after %v", took)

	// A policy line added through replica one.
	must(t, one.AssignRole("wu", domain.RoleOperator, "gdo"))
	eventually(t, two, "wu", "gdo", TaskDecide, true, within)
	if ok, _ := two.Allow("wu", "gdo", SupervisionRead); ok {
		t.Fatal("an operator reads supervision")
	}
	must(t, one.AddPolicy(domain.RoleOperator, "gdo", SupervisionRead))
	eventually(t, two, "wu", "gdo", SupervisionRead, true, within)

	// The replica that does not watch still answers what it cached.
	if ok, _ := stale.Allow("wu", "inspect", SupervisionRead); ok {
		t.Error("the replica that does not watch changed its mind")
	}

	// Once in step, a poll reads the version and reloads nothing.
	if v1, v2 := versionOf(t, st1), two.Version(); v1 != v2 {
		t.Errorf("replica two is at version %d, the database at %d", v2, v1)
	}
	if reloaded, err := two.Refresh(context.Background()); err != nil || reloaded {
		t.Errorf("Refresh with nothing changed: reloaded %v, %v", reloaded, err)
	}
}

func versionOf(t *testing.T, st *store.Store) int64 {
	t.Helper()
	v, err := st.CasbinAdapter().PolicyVersion(context.Background())
	must(t, err)
	return v
}

// Watch refuses what it cannot poll, and stops with its context.
func TestWatchArguments(t *testing.T) {
	// The store's adapter seen only as a persist.Adapter: no version.
	unversioned, err := New(context.Background(), struct{ persist.Adapter }{newStore(t).CasbinAdapter()})
	must(t, err)
	if err := unversioned.Watch(context.Background(), time.Second, nil); err == nil {
		t.Error("Watch on an adapter without a version returned nil")
	}
	if _, err := unversioned.Refresh(context.Background()); err == nil {
		t.Error("Refresh on an adapter without a version returned nil")
	}
	e := newEnforcer(t, newStore(t))
	if err := e.Watch(context.Background(), 0, nil); err == nil {
		t.Error("Watch with a zero interval returned nil")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.Watch(ctx, time.Hour, nil); err != nil {
		t.Errorf("Watch with an ended context: %v", err)
	}
}
