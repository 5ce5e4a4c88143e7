package identity

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/datagate/datagate/store"
)

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, at)
	must(t, err)
	return code
}

// enrol sets up TOTP for u and returns its secret and recovery codes.
func enrol(t *testing.T, svc *Service, c *clock, u store.User) (string, []string) {
	t.Helper()
	ctx := context.Background()
	e, err := svc.BeginTOTP(ctx, u)
	must(t, err)
	rec, _, err := svc.ConfirmTOTP(ctx, u, "", codeAt(t, e.Secret, c.Now()))
	must(t, err)
	c.Advance(totpPeriod * time.Second) // the next code is a new one
	return e.Secret, rec
}

func TestTOTPEnrolment(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		svc.SecretKey = bytes.Repeat([]byte{7}, 32)
		u := newUser(t, ts.Store, goodPassword)
		e, err := svc.BeginTOTP(ctx, u)
		must(t, err)
		if len(e.Secret) < 32 || !strings.HasPrefix(e.URL, "otpauth://totp/DataGate:"+u.Username+"?") || !strings.Contains(e.URL, "secret="+e.Secret) {
			t.Errorf("enrolment %q, URL %q", e.Secret, e.URL)
		}
		if img, err := png.Decode(bytes.NewReader(e.QRPNG)); err != nil || img.Bounds().Dx() < 200 {
			t.Errorf("QR code: %v", err)
		}
		if strings.Contains(e.String()+fmtGo(e), e.Secret) {
			t.Error("a printed enrolment shows the secret")
		}
		// Sealed at rest.
		row, err := ts.TOTPSecretOf(ctx, u.ID)
		must(t, err)
		if strings.Contains(row.Secret, e.Secret) || !strings.HasPrefix(row.Secret, sealAES) || row.ConfirmedAt != nil {
			t.Errorf("stored secret %q", row.Secret)
		}
		// Not enrolled until confirmed: sign-in asks no code.
		_, sess, err := svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
		if sess.SecondFactor != store.SecondFactorNone {
			t.Errorf("sign-in before confirmation: %q", sess.SecondFactor)
		}
		// A wrong first code confirms nothing.
		_, _, err = svc.ConfirmTOTP(ctx, u, "", "000000")
		wantErr(t, err, ErrBadCode)
		if st, _ := svc.SecondFactor(ctx, u); st.Enrolled {
			t.Error("enrolled by a wrong code")
		}
		rec, passed, err := svc.ConfirmTOTP(ctx, u, sess.Cookie, codeAt(t, e.Secret, c.Now()))
		must(t, err)
		if len(rec) != RecoveryCodes || passed.SecondFactor != store.SecondFactorPassed || passed.Cookie == sess.Cookie {
			t.Errorf("confirmation: %d codes, session %v", len(rec), passed)
		}
		seen := map[string]bool{}
		for _, r := range rec {
			if !isRecoveryCode(r) || seen[r] {
				t.Errorf("recovery code %q", r)
			}
			seen[r] = true
		}
		// The confirming session was replaced.
		_, _, err = svc.SessionUser(ctx, sess.Cookie)
		wantErr(t, err, ErrUnauthenticated)
		if _, se, err := svc.SessionUser(ctx, passed.Cookie); err != nil || se.SecondFactor != store.SecondFactorPassed {
			t.Errorf("the new session: %+v, %v", se, err)
		}
		st, err := svc.SecondFactor(ctx, u)
		must(t, err)
		if !st.Enrolled || st.RecoveryCodesLeft != RecoveryCodes {
			t.Errorf("status %+v", st)
		}
		// Set up once: a second enrolment is a conflict.
		_, err = svc.BeginTOTP(ctx, u)
		wantErr(t, err, store.ErrConflict)
		// Another key does not open the secret.
		other := &Service{Store: ts.Store, Now: c.Now, SecretKey: bytes.Repeat([]byte{8}, 32)}
		if _, err := other.unseal(u.ID, row.Secret); err == nil {
			t.Error("a sealed secret opened with another key")
		}
		if _, err := svc.unseal(u.ID+1, row.Secret); err == nil {
			t.Error("a sealed secret opened for another user")
		}
	})
}

func fmtGo(e Enrolment) string { return e.GoString() }

