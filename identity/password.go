// Package identity signs people and machines in: password hashing and
// policy, browser sessions, API tokens, account lockout, and a per-key rate
// limiter. It holds no HTTP: the API layer turns its errors into statuses
// and its sessions into cookies. Secrets never reach the database: it holds
// an argon2id hash of each password and a SHA-256 of each session cookie
// and API token.
package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Passwords are hashed with argon2id, the first choice of the OWASP
// Password Storage Cheat Sheet and the winner of the Password Hashing
// Competition, rather than bcrypt: it is memory-hard (each guess costs
// 19 MiB as well as time, which blunts GPUs and ASICs), it takes the whole
// password where bcrypt silently ignores everything after 72 bytes, and
// its parameters travel in the PHC string, so they can be raised later and
// old hashes still verify. The parameters are OWASP's minimum for argon2id:
// m=19 MiB, t=2, p=1.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Bounds on the parameters CheckPassword accepts from a stored hash, so that
// a corrupt or planted row cannot make one check take a gigabyte or a minute.
const (
	maxArgonMemory  = 256 * 1024 // KiB
	maxArgonTime    = 16
	maxArgonThreads = 16
)

// Password policy.
const (
	MinPasswordLen = 10  // characters
	MaxPasswordLen = 256 // characters
)

// ErrInvalid is wrapped by every error about bad input: a password that
// breaks the policy, a malformed credit code, a bad token name or lifetime.
// Its message says which rule and what to do.
var ErrInvalid = errors.New("invalid input")

// invalidError is a message that wraps ErrInvalid without repeating it.
type invalidError string

func (e invalidError) Error() string        { return string(e) }
func (e invalidError) Is(target error) bool { return target == ErrInvalid }

func invalidf(format string, args ...any) error {
	return invalidError(fmt.Sprintf(format, args...))
}

// phc encodes salt and key as a PHC string with the given parameters.
func phc(m, t uint32, p uint8, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, m, t, p, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// dummyHash is checked instead of a real hash when there is none (an
// unknown user, an empty or corrupt hash), so that the answer takes as long
// as for a real user with a wrong password. No password matches its key.
var dummyHash = phc(argonMemory, argonTime, argonThreads, make([]byte, argonSaltLen), make([]byte, argonKeyLen))

// HashPassword returns the argon2id hash of pw as a PHC string,
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, with a fresh random salt.
// It does not check the policy (see CheckPasswordPolicy); it refuses only an
// empty password.
func HashPassword(pw string) (string, error) {
	if pw == "" {
		return "", invalidError("the password is empty")
	}
	salt := make([]byte, argonSaltLen)
	_, _ = rand.Read(salt) // never fails; see crypto/rand.Read
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return phc(argonMemory, argonTime, argonThreads, salt, key), nil
}

// CheckPassword reports whether pw matches hash, a PHC string made by
// HashPassword (with these or other argon2id parameters). The keys are
// compared in constant time. A hash that does not parse matches nothing,
// after as much work as a real check.
func CheckPassword(hash, pw string) bool {
	m, t, p, salt, key, ok := parsePHC(hash)
	if !ok {
		m, t, p, salt, key, _ = parsePHC(dummyHash)
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1 && ok
}

// parsePHC splits an argon2id PHC string, refusing any other variant or
// version and parameters out of bounds.
func parsePHC(s string) (m, t uint32, p uint8, salt, key []byte, ok bool) {
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return
	}
	if fmt.Sprintf("m=%d,t=%d,p=%d", m, t, p) != parts[3] {
		return // trailing junk or a non-canonical number
	}
	if t < 1 || t > maxArgonTime || p < 1 || p > maxArgonThreads || m < 8*uint32(p) || m > maxArgonMemory {
		return
	}
	// Decoding skips line breaks; re-encoding refuses them and any other
	// non-canonical form.
	b64 := base64.RawStdEncoding.Strict()
	var err error
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 || b64.EncodeToString(salt) != parts[4] {
		return
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 || b64.EncodeToString(key) != parts[5] {
		return
	}
	return m, t, p, salt, key, true
}

// CheckPasswordPolicy checks a new password: at least MinPasswordLen and at
// most MaxPasswordLen characters, not only digits, no control characters.
// Spaces and any script are allowed, so a passphrase is fine. The error
// names the rule broken and wraps ErrInvalid.
func CheckPasswordPolicy(pw string) error {
	if !utf8.ValidString(pw) {
		return invalidError("the password is not valid UTF-8 text")
	}
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return invalidf("the password is %d characters long; use at least %d", n, MinPasswordLen)
	case n > MaxPasswordLen:
		return invalidf("the password is %d characters long; use at most %d", n, MaxPasswordLen)
	}
	digits := true
	for _, r := range pw {
		if unicode.IsControl(r) {
			return invalidError("the password contains a control character (such as a tab or a line break); use letters, digits, spaces and punctuation")
		}
		if r < '0' || r > '9' {
			digits = false
		}
	}
	if digits {
		return invalidError("the password is only digits; add letters or other characters")
	}
	return nil
}
