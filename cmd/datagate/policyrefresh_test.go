package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/rbac"
	"github.com/datagate/datagate/store"
)

// DATAGATE_POLICY_REFRESH: 5 s by default in dev and serve, a duration
// of at least 100 ms, unknown to the worker.
func TestPolicyRefreshConfig(t *testing.T) {
	c, err := parseConfig(cmdServe, nil, env("DATAGATE_DB", "sqlite:///x.db"), &bytes.Buffer{})
	if err != nil || c.PolicyRefresh != 5*time.Second {
		t.Errorf("serve default: %v, %v", c.PolicyRefresh, err)
	}
	c, err = parseConfig(cmdDev, []string{"--policy-refresh", "750ms"}, env("DATAGATE_POLICY_REFRESH", "2s"), &bytes.Buffer{})
	if err != nil || c.PolicyRefresh != 750*time.Millisecond {
		t.Errorf("dev flag over env: %v, %v", c.PolicyRefresh, err)
	}
	for _, bad := range []string{"0", "-5s", "10ms", "soon"} {
		_, err := parseConfig(cmdServe, nil, env("DATAGATE_DB", "sqlite:///x.db", "DATAGATE_POLICY_REFRESH", bad), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "--policy-refresh / DATAGATE_POLICY_REFRESH") || !strings.Contains(err.Error(), "at least 100ms") {
			t.Errorf("DATAGATE_POLICY_REFRESH=%q: %v", bad, err)
		}
	}
	if _, err := parseConfig(cmdWorker, []string{"--policy-refresh", "1s"}, env("DATAGATE_DB", "sqlite:///x.db"), io.Discard); err == nil {
		t.Error("the worker, which enforces nothing, took --policy-refresh")
	}
}

// Two API processes prepared on one database as `serve` prepares them:
// a role revoked and granted again through one is enforced by the other,
// whose stack watches the policy, within its refresh interval; Stop ends
// the watch.
func TestServeReplicasSharePolicyChanges(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "datagate.db")
	c := config{command: cmdServe}
	var enfs [2]*rbac.Enforcer
	for i := range enfs {
		st, err := store.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if enfs[i], err = prepareStore(ctx, st, c); err != nil {
			t.Fatal(err)
		}
	}
	one, two := enfs[0], enfs[1]
	if err := one.AssignRole("li", domain.RoleSupervisor, "inspect"); err != nil {
		t.Fatal(err)
	}
	s := newStack(slog.New(slog.DiscardHandler))
	s.watchPolicy(two, 100*time.Millisecond)
	stopped := false
	defer func() {
		if !stopped {
			s.stopPolicyWatch()
		}
	}()
	wait := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			ok, err := two.Allow("li", "inspect", rbac.AuditRead)
			if err != nil {
				t.Fatal(err)
			}
			if ok == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica two still decides %v after 5 s", ok)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	wait(true)
	if err := one.RevokeRole("li", domain.RoleSupervisor, "inspect"); err != nil {
		t.Fatal(err)
	}
	wait(false)
	if err := one.AssignRole("li", domain.RoleSupervisor, "inspect"); err != nil {
		t.Fatal(err)
	}
	wait(true)

	done := make(chan struct{})
	go func() { s.stopPolicyWatch(); close(done) }()
	select {
	case <-done:
		stopped = true
	case <-time.After(2 * time.Second):
		t.Fatal("stopping the policy watch hangs")
	}
}

// A process starts at the policy version its own seeding left: its first
// poll finds nothing changed (it used to log "policy reloaded: it changed
// in the database" on every fresh start).
func TestSeedingIsNotAPolicyChange(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open("sqlite://" + filepath.Join(t.TempDir(), "datagate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	enf, err := prepareStore(ctx, st, config{command: cmdDev, Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	if reloaded, err := enf.Refresh(ctx); err != nil || reloaded {
		t.Errorf("the first poll after a fresh seeding reloaded (%v, %v)", reloaded, err)
	}
}
