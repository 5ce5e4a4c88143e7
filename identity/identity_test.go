package identity

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// mysqlDSNEnv names a MySQL database to run the tests against as well (see
// package store). These tests do not empty it: their usernames are unique
// per run. They take the lock that the store tests hold while they empty
// tables.
const mysqlDSNEnv = "DATAGATE_TEST_MYSQL_DSN"

const testDBLock = "datagate_test_db"

// mysqlStore is the migrated MySQL store when DATAGATE_TEST_MYSQL_DSN is set.
var mysqlStore *store.Store

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dsn := os.Getenv(mysqlDSNEnv)
	if dsn == "" {
		return m.Run()
	}
	ctx := context.Background()
	s, err := store.Open(dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	release, err := s.AdvisoryLock(ctx, testDBLock, 20*time.Minute)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer release()
	if err := s.Migrate(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := s.MigrateIdentity(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mysqlStore = s
	return m.Run()
}

// testStore is one database under test, with what a test needs to read its
// rows raw.
type testStore struct {
	*store.Store
	driver, dsn string // for database/sql
	dir         string // SQLite: the directory of the database files
}

// openTestStores returns a migrated SQLite store in a fresh file, and the
// MySQL store when DATAGATE_TEST_MYSQL_DSN is set.
func openTestStores(t *testing.T) []testStore {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "datagate.db")
	s, err := store.Open("sqlite://" + path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	must(t, s.Migrate(ctx))
	must(t, s.MigrateIdentity(ctx))
	out := []testStore{{Store: s, driver: "sqlite", dsn: "file:" + path, dir: dir}}
	if mysqlStore != nil {
		// The mysql driver is registered by gorm.io/driver/mysql, which
		// package store links in.
		out = append(out, testStore{Store: mysqlStore, driver: "mysql",
			dsn: strings.TrimPrefix(os.Getenv(mysqlDSNEnv), "mysql://")})
	}
	return out
}

// clock is a settable clock for Service.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// forEachService runs fn as a subtest against a Service on every test
// store, with a clock at start.
func forEachService(t *testing.T, fn func(t *testing.T, svc *Service, c *clock, ts testStore)) {
	for _, ts := range openTestStores(t) {
		t.Run(ts.Dialect(), func(t *testing.T) {
			c := &clock{t: start}
			fn(t, &Service{Store: ts.Store, Now: c.Now}, c, ts)
		})
	}
}

var userSeq atomic.Int64

// newUser creates a user with a unique name (the MySQL database is shared
// by runs) and the given password.
func newUser(t *testing.T, s *store.Store, password string) store.User {
	t.Helper()
	hash, err := HashPassword(password)
	must(t, err)
	suffix, _ := NewSecret("")
	u := store.User{
		Username:    fmt.Sprintf("u%d-%s", userSeq.Add(1), suffix[:10]),
		DisplayName: "测试用户", OrgCode: "bdc", Role: domain.RoleApplicant, PasswordHash: hash,
	}
	must(t, s.CreateUser(context.Background(), &u))
	return u
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want one wrapping %v", err, target)
	}
}

const goodPassword = "correct horse battery"

func TestLogin(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		u := newUser(t, ts.Store, goodPassword)

		got, sess, err := svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
		if got.ID != u.ID || got.Username != u.Username {
			t.Errorf("Login user = %+v, want %+v", got, u)
		}
		if !wellFormed(sess.Cookie, "") || !wellFormed(sess.CSRFToken, "") || sess.Cookie == sess.CSRFToken {
			t.Errorf("Login session = cookie %q, CSRF %q", sess.Cookie, sess.CSRFToken)
		}
		if want := start.Add(DefaultSessionTTL); !sess.ExpiresAt.Equal(want) {
			t.Errorf("session expires %v, want %v", sess.ExpiresAt, want)
		}
		su, se, err := svc.SessionUser(ctx, sess.Cookie)
		must(t, err)
		if su.ID != u.ID || se.CSRFToken != sess.CSRFToken || se.IDHash != HashSecret(sess.Cookie) {
			t.Errorf("SessionUser = %+v, %+v", su, se)
		}

		// A second sign-in is a second session; both work.
		_, sess2, err := svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
		if sess2.Cookie == sess.Cookie {
			t.Fatal("two sign-ins got the same cookie")
		}
		for _, ck := range []string{sess.Cookie, sess2.Cookie} {
			if _, _, err := svc.SessionUser(ctx, ck); err != nil {
				t.Errorf("SessionUser after a second sign-in: %v", err)
			}
		}

		// Wrong password and unknown user: one error, which gives nothing away.
		_, bad, err := svc.Login(ctx, u.Username, goodPassword+"!")
		wantErr(t, err, ErrBadCredentials)
		if bad != (Session{}) {
			t.Errorf("a failed sign-in returned a session: %v", bad)
		}
		_, _, err2 := svc.Login(ctx, "nobody-"+u.Username, goodPassword)
		wantErr(t, err2, ErrBadCredentials)
		if err.Error() != err2.Error() {
			t.Errorf("wrong password says %q, unknown user %q", err, err2)
		}
		for _, e := range []error{err, err2} {
			if strings.Contains(e.Error(), goodPassword) {
				t.Errorf("error %q carries the password", e)
			}
		}
		if _, _, err := svc.Login(ctx, u.Username, ""); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("empty password: %v", err)
		}
		// Usernames are exact.
		if _, _, err := svc.Login(ctx, strings.ToUpper(u.Username), goodPassword); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("upper-cased username: %v", err)
		}
	})
}

