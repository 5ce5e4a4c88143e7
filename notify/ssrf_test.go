package notify_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/notify"
	"github.com/datagate/datagate/store"
)

// loopbackOnly allows the httptest servers' addresses.
var loopbackOnly = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// hookServer is an https receiver on 127.0.0.1 and a client that trusts
// it under the name example.com (its certificate's), whatever host the
// URL names.
func hookServer(t *testing.T, rc *receiver) (*httptest.Server, *http.Client) {
	t.Helper()
	srv := httptest.NewTLSServer(rc)
	t.Cleanup(srv.Close)
	client := srv.Client()
	client.Transport.(*http.Transport).TLSClientConfig.ServerName = "example.com"
	return srv, client
}

// The worker does not connect to a webhook on loopback: the attempt is
// refused before a connection, not retried, and logged as such.
func TestWebhookToLoopbackRefused(t *testing.T) {
	f := newFixture(t)
	rc := &receiver{t: t, secret: "0123456789abcdef", answers: []int{204}}
	srv, client := hookServer(t, rc)
	f.contact("reviewer-gsa", store.NotifyContact{WebhookURL: srv.URL + "/hook", WebhookSecret: rc.secret, WebhookEnabled: true})
	now := time.Now()
	f.openTask(2, domain.TaskDepartmentReview, "gsa", now, now.Add(72*time.Hour))
	if res := f.dispatch(notify.Config{}, client); res != (notify.DispatchResult{Claimed: 1, Failed: 1}) || rc.calls != 0 {
		t.Fatalf("dispatch = %+v after %d calls; want one failed without a call", res, rc.calls)
	}
	log := f.deliveryLog("reviewer-gsa")
	if len(log) != 1 || log[0].Code != 0 || notify.FailureOf(log[0].DeliveryAttempt) != notify.FailureNotAllowed {
		t.Errorf("delivery log = %+v, want one attempt refused as %s", log, notify.FailureNotAllowed)
	}
}

// A host name that resolves to loopback (localhost) passes the URL's
// check and is refused when the worker dials the address it resolved to.
func TestWebhookNameResolvingToLoopbackRefusedAtDial(t *testing.T) {
	f := newFixture(t)
	rc := &receiver{t: t, secret: "0123456789abcdef", answers: []int{204}}
	srv, client := hookServer(t, rc)
	u, err := url.Parse(srv.URL)
	must(t, err)
	hook := "https://localhost:" + u.Port() + "/hook"
	if err := notify.CheckWebhookURL(hook, false); err != nil {
		t.Fatalf("CheckWebhookURL(%s) = %v; the test needs a URL that passes it", hook, err)
	}
	f.contact("reviewer-gsa", store.NotifyContact{WebhookURL: hook, WebhookSecret: rc.secret, WebhookEnabled: true})
	now := time.Now()
	f.openTask(2, domain.TaskDepartmentReview, "gsa", now, now.Add(72*time.Hour))
	if res := f.dispatch(notify.Config{}, client); res != (notify.DispatchResult{Claimed: 1, Failed: 1}) || rc.calls != 0 {
		t.Fatalf("dispatch = %+v after %d calls; want one failed without a call", res, rc.calls)
	}
	log := f.deliveryLog("reviewer-gsa")
	if len(log) != 1 || notify.FailureOf(log[0].DeliveryAttempt) != notify.FailureNotAllowed ||
		!strings.Contains(log[0].Error, "not allowed") {
		t.Errorf("delivery log = %+v, want the dial refused", log)
	}

	// With loopback allowed by the administrator, the same URL is delivered.
	f.openTask(3, domain.TaskDepartmentReview, "gsa", now, now.Add(72*time.Hour))
	if res := f.dispatch(notify.Config{WebhookAllow: loopbackOnly}, client); res != (notify.DispatchResult{Claimed: 1, Sent: 1}) || rc.calls != 1 {
		t.Errorf("dispatch with loopback allowed = %+v after %d calls; want one sent", res, rc.calls)
	}
}

