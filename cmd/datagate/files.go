package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/datagate/datagate/files"
	"github.com/datagate/datagate/store"
)

const filesUsage = `usage: datagate files check [--db DSN | --data DIR] [--files LOC] [--delete-orphans [--min-age 24h]]

check compares the file store with the database, both ways. Every
attachment and agreement text the database names must be in the store,
with bytes whose SM3 digest is the one recorded: a missing or changed file
is reported with the record that names it, and the command exits 1. A
file no record names (an orphan: its upload lost the race for the
application's quota, say) is listed with its size and age.

  --db DSN          the database (DATAGATE_DB)
  --data DIR        or the dev data directory (DATAGATE_DATA): DIR/datagate.db,
                    and DIR/files unless --files says otherwise
  --files LOC       the file store, a directory or s3://BUCKET?endpoint=HOST:PORT
                    (DATAGATE_FILES; DATAGATE_S3_ACCESS_KEY, DATAGATE_S3_SECRET_KEY)
  --delete-orphans  delete the orphans older than --min-age
  --min-age D       spare orphans stored more recently than this (default 24h),
                    so that an upload on its way to its record is never touched
`

func runFiles(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprint(stderr, filesUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("files check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, filesUsage) }
	dsn := fs.String("db", getenv("DATAGATE_DB"), "database DSN")
	data := fs.String("data", "", "dev data directory")
	loc := fs.String("files", getenv("DATAGATE_FILES"), "file store")
	del := fs.Bool("delete-orphans", false, "delete the orphans older than --min-age")
	minAge := fs.Duration("min-age", 24*time.Hour, "spare younger orphans")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("files check: unexpected argument %q; see datagate files --help", fs.Arg(0))
	}
	if *minAge < time.Hour {
		return fmt.Errorf("files check: --min-age %s is too short: an upload may take 10 minutes to reach its record; give 1h or more", *minAge)
	}
	db, err := auditDSN("files check", *dsn, *data, getenv)
	if err != nil {
		return err
	}
	if *loc == "" {
		dir := firstSet(*data, getenv("DATAGATE_DATA"))
		if dir == "" {
			return errors.New("files check: give --files LOC, the file store")
		}
		*loc = filepath.Join(dir, "files")
	}
	store1, err := files.Open(*loc, getenv)
	if err != nil {
		return fmt.Errorf("files check: %w", err)
	}
	inv, ok := store1.(files.Inventory)
	if !ok {
		return fmt.Errorf("files check: %s cannot be listed", store1.Where())
	}
	lock, err := lockSQLite(db)
	if err != nil {
		return fmt.Errorf("files check: %w", err)
	}
	defer lock.Release()
	st, err := store.Open(db)
	if err != nil {
		return err
	}
	defer st.Close()
	refs, err := st.FileRefs(ctx)
	if err != nil {
		return fmt.Errorf("files check: %w", err)
	}
	stored := map[string]files.Entry{}
	if err := inv.List(ctx, func(e files.Entry) error { stored[e.Digest] = e; return nil }); err != nil {
		return fmt.Errorf("files check: %w", err)
	}
	fmt.Fprintf(stdout, "files check: %d files in %s; the database names %d\n", len(stored), inv.Where(), len(refs))

	var bad int
	for _, digest := range sortedKeys(refs) {
		problem := ""
		if _, ok := stored[digest]; !ok {
			problem = "missing"
		} else if same, err := holds(ctx, inv, digest); err != nil {
			return fmt.Errorf("files check: %w", err)
		} else if !same {
			problem = "changed (its bytes are not those recorded)"
		}
		if problem == "" {
			continue
		}
		bad++
		for _, r := range refs[digest] {
			fmt.Fprintf(stdout, "  %s: application %d, %s, sm3 %s\n", problem, r.ApplicationID, r.What, digest)
		}
	}

	now := time.Now()
	var orphans, young, deleted int
	var orphanBytes int64
	for _, digest := range sortedKeys(stored) {
		if _, named := refs[digest]; named {
			continue
		}
		e := stored[digest]
		orphans++
		orphanBytes += e.Size
		age := now.Sub(e.Modified).Round(time.Minute)
		what := "orphan"
		switch {
		case !*del:
		case age < *minAge:
			young++
			what = "orphan, spared (younger than --min-age)"
		default:
			if err := inv.Delete(ctx, digest); err != nil {
				return fmt.Errorf("files check: %w", err)
			}
			deleted++
			what = "orphan, deleted"
		}
		fmt.Fprintf(stdout, "  %s: sm3 %s, %d bytes, stored %s ago\n", what, digest, e.Size, age)
	}
	fmt.Fprintf(stdout, "%d missing or changed, %d orphans (%d bytes)", bad, orphans, orphanBytes)
	if *del {
		fmt.Fprintf(stdout, ", %d deleted, %d spared", deleted, young)
	}
	fmt.Fprintln(stdout)
	if bad > 0 {
		return fmt.Errorf("files check: %d files the database names are missing or changed", bad)
	}
	return nil
}

// holds reports whether the bytes stored under digest have that SM3
// digest.
func holds(ctx context.Context, inv files.Inventory, digest string) (bool, error) {
	r, err := inv.Open(ctx, digest)
	if errors.Is(err, files.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	defer r.Close()
	h := sm3.New()
	if _, err := io.Copy(h, r); err != nil {
		return false, err
	}
	return hex.EncodeToString(h.Sum(nil)) == digest, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