func TestTOTPSignIn(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		u := newUser(t, ts.Store, goodPassword)
		secret, rec := enrol(t, svc, c, u)

		// The password opens a session that waits for the code.
		_, sess, err := svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
		if sess.SecondFactor != store.SecondFactorPending {
			t.Fatalf("sign-in of an enrolled user: %q", sess.SecondFactor)
		}
		_, _, err = svc.VerifySecondFactor(ctx, sess.Cookie, "123456")
		wantErr(t, err, ErrBadCode)
		code := codeAt(t, secret, c.Now())
		got, passed, err := svc.VerifySecondFactor(ctx, sess.Cookie, code)
		must(t, err)
		if got.ID != u.ID || passed.SecondFactor != store.SecondFactorPassed || passed.Cookie == sess.Cookie {
			t.Errorf("verified: %+v %v", got, passed)
		}
		_, _, err = svc.SessionUser(ctx, sess.Cookie)
		wantErr(t, err, ErrUnauthenticated)
		_, _, err = svc.VerifySecondFactor(ctx, passed.Cookie, code)
		wantErr(t, err, ErrNoSecondFactorStep)

		// The same code in another sign-in is refused: one use per code.
		_, again, err := svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
		_, _, err = svc.VerifySecondFactor(ctx, again.Cookie, code)
		wantErr(t, err, ErrBadCode)

		// A recovery code works once, in any case and spacing.
		r := strings.ToUpper(strings.ReplaceAll(rec[3], "-", " "))
		if _, _, err := svc.VerifySecondFactor(ctx, again.Cookie, r); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		_, third, err := svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
		_, _, err = svc.VerifySecondFactor(ctx, third.Cookie, rec[3])
		wantErr(t, err, ErrBadCode)
		if st, _ := svc.SecondFactor(ctx, u); st.RecoveryCodesLeft != RecoveryCodes-1 {
			t.Errorf("recovery codes left: %d", st.RecoveryCodesLeft)
		}
	})
}

// Codes are counted with the password: a password and four wrong codes
// lock the account, and the right code is then refused unchecked.
func TestTOTPCodesAreCounted(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		u := newUser(t, ts.Store, goodPassword)
		secret, _ := enrol(t, svc, c, u)
		_, sess, err := svc.Login(ctx, u.Username, goodPassword)
		must(t, err)
		for i := 1; i < DefaultLockAfter-1; i++ {
			_, _, err := svc.VerifySecondFactor(ctx, sess.Cookie, "000000")
			wantErr(t, err, ErrBadCode)
		}
		_, _, err = svc.VerifySecondFactor(ctx, sess.Cookie, "000000")
		wantErr(t, err, ErrLocked)
		_, _, err = svc.VerifySecondFactor(ctx, sess.Cookie, codeAt(t, secret, c.Now()))
		wantErr(t, err, ErrLocked)
		// A new sign-in does not clear it.
		_, _, err = svc.Login(ctx, u.Username, goodPassword)
		wantErr(t, err, ErrLocked)
	})
}

// A user whose roles require a second factor and who has none gets a
// session that must enrol; one who needs none gets a plain session.
func TestSecondFactorRequired(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, c *clock, ts testStore) {
		ctx := context.Background()
		official := newUser(t, ts.Store, goodPassword)
		other := newUser(t, ts.Store, goodPassword)
		svc.SecondFactorRequired = func(_ context.Context, u store.User) (bool, error) { return u.ID == official.ID, nil }
		_, sess, err := svc.Login(ctx, official.Username, goodPassword)
		must(t, err)
		if sess.SecondFactor != store.SecondFactorEnrol {
			t.Errorf("required, not enrolled: %q", sess.SecondFactor)
		}
		_, _, err = svc.VerifySecondFactor(ctx, sess.Cookie, "123456")
		wantErr(t, err, ErrNoSecondFactorStep)
		_, plain, err := svc.Login(ctx, other.Username, goodPassword)
		must(t, err)
		if plain.SecondFactor != store.SecondFactorNone {
			t.Errorf("not required: %q", plain.SecondFactor)
		}
		svc.SecondFactorRequired = func(context.Context, store.User) (bool, error) { return false, errors.New("casbin down") }
		if _, _, err := svc.Login(ctx, other.Username, goodPassword); err == nil {
			t.Error("a sign-in went on without knowing whether a second factor is required")
		}
	})
}

func TestIsSecondFactorCode(t *testing.T) {
	for code, want := range map[string]bool{"123456": true, " 123456 ": true, "12345": false, "1234567": false, "abcdef": false,
		"k7m2q-xw9ta": true, "K7M2Q XW9TA": true, "k7m2qxw9ta": true, "k7m2q-xw9t0": false, "": false} {
		if got := IsSecondFactorCode(code); got != want {
			t.Errorf("IsSecondFactorCode(%q) = %v", code, got)
		}
	}
}
