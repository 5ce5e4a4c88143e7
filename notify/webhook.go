package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/datagate/datagate/store"
)

// Webhook headers. The signature covers the timestamp and the body:
//
//	X-DataGate-Signature: sha256=hex(HMAC-SHA256(secret, timestamp + "." + body))
//
// where timestamp is the X-DataGate-Timestamp header (Unix seconds). A
// receiver recomputes it with its secret, compares in constant time, and
// refuses a timestamp too far from its clock (VerifySignature does all
// three), so a captured request cannot be replayed later.
const (
	HeaderSignature = "X-DataGate-Signature"
	HeaderTimestamp = "X-DataGate-Timestamp"
	// HeaderDelivery identifies the delivery: a retry sends the same one,
	// so a receiver can drop a duplicate.
	HeaderDelivery = "X-DataGate-Delivery"
	HeaderEvent    = "X-DataGate-Event"
)

// MinSecretLength is the shortest webhook secret accepted.
const MinSecretLength = 16

// MaxSecretLength and MaxURLLength bound what is stored.
const (
	MaxSecretLength = 255
	MaxURLLength    = 2048
)

// WebhookPayload is the JSON body of a webhook delivery.
type WebhookPayload struct {
	// DeliveryID and EventID identify what is sent; Kind is the event's kind.
	DeliveryID    uint64          `json:"delivery_id"`
	EventID       uint64          `json:"event_id"`
	Kind          string          `json:"kind"`
	Org           string          `json:"org"`
	User          string          `json:"user"`
	ApplicationID uint64          `json:"application_id,omitempty"`
	TaskID        string          `json:"task_id,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
	Language      string          `json:"language"`
	Subject       string          `json:"subject"`
	Body          string          `json:"body"`
	Data          store.EventData `json:"data"`
}

// Sign returns the X-DataGate-Signature value of a body sent at timestamp.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// ErrBadSignature is returned by VerifySignature.
var ErrBadSignature = errors.New("webhook signature does not verify")

// VerifySignature checks a received webhook: the signature over the
// timestamp and body, and a timestamp within tolerance of now.
func VerifySignature(secret, signature, timestamp string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not Unix seconds", ErrBadSignature, timestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp %s is %s away from now", ErrBadSignature, timestamp, d.Round(time.Second))
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature)) {
		return ErrBadSignature
	}
	return nil
}

// CheckWebhookURL validates a webhook URL: absolute https with a host and
// no user info; plain http only to 127.0.0.1 when allowLoopbackHTTP.
func CheckWebhookURL(raw string, allowLoopbackHTTP bool) error {
	if len(raw) > MaxURLLength {
		return fmt.Errorf("the URL is longer than %d characters", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return errors.New("not an absolute URL")
	}
	if u.User != nil {
		return errors.New("the URL carries a user name or password; put credentials in the secret instead")
	}
	if u.Fragment != "" {
		return errors.New("the URL has a #fragment")
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && allowLoopbackHTTP && u.Hostname() == "127.0.0.1":
		return nil
	default:
		return errors.New("the URL must start with https://")
	}
}

// postWebhook sends one signed POST. 2xx is success; a 4xx other than 408
// and 429 is permanent (the receiver refuses this request), as is a
// redirect, which is not followed; anything else is worth another try.
func postWebhook(ctx context.Context, client *http.Client, cfg Config, rawURL, secret, deliveryID, kind string, body []byte, now time.Time) (int, error) {
	if err := CheckWebhookURL(rawURL, cfg.AllowLoopbackHTTP); err != nil {
		return 0, &sendError{permanent: true, category: FailureInvalid, err: fmt.Errorf("webhook URL: %w", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.SendTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return 0, &sendError{permanent: true, category: FailureInvalid, err: fmt.Errorf("webhook request: %w", err)}
	}
	ts := now.Unix()
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "DataGate-Webhook/1")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(secret, ts, body))
	req.Header.Set(HeaderDelivery, deliveryID)
	req.Header.Set(HeaderEvent, kind)
	resp, err := client.Do(req)
	if errors.Is(err, ErrAddressNotAllowed) {
		// Trying again cannot help until the administrator allows the
		// network (or the name resolves elsewhere).
		return 0, &sendError{permanent: true, category: FailureNotAllowed, err: fmt.Errorf("webhook POST: %w", redactURL(err, rawURL))}
	}
	if err != nil {
		return 0, &sendError{category: FailureUnreachable, err: fmt.Errorf("webhook POST: %w", redactURL(err, rawURL))}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return code, nil
	case code >= 300 && code < 400:
		return code, &sendError{code: code, permanent: true, category: FailureRefused, err: fmt.Errorf("webhook answered %d (a redirect, not followed): give the final URL", code)}
	case code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests:
		return code, &sendError{code: code, permanent: true, category: FailureRefused, err: fmt.Errorf("webhook refused the delivery: %d %s", code, oneLine(snippet))}
	default:
		return code, &sendError{code: code, category: FailureTemporary, err: fmt.Errorf("webhook answered %d %s", code, oneLine(snippet))}
	}
}

// newHTTPClient is the webhook client: no redirects, no cookies, no
// proxy, a dial timeout, and only the addresses allow and the public
// internet (guardClient).
func newHTTPClient(allow []netip.Prefix) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 4
	return guardClient(&http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, allow)
}

// redactURL keeps a webhook URL's query (which may hold a token) out of the
// delivery log.
func redactURL(err error, rawURL string) error {
	u, perr := url.Parse(rawURL)
	if perr != nil || u.RawQuery == "" {
		return err
	}
	short := *u
	short.RawQuery = "…"
	return errors.New(strings.ReplaceAll(err.Error(), rawURL, short.String()))
}

func oneLine(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 120 {
		s = truncateUTF8(s, 120) + "…"
	}
	return s
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
