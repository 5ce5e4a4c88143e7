package api

import (
	"errors"

	"github.com/datagate/datagate/identity"
)

// passwordError names the password field and says which rule of the
// password policy a new password breaks, and how to choose one, in the
// caller's language. It never repeats the password.
func passwordError(err error) *Error {
	var pe *identity.PasswordError
	if !errors.As(err, &pe) {
		return badRequest("password", "choose another password", "%v", err)
	}
	switch pe.Rule {
	case identity.PasswordNotUTF8:
		return badRequest("password", "type the password again", "password is not valid UTF-8 text")
	case identity.PasswordTooShort:
		return badRequest("password", "choose a password of at least 12 characters; a passphrase of a few words is easy to remember",
			"password is %d characters long; use at least %d", pe.Length, identity.MinPasswordLen)
	case identity.PasswordTooLong:
		return badRequest("password", "shorten the password", "password is %d characters long; use at most %d", pe.Length, identity.MaxPasswordLen)
	case identity.PasswordControl:
		return badRequest("password", "use letters, digits, spaces and punctuation", "password contains a control character (such as a tab or a line break)")
	case identity.PasswordSpacesOnly:
		return badRequest("password", "use letters, digits or punctuation too", "password is only spaces")
	case identity.PasswordDigitsOnly:
		return badRequest("password", "add letters or other characters", "password is only digits")
	case identity.PasswordRepetitive:
		return badRequest("password", "choose a password that is not a repetition", "password repeats one character or one group of characters")
	case identity.PasswordSequence:
		return badRequest("password", "choose a password that is not a sequence", "password is a run of consecutive characters (such as abcdef or 987654)")
	case identity.PasswordUsername:
		return badRequest("password", "choose a password that does not contain the username", "password contains the username")
	case identity.PasswordDemo:
		return badRequest("password", "choose your own password", "password is the published demo password or the service's name")
	case identity.PasswordCommon:
		return badRequest("password", "choose a less common password, e.g. a passphrase of several unrelated words",
			"password is on a list of common passwords that attackers try first")
	}
	return badRequest("password", "choose another password", "%v", err)
}
