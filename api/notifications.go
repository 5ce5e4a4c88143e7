package api

import (
	"context"
	"errors"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/notify"
	"github.com/datagate/datagate/store"
)

// Notifications: each signed-in user's own in-app list, channels and
// delivery log (rbac.MeRead: everyone signed in, about themselves only).

// NotificationItem is one in-app notification, written in the caller's
// language (Accept-Language).
type NotificationItem struct {
	ID            uint64          `json:"id"`
	EventID       uint64          `json:"event_id"`
	Kind          string          `json:"kind"`
	Org           string          `json:"org"`
	ApplicationID uint64          `json:"application_id,omitempty"`
	TaskID        string          `json:"task_id,omitempty"`
	Subject       string          `json:"subject"`
	Body          string          `json:"body"`
	CreatedAt     time.Time       `json:"created_at"`
	ReadAt        *time.Time      `json:"read_at,omitempty"`
	Data          store.EventData `json:"data"`
}

// Channels is how a user is reached besides in-app. The webhook secret is
// never shown: only whether one is set.
type Channels struct {
	InApp            bool       `json:"in_app"`
	Email            bool       `json:"email"`
	EmailAddress     string     `json:"email_address"`
	Webhook          bool       `json:"webhook"`
	WebhookURL       string     `json:"webhook_url"`
	WebhookSecretSet bool       `json:"webhook_secret_set"`
	Language         string     `json:"language"`
	UpdatedAt        *time.Time `json:"updated_at,omitempty"`
}

// channelsBody changes channels; an omitted field keeps its value.
type channelsBody struct {
	Email         *bool   `json:"email"`
	Webhook       *bool   `json:"webhook"`
	EmailAddress  *string `json:"email_address"`
	WebhookURL    *string `json:"webhook_url"`
	WebhookSecret *string `json:"webhook_secret"`
	Language      *string `json:"language"`
}

const maxEmailLength = 254

// unreadOnly reads a list's unread filter: true or 1 for the unread
// ones only.
func unreadOnly(c *gin.Context) (bool, error) {
	switch v := c.Query("unread"); v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, badRequest("unread", "use unread=true for the unread ones only, or leave it out", "unread %q is not true or false", v)
	}
}

func (s *Server) listNotifications(c *gin.Context) {
	f := store.NotificationFilter{UserID: user(c).ID}
	var err error
	if f.UnreadOnly, err = unreadOnly(c); err != nil {
		fail(c, err)
		return
	}
	if f.Limit, f.Offset, err = paging(c); err != nil {
		fail(c, err)
		return
	}
	rows, more, unread, err := s.Store.Notifications(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	lang := notify.LanguageFor(c.GetHeader("Accept-Language"))
	items := make([]NotificationItem, len(rows))
	for i, r := range rows {
		msg, err := notify.Render(r.Event, lang)
		if err != nil {
			fail(c, err)
			return
		}
		items[i] = NotificationItem{ID: r.ID, EventID: r.EventID, Kind: r.Event.Kind, Org: r.Event.Org,
			ApplicationID: r.Event.ApplicationID, TaskID: r.Event.TaskID, Subject: msg.Subject, Body: msg.Body,
			CreatedAt: r.CreatedAt.UTC(), ReadAt: r.ReadAt, Data: r.Event.Data}
	}
	limit := f.Limit
	if limit == 0 {
		limit = store.DefaultLimit
	}
	c.Header("Content-Language", lang)
	c.JSON(http.StatusOK, gin.H{"notifications": items, "unread": unread, "limit": limit, "offset": f.Offset, "more": more})
}

func (s *Server) readNotification(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := strconv.ParseUint(c.Param("id"), 10, 63)
	if err != nil || id == 0 {
		fail(c, badRequest("id", "take the id from GET /api/v1/notifications", "notification id %q is not a positive number", c.Param("id")))
		return
	}
	u := user(c)
	if err := s.Store.MarkRead(ctx, u.ID, id, s.now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			fail(c, newErr(http.StatusNotFound, "not_found", "id", "take the id from GET /api/v1/notifications", "you have no notification %d", id))
			return
		}
		fail(c, err)
		return
	}
	s.respondUnread(c, u.ID, 1)
}