// An unknown user costs a password hash, as a known one does: timing does
// not tell which usernames exist. The work is measured as memory, which
// argon2id spends deterministically (19 MiB a check), not as time, which a
// loaded machine makes noisy.
func TestLoginUnknownUserTakesHashTime(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		u := newUser(t, ts.Store, goodPassword)
		allocated := func(f func()) uint64 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			f()
			runtime.ReadMemStats(&after)
			return after.TotalAlloc - before.TotalAlloc
		}
		check := allocated(func() { CheckPassword(u.PasswordHash, "wrong password") })
		unknown := allocated(func() { _, _, _ = svc.Login(ctx, "nobody-"+u.Username, "wrong password") })
		if unknown < check/2 {
			t.Errorf("sign-in of an unknown user did %d bytes of work, a password check %d: the dummy check is missing", unknown, check)
		}
		// An unparseable stored hash costs a check too.
		if d := allocated(func() { CheckPassword("", "x") }); d < check/2 {
			t.Errorf("checking against an empty hash did %d bytes of work, a real check %d", d, check)
		}
	})
}

func TestLockout(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		u := newUser(t, ts.Store, goodPassword)
		for i := 1; i < DefaultLockAfter; i++ {
			_, _, err := svc.Login(ctx, u.Username, "wrong password")
			wantErr(t, err, ErrBadCredentials)
			c.Advance(time.Second)
		}
		// The fifth failure locks, and says until when.
		lockedAt := c.Now()
		_, _, err := svc.Login(ctx, u.Username, "wrong password")
		wantErr(t, err, ErrLocked)
		var le *LockedError
		if !errors.As(err, &le) || !le.Until.Equal(lockedAt.Add(DefaultLockFor)) {
			t.Fatalf("lock error %v, want one until %v", err, lockedAt.Add(DefaultLockFor))
		}
		if want := lockedAt.Add(DefaultLockFor).Format(time.RFC3339); !strings.Contains(err.Error(), want) {
			t.Errorf("lock error %q does not say %s", err, want)
		}

		// Locked: even the right password is refused, up to the last second.
		_, _, err = svc.Login(ctx, u.Username, goodPassword)
		wantErr(t, err, ErrLocked)
		c.Advance(DefaultLockFor - time.Second)
		_, _, err = svc.Login(ctx, u.Username, goodPassword)
		wantErr(t, err, ErrLocked)

		// Unlocked after LockFor; the right password clears the record.
		c.Advance(time.Second)
		got, _, err := svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
		if got.FailedLogins != 0 || got.LockedUntil != nil {
			t.Errorf("user after sign-in = %+v", got)
		}
		row, err := ts.UserByID(ctx, u.ID)
		must(t, err)
		if row.FailedLogins != 0 || row.LockedUntil != nil {
			t.Errorf("stored user after sign-in: %d failures, locked until %v", row.FailedLogins, row.LockedUntil)
		}

		// A success restarts the count: 4 failures, 1 success, 4 failures
		// do not lock.
		for round := 0; round < 2; round++ {
			for i := 1; i < DefaultLockAfter; i++ {
				_, _, err := svc.Login(ctx, u.Username, "wrong password")
				wantErr(t, err, ErrBadCredentials)
			}
			if round == 0 {
				_, _, err := svc.Login(ctx, u.Username, goodPassword)
				must(t, err)
			}
		}
		_, _, err = svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
	})
}

