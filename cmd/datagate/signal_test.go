package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// execMainEnv makes the test binary run main() with the arguments after
// "--": a real process, so that a real SIGTERM reaches it.
const execMainEnv = "DATAGATE_TEST_EXEC_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(execMainEnv) == "1" {
		for i, a := range os.Args {
			if a == "--" {
				os.Args = append([]string{"datagate"}, os.Args[i+1:]...)
				break
			}
		}
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// SIGTERM (and Ctrl-C's SIGINT) stops `datagate dev` cleanly: readiness
// first, then HTTP, the worker, the Temporal Web UI, Temporal and the
// database; exit status 0, and the log says why and how long it took. A
// clean stop is quiet: every line on stderr is one of DataGate's JSON lines
// (the embedded server's and the SDK's go through its handler), and none
// from the signal on is a warning or an error.
func TestSIGTERMShutsDownCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) { stopBySignal(t, sig) })
	}
}

func stopBySignal(t *testing.T, sig syscall.Signal) {
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "dev", "--demo-applications=false", "--data", t.TempDir(), "--http", addr,
		"--temporal-port", fmt.Sprint(freePort(t)), "--temporal-ui-port", fmt.Sprint(freePort(t)), "--shutdown-timeout", "5s")
	cmd.Env = append(os.Environ(), execMainEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	}()
	c := &httpClient{t: t, base: "http://" + addr}
	c.waitHealthy()
	// Workflows running and a worker polling when the stop comes.
	c.submitApplication("applicant")
	began := time.Now()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after %v: %v\n%s", sig, err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30 s after %v\n%s", sig, stderr.String())
	}
	t.Logf("stopped %s after %v", time.Since(began).Round(time.Millisecond), sig)
	var cause string
	var stopped, stopping bool
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["time"] == nil || rec["msg"] == nil {
			t.Errorf("not one of DataGate's log lines: %s", line)
			continue
		}
		if rec["msg"] == "shutting down" {
			cause, _ = rec["cause"].(string)
			stopping = true
		}
		if level, _ := rec["level"].(string); stopping && level != "INFO" {
			t.Errorf("a %s line in a clean stop: %s", level, line)
		}
		stopped = stopped || rec["msg"] == "stopped"
	}
	if cause != "signal" || !stopped {
		t.Errorf("log: shutting down because %q, stopped %t\n%s", cause, stopped, stderr.String())
	}
}
