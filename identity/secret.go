package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// TokenPrefix starts every API token, so that a token pasted where it does
// not belong (a log, a repository) is recognisable, and so that a bearer
// that is not one of ours is refused without a database query. Session
// cookie values have no prefix.
const TokenPrefix = "dg_"

// tokenDisplayLen is how much of a token is stored in clear for display
// ("dg_" and 8 random characters, 48 of its 256 bits).
const tokenDisplayLen = len(TokenPrefix) + 8

// secretBytes is the entropy of a secret; secretLen its base64url length.
const (
	secretBytes = 32
	secretLen   = 43
)

// NewSecret returns a new random secret, prefix followed by 32 random bytes
// in unpadded base64url, and HashSecret of it. Give TokenPrefix for an API
// token and "" for a session cookie or a CSRF token.
func NewSecret(prefix string) (plain, hash string) {
	b := make([]byte, secretBytes)
	_, _ = rand.Read(b) // never fails; see crypto/rand.Read
	plain = prefix + base64.RawURLEncoding.EncodeToString(b)
	return plain, HashSecret(plain)
}

// HashSecret is the hex SHA-256 of a secret, the form in which sessions
// and tokens are stored and looked up. A fast hash is right here, unlike
// for passwords: the secret has 256 random bits, so there is nothing to
// guess.
func HashSecret(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// wellFormed reports whether s looks like a secret NewSecret(prefix) made,
// so that garbage is refused before it costs a query.
func wellFormed(s, prefix string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(rest) != secretLen {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
