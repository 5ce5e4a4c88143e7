package notify

import (
	"errors"
	"net/http"
	"strings"

	"github.com/datagate/datagate/store"
)

// What a user is told of a failed delivery attempt: one of these
// categories, never the error's text or the receiver's answer (which
// could make the worker a probe of the network it runs in). The text
// stays in the delivery log's rows and the worker's log, for the
// operator.
const (
	// FailureNotAllowed: the webhook's host is, or resolves to, an address
	// that is not public and not in an allowed network.
	FailureNotAllowed = "address_not_allowed"
	// FailureInvalid: the webhook URL (or the channel) is not valid.
	FailureInvalid = "invalid_address"
	// FailureUnreachable: no answer: the host did not resolve, the
	// connection failed or timed out, TLS failed.
	FailureUnreachable = "unreachable"
	// FailureRefused: the receiver answered with a refusal that another
	// try would not change (a webhook's redirect or 4xx other than 408 and
	// 429, an SMTP 5xx).
	FailureRefused = "refused"
	// FailureTemporary: the receiver answered with an error worth another
	// try (a webhook's 5xx, 408 or 429, an SMTP 4xx).
	FailureTemporary = "temporary"
	// FailureNotConfigured: the server's own settings (the mail server)
	// stop the delivery: the administrator's to fix.
	FailureNotConfigured = "not_configured"
)

// Failures lists the categories.
var Failures = []string{FailureNotAllowed, FailureInvalid, FailureUnreachable, FailureRefused, FailureTemporary, FailureNotConfigured}

// categoryOf is a send error's category.
func categoryOf(err error) string {
	var se *sendError
	switch {
	case errors.Is(err, ErrAddressNotAllowed):
		return FailureNotAllowed
	case !errors.As(err, &se):
		return FailureUnreachable
	case se.category != "":
		return se.category
	case se.code == 0:
		return FailureUnreachable
	case se.permanent:
		return FailureRefused
	default:
		return FailureTemporary
	}
}

// FailureOf is the category of a logged attempt: "" when it succeeded.
// Deliver writes it at the start of the stored error; an attempt logged
// before it did is categorised by its channel and code.
func FailureOf(a store.DeliveryAttempt) string {
	if a.Status == store.AttemptOK {
		return ""
	}
	if cat, _, ok := strings.Cut(a.Error, ": "); ok {
		for _, f := range Failures {
			if cat == f {
				return f
			}
		}
	}
	switch code := a.Code; {
	case code == 0:
		return FailureUnreachable
	case a.Channel == store.ChannelEmail && code >= 500:
		return FailureRefused
	case a.Channel == store.ChannelEmail:
		return FailureTemporary
	case code >= 300 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests:
		return FailureRefused
	default:
		return FailureTemporary
	}
}
