package identity

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// creditCodeAlphabet is the GB 32100-2015 character set: digits and capital
// letters without I, O, S, V and Z. A character's value is its index.
const creditCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeWeights are the weights of positions 1..17, 3^(i-1) mod 31.
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCodeError says what is wrong with a unified social credit code, so
// that a caller can say it in another language; it wraps ErrInvalid. One
// case holds: Char at Pos (1-based) is outside the standard's alphabet;
// Check, the 18th character, is not Want, the check character of the first
// 17; or, with neither, the code does not have 18 characters but Length.
type CreditCodeError struct {
	Code   string
	Length int
	Pos    int
	Char   rune
	Check  rune
	Want   rune
}

func (e *CreditCodeError) Error() string {
	switch {
	case e.Pos > 0:
		hint := "use digits and capital letters other than I, O, S, V and Z"
		if e.Lowercase() {
			hint = "letters must be capitals"
		}
		return fmt.Sprintf("credit code %q: character %q at position %d is not allowed; %s", e.Code, e.Char, e.Pos, hint)
	case e.Check != 0:
		return fmt.Sprintf("credit code %q: the check character (position 18) is %q, but the first 17 characters give %q; the code is mistyped", e.Code, e.Check, e.Want)
	}
	return fmt.Sprintf("the credit code has %d characters; a unified social credit code has 18", e.Length)
}

// Is makes the error wrap ErrInvalid.
func (e *CreditCodeError) Is(target error) bool { return target == ErrInvalid }

// Lowercase: the character not allowed is a lowercase letter.
func (e *CreditCodeError) Lowercase() bool { return 'a' <= e.Char && e.Char <= 'z' }

// CheckCreditCode checks a unified social credit code (统一社会信用代码,
// GB 32100-2015): 18 characters from the standard's alphabet, the last one
// the check character of the first 17 (31 - Σ value·weight mod 31, where
// 31 counts as 0). It does not check that the registration authority,
// division or organization code parts are assigned. The error says what is
// wrong, and wraps ErrInvalid.
func CheckCreditCode(code string) error {
	if n := utf8.RuneCountInString(code); n != 18 {
		return &CreditCodeError{Code: code, Length: n}
	}
	rs := []rune(code)
	sum := 0
	for i, r := range rs {
		v := strings.IndexRune(creditCodeAlphabet, r)
		if v < 0 {
			return &CreditCodeError{Code: code, Length: 18, Pos: i + 1, Char: r}
		}
		if i < 17 {
			sum += v * creditCodeWeights[i]
		}
	}
	want := rune(creditCodeAlphabet[(31-sum%31)%31])
	if rs[17] != want {
		return &CreditCodeError{Code: code, Length: 18, Check: rs[17], Want: want}
	}
	return nil
}
