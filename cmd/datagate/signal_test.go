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

// SIGTERM stops `datagate dev` cleanly: readiness first, then HTTP, the
// worker, Temporal and the database; exit status 0, and the log says why
// and how long it took.
func TestSIGTERMShutsDownCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "dev", "--data", t.TempDir(), "--http", addr,
		"--temporal-port", fmt.Sprint(freePort(t)), "--shutdown-timeout", "5s")
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
	began := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30 s after SIGTERM\n%s", stderr.String())
	}
	t.Logf("stopped %s after SIGTERM", time.Since(began).Round(time.Millisecond))
	var cause string
	var stopped bool
	for _, line := range strings.Split(stderr.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue // the embedded server's own lines
		}
		if rec["msg"] == "shutting down" {
			cause, _ = rec["cause"].(string)
		}
		stopped = stopped || rec["msg"] == "stopped"
	}
	if cause != "signal" || !stopped {
		t.Errorf("log: shutting down because %q, stopped %t\n%s", cause, stopped, stderr.String())
	}
}
