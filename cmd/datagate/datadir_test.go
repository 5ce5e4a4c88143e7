package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A second `datagate dev` on a data directory that a running one holds is
// refused at once, naming the directory and the process, before it
// touches temporal.db; `audit verify` and `migrate` on that directory's
// database are refused too. Once the first stops, they run.
func TestSecondDevOnOneDataDirectoryIsRefused(t *testing.T) {
	s, cfg := startTestDev(t, env())
	want := fmt.Sprintf("data directory %s is in use by process %d", cfg.Data, os.Getpid())

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	began := time.Now()
	err := run(ctx, []string{"dev", "--data", cfg.Data, "--http", "127.0.0.1:0", "--temporal-port", fmt.Sprint(freePort(t))},
		func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("second dev: %v, want %q", err, want)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("the second dev took %v to be refused, not at once", took)
	}

	db := "sqlite://" + filepath.Join(cfg.Data, "datagate.db")
	for _, args := range [][]string{
		{"audit", "verify", "--data", cfg.Data},
		{"migrate", "--db", db},
		{"migrate", "status", "--db", db},
	} {
		if _, _, err := runCmd(t, args...); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s while dev runs: %v, want %q", strings.Join(args, " "), err, want)
		}
	}

	s.Stop()
	if out, _, err := runCmd(t, "audit", "verify", "--data", cfg.Data); err != nil {
		t.Errorf("audit verify once dev stopped: %v\n%s", err, out)
	}
	if _, _, err := runCmd(t, "migrate", "--db", db); err != nil {
		t.Errorf("migrate once dev stopped: %v", err)
	}
}
