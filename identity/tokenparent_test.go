package identity

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A token asked for with a token expires no later than it (issue 15, item
// 7: a 1-day token created a 365-day one); a session's user may ask for
// up to MaxTokenTTL.
func TestTokenCannotOutliveItsCreator(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		u := newUser(t, ts.Store, goodPassword)
		_, parent, err := svc.CreateToken(ctx, u.ID, "one day", 24*time.Hour)
		must(t, err)

		before, err := ts.APITokensOf(ctx, u.ID)
		must(t, err)
		for _, ttl := range []time.Duration{MaxTokenTTL, 24*time.Hour + time.Second} {
			_, _, err := svc.CreateTokenFromToken(ctx, parent, "long", ttl)
			var oe *TokenOutlivesError
			if !errors.Is(err, ErrInvalid) || !errors.As(err, &oe) || !oe.ParentExpiresAt.Equal(parent.ExpiresAt) || oe.MaxTTL != 24*time.Hour {
				t.Errorf("a %v token from a 1-day token: %v, want a TokenOutlivesError naming %v and 24h", ttl, err, parent.ExpiresAt)
			}
		}
		if after, _ := ts.APITokensOf(ctx, u.ID); len(after) != len(before) {
			t.Errorf("refused tokens were stored: %d -> %d", len(before), len(after))
		}

		// Up to the parent's expiry, to the instant.
		_, child, err := svc.CreateTokenFromToken(ctx, parent, "same day", 24*time.Hour)
		must(t, err)
		if child.UserID != u.ID || !child.ExpiresAt.Equal(parent.ExpiresAt) {
			t.Errorf("child token %+v, want user %d expiring at %v", child, u.ID, parent.ExpiresAt)
		}
		// Later, less is left.
		c.Advance(12 * time.Hour)
		_, _, err = svc.CreateTokenFromToken(ctx, parent, "late", 13*time.Hour)
		var oe *TokenOutlivesError
		if !errors.As(err, &oe) || oe.MaxTTL != 12*time.Hour {
			t.Errorf("13h from a token with 12h left: %v", err)
		}
		_, _, err = svc.CreateTokenFromToken(ctx, parent, "late", 12*time.Hour)
		must(t, err)

		// Without a parent (a session), the longest lifetime.
		_, long, err := svc.CreateToken(ctx, u.ID, "session", MaxTokenTTL)
		must(t, err)
		if !long.ExpiresAt.Equal(c.Now().Add(MaxTokenTTL)) {
			t.Errorf("session token expires %v", long.ExpiresAt)
		}
	})
}
