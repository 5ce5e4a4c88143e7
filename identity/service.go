package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/datagate/datagate/store"
)

// Errors of signing in. The API maps ErrBadCredentials, ErrLocked,
// ErrDisabled and ErrUnauthenticated to 401 (or 403), ErrInvalid to 400.
var (
	// ErrBadCredentials: no such user, or the wrong password. The two are
	// indistinguishable, in the error and (nearly) in time.
	ErrBadCredentials = errors.New("wrong username or password")
	// ErrLocked: too many failed sign-ins; a *LockedError says until when.
	ErrLocked = errors.New("account locked")
	// ErrDisabled: an administrator disabled the account. Login says so
	// only to someone who gave the right password.
	ErrDisabled = errors.New("account disabled")
	// ErrUnauthenticated: a session cookie or bearer token that signs
	// nobody in (unknown, expired, revoked, or of a disabled user).
	ErrUnauthenticated = errors.New("not signed in")
)

// LockedError is returned while an account is locked after failed
// sign-ins. It matches ErrLocked with errors.Is.
type LockedError struct {
	Until time.Time // UTC
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("account locked after too many failed sign-ins until %s; try again then, or ask an administrator to unlock it",
		e.Until.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Defaults of Service's zero fields.
const (
	DefaultSessionTTL = 12 * time.Hour
	DefaultLockAfter  = 5
	DefaultLockFor    = 15 * time.Minute
)

// Token lifetimes CreateToken accepts.
const (
	MinTokenTTL = time.Hour
	MaxTokenTTL = 365 * 24 * time.Hour
)

// touchEvery is how stale a session's LastSeenAt or a token's LastUsedAt
// may get before a request writes it again, so that a burst of requests
// costs one write, not one each.
const touchEvery = time.Minute

// Session is what Login hands to the browser: the cookie value (the only
// copy of it; the database has its hash), the CSRF token the pages send
// back, and when both expire. Printing a Session hides the cookie value.
type Session struct {
	Cookie    string
	CSRFToken string
	ExpiresAt time.Time
	// SecondFactor is the session's state (store.SecondFactorNone,
	// Pending, Enrol or Passed): only none and passed act for the user.
	SecondFactor string
}

// String hides the cookie value, so that a Session logged by mistake leaks
// nothing.
func (s Session) String() string {
	return fmt.Sprintf("identity.Session{Cookie: [redacted], ExpiresAt: %s}", s.ExpiresAt.Format(time.RFC3339))
}

// GoString hides the cookie value from %#v.
func (s Session) GoString() string { return s.String() }

// LogValue hides the cookie value from log/slog.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("cookie", "[redacted]"), slog.Time("expires_at", s.ExpiresAt))
}

// Service signs users in and out. Zero fields take the defaults above; Now
// defaults to time.Now. Use it through a pointer, and do not change its
// fields once in use.
type Service struct {
	Store      *store.Store
	Now        func() time.Time
	SessionTTL time.Duration // lifetime of a session from sign-in; default 12h
	LockAfter  int           // password checks that lock an account until a success; default 5
	LockFor    time.Duration // how long a lock lasts; default 15m
	// HashConcurrency bounds the password hashes computed at once (each
	// takes 19 MiB); default GOMAXPROCS. Sign-ins beyond it wait their turn.
	HashConcurrency int
	// SecondFactorRequired says whether a user must have a second factor
	// (TOTP) to use a session (totp.go); nil: nobody must. A user who has
	// one set up is asked for a code whatever it says.
	SecondFactorRequired func(ctx context.Context, u store.User) (bool, error)
	// SecretKey, 32 bytes, seals TOTP secrets at rest (AES-256-GCM);
	// without one they are stored only encoded.
	SecretKey []byte

	once  sync.Once
	slots chan struct{}
	// beforeCheck, when set (by tests), runs before every password check.
	beforeCheck func()
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) sessionTTL() time.Duration {
	if s.SessionTTL > 0 {
		return s.SessionTTL
	}
	return DefaultSessionTTL
}

func (s *Service) lockAfter() int {
	if s.LockAfter > 0 {
		return s.LockAfter
	}
	return DefaultLockAfter
}

func (s *Service) lockFor() time.Duration {
	if s.LockFor > 0 {
		return s.LockFor
	}
	return DefaultLockFor
}

// hashSlot waits for one of HashConcurrency slots; release frees it.
func (s *Service) hashSlot(ctx context.Context) (release func(), err error) {
	s.once.Do(func() {
		n := s.HashConcurrency
		if n <= 0 {
			n = runtime.GOMAXPROCS(0)
		}
		s.slots = make(chan struct{}, n)
	})
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// checkPassword is CheckPassword in a hash slot.
func (s *Service) checkPassword(ctx context.Context, hash, pw string) (bool, error) {
	release, err := s.hashSlot(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return s.check(hash, pw), nil
}

// check is CheckPassword, seen by the tests' hook.
func (s *Service) check(hash, pw string) bool {
	if s.beforeCheck != nil {
		s.beforeCheck()
	}
	return CheckPassword(hash, pw)
}

// Login checks a username and password and opens a session. It never logs
// the password, and no error carries it.
//
//   - Unknown user or wrong password: ErrBadCredentials, after the same
//     hashing work either way.
//   - Locked account: a *LockedError (ErrLocked), even for the right
//     password, and without checking it; also for the wrong password that
//     locks it.
//   - Disabled account and the right password: ErrDisabled.
//
// Every check of a known user's password is counted in the database before
// it is made (store.ReserveLoginAttempt), so that at most LockAfter
// passwords are checked per account and lock window however many sign-ins
// arrive at once, across processes: the LockAfter-th starts the lock, and
// those after it are refused unchecked. Success clears the count and lifts
// the lock.
func (s *Service) Login(ctx context.Context, username, password string) (store.User, Session, error) {
	u, err := s.Store.UserByName(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		if _, err := s.checkPassword(ctx, dummyHash, password); err != nil {
			return store.User{}, Session{}, fmt.Errorf("sign in: %w", err)
		}
		return store.User{}, Session{}, ErrBadCredentials
	}
	if err != nil {
		return store.User{}, Session{}, fmt.Errorf("sign in: %w", err)
	}
	if u.LockedUntil != nil && s.now().Before(*u.LockedUntil) {
		return store.User{}, Session{}, &LockedError{Until: u.LockedUntil.UTC()}
	}
	// The attempt is counted once a hash slot is ours, so that a sign-in
	// that gives up waiting is not counted, and the count's order is the
	// checks' order.
	release, err := s.hashSlot(ctx)
	if err != nil {
		return store.User{}, Session{}, fmt.Errorf("sign in %q: %w", username, err)
	}
	att, err := s.Store.ReserveLoginAttempt(ctx, u.ID, s.lockAfter(), s.lockFor(), s.now())
	if err != nil {
		release()
		return store.User{}, Session{}, fmt.Errorf("sign in %q: %w", username, err)
	}
	if !att.Granted {
		release()
		return store.User{}, Session{}, &LockedError{Until: att.LockedUntil.UTC()}
	}
	ok := s.check(u.PasswordHash, password)
	release()
	if !ok {
		if att.LockedUntil != nil {
			return store.User{}, Session{}, &LockedError{Until: att.LockedUntil.UTC()}
		}
		return store.User{}, Session{}, ErrBadCredentials
	}
	if u.Disabled {
		return store.User{}, Session{}, ErrDisabled
	}
	state, err := s.signInState(ctx, u)
	if err != nil {
		return store.User{}, Session{}, fmt.Errorf("sign in %q: %w", username, err)
	}
	// While a code is to come, the count stays: the password and the
	// codes share the LockAfter checks of a window.
	if state != store.SecondFactorPending {
		if err := s.Store.ResetLoginFailures(ctx, u.ID); err != nil {
			return store.User{}, Session{}, fmt.Errorf("sign in %q: %w", username, err)
		}
		u.FailedLogins, u.LockedUntil = 0, nil
	}
	now := s.now()

	cookie, idHash := NewSecret("")
	csrf, _ := NewSecret("")
	row := store.Session{
		IDHash: idHash, UserID: u.ID, CSRFToken: csrf,
		CreatedAt: now, ExpiresAt: now.Add(s.sessionTTL()), LastSeenAt: now, SecondFactor: state,
	}
	if err := s.Store.CreateSession(ctx, &row); err != nil {
		return store.User{}, Session{}, fmt.Errorf("sign in %q: %w", username, err)
	}
	return u, Session{Cookie: cookie, CSRFToken: csrf, ExpiresAt: row.ExpiresAt, SecondFactor: state}, nil
}

// SessionUser returns the user a session cookie signs in, and the session
// (whose CSRFToken the caller compares with the request's). A cookie that
// is malformed or unknown, a session that expired, and a disabled user are
// ErrUnauthenticated. Sessions last SessionTTL from sign-in; LastSeenAt is
// brought up to date at most once a minute.
func (s *Service) SessionUser(ctx context.Context, cookie string) (store.User, store.Session, error) {
	if !wellFormed(cookie, "") {
		return store.User{}, store.Session{}, ErrUnauthenticated
	}
	idHash := HashSecret(cookie)
	se, err := s.Store.SessionByHash(ctx, idHash)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, store.Session{}, ErrUnauthenticated
	}
	if err != nil {
		return store.User{}, store.Session{}, fmt.Errorf("check session: %w", err)
	}
	now := s.now()
	if !now.Before(se.ExpiresAt) {
		return store.User{}, store.Session{}, fmt.Errorf("session expired at %s; sign in again: %w",
			se.ExpiresAt.Format(time.RFC3339), ErrUnauthenticated)
	}
	u := se.User
	se.User = store.User{}
	if u.Disabled {
		return store.User{}, store.Session{}, fmt.Errorf("%w: %w", ErrDisabled, ErrUnauthenticated)
	}
	if now.Sub(se.LastSeenAt) >= touchEvery {
		if err := s.Store.TouchSession(ctx, idHash, now); err != nil {
			return store.User{}, store.Session{}, fmt.Errorf("check session of %q: %w", u.Username, err)
		}
		se.LastSeenAt = now
	}
	return u, se, nil
}

// Logout ends the session of a cookie. An unknown or malformed cookie is
// already signed out: no error.
func (s *Service) Logout(ctx context.Context, cookie string) error {
	if !wellFormed(cookie, "") {
		return nil
	}
	if err := s.Store.DeleteSession(ctx, HashSecret(cookie)); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}

// PurgeExpiredSessions deletes expired sessions and returns how many.
func (s *Service) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	return s.Store.DeleteExpiredSessions(ctx, s.now())
}

// CreateToken issues an API token to a user for machines to use as a
// bearer token. plain is the token itself: shown once, never stored. name
// says what it is for (1 to 100 characters); ttl is between MinTokenTTL
// and MaxTokenTTL. A disabled user gets none (ErrDisabled). It is for a
// user who signed in (a session) or an administrator's tooling; a token
// asked for with another token is CreateTokenFromToken's.
func (s *Service) CreateToken(ctx context.Context, userID uint, name string, ttl time.Duration) (plain string, tok store.APIToken, err error) {
	return s.createToken(ctx, userID, name, ttl, nil)
}

// TokenOutlivesError refuses a token asked for with another token that
// would expire after it: a token cannot outlive the credential that
// created it. It wraps ErrInvalid.
type TokenOutlivesError struct {
	// ParentExpiresAt is when the token the request was signed with
	// expires (UTC); MaxTTL is the longest lifetime still allowed (less
	// than MinTokenTTL: none).
	ParentExpiresAt time.Time
	MaxTTL          time.Duration
}

func (e *TokenOutlivesError) Error() string {
	return fmt.Sprintf("a token created with another token cannot outlive it: that token expires at %s; ask for at most %s, or create the token from a signed-in session",
		e.ParentExpiresAt.Format(time.RFC3339), e.MaxTTL.Truncate(time.Second))
}

// Is makes the error wrap ErrInvalid.
func (e *TokenOutlivesError) Is(target error) bool { return target == ErrInvalid }

// CreateTokenFromToken is CreateToken for a request signed with the API
// token parent (as TokenUser returned it): the new token is its user's,
// and expires no later than parent, so that a short-lived token cannot
// mint a long-lived one (a *TokenOutlivesError otherwise).
func (s *Service) CreateTokenFromToken(ctx context.Context, parent store.APIToken, name string, ttl time.Duration) (plain string, tok store.APIToken, err error) {
	return s.createToken(ctx, parent.UserID, name, ttl, &parent)
}

func (s *Service) createToken(ctx context.Context, userID uint, name string, ttl time.Duration, parent *store.APIToken) (plain string, tok store.APIToken, err error) {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", store.APIToken{}, invalidError("the token name is empty; say what the token is for, e.g. \"nightly export\"")
	case n > 100:
		return "", store.APIToken{}, invalidf("the token name is %d characters long; use at most 100", n)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", store.APIToken{}, invalidError("the token name contains a control character; use plain text")
	}
	if ttl < MinTokenTTL || ttl > MaxTokenTTL {
		return "", store.APIToken{}, invalidf("the token lifetime is %s; it must be between 1 hour and 365 days", ttl)
	}
	now := s.now()
	if parent != nil && now.Add(ttl).After(parent.ExpiresAt) {
		return "", store.APIToken{}, &TokenOutlivesError{ParentExpiresAt: parent.ExpiresAt.UTC(), MaxTTL: max(parent.ExpiresAt.Sub(now), 0)}
	}
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return "", store.APIToken{}, fmt.Errorf("create token: %w", err)
	}
	if u.Disabled {
		return "", store.APIToken{}, fmt.Errorf("create token for %q: %w", u.Username, ErrDisabled)
	}
	plain, hash := NewSecret(TokenPrefix)
	tok = store.APIToken{
		UserID: userID, Name: name, Hash: hash, Prefix: plain[:tokenDisplayLen],
		CreatedAt: now, ExpiresAt: now.Add(ttl),
	}
	if err := s.Store.CreateAPIToken(ctx, &tok); err != nil {
		return "", store.APIToken{}, fmt.Errorf("create token for %q: %w", u.Username, err)
	}
	return plain, tok, nil
}

