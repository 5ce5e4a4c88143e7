package identity

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/datagate/datagate/store"
)

// Second factor: TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps, what
// every authenticator app reads from an otpauth:// QR code), with
// github.com/pquerna/otp, and ten one-time recovery codes.
//
// A user's secret is sealed before it is stored: AES-256-GCM under
// Service.SecretKey when one is configured (the user's ID is the
// additional data, so a sealed secret copied to another user's row opens
// nowhere), else only encoded. It is shown once, at enrolment, and never
// returned again. Recovery codes are stored as their SHA-256.
//
// Every code checked, right or wrong, is counted with the password
// checks of the account (store.ReserveLoginAttempt): five wrong codes lock
// the account as five wrong passwords do, and a right password does not
// clear the count while the code is still to come.

// ErrBadCode: the code is not the user's current TOTP code nor one of
// their unused recovery codes.
var ErrBadCode = errors.New("wrong code")

// ErrNoSecondFactorStep: the session is not waiting for a code (it has
// passed the second factor, or needs none, or must enrol first).
var ErrNoSecondFactorStep = errors.New("this session is not waiting for a code")

// RecoveryCodes is how many recovery codes an enrolment hands out.
const RecoveryCodes = 10

// TOTP parameters: the defaults of RFC 6238 and of authenticator apps.
const (
	totpIssuer = "DataGate"
	totpPeriod = 30 // seconds
	// totpSkew accepts the code of the step before and after the
	// current one, for a phone's clock a little off.
	totpSkew = 1
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Enrolment is a TOTP secret just made for a user, to show once: the
// base32 secret for typing, the otpauth:// URL, and the URL as a QR code
// (PNG). The secret is not confirmed until ConfirmTOTP gets a first code.
type Enrolment struct {
	Secret string
	URL    string
	QRPNG  []byte
}

// String hides the secret.
func (e Enrolment) String() string { return "identity.Enrolment{Secret: [redacted]}" }

// GoString hides the secret from %#v.
func (e Enrolment) GoString() string { return e.String() }

// SecondFactorStatus is where a user stands with the second factor.
type SecondFactorStatus struct {
	Enrolled bool // a confirmed TOTP secret
	Required bool // the user's roles require one (Service.SecondFactorRequired)
	// RecoveryCodesLeft counts the unused recovery codes.
	RecoveryCodesLeft int
}

// required asks the deployment's rule; none: never.
func (s *Service) required(ctx context.Context, u store.User) (bool, error) {
	if s.SecondFactorRequired == nil {
		return false, nil
	}
	return s.SecondFactorRequired(ctx, u)
}

// SecondFactor reports where a user stands with the second factor.
func (s *Service) SecondFactor(ctx context.Context, u store.User) (SecondFactorStatus, error) {
	var st SecondFactorStatus
	sec, err := s.Store.TOTPSecretOf(ctx, u.ID)
	switch {
	case err == nil:
		st.Enrolled = sec.ConfirmedAt != nil
	case !errors.Is(err, store.ErrNotFound):
		return st, err
	}
	if st.Required, err = s.required(ctx, u); err != nil {
		return st, fmt.Errorf("is a second factor required of %q: %w", u.Username, err)
	}
	if st.Enrolled {
		if st.RecoveryCodesLeft, err = s.Store.RecoveryCodesLeft(ctx, u.ID); err != nil {
			return st, err
		}
	}
	return st, nil
}

// signInState is the second-factor state a session opened by the right
// password starts in.
func (s *Service) signInState(ctx context.Context, u store.User) (string, error) {
	st, err := s.SecondFactor(ctx, u)
	switch {
	case err != nil:
		return "", err
	case st.Enrolled:
		return store.SecondFactorPending, nil
	case st.Required:
		return store.SecondFactorEnrol, nil
	}
	return store.SecondFactorNone, nil
}

// BeginTOTP makes a new TOTP secret for a user and stores it unconfirmed
// (replacing an earlier unconfirmed one). A user who has a confirmed one
// keeps it: store.ErrConflict.
func (s *Service) BeginTOTP(ctx context.Context, u store.User) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Username,
		Period: totpPeriod, SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, fmt.Errorf("make a TOTP secret: %w", err)
	}
	sealed, err := s.seal(u.ID, key.Secret())
	if err != nil {
		return Enrolment{}, err
	}
	if err := s.Store.BeginTOTP(ctx, u.ID, sealed, s.now()); err != nil {
		return Enrolment{}, err
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return Enrolment{}, fmt.Errorf("draw the QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, fmt.Errorf("draw the QR code: %w", err)
	}
	return Enrolment{Secret: key.Secret(), URL: key.URL(), QRPNG: buf.Bytes()}, nil
}

