package store

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"github.com/datagate/datagate/domain"
)

// testDBLock is the advisory lock that test binaries take before using the
// database named by DATAGATE_TEST_MYSQL_DSN. `go test ./...` runs packages
// in parallel, and these tests empty tables that the identity package's
// tests fill: each binary holds the lock for its whole run, so they take
// turns. (Package identity takes it in its TestMain.)
const testDBLock = "datagate_test_db"

// init takes the test database lock for the life of this test binary; the
// server releases it when the process ends and its connection closes. An
// init rather than a TestMain, so that this file does not claim TestMain
// for the whole package.
func init() {
	dsn := os.Getenv(mysqlDSNEnv)
	if dsn == "" {
		return
	}
	s, err := Open(dsn)
	if err == nil {
		_, err = s.AdvisoryLock(context.Background(), testDBLock, 20*time.Minute)
	}
	if err != nil {
		// The tests that use the database will report it unreachable.
		fmt.Fprintf(os.Stderr, "store tests: no lock on the test database: %v\n", err)
	}
}

// openIdentityStores is openTestStores with the identity tables migrated
// and, on MySQL, emptied.
func openIdentityStores(t *testing.T) []*Store {
	t.Helper()
	stores := openTestStores(t)
	for _, s := range stores {
		must(t, s.MigrateIdentity(context.Background()))
		if s.Dialect() == "mysql" {
			db := s.db.Session(&gorm.Session{AllowGlobalUpdate: true})
			for _, m := range []any{&Session{}, &APIToken{}} {
				must(t, db.Delete(m).Error)
			}
			must(t, s.db.Exec("ALTER TABLE ? AUTO_INCREMENT = 1", clause.Table{Name: "api_tokens"}).Error)
		}
	}
	return stores
}

func forEachIdentityStore(t *testing.T, fn func(t *testing.T, s *Store)) {
	for _, s := range openIdentityStores(t) {
		t.Run(s.Dialect(), func(t *testing.T) { fn(t, s) })
	}
}

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 123456000, time.UTC)

func newUser(t *testing.T, s *Store, name string) User {
	t.Helper()
	u := User{Username: name, DisplayName: name, OrgCode: "bdc", Role: domain.RoleApplicant, PasswordHash: "$argon2id$stub"}
	must(t, s.CreateUser(context.Background(), &u))
	if u.ID == 0 {
		t.Fatal("CreateUser set no ID")
	}
	return u
}

func TestCreateUser(t *testing.T) {
	forEachIdentityStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		locked := time.Date(2026, 1, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
		u := User{
			Username: "zhang", DisplayName: "张三", OrgCode: "bdc", Role: domain.RoleApplicant,
			PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$a2V5", FailedLogins: 2, LockedUntil: &locked,
		}
		must(t, s.CreateUser(ctx, &u))
		got, err := s.UserByID(ctx, u.ID)
		must(t, err)
		if got.Username != "zhang" || got.PasswordHash != u.PasswordHash || got.FailedLogins != 2 || got.Disabled {
			t.Errorf("UserByID = %+v, want %+v", got, u)
		}
		if got.LockedUntil == nil || !got.LockedUntil.Equal(locked) || !isUTC(*got.LockedUntil) {
			t.Errorf("LockedUntil = %v, want %v in UTC", got.LockedUntil, locked)
		}
		byName, err := s.UserByName(ctx, "zhang")
		must(t, err)
		if byName.ID != u.ID || byName.PasswordHash != u.PasswordHash {
			t.Errorf("UserByName = %+v", byName)
		}

		dup := User{Username: "zhang", OrgCode: "bdc", Role: domain.RoleAdmin}
		err = s.CreateUser(ctx, &dup)
		wantErr(t, err, ErrConflict)
		if !strings.Contains(err.Error(), `"zhang"`) {
			t.Errorf("duplicate error %q does not name the username", err)
		}
		_, err = s.UserByID(ctx, 99999)
		wantErr(t, err, ErrNotFound)

		// A user without a password hash reads back with an empty one.
		bare := User{Username: "bare", OrgCode: "bdc", Role: domain.RoleApplicant}
		must(t, s.CreateUser(ctx, &bare))
		if got, err := s.UserByID(ctx, bare.ID); err != nil || got.PasswordHash != "" || got.Disabled || got.LockedUntil != nil {
			t.Errorf("bare user = %+v, %v", got, err)
		}
	})
}