func TestLockoutSettings(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		svc.LockAfter, svc.LockFor = 2, time.Hour
		u := newUser(t, ts.Store, goodPassword)
		_, _, err := svc.Login(ctx, u.Username, "x")
		wantErr(t, err, ErrBadCredentials)
		_, _, err = svc.Login(ctx, u.Username, "x")
		wantErr(t, err, ErrLocked)
		c.Advance(59 * time.Minute)
		_, _, err = svc.Login(ctx, u.Username, goodPassword)
		wantErr(t, err, ErrLocked)
		must(t, svc.UnlockUser(ctx, u.ID))
		_, _, err = svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
	})
}

func TestDisabledUser(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		u := newUser(t, ts.Store, goodPassword)
		bystander := newUser(t, ts.Store, goodPassword)
		_, sess, err := svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
		_, other, err := svc.Login(ctx, bystander.Username, goodPassword)
		must(t, err)
		token, _, err := svc.CreateToken(ctx, u.ID, "export", 24*time.Hour)
		must(t, err)
		if _, _, err := svc.TokenUser(ctx, token); err != nil {
			t.Fatalf("token before disabling: %v", err)
		}

		must(t, svc.DisableUser(ctx, u.ID))
		_, _, err = svc.SessionUser(ctx, sess.Cookie)
		wantErr(t, err, ErrUnauthenticated)
		_, _, err = svc.TokenUser(ctx, token)
		wantErr(t, err, ErrUnauthenticated)
		if _, _, err := svc.SessionUser(ctx, other.Cookie); err != nil {
			t.Errorf("another user's session after disabling: %v", err)
		}

		// The right password is told the account is disabled; a wrong one
		// learns nothing.
		_, _, err = svc.Login(ctx, u.Username, goodPassword)
		wantErr(t, err, ErrDisabled)
		_, _, err = svc.Login(ctx, u.Username, "wrong password")
		wantErr(t, err, ErrBadCredentials)
		_, _, err = svc.CreateToken(ctx, u.ID, "another", 24*time.Hour)
		wantErr(t, err, ErrDisabled)

		// Re-enabled: the token works again, the old session does not
		// come back.
		must(t, svc.EnableUser(ctx, u.ID))
		if _, _, err := svc.TokenUser(ctx, token); err != nil {
			t.Errorf("token after re-enabling: %v", err)
		}
		_, _, err = svc.SessionUser(ctx, sess.Cookie)
		wantErr(t, err, ErrUnauthenticated)
		_, _, err = svc.Login(ctx, u.Username, goodPassword)
		must(t, err)

		wantErr(t, svc.DisableUser(ctx, 999999999), store.ErrNotFound)
	})
}

// A session disabled in the database by other means (not DisableUser) is
// refused too: SessionUser checks the user on every request.
func TestSessionOfUserDisabledElsewhere(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		u := newUser(t, ts.Store, goodPassword)
		_, sess, err := svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
		must(t, ts.SetDisabled(ctx, u.ID, true))
		_, _, err = svc.SessionUser(ctx, sess.Cookie)
		wantErr(t, err, ErrUnauthenticated)
	})
}

