package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

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

func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
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
	if *dsn == "" || *data != "" {
		dir := *data
		if dir == "" {
			dir = getenv("DATAGATE_DATA")
		}
		if dir == "" {
			return errors.New("audit verify: give --db DSN, or --data DIR for a dev data directory")
		}
		file, err := filepath.Abs(filepath.Join(dir, "datagate.db"))
		if err != nil {
			return err
		}
		// Opening a missing SQLite file would create it.
		if _, err := os.Stat(file); err != nil {
			return fmt.Errorf("audit verify: no database at %s: %w", file, err)
		}
		*dsn = "sqlite://" + file
	}
	st, err := store.Open(*dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := verifyAudit(ctx, st, anchors)
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		printAuditResult(stdout, res)
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