func (s *Server) readAllNotifications(c *gin.Context) {
	u := user(c)
	n, err := s.Store.MarkAllRead(c.Request.Context(), u.ID, s.now())
	if err != nil {
		fail(c, err)
		return
	}
	s.respondUnread(c, u.ID, n)
}

// respondUnread answers a read with how many it marked and how many are
// left unread.
func (s *Server) respondUnread(c *gin.Context, userID uint, marked int64) {
	unread, err := s.Store.UnreadCount(c.Request.Context(), userID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"marked": marked, "unread": unread})
}

func channelsOf(ct store.NotifyContact) Channels {
	out := Channels{InApp: true, Email: ct.EmailEnabled, EmailAddress: ct.Email, Webhook: ct.WebhookEnabled,
		WebhookURL: ct.WebhookURL, WebhookSecretSet: ct.WebhookSecret != "", Language: ct.Language}
	if !ct.UpdatedAt.IsZero() {
		t := ct.UpdatedAt.UTC()
		out.UpdatedAt = &t
	}
	return out
}

func (s *Server) getChannels(c *gin.Context) {
	ct, err := s.Store.Contact(c.Request.Context(), user(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, channelsOf(ct))
}

func (s *Server) putChannels(c *gin.Context) {
	ctx := c.Request.Context()
	var b channelsBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	u := user(c)
	ct, err := s.Store.Contact(ctx, u.ID)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.applyChannels(ctx, &ct, b); err != nil {
		fail(c, err)
		return
	}
	ct.UserID, ct.UpdatedAt = u.ID, s.now()
	if err := s.Store.SaveContact(ctx, ct); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, channelsOf(ct))
}

// applyChannels validates a change and applies it to ct; a refusal names
// the field and changes nothing.
func (s *Server) applyChannels(ctx context.Context, ct *store.NotifyContact, b channelsBody) error {
	next := *ct
	if b.Language != nil {
		switch *b.Language {
		case store.LangZH, store.LangEN:
			next.Language = *b.Language
		default:
			return badRequest("language", "use zh-CN or en", "language %q is not zh-CN or en", *b.Language)
		}
	}
	if b.EmailAddress != nil {
		addr := strings.TrimSpace(*b.EmailAddress)
		if addr != "" {
			parsed, err := mail.ParseAddress(addr)
			if err != nil || parsed.Address != addr || parsed.Name != "" || len(addr) > maxEmailLength || !strings.Contains(addr[strings.LastIndexByte(addr, '@')+1:], ".") {
				return badRequest("email_address", "give one address such as zhang.san@example.gov.cn, without a name or brackets", "email_address %q is not an e-mail address", addr)
			}
		}
		next.Email = addr
	}
	if b.WebhookURL != nil {
		raw := strings.TrimSpace(*b.WebhookURL)
		if raw != "" {
			if err := notify.CheckWebhookURL(raw, false); err != nil {
				return badRequest("webhook_url", "give an https:// URL that accepts POST requests, e.g. https://hooks.example.gov.cn/datagate",
					"webhook_url must be an absolute https URL without a user name, password or #fragment, at most 2048 characters")
			}
			// The worker refuses such an address when it connects; say so
			// now.
			if err := notify.CheckWebhookHost(ctx, s.WebhookResolver, raw, s.WebhookAllow); err != nil {
				return badRequest("webhook_url", "give a URL on the internet; for a receiver inside your network, ask the administrator to allow its network",
					"webhook_url points to an address that is not public (loopback, private, link-local or another reserved range): notifications are not sent there")
			}
		}
		next.WebhookURL = raw
	}
	if b.WebhookSecret != nil {
		secret := *b.WebhookSecret
		if secret != "" && !goodSecret(secret) {
			return badRequest("webhook_secret", "use a random string of 16 to 255 characters, e.g. the output of openssl rand -hex 32",
				"webhook_secret must be 16 to 255 printable characters without spaces")
		}
		next.WebhookSecret = secret
	}
	if b.Email != nil {
		next.EmailEnabled = *b.Email
	}
	if b.Webhook != nil {
		next.WebhookEnabled = *b.Webhook
	}
	switch {
	case next.EmailEnabled && next.Email == "":
		return badRequest("email_address", "give the address to send to, or set email to false", "e-mail needs an address: fill in email_address")
	case next.WebhookEnabled && next.WebhookURL == "":
		return badRequest("webhook_url", "give the URL to post to, or set webhook to false", "a webhook needs a URL: fill in webhook_url")
	case next.WebhookEnabled && next.WebhookSecret == "":
		return badRequest("webhook_secret", "use a random string of 16 to 255 characters, e.g. the output of openssl rand -hex 32",
			"a webhook needs a secret to sign its requests: fill in webhook_secret")
	}
	*ct = next
	return nil
}