// ConfirmTOTP confirms a user's new secret with a first code from the
// app, and returns the user's RecoveryCodes new recovery codes (shown
// once; any earlier ones stop working). The session the user confirmed
// in (cookie; "" for none) is replaced by one that passed the second
// factor. No secret being set up: store.ErrConflict; a wrong code:
// ErrBadCode (counted like a wrong password; the fifth locks).
func (s *Service) ConfirmTOTP(ctx context.Context, u store.User, cookie, code string) (recovery []string, sess Session, err error) {
	sec, err := s.Store.TOTPSecretOf(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) || err == nil && sec.ConfirmedAt != nil {
		return nil, Session{}, fmt.Errorf("no second factor is being set up; begin again: %w", store.ErrConflict)
	}
	if err != nil {
		return nil, Session{}, err
	}
	secret, err := s.unseal(u.ID, sec.Secret)
	if err != nil {
		return nil, Session{}, err
	}
	step, err := s.checkCode(ctx, u, secret, code)
	if err != nil {
		return nil, Session{}, err
	}
	hashes := make([]string, RecoveryCodes)
	recovery = make([]string, RecoveryCodes)
	for i := range recovery {
		recovery[i] = newRecoveryCode()
		hashes[i] = HashSecret(normalizeRecoveryCode(recovery[i]))
	}
	if err := s.Store.ConfirmTOTP(ctx, u.ID, step, hashes, s.now()); err != nil {
		return nil, Session{}, err
	}
	if err := s.Store.ResetLoginFailures(ctx, u.ID); err != nil {
		return nil, Session{}, err
	}
	if cookie != "" {
		if sess, err = s.passSession(ctx, u, cookie); err != nil {
			return nil, Session{}, err
		}
	}
	return recovery, sess, nil
}

// VerifySecondFactor is the code step of a sign-in: the session of cookie
// waits for a code (ErrNoSecondFactorStep otherwise), and code is the
// user's current TOTP code or one of their unused recovery codes (which
// it uses up). It returns a new session that passed the second factor,
// in place of the waiting one. A wrong code is ErrBadCode, counted like
// a wrong password; a locked account is a *LockedError, unchecked.
func (s *Service) VerifySecondFactor(ctx context.Context, cookie, code string) (store.User, Session, error) {
	u, se, err := s.SessionUser(ctx, cookie)
	if err != nil {
		return store.User{}, Session{}, err
	}
	if se.SecondFactor != store.SecondFactorPending {
		return store.User{}, Session{}, ErrNoSecondFactorStep
	}
	sec, err := s.Store.TOTPSecretOf(ctx, u.ID)
	if err != nil || sec.ConfirmedAt == nil {
		return store.User{}, Session{}, fmt.Errorf("the second factor of %q: %w", u.Username, errors.Join(err, ErrNoSecondFactorStep))
	}
	if isRecoveryCode(code) {
		if err := s.checkRecoveryCode(ctx, u, code); err != nil {
			return store.User{}, Session{}, err
		}
	} else {
		secret, err := s.unseal(u.ID, sec.Secret)
		if err != nil {
			return store.User{}, Session{}, err
		}
		step, err := s.checkCode(ctx, u, secret, code)
		if err != nil {
			return store.User{}, Session{}, err
		}
		ok, err := s.Store.UseTOTPStep(ctx, u.ID, step)
		if err != nil {
			return store.User{}, Session{}, err
		}
		if !ok { // used already: a replay, or another sign-in with it
			return store.User{}, Session{}, ErrBadCode
		}
	}
	if err := s.Store.ResetLoginFailures(ctx, u.ID); err != nil {
		return store.User{}, Session{}, err
	}
	sess, err := s.passSession(ctx, u, cookie)
	if err != nil {
		return store.User{}, Session{}, err
	}
	u.FailedLogins, u.LockedUntil = 0, nil
	return u, sess, nil
}

// passSession replaces the session of cookie by a new one (a new cookie
// and CSRF token, the same expiry) that passed the second factor, so that
// a cookie planted before the second step is worth nothing after it.
func (s *Service) passSession(ctx context.Context, u store.User, cookie string) (Session, error) {
	old, err := s.Store.SessionByHash(ctx, HashSecret(cookie))
	if err != nil {
		return Session{}, err
	}
	plain, idHash := NewSecret("")
	csrf, _ := NewSecret("")
	now := s.now()
	row := store.Session{IDHash: idHash, UserID: u.ID, CSRFToken: csrf, CreatedAt: now,
		ExpiresAt: old.ExpiresAt, LastSeenAt: now, SecondFactor: store.SecondFactorPassed}
	if err := s.Store.CreateSession(ctx, &row); err != nil {
		return Session{}, err
	}
	if err := s.Store.DeleteSession(ctx, old.IDHash); err != nil {
		return Session{}, err
	}
	return Session{Cookie: plain, CSRFToken: csrf, ExpiresAt: row.ExpiresAt, SecondFactor: store.SecondFactorPassed}, nil
}