// An allowed network lets a webhook through to it; another network stays
// refused.
func TestWebhookAllowedCIDR(t *testing.T) {
	for _, tc := range []struct {
		allow string
		sent  bool
	}{
		{"127.0.0.0/8", true},
		{"127.0.0.1", true},
		{"10.0.0.0/8,192.168.0.0/16", false},
	} {
		t.Run(tc.allow, func(t *testing.T) {
			allow, err := notify.ParseCIDRs(tc.allow)
			must(t, err)
			f := newFixture(t)
			rc := &receiver{t: t, secret: "0123456789abcdef", answers: []int{204}}
			srv, client := hookServer(t, rc)
			f.contact("reviewer-gsa", store.NotifyContact{WebhookURL: srv.URL, WebhookSecret: rc.secret, WebhookEnabled: true})
			now := time.Now()
			f.openTask(2, domain.TaskDepartmentReview, "gsa", now, now.Add(72*time.Hour))
			res := f.dispatch(notify.Config{WebhookAllow: allow}, client)
			if got := res.Sent == 1 && rc.calls == 1; got != tc.sent {
				t.Errorf("allowing %s: dispatch = %+v after %d calls, want sent=%v", tc.allow, res, rc.calls, tc.sent)
			}
		})
	}
}

// The default client (the worker's) refuses loopback too, and a plain
// http webhook allowed by the test flag still needs the address allowed.
func TestWebhookDefaultClientRefusesLoopback(t *testing.T) {
	f := newFixture(t)
	rc := &receiver{t: t, secret: "0123456789abcdef", answers: []int{204}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	f.contact("reviewer-gsa", store.NotifyContact{WebhookURL: srv.URL, WebhookSecret: rc.secret, WebhookEnabled: true})
	now := time.Now()
	f.openTask(2, domain.TaskDepartmentReview, "gsa", now, now.Add(72*time.Hour))
	if res := f.dispatch(notify.Config{AllowLoopbackHTTP: true}, nil); res.Failed != 1 || rc.calls != 0 {
		t.Errorf("dispatch = %+v after %d calls; want refused", res, rc.calls)
	}
	f.openTask(3, domain.TaskDepartmentReview, "gsa", now, now.Add(72*time.Hour))
	if res := f.dispatch(notify.Config{AllowLoopbackHTTP: true, WebhookAllow: loopbackOnly}, nil); res.Sent != 1 || rc.calls != 1 {
		t.Errorf("dispatch with loopback allowed = %+v after %d calls; want sent", res, rc.calls)
	}
}

// Which addresses a webhook may reach.
func TestWebhookAddressAllowed(t *testing.T) {
	refused := []string{
		"127.0.0.1", "127.8.9.10", "::1", "0.0.0.0", "::", "0.1.2.3",
		"10.0.0.1", "172.16.0.1", "172.31.255.254", "192.168.1.1", "fd00::1", "fc00::1",
		"169.254.169.254", "fe80::1", "100.64.0.1", "100.127.255.254",
		"224.0.0.1", "239.255.255.250", "ff02::1", "255.255.255.255", "240.0.0.1",
		"192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::a00:1", "2002:7f00:1::",
		"2001::1", "2001:db8::1", "fec0::1", "100::1",
	}
	allowed := []string{"93.184.216.34", "8.8.8.8", "114.114.114.114", "2606:4700::1111", "::ffff:8.8.8.8", "172.32.0.1", "100.128.0.1"}
	for _, s := range refused {
		if notify.AddressAllowed(netip.MustParseAddr(s), nil) {
			t.Errorf("%s is allowed; want refused", s)
		}
	}
	for _, s := range allowed {
		if !notify.AddressAllowed(netip.MustParseAddr(s), nil) {
			t.Errorf("%s is refused; want allowed", s)
		}
	}
	allow, err := notify.ParseCIDRs(" 10.0.0.0/8, 192.168.1.10 ,,fd00::/8")
	must(t, err)
	for _, s := range []string{"10.1.2.3", "::ffff:10.1.2.3", "192.168.1.10", "fd00::1"} {
		if !notify.AddressAllowed(netip.MustParseAddr(s), allow) {
			t.Errorf("%s is refused with %v allowed", s, allow)
		}
	}
	for _, s := range []string{"192.168.1.11", "127.0.0.1", "fc00::1"} {
		if notify.AddressAllowed(netip.MustParseAddr(s), allow) {
			t.Errorf("%s is allowed with only %v allowed", s, allow)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "hooks.internal", "10.0.0.1:443", "fe80::1%eth0"} {
		if _, err := notify.ParseCIDRs(bad); err == nil {
			t.Errorf("ParseCIDRs(%q) accepted", bad)
		}
	}
}
