package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/datagate/datagate/demo"
	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/store"
)

// demoSeed names the demo applications' marker (store.ClaimSeed).
const demoSeed = "demo-applications"

// seedDemoApplications makes the demo applications (package demo) through
// the running stack's API, once per database: on a first start, when the
// database holds no application. The marker is claimed first, so that a
// restart, even after a seeding cut short, seeds nothing twice.
func seedDemoApplications(ctx context.Context, s *stack, log *slog.Logger) error {
	used, err := s.store.HasApplications(ctx)
	if err != nil {
		return err
	}
	claimed, err := s.store.ClaimSeed(ctx, demoSeed, time.Now())
	if err != nil || !claimed || used {
		return err
	}
	began := time.Now()
	tokens := &demoTokens{store: s.store, ids: map[string]demoToken{}}
	defer tokens.revoke(context.WithoutCancel(ctx))
	res, err := (&demo.Seeder{Base: "http://" + loopback(s.addr), Tokens: tokens}).Run(ctx)
	if err != nil {
		return fmt.Errorf("demo applications: %d made, then: %w", len(res.Applications), err)
	}
	log.Info("demo applications seeded through the workflows", "applications", len(res.Applications),
		"took", time.Since(began).Round(time.Millisecond).String())
	return nil
}

// loopback is addr with an unspecified host (0.0.0.0, ::) made 127.0.0.1.
func loopback(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// demoTokens mints a short-lived API token per demo user, revoked when the
// seeding ends.
type demoTokens struct {
	store *store.Store
	mu    sync.Mutex
	ids   map[string]demoToken
}

type demoToken struct {
	plain  string
	userID uint
	id     uint
}

func (t *demoTokens) Token(ctx context.Context, username string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tok, ok := t.ids[username]; ok {
		return tok.plain, nil
	}
	u, err := t.store.UserByName(ctx, username)
	if err != nil {
		return "", err
	}
	plain, rec, err := (&identity.Service{Store: t.store}).CreateToken(ctx, u.ID, "演示数据初始化", time.Hour)
	if err != nil {
		return "", err
	}
	t.ids[username] = demoToken{plain: plain, userID: u.ID, id: rec.ID}
	return plain, nil
}

func (t *demoTokens) revoke(ctx context.Context) {
	t.mu.Lock()
	defer t.mu.Unlock()
	svc := &identity.Service{Store: t.store}
	for _, tok := range t.ids {
		_ = svc.RevokeToken(ctx, tok.userID, tok.id)
	}
}
