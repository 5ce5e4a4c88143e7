package main

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// The README's walkthrough script drives one application through its whole
// lifecycle with curl against a running `datagate dev`, and exits 0: a
// newcomer never sees a failure after a success. It finds each task in
// its actor's inbox, so it runs again on the same data directory (task IDs
// are not the first application's).
func TestWalkthroughScriptSucceeds(t *testing.T) {
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	s, _ := startTestDev(t, env("DATAGATE_RATE_LIMIT", "off"))
	for run := 1; run <= 2; run++ {
		cmd := exec.Command("bash", "../../scripts/walkthrough.sh")
		cmd.Env = append(cmd.Environ(), "API=http://"+s.addr+"/api/v1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("walkthrough, run %d: %v\n%s", run, err, out)
		}
		if want := fmt.Sprintf("# application %d is closed", run); !strings.Contains(string(out), want) {
			t.Errorf("run %d does not end with %q:\n%s", run, want, out)
		}
	}
}
