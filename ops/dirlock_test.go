package ops

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A second holder of a data directory is refused at once, naming the
// first's process; once the first releases it, or dies, it is free.
func TestLockDir(t *testing.T) {
	dir := t.TempDir()
	first, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockDir(dir)
	var inUse *DirInUseError
	if !errors.As(err, &inUse) || !errors.Is(err, ErrDirInUse) || inUse.PID != os.Getpid() ||
		!strings.Contains(err.Error(), "in use by process") {
		t.Fatalf("second lock: %v, want in use by process %d", err, os.Getpid())
	}
	first.Release()
	again, err := LockDir(dir)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again.Release()

	// Another process holds it, and is killed: the lock goes with it.
	cmd := exec.Command(os.Args[0], "-test.run", "^TestLockDirHelper$")
	cmd.Env = append(os.Environ(), "DATAGATE_LOCK_HELPER="+dir)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, _ := bufio.NewReader(out).ReadString('\n'); !strings.HasPrefix(line, "locked") {
		t.Fatalf("helper: %q", line)
	}
	_, err = LockDir(dir)
	if !errors.As(err, &inUse) || inUse.PID != cmd.Process.Pid {
		t.Fatalf("while the helper holds it: %v, want in use by process %d", err, cmd.Process.Pid)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	l, err := LockDir(dir)
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	l.Release()
}

// TestLockDirHelper holds DATAGATE_LOCK_HELPER's directory until killed.
func TestLockDirHelper(t *testing.T) {
	dir := os.Getenv("DATAGATE_LOCK_HELPER")
	if dir == "" {
		t.Skip("run by TestLockDir")
	}
	if _, err := LockDir(dir); err != nil {
		os.Stdout.WriteString("failed " + err.Error() + "\n")
		os.Exit(2)
	}
	os.Stdout.WriteString("locked\n")
	time.Sleep(time.Hour)
}
