package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// Every write through the adapter bumps the policy version once, in its
// transaction; a refused write does not; concurrent writers each count.
func TestCasbinPolicyVersion(t *testing.T) {
	forEachCasbinStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := s.CasbinAdapter()
		version := func() int64 {
			t.Helper()
			v, err := a.PolicyVersion(ctx)
			must(t, err)
			return v
		}
		// The MySQL test database is shared: count from where it stands.
		v := version()
		step := func(what string, err error) {
			t.Helper()
			must(t, err)
			if got := version(); got != v+1 {
				t.Errorf("%s: version %d, want %d", what, got, v+1)
			}
			v = version()
		}
		step("SavePolicy", func() error { seedCasbin(t, a); return nil }())
		step("AddPolicy", a.AddPolicy("p", "p", []string{"zoe", "data9", "read"}))
		step("AddPolicies of stored rules", a.AddPolicies("p", "p", [][]string{{"zoe", "data9", "read"}}))
		step("RemovePolicy", a.RemovePolicy("p", "p", []string{"zoe", "data9", "read"}))
		step("AddPolicyCtx", a.AddPolicyCtx(ctx, "g", "g", []string{"zoe", "data2_admin"}))
		step("RemoveFilteredPolicy", a.RemoveFilteredPolicy("g", "g", 0, "zoe"))
		step("UpdatePolicy", a.UpdatePolicy("p", "p", []string{"bob", "data2", "write"}, []string{"bob", "data2", "read"}))
		_, err := a.UpdateFilteredPolicies("p", "p", [][]string{{"bob", "data3", "read"}}, 0, "bob")
		step("UpdateFilteredPolicies", err)

		// Refused writes change nothing, the version included.
		if err := a.AddPolicy("p", "p", []string{"1", "2", "3", "4", "5", "6", "7"}); err == nil {
			t.Fatal("a seven-value rule was stored")
		}
		if err := a.RemoveFilteredPolicy("p", "p", 5, "a", "b"); err == nil {
			t.Fatal("a filter past the last value was accepted")
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if err := a.AddPolicyCtx(cancelled, "p", "p", []string{"x", "y", "z"}); err == nil {
			t.Fatal("a write with a cancelled context succeeded")
		}
		if got := version(); got != v {
			t.Errorf("refused writes moved the version from %d to %d", v, got)
		}

		// Writers in parallel (other processes, as far as the database
		// can tell): each bump counts.
		const n = 8
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- a.AddPolicy("p", "p", []string{fmt.Sprintf("user%d", i), "data1", "read"})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		if got := version(); got != v+n {
			t.Errorf("after %d concurrent writes: version %d, want %d", n, got, v+n)
		}
	})
}
