package api_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/datagate/datagate/identity"
)

// Fifty sign-ins sent at once to one account over HTTP (issue 15, item 1):
// at most LockAfter passwords are checked, so LockAfter-1 answers say
// "wrong password" and the rest "locked"; the right password sent after
// them is refused, and no session is opened.
func TestParallelSignInsCheckAtMostFivePasswords(t *testing.T) {
	e := newEnv(t)
	before := e.counts()["sessions"]
	const n = 50
	start := make(chan struct{})
	var wg sync.WaitGroup
	answers := make(chan response, n)
	for range n {
		wg.Go(func() {
			<-start
			answers <- e.do("POST", "/api/v1/session", map[string]string{"username": "operator", "password": "not-the-password"}, nil)
		})
	}
	close(start)
	wg.Wait()
	close(answers)
	wrong, locked := 0, 0
	for r := range answers {
		var body struct {
			Error struct{ Code string } `json:"error"`
		}
		_ = json.Unmarshal(r.Body, &body)
		switch {
		case r.Status == http.StatusUnauthorized:
			wrong++
		case r.Status == http.StatusTooManyRequests && body.Error.Code == "locked":
			locked++
		default:
			t.Errorf("a wrong password answered %d %s", r.Status, r.Body)
		}
	}
	if wrong != identity.DefaultLockAfter-1 || locked != n-wrong {
		t.Errorf("%d wrong passwords at once: %d answered 401, %d locked; want %d and %d (at most %d passwords checked)",
			n, wrong, locked, identity.DefaultLockAfter-1, n-identity.DefaultLockAfter+1, identity.DefaultLockAfter)
	}
	if _, _, r := e.signIn("operator", identity.DemoPassword); r.Status != http.StatusTooManyRequests {
		t.Errorf("the right password after them: %d %s, want 429", r.Status, r.Body)
	}
	if after := e.counts()["sessions"]; after != before {
		t.Errorf("sessions %d -> %d", before, after)
	}
}