func TestUserJSONHasNoPasswordHash(t *testing.T) {
	b, err := json.Marshal(User{Username: "u", PasswordHash: "$argon2id$secret-looking"})
	must(t, err)
	if strings.Contains(string(b), "argon2id") || strings.Contains(strings.ToLower(string(b)), "password") {
		t.Errorf("User JSON %s carries the password hash", b)
	}
	if strings.Contains(string(b), "locked_until") {
		t.Errorf("User JSON %s has locked_until though it is nil", b)
	}
}

func TestSetPasswordHashAndDisabled(t *testing.T) {
	forEachIdentityStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		u := newUser(t, s, "li")
		must(t, s.SetPasswordHash(ctx, u.ID, "$argon2id$new"))
		must(t, s.SetDisabled(ctx, u.ID, true))
		must(t, s.SetDisabled(ctx, u.ID, true)) // again: same state, still found
		got, err := s.UserByID(ctx, u.ID)
		must(t, err)
		if got.PasswordHash != "$argon2id$new" || !got.Disabled {
			t.Errorf("after set: %+v", got)
		}
		must(t, s.SetDisabled(ctx, u.ID, false))
		if got, _ := s.UserByID(ctx, u.ID); got.Disabled {
			t.Error("still disabled after SetDisabled(false)")
		}
		wantErr(t, s.SetPasswordHash(ctx, 99999, "x"), ErrNotFound)
		wantErr(t, s.SetDisabled(ctx, 99999, true), ErrNotFound)
		wantErr(t, s.ResetLoginFailures(ctx, 99999), ErrNotFound)
		_, err = s.ReserveLoginAttempt(ctx, 99999, 5, time.Minute, t0)
		wantErr(t, err, ErrNotFound)
	})
}

func TestReserveLoginAttempt(t *testing.T) {
	forEachIdentityStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		u := newUser(t, s, "wang")
		until := t0.Add(15 * time.Minute)
		for i := 1; i <= 3; i++ {
			att, err := s.ReserveLoginAttempt(ctx, u.ID, 3, 15*time.Minute, t0)
			must(t, err)
			if !att.Granted || att.Count != i || (att.LockedUntil != nil) != (i == 3) {
				t.Fatalf("attempt %d: %+v", i, att)
			}
		}
		got, err := s.UserByID(ctx, u.ID)
		must(t, err)
		if got.FailedLogins != 3 || got.LockedUntil == nil || !got.LockedUntil.Equal(until) || !isUTC(*got.LockedUntil) {
			t.Errorf("after the third attempt: count %d, locked until %v; want 3, %v", got.FailedLogins, got.LockedUntil, until)
		}

		// Locked: refused, and nothing changes, up to the lock's end.
		for _, at := range []time.Time{t0, until.Add(-time.Millisecond)} {
			att, err := s.ReserveLoginAttempt(ctx, u.ID, 3, 15*time.Minute, at)
			must(t, err)
			if att.Granted || att.LockedUntil == nil || !att.LockedUntil.Equal(until) {
				t.Errorf("attempt at %v while locked: %+v", at, att)
			}
		}
		if got, _ := s.UserByID(ctx, u.ID); got.FailedLogins != 3 {
			t.Errorf("a refused attempt changed the count to %d", got.FailedLogins)
		}

		// The lock has run out: a new window starts at 1.
		att, err := s.ReserveLoginAttempt(ctx, u.ID, 3, 15*time.Minute, until)
		must(t, err)
		if !att.Granted || att.Count != 1 || att.LockedUntil != nil {
			t.Errorf("first attempt after the lock: %+v", att)
		}
		got, _ = s.UserByID(ctx, u.ID)
		if got.FailedLogins != 1 || got.LockedUntil != nil {
			t.Errorf("after the lock: count %d, locked until %v", got.FailedLogins, got.LockedUntil)
		}

		must(t, s.ResetLoginFailures(ctx, u.ID))
		got, _ = s.UserByID(ctx, u.ID)
		if got.FailedLogins != 0 || got.LockedUntil != nil {
			t.Errorf("after reset: count %d, locked until %v", got.FailedLogins, got.LockedUntil)
		}
	})
}

