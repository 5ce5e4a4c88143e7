package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/store"
)

// `datagate audit verify` passes a sound chain and prints its head, fails
// (exit 1) naming the first broken row after each kind of tampering, and
// checks anchors.
func TestAuditVerifyCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "datagate.db")
	st, err := store.Open("sqlite://" + file)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := st.AppendAudit(ctx, store.AdminAuditStream, store.AuditEntry{Actor: "admin", Action: "user.created",
			Target: "u" + string(rune('a'+i)), At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	out, _, err := runCmd(t, "audit", "verify", "--data", dir)
	if err != nil || !strings.Contains(out, "audit chain holds: 5 rows") {
		t.Fatalf("sound chain: %v\n%s", err, out)
	}
	var head string
	for _, line := range strings.Split(out, "\n") {
		if h, ok := strings.CutPrefix(line, "head (keep it elsewhere as an anchor): "); ok {
			head = h
		}
	}
	if !strings.HasPrefix(head, "5:") || len(head) != 2+64 {
		t.Fatalf("no head printed: %s", out)
	}
	if out, _, err := runCmd(t, "audit", "verify", "--db", "sqlite://"+file, "--anchor", head); err != nil {
		t.Fatalf("anchor %s: %v\n%s", head, err, out)
	}

	raw, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	// Edited.
	exec("UPDATE audit_log SET target = 'someone' WHERE id = 3")
	out, _, err = runCmd(t, "audit", "verify", "--data", dir)
	if !errors.Is(err, errAuditBroken) || !strings.Contains(out, "edited at chain_seq 3 (audit row id 3)") {
		t.Errorf("edited: %v\n%s", err, out)
	}
	exec("UPDATE audit_log SET target = 'uc' WHERE id = 3")
	// Deleted at the end, head rolled back: only the anchor sees it.
	var prev string
	if err := raw.QueryRow("SELECT prev_hash FROM audit_chain WHERE chain_seq = 5").Scan(&prev); err != nil {
		t.Fatal(err)
	}
	exec("DELETE FROM audit_log WHERE id = 5")
	exec("DELETE FROM audit_chain WHERE chain_seq = 5")
	exec("UPDATE audit_chain_head SET seq = 4, hash = ?", prev)
	out, _, err = runCmd(t, "audit", "verify", "--data", dir, "--anchor", head, "--json")
	var res struct {
		OK      bool `json:"ok"`
		Rows    int  `json:"rows"`
		Anchors []struct {
			OK     bool   `json:"ok"`
			Detail string `json:"detail"`
		} `json:"anchors"`
	}
	if jerr := json.Unmarshal([]byte(out), &res); jerr != nil {
		t.Fatalf("--json: %v\n%s", jerr, out)
	}
	if !errors.Is(err, errAuditBroken) || res.OK || res.Rows != 4 || len(res.Anchors) != 1 || res.Anchors[0].OK ||
		!strings.Contains(res.Anchors[0].Detail, "is gone") {
		t.Errorf("rolled back: %v\n%s", err, out)
	}
	// Inserted.
	exec("INSERT INTO audit_log (workflow_id, seq, application_id, action, at) VALUES ('admin', 99, 0, 'user.created', '2026-01-01 00:00:00+00:00')")
	out, _, err = runCmd(t, "audit", "verify", "--data", dir)
	if !errors.Is(err, errAuditBroken) || !strings.Contains(out, "inserted") {
		t.Errorf("inserted: %v\n%s", err, out)
	}

	for _, args := range [][]string{
		{"audit"}, {"audit", "check"}, {"audit", "verify"},
		{"audit", "verify", "--data", t.TempDir()},
		{"audit", "verify", "--data", dir, "--anchor", "5"},
		{"audit", "verify", "--data", dir, "--anchor", "x:" + strings.Repeat("0", 64)},
	} {
		if _, _, err := runCmd(t, args...); err == nil || errors.Is(err, errAuditBroken) {
			t.Errorf("%v: error %v, want a usage error", args, err)
		}
	}
}