// TokenUser returns the user a bearer token signs in, and the token. A
// token that is malformed, unknown, revoked or expired, or of a disabled
// user, is ErrUnauthenticated. LastUsedAt is brought up to date at most
// once a minute.
func (s *Service) TokenUser(ctx context.Context, bearer string) (store.User, store.APIToken, error) {
	if !wellFormed(bearer, TokenPrefix) {
		return store.User{}, store.APIToken{}, ErrUnauthenticated
	}
	tok, err := s.Store.APITokenByHash(ctx, HashSecret(bearer))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, store.APIToken{}, ErrUnauthenticated
	}
	if err != nil {
		return store.User{}, store.APIToken{}, fmt.Errorf("check API token: %w", err)
	}
	now := s.now()
	switch {
	case tok.RevokedAt != nil:
		return store.User{}, store.APIToken{}, fmt.Errorf("API token %s… was revoked at %s: %w",
			tok.Prefix, tok.RevokedAt.Format(time.RFC3339), ErrUnauthenticated)
	case !now.Before(tok.ExpiresAt):
		return store.User{}, store.APIToken{}, fmt.Errorf("API token %s… expired at %s; create a new one: %w",
			tok.Prefix, tok.ExpiresAt.Format(time.RFC3339), ErrUnauthenticated)
	}
	u, err := s.Store.UserByID(ctx, tok.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, store.APIToken{}, ErrUnauthenticated
	}
	if err != nil {
		return store.User{}, store.APIToken{}, fmt.Errorf("check API token %s…: %w", tok.Prefix, err)
	}
	if u.Disabled {
		return store.User{}, store.APIToken{}, fmt.Errorf("%w: %w", ErrDisabled, ErrUnauthenticated)
	}
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= touchEvery {
		if err := s.Store.TouchAPIToken(ctx, tok.ID, now); err != nil {
			return store.User{}, store.APIToken{}, fmt.Errorf("check API token %s…: %w", tok.Prefix, err)
		}
		tok.LastUsedAt = &now
	}
	return u, tok, nil
}

