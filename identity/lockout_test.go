package identity

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Fifty sign-ins at once, the right password last: at most LockAfter
// passwords are checked, and the right one, arriving after the window is
// full, is refused unchecked. The checks are held until every wrong
// attempt has been counted or refused, so that all of them are in flight
// at once, as the penetration test sent them (issue 15, item 1: 40 wrong
// passwords were checked and the right one signed in).
func TestLockoutHoldsUnderParallelAttempts(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		u := newUser(t, ts.Store, goodPassword)
		svc.HashConcurrency = 64 // the hash slots are not what stops them
		var checks, refused atomic.Int64
		gate := make(chan struct{})
		svc.beforeCheck = func() {
			checks.Add(1)
			<-gate
		}
		const wrong = 49
		errs := make(chan error, wrong+1)
		var wg sync.WaitGroup
		for range wrong {
			wg.Go(func() {
				_, _, err := svc.Login(ctx, u.Username, "wrong password")
				if errors.Is(err, ErrLocked) {
					refused.Add(1)
				}
				errs <- err
			})
		}
		// Every wrong attempt is in a check or refused.
		waitFor(t, func() bool { return checks.Load()+refused.Load() >= wrong })
		// Now the right one.
		var right error
		done := make(chan struct{})
		before := checks.Load()
		go func() {
			_, _, right = svc.Login(ctx, u.Username, goodPassword)
			close(done)
		}()
		// It is refused at once, or (the bug) waits in a check.
		waitFor(t, func() bool {
			select {
			case <-done:
				return true
			default:
				return checks.Load() > before
			}
		})
		close(gate)
		wg.Wait()
		<-done
		close(errs)

		if n := checks.Load(); n > DefaultLockAfter {
			t.Errorf("%d parallel sign-ins: %d passwords checked, want at most %d", wrong+1, n, DefaultLockAfter)
		}
		if !errors.Is(right, ErrLocked) {
			t.Errorf("the right password after %d wrong ones at once: %v, want ErrLocked", wrong, right)
		}
		bad, locked := 0, 0
		for err := range errs {
			switch {
			case errors.Is(err, ErrBadCredentials):
				bad++
			case errors.Is(err, ErrLocked):
				locked++
			default:
				t.Errorf("wrong password: %v", err)
			}
		}
		if bad != DefaultLockAfter-1 || locked != wrong-bad {
			t.Errorf("wrong passwords: %d refused as wrong, %d as locked; want %d and %d", bad, locked, DefaultLockAfter-1, wrong-DefaultLockAfter+1)
		}
		// The lock runs its course, then the right password signs in.
		c.Advance(DefaultLockFor)
		svc.beforeCheck = nil
		got, _, err := svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
		if got.FailedLogins != 0 || got.LockedUntil != nil {
			t.Errorf("user after sign-in = %+v", got)
		}
	})
}

// A count taken but never followed by a check (a process that died
// mid-hash) does not lock the account for ever: its window ends.
func TestLockoutWindowEnds(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		u := newUser(t, ts.Store, goodPassword)
		for range DefaultLockAfter {
			att, err := ts.ReserveLoginAttempt(ctx, u.ID, DefaultLockAfter, DefaultLockFor, c.Now())
			must(t, err)
			if !att.Granted {
				t.Fatalf("attempt refused before the window is full: %+v", att)
			}
		}
		_, _, err := svc.Login(ctx, u.Username, goodPassword)
		wantErr(t, err, ErrLocked)
		c.Advance(DefaultLockFor)
		_, _, err = svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
	})
}

// waitFor polls cond until it holds, for up to a minute.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
