package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/datagate/datagate/reconcile"
	"github.com/datagate/datagate/store"
)

const auditUsage = `usage: datagate audit verify [--db DSN | --data DIR] [--anchor SEQ:HASH]... [--json]

Walks the audit chain (every audit row, linked by an SM3 hash to the one
before it) and names the first row that was edited, deleted, inserted or
reordered. Exits 0 when the chain holds, 1 when it does not.

  --db DSN            the database (DATAGATE_DB), e.g. mysql://user:pass@tcp(host:3306)/datagate
  --data DIR          or the dev data directory (DATAGATE_DATA): DIR/datagate.db
  --anchor SEQ:HASH   also check that chain_seq SEQ still has HASH, a head printed by an
                      earlier run and kept elsewhere: catches a chain rewritten from there on
  --json              print the result as JSON
`

// errAuditBroken is returned when the chain does not hold.
var errAuditBroken = errors.New("the audit chain does not hold")

const reconcileUsage = `usage: datagate audit reconcile [--db DSN | --data DIR] [--temporal-address HOST:PORT]
                                [--namespace NS] [--json]

Compares every submitted application's workflow (its state, and the write
steps its history recorded) with the read model and the audit log: the
status, the datasets' decisions, the open tasks and their deadlines, each
closed task's decision in the audit, the audit sequence, and each audit row
and task row against the write step that wrote it. Lists every difference;
exits 0 when there is none, 1 when there is any. Temporal and a worker must
be running (a dev stack, or serve and worker).

  --db DSN                    the database (DATAGATE_DB)
  --data DIR                  or the dev data directory (DATAGATE_DATA): DIR/datagate.db
  --temporal-address HOST:PORT  Temporal's frontend (DATAGATE_TEMPORAL_ADDRESS, default 127.0.0.1:7233)
  --namespace NS              the namespace (DATAGATE_NAMESPACE, default default)
  --json                      print the report as JSON
`

// errDifferences is returned when the read model disagrees with a workflow.
var errDifferences = errors.New("the read model or the audit differs from the workflows")

func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "reconcile" {
		return runReconcile(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, auditUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, auditUsage) }
	dsn := fs.String("db", getenv("DATAGATE_DB"), "database DSN")
	data := fs.String("data", "", "dev data directory")
	asJSON := fs.Bool("json", false, "print JSON")
	var anchors []store.AuditAnchor
	fs.Func("anchor", "SEQ:HASH that must still be in the chain", func(v string) error {
		a, err := store.ParseAuditAnchor(v)
		if err == nil {
			anchors = append(anchors, a)
		}
		return err
	})
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("audit verify: unexpected argument %q; see datagate audit verify --help", fs.Arg(0))
	}
	db, err := auditDSN("audit verify", *dsn, *data, getenv)
	if err != nil {
		return err
	}
	// Not beside a dev on the directory: the running system verifies its
	// own chain.
	lock, err := lockSQLite(db)
	if err != nil {
		return fmt.Errorf("audit verify: %w; or verify through the running system: GET /api/v1/audit/verify", err)
	}
	defer lock.Release()
	st, err := store.Open(db)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := verifyAudit(ctx, st, anchors)
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	if err := report(stdout, *asJSON, res, func() { printAuditResult(stdout, res) }); err != nil {
		return err
	}
	if !res.OK {
		return errAuditBroken
	}
	return nil
}

// auditResult is the chain's verification and the anchors checked.
type auditResult struct {
	store.AuditVerification
	Anchors []store.AuditAnchor `json:"anchors,omitempty"`
}

func verifyAudit(ctx context.Context, st *store.Store, anchors []store.AuditAnchor) (auditResult, error) {
	v, err := st.VerifyAuditChain(ctx)
	if err != nil {
		return auditResult{}, err
	}
	res := auditResult{AuditVerification: v}
	for _, a := range anchors {
		a, err := st.CheckAuditAnchor(ctx, a)
		if err != nil {
			return res, err
		}
		res.OK = res.OK && a.OK
		res.Anchors = append(res.Anchors, a)
	}
	return res, nil
}