// Attempts at once are granted exactly lockAfter times: one count per
// attempt, taken atomically, however many connections ask.
func TestReserveLoginAttemptConcurrent(t *testing.T) {
	forEachIdentityStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		u := newUser(t, s, "zhao")
		const n, lockAfter = 23, 5
		var wg sync.WaitGroup
		var mu sync.Mutex
		granted, locks := 0, 0
		counts := map[int]bool{}
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				att, err := s.ReserveLoginAttempt(ctx, u.ID, lockAfter, time.Minute, t0)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if att.Granted {
					granted++
					counts[att.Count] = true
					if att.LockedUntil != nil {
						locks++
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		got, err := s.UserByID(ctx, u.ID)
		must(t, err)
		if granted != lockAfter || locks != 1 || len(counts) != lockAfter || got.FailedLogins != lockAfter || got.LockedUntil == nil {
			t.Errorf("%d concurrent attempts: %d granted (counts %v), %d locking, stored count %d locked until %v; want %d granted, 1 locking",
				n, granted, counts, locks, got.FailedLogins, got.LockedUntil, lockAfter)
		}
	})
}

func TestSessions(t *testing.T) {
	forEachIdentityStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		u := newUser(t, s, "chen")
		other := newUser(t, s, "zhou")
		hash := strings.Repeat("ab", 32)
		se := Session{
			IDHash: hash, UserID: u.ID, CSRFToken: "csrf-1",
			CreatedAt: t0, ExpiresAt: t0.Add(12 * time.Hour), LastSeenAt: t0,
		}
		must(t, s.CreateSession(ctx, &se))
		wantErr(t, s.CreateSession(ctx, &se), ErrConflict)
		for i, h := range []string{strings.Repeat("cd", 32), strings.Repeat("ef", 32)} {
			must(t, s.CreateSession(ctx, &Session{IDHash: h, UserID: other.ID, CSRFToken: "c",
				CreatedAt: t0, ExpiresAt: t0.Add(time.Duration(i+1) * time.Hour), LastSeenAt: t0}))
		}

		got, err := s.SessionByHash(ctx, hash)
		must(t, err)
		if got.UserID != u.ID || got.CSRFToken != "csrf-1" || !got.ExpiresAt.Equal(se.ExpiresAt) ||
			!got.CreatedAt.Equal(t0) || !got.LastSeenAt.Equal(t0) || !isUTC(got.ExpiresAt) {
			t.Errorf("SessionByHash = %+v, want %+v", got, se)
		}
		if got.User.ID != u.ID || got.User.Username != "chen" || got.User.PasswordHash != u.PasswordHash {
			t.Errorf("SessionByHash joined user %+v, want %+v", got.User, u)
		}
		_, err = s.SessionByHash(ctx, strings.Repeat("00", 32))
		wantErr(t, err, ErrNotFound)

		seen := t0.Add(5 * time.Minute)
		must(t, s.TouchSession(ctx, hash, seen))
		if got, _ := s.SessionByHash(ctx, hash); !got.LastSeenAt.Equal(seen) {
			t.Errorf("LastSeenAt after touch = %v, want %v", got.LastSeenAt, seen)
		}
		wantErr(t, s.TouchSession(ctx, strings.Repeat("00", 32), seen), ErrNotFound)

		// The session of a user who disappeared is not found.
		must(t, s.db.Exec("DELETE FROM users WHERE id = ?", u.ID).Error)
		_, err = s.SessionByHash(ctx, hash)
		wantErr(t, err, ErrNotFound)
		must(t, s.DeleteSession(ctx, hash))
		must(t, s.DeleteSession(ctx, hash)) // twice: no error

		n, err := s.DeleteExpiredSessions(ctx, t0.Add(time.Hour))
		must(t, err)
		if n != 1 {
			t.Errorf("DeleteExpiredSessions deleted %d, want 1", n)
		}
		must(t, s.DeleteSessionsOf(ctx, other.ID))
		if c := count(t, s, &Session{}); c != 0 {
			t.Errorf("%d sessions left, want 0", c)
		}
	})
}

