package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/store"
)

type notificationPage struct {
	Notifications []struct {
		ID      uint64 `json:"id"`
		Kind    string `json:"kind"`
		TaskID  string `json:"task_id"`
		Subject string `json:"subject"`
		Body    string `json:"body"`
		ReadAt  string `json:"read_at"`
		Data    struct {
			Message string `json:"message"`
		} `json:"data"`
	} `json:"notifications"`
	Unread int64 `json:"unread"`
	More   bool  `json:"more"`
}

func (e *env) notifications(who, query, lang string) notificationPage {
	e.t.Helper()
	r := e.do("GET", "/api/v1/notifications"+query, nil, func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+e.token(who))
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
	})
	if r.Status != http.StatusOK {
		e.t.Fatalf("list %s's notifications: %d %s", who, r.Status, r.Body)
	}
	var p notificationPage
	r.decode(e.t, &p)
	return p
}

// A task opened for a department reaches its users in-app, in the
// caller's language; read state is each user's own, and another user's
// notification cannot be read.
func TestNotificationsInApp(t *testing.T) {
	e := newEnv(t)
	app := e.submitted("acme-fintech", "applicant")
	task := e.openTask(app, domain.TaskDepartmentReview, "samr")

	zh := e.notifications("dept_reviewer", "", "")
	if zh.Unread != 1 || len(zh.Notifications) != 1 || zh.Notifications[0].TaskID != task ||
		zh.Notifications[0].Kind != store.EventTaskOpened || !strings.HasPrefix(zh.Notifications[0].Subject, "【DataGate】新待办：部门审核") {
		t.Fatalf("dept_reviewer's notifications = %+v", zh)
	}
	en := e.notifications("dept_reviewer", "", "en-US,en;q=0.9")
	if !strings.HasPrefix(en.Notifications[0].Subject, "[DataGate] New task: Department review") {
		t.Errorf("in English: %q", en.Notifications[0].Subject)
	}
	if other := e.notifications("reviewer-gsa", "", ""); len(other.Notifications) != 0 || other.Unread != 0 {
		t.Errorf("gsa sees samr's notification: %+v", other)
	}

	id := zh.Notifications[0].ID
	path := fmt.Sprintf("/api/v1/notifications/%d/read", id)
	if r := e.do("POST", path, nil, ""); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", r.Status)
	}
	if r := e.do("POST", path, nil, "reviewer-gsa"); r.Status != http.StatusNotFound || errorField(t, r) != "id" {
		t.Errorf("reading another user's notification: %d %s", r.Status, r.Body)
	}
	var res struct{ Marked, Unread int64 }
	r := e.do("POST", path, nil, "dept_reviewer")
	r.decode(t, &res)
	if r.Status != http.StatusOK || res.Marked != 1 || res.Unread != 0 {
		t.Fatalf("read: %d %s", r.Status, r.Body)
	}
	if p := e.notifications("dept_reviewer", "?unread=true", ""); len(p.Notifications) != 0 || p.Unread != 0 {
		t.Errorf("unread after reading: %+v", p)
	}
	if p := e.notifications("dept_reviewer", "", ""); p.Notifications[0].ReadAt == "" {
		t.Errorf("read_at not set: %+v", p)
	}
	// The colleague in the same department has not read it.
	if p := e.notifications("reviewer-samr", "?unread=true", ""); len(p.Notifications) != 1 || p.Unread != 1 {
		t.Errorf("reviewer-samr's unread: %+v", p)
	}
	r = e.do("POST", "/api/v1/notifications/read-all", nil, "reviewer-samr")
	r.decode(t, &res)
	if r.Status != http.StatusOK || res.Marked != 1 || res.Unread != 0 {
		t.Errorf("read all: %d %s", r.Status, r.Body)
	}
}

