package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The README's walkthrough script drives one application through its whole
// lifecycle with curl against a fresh `datagate dev`, and exits 0: a
// newcomer never sees a failure after a success.
func TestWalkthroughScriptSucceeds(t *testing.T) {
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	s, _ := startTestDev(t, env("DATAGATE_RATE_LIMIT", "off"))
	cmd := exec.Command("bash", "../../scripts/walkthrough.sh")
	cmd.Env = append(cmd.Environ(), "API=http://"+s.addr+"/api/v1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("walkthrough: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"status":"closed"`) {
		t.Errorf("the walkthrough does not end with the application closed:\n%s", out)
	}
}