// checkCode counts one code check of u and checks code against secret at
// the steps around now; it returns the step whose code it is.
func (s *Service) checkCode(ctx context.Context, u store.User, secret, code string) (int64, error) {
	code = strings.TrimSpace(code)
	att, err := s.Store.ReserveLoginAttempt(ctx, u.ID, s.lockAfter(), s.lockFor(), s.now())
	if err != nil {
		return 0, err
	}
	if !att.Granted {
		return 0, &LockedError{Until: att.LockedUntil.UTC()}
	}
	now := s.now()
	cur := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix((cur+d)*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, fmt.Errorf("compute a TOTP code: %w", err)
		}
		if len(code) == len(want) && subtle.ConstantTimeCompare([]byte(code), []byte(want)) == 1 {
			return cur + d, nil
		}
	}
	if att.LockedUntil != nil {
		return 0, &LockedError{Until: att.LockedUntil.UTC()}
	}
	return 0, ErrBadCode
}

// checkRecoveryCode counts one code check of u and uses up the recovery
// code if it is one of u's unused ones.
func (s *Service) checkRecoveryCode(ctx context.Context, u store.User, code string) error {
	att, err := s.Store.ReserveLoginAttempt(ctx, u.ID, s.lockAfter(), s.lockFor(), s.now())
	if err != nil {
		return err
	}
	if !att.Granted {
		return &LockedError{Until: att.LockedUntil.UTC()}
	}
	ok, err := s.Store.UseRecoveryCode(ctx, u.ID, HashSecret(normalizeRecoveryCode(code)), s.now())
	switch {
	case err != nil:
		return err
	case ok:
		return nil
	case att.LockedUntil != nil:
		return &LockedError{Until: att.LockedUntil.UTC()}
	}
	return ErrBadCode
}

// IsSecondFactorCode reports whether code looks like a TOTP code (six
// digits) or a recovery code, so that malformed input is refused before
// it is counted.
func IsSecondFactorCode(code string) bool {
	code = strings.TrimSpace(code)
	if len(code) == 6 {
		_, err := strconv.ParseUint(code, 10, 32)
		return err == nil
	}
	return isRecoveryCode(code)
}

// recoveryAlphabet has no characters that read alike (0/o, 1/l/i).
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// A recovery code is 10 characters of recoveryAlphabet (49 bits), shown
// as two groups of five: "k7m2q-xw9ta".
const recoveryLen = 10

func newRecoveryCode() string {
	b := make([]byte, recoveryLen)
	_, _ = rand.Read(b)
	out := make([]byte, 0, recoveryLen+1)
	for i, c := range b {
		if i == recoveryLen/2 {
			out = append(out, '-')
		}
		out = append(out, recoveryAlphabet[int(c)%len(recoveryAlphabet)])
	}
	return string(out)
}

// normalizeRecoveryCode drops spaces and dashes and lower-cases, so that
// "K7M2Q XW9TA" is "k7m2q-xw9ta".
func normalizeRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, code)
}

func isRecoveryCode(code string) bool {
	n := normalizeRecoveryCode(strings.TrimSpace(code))
	if len(n) != recoveryLen {
		return false
	}
	for i := 0; i < len(n); i++ {
		if !strings.ContainsRune(recoveryAlphabet, rune(n[i])) {
			return false
		}
	}
	return true
}

// Sealed secrets: "aes1:" and base64 of nonce and ciphertext under
// SecretKey, or "plain:" and the base32 secret when no key is set.
const (
	sealAES   = "aes1:"
	sealPlain = "plain:"
)

func (s *Service) aead() (cipher.AEAD, error) {
	if len(s.SecretKey) != 32 {
		return nil, fmt.Errorf("the secret key has %d bytes; it needs 32", len(s.SecretKey))
	}
	block, err := aes.NewCipher(s.SecretKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func (s *Service) seal(userID uint, secret string) (string, error) {
	if len(s.SecretKey) == 0 {
		return sealPlain + secret, nil
	}
	g, err := s.aead()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, g.NonceSize())
	_, _ = rand.Read(nonce)
	out := g.Seal(nonce, nonce, []byte(secret), []byte(strconv.FormatUint(uint64(userID), 10)))
	return sealAES + base64.RawStdEncoding.EncodeToString(out), nil
}

func (s *Service) unseal(userID uint, sealed string) (string, error) {
	if rest, ok := strings.CutPrefix(sealed, sealPlain); ok {
		return rest, nil
	}
	rest, ok := strings.CutPrefix(sealed, sealAES)
	if !ok {
		return "", errors.New("the stored second factor is in an unknown form")
	}
	g, err := s.aead()
	if err != nil {
		return "", fmt.Errorf("open the stored second factor: %w", err)
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(raw) < g.NonceSize() {
		return "", errors.New("the stored second factor is corrupt")
	}
	plain, err := g.Open(nil, raw[:g.NonceSize()], raw[g.NonceSize():], []byte(strconv.FormatUint(uint64(userID), 10)))
	if err != nil {
		return "", errors.New("the stored second factor does not open with this secret key")
	}
	return string(plain), nil
}