func TestAPITokens(t *testing.T) {
	forEachIdentityStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		u := newUser(t, s, "sun")
		other := newUser(t, s, "wu")
		mk := func(userID uint, name, hash string) APIToken {
			tok := APIToken{UserID: userID, Name: name, Hash: hash, Prefix: "dg_" + hash[:8],
				CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}
			must(t, s.CreateAPIToken(ctx, &tok))
			if tok.ID == 0 {
				t.Fatal("CreateAPIToken set no ID")
			}
			return tok
		}
		a := mk(u.ID, "nightly export", strings.Repeat("1a", 32))
		b := mk(u.ID, "ci", strings.Repeat("2b", 32))
		c := mk(other.ID, "theirs", strings.Repeat("3c", 32))

		dup := APIToken{UserID: u.ID, Name: "dup", Hash: a.Hash, Prefix: "x", CreatedAt: t0, ExpiresAt: t0}
		wantErr(t, s.CreateAPIToken(ctx, &dup), ErrConflict)

		got, err := s.APITokenByHash(ctx, a.Hash)
		must(t, err)
		if got.ID != a.ID || got.Name != "nightly export" || got.UserID != u.ID || !got.ExpiresAt.Equal(a.ExpiresAt) ||
			got.RevokedAt != nil || got.LastUsedAt != nil || !isUTC(got.CreatedAt) {
			t.Errorf("APITokenByHash = %+v, want %+v", got, a)
		}
		_, err = s.APITokenByHash(ctx, strings.Repeat("00", 32))
		wantErr(t, err, ErrNotFound)

		used := t0.Add(time.Hour)
		must(t, s.TouchAPIToken(ctx, a.ID, used))
		if got, _ := s.APITokenByHash(ctx, a.Hash); got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) || !isUTC(*got.LastUsedAt) {
			t.Errorf("LastUsedAt = %v, want %v", got.LastUsedAt, used)
		}
		wantErr(t, s.TouchAPIToken(ctx, 99999, used), ErrNotFound)

		// Only the owner revokes; revoking again keeps the first time.
		wantErr(t, s.RevokeAPIToken(ctx, other.ID, a.ID, t0), ErrNotFound)
		wantErr(t, s.RevokeAPIToken(ctx, u.ID, 99999, t0), ErrNotFound)
		if got, _ := s.APITokenByHash(ctx, a.Hash); got.RevokedAt != nil {
			t.Fatal("another user's revocation took effect")
		}
		revoked := t0.Add(2 * time.Hour)
		must(t, s.RevokeAPIToken(ctx, u.ID, a.ID, revoked))
		must(t, s.RevokeAPIToken(ctx, u.ID, a.ID, revoked.Add(time.Hour)))
		if got, _ := s.APITokenByHash(ctx, a.Hash); got.RevokedAt == nil || !got.RevokedAt.Equal(revoked) {
			t.Errorf("RevokedAt = %v, want %v", got.RevokedAt, revoked)
		}

		list, err := s.APITokensOf(ctx, u.ID)
		must(t, err)
		if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID || list[0].RevokedAt == nil {
			t.Errorf("APITokensOf = %+v, want tokens %d (revoked) and %d", list, a.ID, b.ID)
		}
		if list, _ := s.APITokensOf(ctx, other.ID); len(list) != 1 || list[0].ID != c.ID {
			t.Errorf("APITokensOf(other) = %+v", list)
		}
		if list, _ := s.APITokensOf(ctx, 99999); len(list) != 0 {
			t.Errorf("APITokensOf(nobody) = %+v", list)
		}
	})
}

// sqlRecorder is a gorm logger that records every statement.
type sqlRecorder struct {
	mu  sync.Mutex
	sql []string
}

func (r *sqlRecorder) LogMode(logger.LogLevel) logger.Interface { return r }
func (r *sqlRecorder) Info(context.Context, string, ...any)     {}
func (r *sqlRecorder) Warn(context.Context, string, ...any)     {}
func (r *sqlRecorder) Error(context.Context, string, ...any)    {}

func (r *sqlRecorder) statements() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sql...)
}

func (r *sqlRecorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	q, _ := fc()
	r.mu.Lock()
	r.sql = append(r.sql, q)
	r.mu.Unlock()
}

// The advisory lock excludes a second holder until released; on SQLite it
// is a no-op.
func TestAdvisoryLock(t *testing.T) {
	forEachIdentityStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		name := "datagate_test_" + filepath.Base(t.Name())
		release, err := s.AdvisoryLock(ctx, name, time.Second)
		must(t, err)
		if s.Dialect() == "mysql" {
			if _, err := s.AdvisoryLock(ctx, name, 0); err == nil {
				t.Fatal("a second holder got the lock")
			}
		}
		must(t, release())
		again, err := s.AdvisoryLock(ctx, name, time.Second)
		must(t, err)
		must(t, again())
	})
}