func TestSessionExpiryAndTouch(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		u := newUser(t, ts.Store, goodPassword)
		_, sess, err := svc.Login(ctx, u.Username, goodPassword)
		must(t, err)

		// Within a minute, no touch; after one, LastSeenAt moves.
		c.Advance(59 * time.Second)
		_, se, err := svc.SessionUser(ctx, sess.Cookie)
		must(t, err)
		if !se.LastSeenAt.Equal(start) {
			t.Errorf("LastSeenAt after 59 s = %v, want %v (no write)", se.LastSeenAt, start)
		}
		c.Advance(time.Second)
		_, se, err = svc.SessionUser(ctx, sess.Cookie)
		must(t, err)
		if want := start.Add(time.Minute); !se.LastSeenAt.Equal(want) {
			t.Errorf("LastSeenAt after 60 s = %v, want %v", se.LastSeenAt, want)
		}
		stored, err := ts.SessionByHash(ctx, HashSecret(sess.Cookie))
		must(t, err)
		if !stored.LastSeenAt.Equal(start.Add(time.Minute)) {
			t.Errorf("stored LastSeenAt = %v", stored.LastSeenAt)
		}
		if !se.ExpiresAt.Equal(sess.ExpiresAt) {
			t.Errorf("a touch moved the expiry from %v to %v", sess.ExpiresAt, se.ExpiresAt)
		}

		// Valid until the last instant before ExpiresAt.
		c.Advance(sess.ExpiresAt.Sub(c.Now()) - time.Nanosecond)
		if _, _, err := svc.SessionUser(ctx, sess.Cookie); err != nil {
			t.Fatalf("session a moment before expiry: %v", err)
		}
		c.Advance(time.Nanosecond)
		_, _, err = svc.SessionUser(ctx, sess.Cookie)
		wantErr(t, err, ErrUnauthenticated)
		if !strings.Contains(err.Error(), "expired") {
			t.Errorf("expiry error %q does not say so", err)
		}

		n, err := svc.PurgeExpiredSessions(ctx)
		must(t, err)
		if n < 1 {
			t.Errorf("PurgeExpiredSessions deleted %d", n)
		}
		_, err = ts.SessionByHash(ctx, HashSecret(sess.Cookie))
		wantErr(t, err, store.ErrNotFound)
	})
}

func TestSessionTTLSetting(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		svc.SessionTTL = 30 * time.Minute
		u := newUser(t, ts.Store, goodPassword)
		_, sess, err := svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
		if want := start.Add(30 * time.Minute); !sess.ExpiresAt.Equal(want) {
			t.Errorf("ExpiresAt = %v, want %v", sess.ExpiresAt, want)
		}
		c.Advance(30 * time.Minute)
		_, _, err = svc.SessionUser(ctx, sess.Cookie)
		wantErr(t, err, ErrUnauthenticated)
	})
}

func TestLogoutAndBadCookies(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		u := newUser(t, ts.Store, goodPassword)
		_, sess, err := svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
		token, _, err := svc.CreateToken(ctx, u.ID, "t", time.Hour)
		must(t, err)
		unknown, _ := NewSecret("")
		for _, ck := range []string{"", "x", unknown, sess.CSRFToken, token, sess.Cookie + "=", " " + sess.Cookie,
			HashSecret(sess.Cookie), strings.ToUpper(sess.Cookie)} {
			_, _, err := svc.SessionUser(ctx, ck)
			wantErr(t, err, ErrUnauthenticated)
		}
		must(t, svc.Logout(ctx, sess.Cookie))
		_, _, err = svc.SessionUser(ctx, sess.Cookie)
		wantErr(t, err, ErrUnauthenticated)
		must(t, svc.Logout(ctx, sess.Cookie)) // twice
		must(t, svc.Logout(ctx, "garbage"))
	})
}

