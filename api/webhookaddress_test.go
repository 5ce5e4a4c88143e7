package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/notify"
	"github.com/datagate/datagate/store"
)

// fakeResolver answers from a table; a name it lacks does not resolve.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	addrs, ok := f[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	var out []netip.Addr
	for _, a := range addrs {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

// A webhook URL whose host is, or resolves to, a loopback, private,
// link-local, CGNAT, multicast or unspecified address is refused when it
// is saved, naming webhook_url in the caller's language, unless the
// administrator allows its network.
func TestWebhookURLMustBePublic(t *testing.T) {
	e := newEnv(t)
	e.srv.WebhookResolver = fakeResolver{
		"hooks.example.gov.cn":    {"93.184.216.34"},
		"localhost":               {"127.0.0.1", "::1"},
		"intranet.example.gov.cn": {"10.1.2.3"},
		"mixed.example.gov.cn":    {"93.184.216.34", "127.0.0.1"},
		"meta.example.gov.cn":     {"169.254.169.254"},
	}
	hook := httptest.NewTLSServer(http.NotFoundHandler()) // a real server on 127.0.0.1
	defer hook.Close()
	const secret = "0123456789abcdef0123"
	put := func(url, lang string) response {
		return e.do("PUT", "/api/v1/me/channels", map[string]any{"webhook": true, "webhook_url": url, "webhook_secret": secret},
			func(req *http.Request) {
				req.Header.Set("Authorization", "Bearer "+e.token("reviewer-gsa"))
				if lang != "" {
					req.Header.Set("Accept-Language", lang)
				}
			})
	}
	if r := put("https://hooks.example.gov.cn/dg", ""); r.Status != http.StatusOK {
		t.Fatalf("a public webhook: %d %s", r.Status, r.Body)
	}
	refused := []string{
		hook.URL + "/hook", "https://127.0.0.1:8443/dg", "https://localhost/dg", "https://[::1]:8443/dg",
		"https://[::ffff:127.0.0.1]/dg", "https://0.0.0.0/dg", "https://10.1.2.3/dg", "https://172.16.0.9/dg",
		"https://192.168.1.1/dg", "https://[fd00::1]/dg", "https://169.254.169.254/latest/meta-data",
		"https://[fe80::1]/dg", "https://100.64.0.1/dg", "https://224.0.0.1/dg", "https://intranet.example.gov.cn/dg",
		"https://mixed.example.gov.cn/dg", "https://meta.example.gov.cn/dg",
	}
	for _, url := range refused {
		r := put(url, "")
		var out struct {
			Error struct{ Field, Message, Hint string }
		}
		_ = json.Unmarshal(r.Body, &out)
		if r.Status != http.StatusBadRequest || out.Error.Field != "webhook_url" || !strings.Contains(out.Error.Message, "非公网地址") {
			t.Errorf("%s: %d %s, want 400 naming webhook_url in Chinese", url, r.Status, r.Body)
		}
		r = put(url, "en")
		_ = json.Unmarshal(r.Body, &out)
		if r.Status != http.StatusBadRequest || out.Error.Field != "webhook_url" || !strings.Contains(out.Error.Message, "not public") ||
			!strings.Contains(out.Error.Hint, "administrator") {
			t.Errorf("%s in English: %d %s", url, r.Status, r.Body)
		}
	}
	gsa, err := e.st.UserByName(context.Background(), "reviewer-gsa")
	if err != nil {
		t.Fatal(err)
	}
	ct, err := e.st.Contact(context.Background(), gsa.ID)
	if err != nil || ct.WebhookURL != "https://hooks.example.gov.cn/dg" {
		t.Errorf("a refused URL was saved: %q, %v", ct.WebhookURL, err)
	}
	// A name that does not resolve (yet) is saved: the worker checks the
	// address each time it connects.
	if r := put("https://new.example.gov.cn/dg", ""); r.Status != http.StatusOK {
		t.Errorf("a name that does not resolve yet: %d %s", r.Status, r.Body)
	}

	// The administrator allows the intranet and loopback.
	allow, err := notify.ParseCIDRs("10.0.0.0/8,127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	e.srv.WebhookAllow = allow
	for _, url := range []string{hook.URL + "/hook", "https://10.1.2.3/dg", "https://intranet.example.gov.cn/dg"} {
		if r := put(url, ""); r.Status != http.StatusOK {
			t.Errorf("%s with %v allowed: %d %s", url, allow, r.Status, r.Body)
		}
	}
	for _, url := range []string{"https://192.168.1.1/dg", "https://169.254.169.254/dg", "https://[::1]/dg"} {
		if r := put(url, ""); r.Status != http.StatusBadRequest {
			t.Errorf("%s with only %v allowed: %d %s", url, allow, r.Status, r.Body)
		}
	}
}

// The delivery log tells the user that an attempt failed and its
// category, in their language: never the error's text or the receiver's
// answer (a port scanner's findings), which stay in the stored row.
func TestMyDeliveriesFailGenerically(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, err := e.st.UserByName(ctx, "reviewer-gsa")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.SaveContact(ctx, store.NotifyContact{UserID: u.ID, Language: store.LangZH, Email: "g@gsa.example.gov.cn", EmailEnabled: true}); err != nil {
		t.Fatal(err)
	}
	app := e.submitted("acme-fintech", "applicant")
	e.openTask(app, domain.TaskDepartmentReview, "gsa")
	ids, err := e.st.ClaimPending(ctx, e.clock.Now(), 0, 10)
	if err != nil || len(ids) != 1 {
		t.Fatalf("claimed %v, %v", ids, err)
	}
	attempts := []struct {
		channel, status string
		code            int
		err             string
		failure         string
	}{
		{store.ChannelWebhook, store.AttemptError, 0, `unreachable: webhook POST: Post "https://203.0.114.5:22/": dial tcp 203.0.114.5:22: connect: connection refused`, notify.FailureUnreachable},
		{store.ChannelWebhook, store.AttemptError, 0, `webhook POST: read tcp 10.0.0.5:41000->203.0.114.5:6379: read: connection reset by peer`, notify.FailureUnreachable},
		{store.ChannelWebhook, store.AttemptError, 500, `temporary: webhook answered 500 SSH-2.0-OpenSSH_9.6p1 Protocol mismatch.`, notify.FailureTemporary},
		{store.ChannelWebhook, store.AttemptError, 0, `address_not_allowed: webhook POST: dial tcp 127.0.0.1:6379: ` + notify.ErrAddressNotAllowed.Error(), notify.FailureNotAllowed},
		{store.ChannelWebhook, store.AttemptError, 404, `refused: webhook refused the delivery: 404 <html>nginx/1.24.0 internal-admin</html>`, notify.FailureRefused},
		{store.ChannelEmail, store.AttemptError, 550, `550 5.1.1 <g@gsa.example.gov.cn>: mailbox unavailable at mx7.internal`, notify.FailureRefused},
		{store.ChannelEmail, store.AttemptOK, 250, ``, ``},
	}
	for i, a := range attempts {
		if err := e.st.RecordAttempt(ctx, store.DeliveryAttempt{DeliveryID: ids[0], UserID: u.ID, Channel: a.channel, Attempt: i + 1,
			Status: a.status, Code: a.code, Error: a.err, At: e.clock.Now().Add(-time.Duration(len(attempts)-i) * time.Minute)}, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, lang := range []string{"zh-CN", "en"} {
		r := e.do("GET", "/api/v1/me/deliveries", nil, func(req *http.Request) {
			req.Header.Set("Authorization", "Bearer "+e.token("reviewer-gsa"))
			req.Header.Set("Accept-Language", lang)
		})
		for _, leak := range []string{"connection refused", "reset by peer", "OpenSSH", "nginx", "internal", "dial tcp", "203.0.114.5",
			"127.0.0.1", "mailbox", `"error":`} {
			if strings.Contains(string(r.Body), leak) {
				t.Errorf("%s: the delivery log shows %q: %s", lang, leak, r.Body)
			}
		}
		var page struct {
			Deliveries []map[string]any `json:"deliveries"`
		}
		r.decode(t, &page)
		if len(page.Deliveries) != len(attempts) {
			t.Fatalf("%s: %d attempts, want %d: %s", lang, len(page.Deliveries), len(attempts), r.Body)
		}
		want := map[string]string{"zh-CN": "投递失败", "en": "Delivery failed"}[lang]
		for i, got := range page.Deliveries { // newest first
			a := attempts[len(attempts)-1-i]
			failure, _ := got["failure"].(string)
			msg, _ := got["message"].(string)
			if failure != a.failure || (a.failure != "" && !strings.HasPrefix(msg, want)) || (a.failure == "" && msg != "") {
				t.Errorf("%s: attempt %v = %v, want failure %q with a message starting %q", lang, got["attempt"], got, a.failure, want)
			}
		}
	}
}
