package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
)

// unreadOf is username's unread count as the store keeps it.
func (e *env) unreadOf(username string) int64 {
	e.t.Helper()
	u, err := e.st.UserByName(context.Background(), username)
	if err != nil {
		e.t.Fatal(err)
	}
	n, err := e.st.UnreadCount(context.Background(), u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// The header's bell shows the unread count of the user's in-app
// notifications, named for screen readers, linked to the notifications
// page; it shows no count once they are read.
func TestBellCountsUnreadNotifications(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	// Two review tasks opened for commerce: two notifications for its reviewer.
	a := e.application("acme-fintech", "applicant", "铃铛场景一", domain.StatusDepartmentReview, "DS-0100")
	b := e.application("acme-fintech", "applicant", "铃铛场景二", domain.StatusDepartmentReview, "DS-0100")
	e.task(a, 1, domain.TaskDepartmentReview, "commerce", now, now.Add(10*24*time.Hour))
	e.task(b, 1, domain.TaskDepartmentReview, "commerce", now, now.Add(10*24*time.Hour))
	if n := e.unreadOf("reviewer-commerce"); n != 2 {
		t.Fatalf("reviewer-commerce has %d unread notifications, want 2 for this test", n)
	}

	c := e.as("reviewer-commerce")
	p := c.get("/inbox")
	header := p.Body[:strings.Index(p.Body, "</header>")]
	for _, want := range []string{`href="/notifications" id="bell"`, `aria-label="2 条未读通知"`, `<span class="bell-count" id="bell-count">2</span>`} {
		if !strings.Contains(header, want) {
			t.Errorf("the header lacks %s", want)
		}
	}
	en := e.as("reviewer-commerce")
	en.lang = "en"
	mustContain(t, "the bell in English", en.get("/inbox"), `aria-label="2 unread notifications"`)

	// The page lists them, in words, with a link to each application.
	p = c.get("/notifications")
	if p.Status != http.StatusOK {
		t.Fatalf("/notifications: %d", p.Status)
	}
	mustContain(t, "notifications", p, "您有 2 条未读通知。", `id="read-all"`, `data-api="/api/v1/notifications/read-all"`,
		`href="/applications/`+itoa(a.ID)+`"`, `href="/applications/`+itoa(b.ID)+`"`, "铃铛场景一", `aria-current="page"`)

	// Read: no count on the bell, and the page says so.
	if r := c.post("/api/v1/notifications/read-all", nil); r.Status != http.StatusOK {
		t.Fatalf("read all: %d %s", r.Status, r.Body)
	}
	p = c.get("/inbox")
	header = p.Body[:strings.Index(p.Body, "</header>")]
	if strings.Contains(header, "bell-count") || !strings.Contains(header, `id="bell"`) || !strings.Contains(header, `aria-label="通知"`) {
		t.Errorf("after reading them all the bell shows: %s", header[strings.Index(header, `id="bell"`):])
	}
	mustContain(t, "notifications, all read", c.get("/notifications"), "没有未读通知。")
	mustNotContain(t, "notifications, all read", c.get("/notifications"), `id="read-all"`)

	// Someone else's bell is their own: the applicant has none of these.
	if n := e.unreadOf("applicant"); n != 0 {
		p = e.as("applicant").get("/applications")
		mustContain(t, "the applicant's bell", p, `id="bell-count">`+itoa(uint64(n))+`<`)
	} else {
		mustNotContain(t, "the applicant's bell", e.as("applicant").get("/applications"), "bell-count")
	}
	// Signed out: no bell.
	mustNotContain(t, "signed out", e.as("").get("/catalog"), `id="bell"`)
}