func TestTokens(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		u := newUser(t, ts.Store, goodPassword)
		other := newUser(t, ts.Store, goodPassword)

		for _, tc := range []struct {
			name string
			ttl  time.Duration
			want string
		}{
			{"", time.Hour, "empty"},
			{"   ", time.Hour, "empty"},
			{strings.Repeat("名", 101), time.Hour, "at most 100"},
			{"tab\there", time.Hour, "control character"},
			{"ok", time.Hour - time.Second, "between 1 hour and 365 days"},
			{"ok", 0, "between 1 hour and 365 days"},
			{"ok", -time.Hour, "between 1 hour and 365 days"},
			{"ok", MaxTokenTTL + time.Second, "between 1 hour and 365 days"},
		} {
			_, _, err := svc.CreateToken(ctx, u.ID, tc.name, tc.ttl)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CreateToken(%q, %v) = %v, want ErrInvalid saying %q", tc.name, tc.ttl, err, tc.want)
			}
		}
		_, _, err := svc.CreateToken(ctx, 999999999, "ok", time.Hour)
		wantErr(t, err, store.ErrNotFound)
		if list, _ := ts.APITokensOf(ctx, u.ID); len(list) != 0 {
			t.Fatalf("bad input created tokens: %+v", list)
		}

		plain, tok, err := svc.CreateToken(ctx, u.ID, " nightly export ", 30*24*time.Hour)
		must(t, err)
		if !strings.HasPrefix(plain, TokenPrefix) || !wellFormed(plain, TokenPrefix) {
			t.Errorf("token %q is not dg_ and 43 base64url characters", plain)
		}
		if tok.Name != "nightly export" || tok.UserID != u.ID || tok.Hash != HashSecret(plain) ||
			tok.Prefix != plain[:tokenDisplayLen] || len(tok.Prefix) > 12 ||
			!tok.CreatedAt.Equal(start) || !tok.ExpiresAt.Equal(start.Add(30*24*time.Hour)) {
			t.Errorf("token row = %+v", tok)
		}
		for _, ttl := range []time.Duration{MinTokenTTL, MaxTokenTTL} {
			if _, _, err := svc.CreateToken(ctx, u.ID, "bounds", ttl); err != nil {
				t.Errorf("CreateToken with ttl %v: %v", ttl, err)
			}
		}

		got, gt, err := svc.TokenUser(ctx, plain)
		must(t, err)
		if got.ID != u.ID || gt.ID != tok.ID || gt.LastUsedAt == nil || !gt.LastUsedAt.Equal(start) {
			t.Errorf("TokenUser = %+v, %+v", got, gt)
		}
		// Used again within a minute: no write; after: one.
		c.Advance(30 * time.Second)
		_, gt, _ = svc.TokenUser(ctx, plain)
		if !gt.LastUsedAt.Equal(start) {
			t.Errorf("LastUsedAt after 30 s = %v, want %v", gt.LastUsedAt, start)
		}
		c.Advance(30 * time.Second)
		_, gt, _ = svc.TokenUser(ctx, plain)
		if stored, _ := ts.APITokenByHash(ctx, tok.Hash); stored.LastUsedAt == nil || !stored.LastUsedAt.Equal(start.Add(time.Minute)) {
			t.Errorf("stored LastUsedAt = %v, want %v", stored.LastUsedAt, start.Add(time.Minute))
		}

		// Unknown and malformed bearers; a session cookie is not a token.
		_, sess, err := svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
		unknown, _ := NewSecret(TokenPrefix)
		for _, b := range []string{"", "dg_", unknown, sess.Cookie, "Bearer " + plain, plain[len(TokenPrefix):],
			plain + "x", tok.Hash, tok.Prefix, strings.Replace(plain, "dg_", "DG_", 1)} {
			_, _, err := svc.TokenUser(ctx, b)
			wantErr(t, err, ErrUnauthenticated)
		}

		// Only the owner revokes.
		wantErr(t, svc.RevokeToken(ctx, other.ID, tok.ID), store.ErrNotFound)
		if _, _, err := svc.TokenUser(ctx, plain); err != nil {
			t.Fatalf("token after another user's revocation attempt: %v", err)
		}
		must(t, svc.RevokeToken(ctx, u.ID, tok.ID))
		_, _, err = svc.TokenUser(ctx, plain)
		wantErr(t, err, ErrUnauthenticated)
		if !strings.Contains(err.Error(), "revoked") || strings.Contains(err.Error(), plain) {
			t.Errorf("revocation error %q", err)
		}
		wantErr(t, svc.RevokeToken(ctx, u.ID, 999999999), store.ErrNotFound)

		// Expiry.
		short, _, err := svc.CreateToken(ctx, u.ID, "short", time.Hour)
		must(t, err)
		c.Advance(time.Hour - time.Nanosecond)
		if _, _, err := svc.TokenUser(ctx, short); err != nil {
			t.Fatalf("token a moment before expiry: %v", err)
		}
		c.Advance(time.Nanosecond)
		_, _, err = svc.TokenUser(ctx, short)
		wantErr(t, err, ErrUnauthenticated)
		if !strings.Contains(err.Error(), "expired") {
			t.Errorf("expiry error %q does not say so", err)
		}
	})
}

