package identity

import (
	"fmt"

	"github.com/datagate/datagate/store"
)

// DemoPassword is the password of every demo user that `make run` seeds
// (store.DemoUsers). It is not a secret: it is documented so that anyone
// can play every role of the demo. A deployment seeds no demo users.
const DemoPassword = "datagate-demo"

// DemoUserHashes returns a copy of users with PasswordHash set to a hash of
// DemoPassword. The hash is computed once and shared, so that start-up
// costs one hash, not one per user; the shared salt is harmless for a
// published password.
func DemoUserHashes(users []store.User) ([]store.User, error) {
	hash, err := HashPassword(DemoPassword)
	if err != nil {
		return nil, fmt.Errorf("hash the demo password: %w", err)
	}
	out := make([]store.User, len(users))
	copy(out, users)
	for i := range out {
		out[i].PasswordHash = hash
	}
	return out, nil
}
