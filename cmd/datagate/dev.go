//go:build !nodev

package main

// The embedded Temporal server links go.temporal.io/server: about 100 MB
// of binary and minutes of cold build. A production image builds with
// -tags nodev and leaves it out (see nodev.go).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/datagate/datagate/docsign"
	"github.com/datagate/datagate/embedded"
	"github.com/datagate/datagate/ops"
	"github.com/datagate/datagate/workflows"
)

// startDev starts everything on one data directory: the embedded Temporal
// server, the database (migrated and seeded), the worker and HTTP.
func startDev(ctx context.Context, c config, log *slog.Logger) (*stack, error) {
	c.command = cmdDev
	c.resolveDev()
	if err := os.MkdirAll(c.Data, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", c.Data, err)
	}
	// Held for the process's life: a second dev on the directory would
	// run a second Temporal server on its temporal.db.
	lock, err := ops.LockDir(c.Data)
	if err != nil {
		return nil, err
	}
	s := newStack(log)
	s.dirLock = lock
	if c.SigningKey == nil {
		if c.SigningKey, err = devSigningKey(c.Data); err != nil {
			s.Stop()
			return nil, err
		}
	}
	temporal, err := embedded.Start(embedded.Options{
		DatabaseFile: filepath.Join(c.Data, "temporal.db"), FrontendPort: c.TemporalPort, Namespace: c.Namespace,
		SearchAttributes: workflows.SearchAttributeTypes(), Logger: log,
	})
	if err != nil {
		s.Stop()
		return nil, err
	}
	s.temporal = temporal
	s.temporalHTTP = temporal.HTTPAddress()
	c.TemporalAddress = temporal.Address()
	if err := s.start(ctx, c, true, true); err != nil {
		s.Stop()
		return nil, err
	}
	if c.Demo && c.DemoApplications {
		// Failing leaves what was made; DataGate runs on.
		if err := seedDemoApplications(ctx, s, log); err != nil {
			log.Warn("demo applications not all seeded", "error", err.Error())
		}
	}
	if c.TemporalUIPort != 0 {
		// A tool beside DataGate: without it DataGate still runs.
		ui, err := embedded.StartUI("127.0.0.1", c.TemporalUIPort, temporal.Address(), c.Namespace)
		if err != nil {
			log.Warn("the Temporal Web UI is not served", "error", err.Error())
		} else {
			s.temporalUI, s.temporalUIURL = ui, ui.URL()
		}
	}
	return s, nil
}

func runDev(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	c, err := parseConfig(cmdDev, args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr, c)
	began := time.Now()
	s, err := startDev(ctx, c, log)
	if err != nil {
		return err
	}
	defer s.Stop()
	up := []any{"http", "http://" + s.addr, "temporal", s.temporalAddr, "temporal_http", s.temporalHTTP}
	if s.temporalUIURL != "" {
		up = append(up, "temporal_ui", s.temporalUIURL)
	}
	log.Info("datagate dev is up", append(up, "data", c.Data, "started_in", time.Since(began).Round(time.Millisecond).String())...)
	err = s.wait(ctx)
	log.Info("shutting down", "cause", cause(ctx, err))
	return err
}

// devSigningKey is dev's master key of the signing keys, made once and
// kept in DATA/signing.key (0600): a demo signs its agreements without
// configuration. Production gives DATAGATE_SIGNING_KEY.
func devSigningKey(data string) (*docsign.MasterKey, error) {
	path := filepath.Join(data, "signing.key")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		raw := make([]byte, docsign.MasterKeySize)
		if _, err := rand.Read(raw); err != nil {
			return nil, err
		}
		b = []byte(hex.EncodeToString(raw) + "\n")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("keep the signing key in %s: %w", path, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("read the signing key %s: %w", path, err)
	}
	k, err := docsign.ParseMasterKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}