func TestSetPassword(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		u := newUser(t, ts.Store, goodPassword)
		_, sess, err := svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
		wantErr(t, svc.SetPassword(ctx, u.ID, "123456789012"), ErrInvalid)
		wantErr(t, svc.SetPassword(ctx, u.ID, "password1234"), ErrInvalid)
		wantErr(t, svc.SetPassword(ctx, u.ID, u.Username+" is me"), ErrInvalid)
		if _, _, err := svc.SessionUser(ctx, sess.Cookie); err != nil {
			t.Fatalf("a refused password change ended the session: %v", err)
		}
		must(t, svc.SetPassword(ctx, u.ID, "a new pass phrase"))
		_, _, err = svc.SessionUser(ctx, sess.Cookie)
		wantErr(t, err, ErrUnauthenticated)
		_, _, err = svc.Login(ctx, u.Username, goodPassword)
		wantErr(t, err, ErrBadCredentials)
		_, _, err = svc.Login(ctx, u.Username, "a new pass phrase")
		must(t, err)
		wantErr(t, svc.SetPassword(ctx, 999999999, "a new pass phrase"), store.ErrNotFound)
	})
}

// Neither the password, nor a session cookie, nor an API token is stored:
// every column of every row is read raw and searched for them.
func TestNothingSecretInPlainText(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		const password = "Plain-Text-Canary-42"
		u := newUser(t, ts.Store, password)
		_, sess, err := svc.Login(ctx, u.Username, password)
		must(t, err)
		plain, tok, err := svc.CreateToken(ctx, u.ID, "canary", time.Hour)
		must(t, err)
		_, _, err = svc.TokenUser(ctx, plain)
		must(t, err)
		_, _, err = svc.Login(ctx, u.Username, "wrong "+password) // a failure is recorded
		wantErr(t, err, ErrBadCredentials)

		secrets := map[string]string{
			"password":       password,
			"cookie":         sess.Cookie,
			"token":          plain,
			"token sans dg_": strings.TrimPrefix(plain, TokenPrefix),
		}
		db, err := sql.Open(ts.driver, ts.dsn)
		must(t, err)
		defer db.Close()

		sawHash := map[string]bool{}
		for _, q := range []struct{ table, where string }{
			{"users", "id = ?"}, {"sessions", "user_id = ?"}, {"api_tokens", "user_id = ?"},
		} {
			rows, err := db.QueryContext(ctx, "SELECT * FROM "+q.table+" WHERE "+q.where, u.ID)
			must(t, err)
			cols, err := rows.Columns()
			must(t, err)
			n := 0
			for rows.Next() {
				n++
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				must(t, rows.Scan(ptrs...))
				for i, v := range vals {
					var s string
					switch v := v.(type) {
					case []byte:
						s = string(v)
					case nil:
					default:
						s = fmt.Sprint(v)
					}
					for what, secret := range secrets {
						if strings.Contains(s, secret) {
							t.Errorf("%s.%s holds the %s in plain text: %q", q.table, cols[i], what, s)
						}
					}
					switch {
					case q.table == "users" && cols[i] == "password_hash":
						if !strings.HasPrefix(s, "$argon2id$v=19$m=19456,t=2,p=1$") || !CheckPassword(s, password) {
							t.Errorf("users.password_hash = %q: not an argon2id hash of the password", s)
						}
						sawHash["password"] = true
					case q.table == "sessions" && cols[i] == "id_hash":
						sawHash["cookie"] = s == HashSecret(sess.Cookie)
					case q.table == "api_tokens" && cols[i] == "hash":
						sawHash["token"] = s == HashSecret(plain) && s == tok.Hash
					}
				}
			}
			must(t, rows.Err())
			rows.Close()
			if n == 0 {
				t.Errorf("no %s rows of the user: the search proves nothing", q.table)
			}
		}
		for _, what := range []string{"password", "cookie", "token"} {
			if !sawHash[what] {
				t.Errorf("the %s's hash was not found where expected", what)
			}
		}

		// SQLite: not in the database files either (WAL included), in any
		// encoding a careless write might have used.
		if ts.dir == "" {
			return
		}
		files, err := filepath.Glob(filepath.Join(ts.dir, "*"))
		must(t, err)
		for _, f := range files {
			b, err := os.ReadFile(f)
			must(t, err)
			for what, secret := range secrets {
				if bytes.Contains(b, []byte(secret)) {
					t.Errorf("%s holds the %s", filepath.Base(f), what)
				}
			}
		}
		if len(files) == 0 {
			t.Error("no database files found")
		}
	})
}

