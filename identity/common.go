package identity

import (
	"strings"
	"sync"

	"github.com/trustelem/zxcvbn/frequency"
)

// The common passwords are zxcvbn's ranked list of the 30,000 passwords
// most common in leaked password sets (its "passwords" frequency list,
// built from Xato's corpus of 10 million passwords), as the Go port
// github.com/trustelem/zxcvbn ships it in package frequency, pinned in
// go.mod at v1.0.1 (MIT licence). zxcvbn keeps a word only in the list
// where it ranks highest, so a few common passwords that are also common
// English words are in its other lists; the long ones this policy meets
// (12 characters or more) are in this one.

// commonPasswords is the list as a set, lower-cased, built on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	list := frequency.FrequencyLists["passwords"]
	set := make(map[string]struct{}, len(list))
	for _, p := range list {
		set[strings.ToLower(p)] = struct{}{}
	}
	return set
})

// isCommonPassword reports whether lower, a lower-cased password, is on
// the list.
func isCommonPassword(lower string) bool {
	if lower == "" {
		return false
	}
	_, ok := commonPasswords()[lower]
	return ok
}