// RevokeToken revokes one of a user's tokens. Another user's token is
// store.ErrNotFound, as is one that does not exist.
func (s *Service) RevokeToken(ctx context.Context, userID, tokenID uint) error {
	return s.Store.RevokeAPIToken(ctx, userID, tokenID, s.now())
}

// DisableUser disables an account and ends its sessions. Its API tokens
// stay in the table but stop working: TokenUser refuses a disabled user's.
func (s *Service) DisableUser(ctx context.Context, userID uint) error {
	if err := s.Store.SetDisabled(ctx, userID, true); err != nil {
		return err
	}
	return s.Store.DeleteSessionsOf(ctx, userID)
}

// EnableUser re-enables a disabled account. Its unexpired, unrevoked tokens
// work again.
func (s *Service) EnableUser(ctx context.Context, userID uint) error {
	return s.Store.SetDisabled(ctx, userID, false)
}

// UnlockUser lifts a lock after failed sign-ins and clears the count.
func (s *Service) UnlockUser(ctx context.Context, userID uint) error {
	return s.Store.ResetLoginFailures(ctx, userID)
}

// SetPassword checks a new password against the policy (ErrInvalid), stores
// its hash, and ends every session of the user, so that whoever knew the
// old password is signed out. API tokens are not affected.
func (s *Service) SetPassword(ctx context.Context, userID uint, password string) error {
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return fmt.Errorf("set password of user %d: %w", userID, err)
	}
	if err := CheckPasswordPolicy(u.Username, password); err != nil {
		return err
	}
	release, err := s.hashSlot(ctx)
	if err != nil {
		return fmt.Errorf("set password of user %d: %w", userID, err)
	}
	hash, err := HashPassword(password)
	release()
	if err != nil {
		return err
	}
	if err := s.Store.SetPasswordHash(ctx, userID, hash); err != nil {
		return err
	}
	return s.Store.DeleteSessionsOf(ctx, userID)
}
