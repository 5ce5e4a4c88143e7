package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/datagate/datagate/ops"
	"github.com/datagate/datagate/store"
)

// ensureSearchAttributes registers the custom search attributes missing
// from the namespace (through the operator service, as
// `temporal operator search-attribute create` does) and waits until the
// namespace lists them. A namespace where one exists with another type, or
// where this client may not add them, stops start-up with the command an
// operator can run instead.
func ensureSearchAttributes(ctx context.Context, c client.Client, namespace string, want map[string]enumspb.IndexedValueType) error {
	op := c.OperatorService()
	missing := func() (map[string]enumspb.IndexedValueType, error) {
		have, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
		if err != nil {
			return nil, fmt.Errorf("list the search attributes of namespace %s: %w", namespace, err)
		}
		out := map[string]enumspb.IndexedValueType{}
		for name, typ := range want {
			got, ok := have.GetCustomAttributes()[name]
			if !ok {
				out[name] = typ
			} else if got != typ {
				return nil, fmt.Errorf("search attribute %s is a %s in namespace %s; DataGate needs a %s: remove it (temporal operator search-attribute remove --namespace %s --name %s) and start again",
					name, got, namespace, typ, namespace, name)
			}
		}
		return out, nil
	}
	need, err := missing()
	if err != nil || len(need) == 0 {
		return err
	}
	_, err = op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: need})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("register search attributes in namespace %s: %w; an operator can register them: %s", namespace, err, createCommands(namespace, need))
	}
	// The frontend and history services read the namespace's attributes
	// from a cache refreshed every few seconds: wait until a query that
	// names them all is accepted, so that the first upsert is too.
	var clauses []string
	for name, typ := range want {
		v := `"x"`
		switch typ {
		case enumspb.INDEXED_VALUE_TYPE_INT:
			v = "0"
		case enumspb.INDEXED_VALUE_TYPE_BOOL:
			v = "true"
		}
		clauses = append(clauses, name+" = "+v)
	}
	sort.Strings(clauses)
	query := strings.Join(clauses, " AND ")
	for deadline := time.Now().Add(30 * time.Second); ; {
		_, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: query})
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("search attributes %s registered in namespace %s but not usable after 30 s: %w", names(need), namespace, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func names(m map[string]enumspb.IndexedValueType) string {
	var out []string
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// createCommands are the temporal CLI commands that register attrs.
func createCommands(namespace string, attrs map[string]enumspb.IndexedValueType) string {
	typeName := map[enumspb.IndexedValueType]string{
		enumspb.INDEXED_VALUE_TYPE_INT: "Int", enumspb.INDEXED_VALUE_TYPE_KEYWORD: "Keyword",
		enumspb.INDEXED_VALUE_TYPE_BOOL: "Bool", enumspb.INDEXED_VALUE_TYPE_TEXT: "Text",
		enumspb.INDEXED_VALUE_TYPE_DATETIME: "Datetime", enumspb.INDEXED_VALUE_TYPE_DOUBLE: "Double",
		enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST: "KeywordList",
	}
	var out []string
	for _, n := range strings.Split(names(attrs), ", ") {
		out = append(out, fmt.Sprintf("temporal operator search-attribute create --namespace %s --name %s --type %s", namespace, n, typeName[attrs[n]]))
	}
	return strings.Join(out, "; ")
}

// runMigrate is `datagate migrate [status]`: applies the pending schema
// migrations, or lists where the database stands.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	status := len(args) > 0 && args[0] == "status"
	if status {
		args = args[1:]
	}
	c, err := parseConfig(cmdMigrate, args, getenv, stderr)
	if err != nil {
		return err
	}
	// Not beside a dev on the directory, nor beside another migrate.
	lock, err := lockSQLite(c.DB)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer lock.Release()
	st, err := store.Open(c.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	if !status {
		began := time.Now()
		applied, err := st.MigrateUp(ctx)
		for _, m := range applied {
			fmt.Fprintf(stdout, "applied %s (%d ms)\n", m.File, m.Duration.Milliseconds())
		}
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(stdout, "nothing to apply")
		}
		defer func() { fmt.Fprintf(stdout, "done in %d ms\n", time.Since(began).Milliseconds()) }()
	}
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database %s: schema version %d of %d\n", store.RedactDSN(c.DB), v.Current, v.Latest)
	for _, p := range v.Pending {
		fmt.Fprintf(stdout, "pending %s\n", p)
	}
	return nil
}

// runHealth is `datagate health [--live] [--url URL]`, the container
// health check (the image has no curl): GET /readyz (or /healthz) on this
// process's own HTTP address; exit 0 on 200.
func runHealth(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	addr := envOr(getenv, "DATAGATE_HTTP", "127.0.0.1:8080")
	path := "/readyz"
	var url string
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "--live":
			path = "/healthz"
		case args[i] == "--url" && i+1 < len(args):
			i++
			url = args[i]
		default:
			fmt.Fprint(stderr, "usage: datagate health [--live] [--url http://host:port/readyz]\n")
			return errUsage
		}
	}
	if url == "" {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return fmt.Errorf("DATAGATE_HTTP %q: use host:port", addr)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		url = "http://" + net.JoinHostPort(host, port) + path
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	fmt.Fprint(stdout, string(body))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s answered %s", url, resp.Status)
	}
	return nil
}

// lockSQLite holds the directory of a SQLite database (a dev data
// directory, for its datagate.db), as `datagate dev` does for its life,
// so that a command does not run beside a dev on the same files. A MySQL
// database, or SQLite in memory, holds nothing (a nil lock).
func lockSQLite(dsn string) (*ops.DirLock, error) {
	path, ok := strings.CutPrefix(dsn, "sqlite://")
	path, _, _ = strings.Cut(path, "?")
	if !ok || path == "" || strings.HasPrefix(path, ":memory:") {
		return nil, nil
	}
	return ops.LockDir(filepath.Dir(path))
}
