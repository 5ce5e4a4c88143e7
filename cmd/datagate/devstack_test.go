package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/datagate/datagate/identity"
)

// startTestDev runs what `datagate dev` runs, on a fresh data directory and
// free ports, with the settings getenv gives; it stops when the test ends.
// opts adjust the parsed configuration, e.g. to add worker interceptors.
func startTestDev(t *testing.T, getenv func(string) string, opts ...func(*config)) (*stack, config) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	cfg, err := parseConfig("dev", []string{"--demo-applications=false", "--data", t.TempDir(), "--http", "127.0.0.1:0",
		"--temporal-port", fmt.Sprint(freePort(t)), "--temporal-ui-port", "off"}, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := startDev(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	return s, cfg
}

// bearerToken is an hour's API token of the demo user username.
func bearerToken(t *testing.T, s *stack, username string) string {
	t.Helper()
	ctx := context.Background()
	u, err := s.store.UserByName(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := (&identity.Service{Store: s.store}).CreateToken(ctx, u.ID, t.Name(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return token
}
