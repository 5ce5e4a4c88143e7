package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// A seed is claimed once per database: the second claim, by a restart or
// by another process, is told it was done.
func TestClaimSeedOnce(t *testing.T) {
	for _, s := range openTestStores(t) {
		t.Run(s.Dialect(), func(t *testing.T) {
			ctx := context.Background()
			// The MySQL test database keeps its rows between runs.
			name := fmt.Sprintf("demo-test-%d", time.Now().UnixNano())
			first, err := s.ClaimSeed(ctx, name, time.Now())
			if err != nil || !first {
				t.Fatalf("first claim: %v, %v", first, err)
			}
			again, err := s.ClaimSeed(ctx, name, time.Now())
			if err != nil || again {
				t.Fatalf("second claim: %v, %v; want false", again, err)
			}
		})
	}
}
