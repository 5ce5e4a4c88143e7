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
	MinPasswordLen = 12  // characters
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

// PasswordRule names the rule of the password policy a new password
// breaks, so that a caller can say it in another language.
type PasswordRule string

// The rules of CheckPasswordPolicy, in the order they are checked.
const (
	PasswordNotUTF8    PasswordRule = "not_utf8"
	PasswordTooShort   PasswordRule = "too_short"
	PasswordTooLong    PasswordRule = "too_long"
	PasswordControl    PasswordRule = "control"
	PasswordSpacesOnly PasswordRule = "spaces_only"
	PasswordDigitsOnly PasswordRule = "digits_only"
	PasswordRepetitive PasswordRule = "repetitive" // one character or group repeated
	PasswordSequence   PasswordRule = "sequence"   // abcdefghijkl, 987654321098 …
	PasswordUsername   PasswordRule = "username"   // the username, or built on it
	PasswordDemo       PasswordRule = "demo"       // the published demo password, or the service's name
	PasswordCommon     PasswordRule = "common"     // a common password, or one with digits or symbols around it
)

// PasswordError is a new password that breaks the policy: which Rule, and
// for a length rule the password's Length in characters. It never holds
// the password. It wraps ErrInvalid.
type PasswordError struct {
	Rule   PasswordRule
	Length int
}

// Is makes the error wrap ErrInvalid.
func (e *PasswordError) Is(target error) bool { return target == ErrInvalid }

func (e *PasswordError) Error() string {
	switch e.Rule {
	case PasswordNotUTF8:
		return "the password is not valid UTF-8 text"
	case PasswordTooShort:
		return fmt.Sprintf("the password is %d characters long; use at least %d", e.Length, MinPasswordLen)
	case PasswordTooLong:
		return fmt.Sprintf("the password is %d characters long; use at most %d", e.Length, MaxPasswordLen)
	case PasswordControl:
		return "the password contains a control character (such as a tab or a line break); use letters, digits, spaces and punctuation"
	case PasswordSpacesOnly:
		return "the password is only spaces; use letters, digits or punctuation too"
	case PasswordDigitsOnly:
		return "the password is only digits; add letters or other characters"
	case PasswordRepetitive:
		return "the password repeats one character or one group of characters; choose one that does not"
	case PasswordSequence:
		return "the password is a run of consecutive characters (such as abcdef or 987654); choose one that is not"
	case PasswordUsername:
		return "the password contains the username; choose one that does not"
	case PasswordDemo:
		return "the password is the published demo password or the service's name; choose your own"
	case PasswordCommon:
		return "the password is on a list of common passwords that attackers try first; choose another"
	}
	return "the password breaks the password policy"
}

// contextWords are words a password of this service may not be built on:
// the demo password, which the README publishes, and the service's name.
var contextWords = []string{DemoPassword, "datagate"}

// CheckPasswordPolicy checks a new password of the user username, as NIST
// SP 800-63B (5.1.1.2) asks of a memorized secret: at least MinPasswordLen
// and at most MaxPasswordLen characters, any script, spaces allowed (a
// passphrase is fine), no control characters; and not a value known to be
// weak:
//
//   - only spaces, only digits, one character or group repeated
//     (aaaaaaaaaaaa, abcabcabcabc), or a run of consecutive characters
//     (abcdefghijkl);
//   - the username, or a password that contains it (for a username of four
//     characters or more; a shorter one is refused only as the whole
//     password, digits and symbols around it aside);
//   - the published demo password or the service's name, digits and
//     symbols around them aside;
//   - a common password (commonPasswords: the 30,000 most common passwords
//     that zxcvbn ranks), compared without case, and with the digits,
//     spaces and symbols around it stripped (Password2024!, 1qaz2wsx…).
//
// Nothing else is asked (no required mix of character kinds, no expiry),
// as NIST advises. The error is a *PasswordError naming the rule; it
// wraps ErrInvalid and never repeats the password.
func CheckPasswordPolicy(username, pw string) error {
	if !utf8.ValidString(pw) {
		return &PasswordError{Rule: PasswordNotUTF8}
	}
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return &PasswordError{Rule: PasswordTooShort, Length: n}
	case n > MaxPasswordLen:
		return &PasswordError{Rule: PasswordTooLong, Length: n}
	}
	digits := true
	for _, r := range pw {
		if unicode.IsControl(r) {
			return &PasswordError{Rule: PasswordControl}
		}
		if r < '0' || r > '9' {
			digits = false
		}
	}
	switch {
	case strings.TrimSpace(pw) == "":
		return &PasswordError{Rule: PasswordSpacesOnly}
	case digits:
		return &PasswordError{Rule: PasswordDigitsOnly}
	case repetitive(pw):
		return &PasswordError{Rule: PasswordRepetitive}
	case sequence(pw):
		return &PasswordError{Rule: PasswordSequence}
	}
	lower := strings.ToLower(pw)
	core := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	if name := strings.ToLower(strings.TrimSpace(username)); name != "" {
		if core == name || lower == name || utf8.RuneCountInString(name) >= 4 && strings.Contains(lower, name) {
			return &PasswordError{Rule: PasswordUsername}
		}
	}
	for _, w := range contextWords {
		if lower == w || core == w || strings.Trim(lower, trimmed) == w {
			return &PasswordError{Rule: PasswordDemo}
		}
	}
	if isCommonPassword(lower) || isCommonPassword(strings.Trim(lower, trimmed)) || isCommonPassword(core) {
		return &PasswordError{Rule: PasswordCommon}
	}
	return nil
}

// trimmed are the characters stripped from both ends of a password before
// it is compared with the common and context words: digits, spaces and
// the symbols people add to meet a composition rule.
const trimmed = "0123456789 !@#$%^&*()-_=+.,;:?~`'\"[]{}<>/|"

// repetitive: pw is one unit (a character or a group) repeated, e.g.
// aaaaaaaaaaaa or abcabcabcabc.
func repetitive(pw string) bool {
	rs := []rune(pw)
	for unit := 1; unit <= len(rs)/2; unit++ {
		if len(rs)%unit != 0 {
			continue
		}
		same := true
		for i := unit; i < len(rs) && same; i++ {
			same = rs[i] == rs[i-unit]
		}
		if same {
			return true
		}
	}
	return false
}

// sequence: every character of pw is the one before plus one, or every
// one minus one (abcdefghijkl, 9876543210…), digits wrapping from 9 to 0
// and back.
func sequence(pw string) bool {
	rs := []rune(pw)
	step := func(a, b rune) rune {
		d := b - a
		if '0' <= a && a <= '9' && '0' <= b && b <= '9' {
			d = (d + 10) % 10
			if d == 9 {
				d = -1
			}
		}
		return d
	}
	d := step(rs[0], rs[1])
	if d != 1 && d != -1 {
		return false
	}
	for i := 2; i < len(rs); i++ {
		if step(rs[i-1], rs[i]) != d {
			return false
		}
	}
	return true
}
