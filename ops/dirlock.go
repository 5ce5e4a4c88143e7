package ops

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DirLockFile is the file, in a data directory, that a process holding the
// directory keeps locked.
const DirLockFile = "datagate.lock"

// ErrDirInUse is LockDir's answer when another process holds the directory.
var ErrDirInUse = errors.New("data directory in use")

// DirInUseError names the directory and the process that holds it.
type DirInUseError struct {
	Dir string
	PID int // 0 when the holder did not write its PID yet
}

func (e *DirInUseError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = "process " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("data directory %s is in use by %s: stop it first, or use another --data directory", e.Dir, who)
}

func (e *DirInUseError) Unwrap() error { return ErrDirInUse }

// DirLock is a data directory held by this process. The operating system
// releases it when the process ends, however it ends, so a crash never
// leaves a directory locked.
type DirLock struct {
	f *os.File
}

// LockDir holds dir (created if missing) for this process until Release,
// or refuses at once with a *DirInUseError when another process holds it.
// Two embedded Temporal servers on one temporal.db corrupt its shard; two
// `datagate dev` on one directory must never both run.
func LockDir(dir string) (*DirLock, error) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, DirLockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !held {
		b, _ := os.ReadFile(path)
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		f.Close()
		return nil, &DirInUseError{Dir: dir, PID: pid}
	}
	// The holder's PID, for the message a second process prints.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &DirLock{f: f}, nil
}

// Release gives the directory up; the lock file stays, empty.
func (l *DirLock) Release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = unlock(l.f)
	_ = l.f.Close()
	l.f = nil
}