// goodSecret: 16 to 255 characters, printable, no spaces.
func goodSecret(s string) bool {
	n := len([]rune(s))
	if n < notify.MinSecretLength || len(s) > notify.MaxSecretLength {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// DeliveryItem is one attempt to deliver a notification to the caller.
// A failure is told by its category and a generic message in the caller's
// language: never the error's text or the receiver's answer, which stay
// in the operator's log.
type DeliveryItem struct {
	ID         uint64    `json:"id"`
	DeliveryID uint64    `json:"delivery_id"`
	UserID     uint      `json:"user_id"`
	Channel    string    `json:"channel"`
	Attempt    int       `json:"attempt"`
	Status     string    `json:"status"`
	Code       int       `json:"code,omitempty"`
	Failure    string    `json:"failure,omitempty"`
	Message    string    `json:"message,omitempty"`
	At         time.Time `json:"at"`
	EventID    uint64    `json:"event_id"`
	EventKind  string    `json:"event_kind"`
}

// failureMessages are the messages of the failure categories, in English
// and zh-CN.
var failureMessages = map[string][2]string{
	notify.FailureNotAllowed:    {"Delivery failed: the webhook's address is not a public one and is not allowed.", "投递失败：Webhook 地址不是公网地址，不在允许范围内。"},
	notify.FailureInvalid:       {"Delivery failed: the address to deliver to is not valid.", "投递失败：接收地址无效。"},
	notify.FailureUnreachable:   {"Delivery failed: the receiver could not be reached.", "投递失败：无法连接接收方。"},
	notify.FailureRefused:       {"Delivery failed: the receiver refused it.", "投递失败：接收方拒绝接收。"},
	notify.FailureTemporary:     {"Delivery failed: the receiver answered with a temporary error.", "投递失败：接收方返回临时错误。"},
	notify.FailureNotConfigured: {"Delivery failed: the system's delivery settings need the administrator's attention.", "投递失败：系统的投递设置有误，请联系管理员。"},
}

func deliveryItemOf(a store.LoggedAttempt, lang string) DeliveryItem {
	it := DeliveryItem{ID: a.ID, DeliveryID: a.DeliveryID, UserID: a.UserID, Channel: a.Channel, Attempt: a.Attempt,
		Status: a.Status, Code: a.Code, At: a.At.UTC(), EventID: a.EventID, EventKind: a.EventKind}
	if it.Failure = notify.FailureOf(a.DeliveryAttempt); it.Failure != "" {
		i := 1
		if lang == store.LangEN {
			i = 0
		}
		it.Message = failureMessages[it.Failure][i]
	}
	return it
}

func (s *Server) myDeliveries(c *gin.Context) {
	limit, offset, err := paging(c)
	if err != nil {
		fail(c, err)
		return
	}
	log, more, err := s.Store.DeliveryLog(c.Request.Context(), user(c).ID, limit, offset)
	if err != nil {
		fail(c, err)
		return
	}
	lang := notify.LanguageFor(c.GetHeader("Accept-Language"))
	items := make([]DeliveryItem, len(log))
	for i, a := range log {
		items[i] = deliveryItemOf(a, lang)
	}
	if limit == 0 {
		limit = store.DefaultLimit
	}
	c.Header("Content-Language", lang)
	c.JSON(http.StatusOK, gin.H{"deliveries": items, "limit": limit, "offset": offset, "more": more})
}