func TestDemoUserHashes(t *testing.T) {
	users := []store.User{{Username: "applicant"}, {Username: "admin", PasswordHash: "old"}, {Username: "operator"}}
	t0 := time.Now()
	got, err := DemoUserHashes(users)
	elapsed := time.Since(t0)
	must(t, err)
	if len(got) != len(users) || users[0].PasswordHash != "" || users[1].PasswordHash != "old" {
		t.Fatalf("DemoUserHashes changed its input or lost users: %+v", users)
	}
	for i, u := range got {
		if u.Username != users[i].Username || u.PasswordHash != got[0].PasswordHash {
			t.Errorf("user %d = %+v, want %s with the shared hash", i, u, users[i].Username)
		}
	}
	if !CheckPassword(got[0].PasswordHash, DemoPassword) {
		t.Error("the demo hash does not verify DemoPassword")
	}
	// The demo users sign in with it, but nobody may choose it.
	if err := CheckPasswordPolicy("someone", DemoPassword); !errors.Is(err, ErrInvalid) {
		t.Errorf("CheckPasswordPolicy(DemoPassword) = %v, want it refused", err)
	}
	// One hash, not one per user: salts are random, so equal hashes were
	// computed once.
	t.Logf("DemoUserHashes of %d users: %v", len(users), elapsed)

	// The demo users all sign in with DemoPassword.
	for _, ts := range openTestStores(t) {
		t.Run(ts.Dialect(), func(t *testing.T) {
			ctx := context.Background()
			svc := &Service{Store: ts.Store}
			suffix, _ := NewSecret("")
			demo := []store.User{
				{Username: "demo-a-" + suffix[:8], OrgCode: "bdc", Role: domain.RoleApplicant},
				{Username: "demo-b-" + suffix[:8], OrgCode: "bdc", Role: domain.RoleAdmin},
			}
			hashed, err := DemoUserHashes(demo)
			must(t, err)
			for i := range hashed {
				must(t, ts.CreateUser(ctx, &hashed[i]))
				if _, _, err := svc.Login(ctx, hashed[i].Username, DemoPassword); err != nil {
					t.Errorf("demo user %s: %v", hashed[i].Username, err)
				}
			}
		})
	}
}

func TestSessionDoesNotPrintItsCookie(t *testing.T) {
	cookie, _ := NewSecret("")
	s := Session{Cookie: cookie, CSRFToken: "csrf", ExpiresAt: start}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("signed in", "session", s)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("signed in", "session", s)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s), fmt.Sprint(&s), buf.String()} {
		if strings.Contains(out, cookie) {
			t.Errorf("printed session shows the cookie: %s", out)
		}
	}
}

// Concurrent sign-ins of one user are all answered, within the hash
// concurrency bound.
func TestConcurrentLogins(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		svc.HashConcurrency = 2
		u := newUser(t, ts.Store, goodPassword)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := svc.Login(ctx, u.Username, goodPassword)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		// A cancelled context waits for no slot.
		svc2 := &Service{Store: ts.Store, HashConcurrency: 1}
		release, err := svc2.hashSlot(ctx)
		must(t, err)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, _, err = svc2.Login(cctx, u.Username, goodPassword)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("sign-in with a cancelled context while the slot is taken: %v", err)
		}
		release()
	})
}