// A supervisor's urge reaches the department's users with its message.
func TestUrgeReachesTheDepartment(t *testing.T) {
	e := newEnv(t)
	app := e.submitted("acme-fintech", "applicant")
	// A task that is not open does not reach the workflow: the harness
	// has no Temporal; the urge is recorded and notified by the store.
	task := e.openTask(app, domain.TaskDepartmentReview, "gsa")
	before := e.notifications("reviewer-gsa", "", "").Unread
	ctx := context.Background()
	u := &store.Urge{TaskID: task, Message: "请于本周内办结", CreatedAt: e.clock.Now()}
	if err := e.st.CreateUrge(ctx, u, store.Supervisor{User: "supervisor", Role: "supervisor", Org: "inspect"}); err != nil {
		t.Fatal(err)
	}
	p := e.notifications("reviewer-gsa", "", "")
	if p.Unread != before+1 || p.Notifications[0].Kind != store.EventTaskUrged || p.Notifications[0].Data.Message != "请于本周内办结" ||
		!strings.Contains(p.Notifications[0].Body, "督办意见：请于本周内办结") {
		t.Errorf("after the urge: %+v", p)
	}
}

type channelsView struct {
	InApp            bool   `json:"in_app"`
	Email            bool   `json:"email"`
	EmailAddress     string `json:"email_address"`
	Webhook          bool   `json:"webhook"`
	WebhookURL       string `json:"webhook_url"`
	WebhookSecretSet bool   `json:"webhook_secret_set"`
	Language         string `json:"language"`
}

// Channels: each bad value is refused with its field named and changes
// nothing; the secret is kept for signing but never shown again.
func TestChannels(t *testing.T) {
	e := newEnv(t)
	const secret = "tH1s-is-a-webhook-s3cret"
	get := func() (channelsView, string) {
		t.Helper()
		r := e.do("GET", "/api/v1/me/channels", nil, "reviewer-gsa")
		if r.Status != http.StatusOK {
			t.Fatalf("get channels: %d %s", r.Status, r.Body)
		}
		var v channelsView
		r.decode(t, &v)
		return v, string(r.Body)
	}
	if v, _ := get(); !v.InApp || v.Email || v.Webhook || v.Language != "zh-CN" {
		t.Errorf("defaults = %+v", v)
	}
	r := e.do("PUT", "/api/v1/me/channels", map[string]any{"email": true, "email_address": "zhang.san@gsa.example.gov.cn",
		"webhook": true, "webhook_url": "https://hooks.example.gov.cn/dg?k=1", "webhook_secret": secret, "language": "en"}, "reviewer-gsa")
	if r.Status != http.StatusOK || strings.Contains(string(r.Body), secret) {
		t.Fatalf("save: %d %s", r.Status, r.Body)
	}
	saved, body := get()
	want := channelsView{InApp: true, Email: true, EmailAddress: "zhang.san@gsa.example.gov.cn", Webhook: true,
		WebhookURL: "https://hooks.example.gov.cn/dg?k=1", WebhookSecretSet: true, Language: "en"}
	if saved != want || strings.Contains(body, secret) {
		t.Errorf("saved = %+v (%s), want %+v without the secret", saved, body, want)
	}
	u, _ := e.st.UserByName(context.Background(), "reviewer-gsa")
	if ct, err := e.st.Contact(context.Background(), u.ID); err != nil || ct.WebhookSecret != secret {
		t.Errorf("the stored secret = %q, %v; want it as given (it signs deliveries)", ct.WebhookSecret, err)
	}

	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"an address with a name", map[string]any{"email_address": "Zhang <z@gsa.example.gov.cn>"}, "email_address"},
		{"not an address", map[string]any{"email_address": "zhang.san"}, "email_address"},
		{"two addresses", map[string]any{"email_address": "a@x.cn, b@x.cn"}, "email_address"},
		{"plain http", map[string]any{"webhook_url": "http://hooks.example.gov.cn/dg"}, "webhook_url"},
		{"http to loopback", map[string]any{"webhook_url": "http://127.0.0.1:9000/dg"}, "webhook_url"},
		{"credentials in the URL", map[string]any{"webhook_url": "https://u:p@hooks.example.gov.cn/"}, "webhook_url"},
		{"not a URL", map[string]any{"webhook_url": "hooks.example.gov.cn"}, "webhook_url"},
		{"short secret", map[string]any{"webhook_secret": "0123456789abcde"}, "webhook_secret"},
		{"secret with a space", map[string]any{"webhook_secret": "0123456789 abcdef"}, "webhook_secret"},
		{"language", map[string]any{"language": "fr"}, "language"},
		{"email on, address cleared", map[string]any{"email_address": ""}, "email_address"},
		{"webhook on, URL cleared", map[string]any{"webhook_url": ""}, "webhook_url"},
		{"webhook on, secret cleared", map[string]any{"webhook_secret": ""}, "webhook_secret"},
		{"unknown field", `{"sms":true}`, ""},
		{"not JSON", `{"email":`, ""},
	} {
		r := e.do("PUT", "/api/v1/me/channels", tc.body, "reviewer-gsa")
		if r.Status != http.StatusBadRequest || errorField(t, r) != tc.field {
			t.Errorf("%s: %d %s, want 400 naming %q", tc.name, r.Status, r.Body, tc.field)
		}
		if now, _ := get(); now != saved {
			t.Errorf("%s changed the channels: %+v", tc.name, now)
		}
	}
	// Turn the webhook off and clear it: the secret goes too, on request.
	r = e.do("PUT", "/api/v1/me/channels", map[string]any{"webhook": false, "webhook_url": "", "webhook_secret": ""}, "reviewer-gsa")
	if v, _ := get(); r.Status != http.StatusOK || v.Webhook || v.WebhookURL != "" || v.WebhookSecretSet || !v.Email {
		t.Errorf("clearing the webhook: %d %+v", r.Status, v)
	}
	// Someone else's channels are not touched.
	if r := e.do("GET", "/api/v1/me/channels", nil, "reviewer-commerce"); !strings.Contains(string(r.Body), `"email":false`) {
		t.Errorf("reviewer-commerce's channels: %s", r.Body)
	}
}