func printAuditResult(w io.Writer, r auditResult) {
	if r.Broken != nil {
		fmt.Fprintf(w, "audit chain BROKEN: %s\n", r.Broken)
		fmt.Fprintf(w, "checked %d rows in order before the break; the head records %d\n", r.Rows, r.HeadSeq)
	} else {
		fmt.Fprintf(w, "audit chain holds: %d rows\n", r.Rows)
	}
	for _, a := range r.Anchors {
		if a.OK {
			fmt.Fprintf(w, "anchor %d:%s holds\n", a.ChainSeq, a.Hash)
		} else {
			fmt.Fprintf(w, "anchor %d BROKEN: %s\n", a.ChainSeq, a.Detail)
		}
	}
	if r.HeadSeq > 0 {
		fmt.Fprintf(w, "head (keep it elsewhere as an anchor): %d:%s\n", r.HeadSeq, r.HeadHash)
	}
}

// report writes v as indented JSON, or as text by print.
func report(w io.Writer, asJSON bool, v any, print func()) error {
	if !asJSON {
		print()
		return nil
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// auditDSN is the database named by --db, or the dev data directory's,
// which must exist (opening a missing SQLite file would create it).
func auditDSN(cmd, dsn, data string, getenv func(string) string) (string, error) {
	if dsn == "" || data != "" {
		dir := data
		if dir == "" {
			dir = getenv("DATAGATE_DATA")
		}
		if dir == "" {
			return "", fmt.Errorf("%s: give --db DSN, or --data DIR for a dev data directory", cmd)
		}
		file, err := filepath.Abs(filepath.Join(dir, "datagate.db"))
		if err != nil {
			return "", err
		}
		// Opening a missing SQLite file would create it.
		if _, err := os.Stat(file); err != nil {
			return "", fmt.Errorf("%s: no database at %s: %w", cmd, file, err)
		}
		dsn = "sqlite://" + file
	}
	return dsn, nil
}

func runReconcile(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit reconcile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, reconcileUsage) }
	dsn := fs.String("db", getenv("DATAGATE_DB"), "database DSN")
	data := fs.String("data", "", "dev data directory")
	addr := fs.String("temporal-address", firstSet(getenv("DATAGATE_TEMPORAL_ADDRESS"), "127.0.0.1:7233"), "Temporal frontend")
	ns := fs.String("namespace", firstSet(getenv("DATAGATE_NAMESPACE"), "default"), "Temporal namespace")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("audit reconcile: unexpected argument %q; see datagate audit reconcile --help", fs.Arg(0))
	}
	db, err := auditDSN("audit reconcile", *dsn, *data, getenv)
	if err != nil {
		return err
	}
	st, err := store.Open(db)
	if err != nil {
		return err
	}
	defer st.Close()
	tc, err := client.DialContext(ctx, client.Options{HostPort: *addr, Namespace: *ns,
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		return fmt.Errorf("audit reconcile: connect to Temporal at %s: %w", *addr, err)
	}
	defer tc.Close()
	rep, err := (&reconcile.Checker{Temporal: tc, Store: st}).All(ctx)
	if err != nil {
		return fmt.Errorf("audit reconcile: %w", err)
	}
	if err := report(stdout, *asJSON, rep, func() { printReconcile(stdout, rep) }); err != nil {
		return err
	}
	if !rep.OK() {
		return errDifferences
	}
	return nil
}

func printReconcile(w io.Writer, r reconcile.Report) {
	for _, d := range r.Differences {
		fmt.Fprintln(w, d)
	}
	if r.OK() {
		fmt.Fprintf(w, "reconciled: %d applications, %d procedures, %d workflows, no difference\n", r.Applications, r.Procedures, r.Workflows)
	} else {
		fmt.Fprintf(w, "%d differences in %d applications, %d procedures, %d workflows\n", len(r.Differences), r.Applications, r.Procedures, r.Workflows)
	}
}

func firstSet(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
