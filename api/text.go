package api

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Free text: every field a person writes has a length limit (in
// characters, documented as maxLength in the OpenAPI document), may hold
// no control character (a line break and a tab only where the field is
// multi-line), no invisible direction control (they make a text read
// otherwise than it is stored), and, when required, at least one visible
// character: a title of only zero-width spaces is no title.

// textRule is what one field accepts.
type textRule struct {
	max       int  // characters
	required  bool // at least one visible character
	multiline bool // line breaks and tabs allowed
}

// The limits of the fields of an application and of the decisions on it.
var (
	ruleTitle       = textRule{max: 200, required: true}
	ruleDomain      = textRule{max: 64}
	ruleLongText    = textRule{max: 5000, multiline: true}
	rulePurpose     = textRule{max: 5000, required: true, multiline: true}
	ruleReason      = textRule{max: 2000, multiline: true}
	ruleBasis       = textRule{max: 1000, multiline: true}
	ruleReport      = textRule{max: 20000, multiline: true} // a comment: an opinion, a self-evaluation or rectification report
	ruleModelName   = textRule{max: 200, required: true}
	ruleName        = textRule{max: 200, required: true}
	ruleShortReason = textRule{max: 500, multiline: true}
)

// editRules are the rules of the fields a supplement may edit: those of
// the draft, so a supplement cannot blank what a draft must have.
var editRules = map[string]textRule{
	"description":       ruleLongText,
	"purpose":           rulePurpose,
	"scope":             ruleLongText,
	"security_controls": ruleLongText,
}

// checkField checks value against r and returns it trimmed.
func checkField(field, value string, r textRule) (string, error) {
	v := strings.TrimSpace(value)
	visible := false
	for _, c := range v {
		switch {
		case (c == '\n' || c == '\r' || c == '\t') && r.multiline:
		case unicode.IsControl(c):
			return "", badRequest(field, "remove the control characters (and line breaks, in a one-line field)",
				"%s contains a control character", field)
		case directionControl(c):
			return "", badRequest(field, "remove the invisible text-direction characters",
				"%s contains an invisible text-direction character", field)
		case !unicode.IsSpace(c) && !unicode.Is(unicode.Cf, c):
			visible = true
		}
	}
	if n := utf8.RuneCountInString(v); n > r.max {
		return "", badRequest(field, "shorten it to the length the message names",
			"%s is %d characters long, more than %d", field, n, r.max)
	}
	if r.required && !visible {
		return "", badRequest(field, "write it with visible characters", "%s is required", field)
	}
	return v, nil
}

// directionControl: an embedding, override or isolate (U+202A–U+202E,
// U+2066–U+2069), which reorders what is displayed.
func directionControl(c rune) bool {
	return (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069')
}

// checkFields checks several fields, in order, trimming each in place.
func checkFields(fields ...fieldCheck) error {
	for _, f := range fields {
		v, err := checkField(f.name, *f.value, f.rule)
		if err != nil {
			return err
		}
		*f.value = v
	}
	return nil
}

// fieldCheck is one field for checkFields.
type fieldCheck struct {
	name  string
	value *string
	rule  textRule
}