// A cookie session must send the CSRF token to change channels or read
// state.
func TestNotificationRoutesNeedCSRF(t *testing.T) {
	e := newEnv(t)
	cookie, csrf, _ := e.signIn("reviewer-gsa", identity.DemoPassword)
	body := map[string]any{"email": true, "email_address": "a@gsa.example.gov.cn"}
	if r := e.do("PUT", "/api/v1/me/channels", body, withCookie(cookie, "")); r.Status != http.StatusForbidden {
		t.Errorf("PUT without CSRF: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/notifications/read-all", nil, withCookie(cookie, "")); r.Status != http.StatusForbidden {
		t.Errorf("read-all without CSRF: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/me/channels", nil, withCookie(cookie, "")); strings.Contains(string(r.Body), "a@gsa") {
		t.Errorf("a refused PUT changed the channels: %s", r.Body)
	}
	if r := e.do("PUT", "/api/v1/me/channels", body, withCookie(cookie, csrf)); r.Status != http.StatusOK {
		t.Errorf("PUT with CSRF: %d %s", r.Status, r.Body)
	}
}

// The delivery log shows the caller's own attempts only.
func TestMyDeliveries(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.st.UserByName(ctx, "reviewer-gsa")
	if err := e.st.SaveContact(ctx, store.NotifyContact{UserID: u.ID, Language: store.LangZH, Email: "g@gsa.example.gov.cn", EmailEnabled: true}); err != nil {
		t.Fatal(err)
	}
	app := e.submitted("acme-fintech", "applicant")
	e.openTask(app, domain.TaskDepartmentReview, "gsa")
	ids, err := e.st.ClaimPending(ctx, e.clock.Now(), 0, 10)
	if err != nil || len(ids) != 1 {
		t.Fatalf("claimed %v, %v", ids, err)
	}
	if err := e.st.RecordAttempt(ctx, store.DeliveryAttempt{DeliveryID: ids[0], UserID: u.ID, Channel: store.ChannelEmail, Attempt: 1,
		Status: store.AttemptError, Code: 451, Error: "451 greylisted", At: e.clock.Now()}, ""); err != nil {
		t.Fatal(err)
	}
	var page struct {
		Deliveries []struct {
			Attempt   int    `json:"attempt"`
			Status    string `json:"status"`
			Code      int    `json:"code"`
			Error     string `json:"error"`
			EventKind string `json:"event_kind"`
		} `json:"deliveries"`
	}
	r := e.do("GET", "/api/v1/me/deliveries", nil, "reviewer-gsa")
	r.decode(t, &page)
	if len(page.Deliveries) != 1 || page.Deliveries[0].Code != 451 || page.Deliveries[0].EventKind != store.EventTaskOpened {
		t.Errorf("reviewer-gsa's deliveries: %s", r.Body)
	}
	r = e.do("GET", "/api/v1/me/deliveries", nil, "reviewer-commerce")
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"deliveries":[]`) {
		t.Errorf("another user's deliveries: %d %s", r.Status, r.Body)
	}
}
