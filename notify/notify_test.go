package notify_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/notify"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/store/seeddata"
	"github.com/datagate/datagate/workflows"
)

// fixture is a real SQLite store with the demo orgs and users, the real
// calendar, and one submitted application.
type fixture struct {
	t   *testing.T
	st  *store.Store
	cal *calendar.Calendar
	app uint64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open("sqlite://" + filepath.Join(t.TempDir(), "dg.db"))
	must(t, err)
	t.Cleanup(func() { st.Close() })
	must(t, st.Migrate(ctx))
	cat, err := seeddata.Load()
	must(t, err)
	must(t, st.Seed(ctx, cat, store.DemoUsers(cat)))
	cal, err := calendar.Default()
	must(t, err)
	a := &store.Application{ApplicantOrg: "acme-fintech", ApplicantUser: "applicant", Title: "小微企业信贷风控",
		Purpose: "授信评估", PeriodMonths: 12, AccessMode: store.AccessSandbox,
		Datasets: []store.ApplicationDataset{{DatasetCode: "DS-0100"}}}
	must(t, st.CreateApplication(ctx, a))
	return &fixture{t: t, st: st, cal: cal, app: a.ID}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) user(name string) store.User {
	f.t.Helper()
	u, err := f.st.UserByName(context.Background(), name)
	must(f.t, err)
	return u
}

func (f *fixture) contact(name string, c store.NotifyContact) store.User {
	f.t.Helper()
	u := f.user(name)
	c.UserID = u.ID
	if c.Language == "" {
		c.Language = store.LangZH
	}
	must(f.t, f.st.SaveContact(context.Background(), c))
	return u
}

// openTask writes an open task for org, as the workflow's Apply would.
func (f *fixture) openTask(n int, kind, org string, opened, due time.Time) store.Task {
	f.t.Helper()
	wf := workflows.ApplicationWorkflowID(f.app)
	task := store.Task{ID: fmt.Sprintf("%s-t%d", wf, n), ApplicationID: f.app, WorkflowID: wf, Kind: kind,
		Department: org, Status: domain.TaskOpen, Round: 1, OpenedAt: opened, DueAt: due}
	must(f.t, f.st.Apply(context.Background(), store.Change{Tasks: []store.Task{task}}))
	return task
}

// dispatch runs DispatchWorkflow once in the SDK's test environment with
// the real activities (Deliver's retry policy included, in virtual time).
func (f *fixture) dispatch(cfg notify.Config, client *http.Client) notify.DispatchResult {
	f.t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	// The host may be loaded (load, not a deadlock, stalls the workflow).
	env.SetWorkerOptions(sdkworker.Options{DeadlockDetectionTimeout: time.Minute})
	notify.Register(env, notify.Deps{Store: f.st, Calendar: f.cal, Config: cfg, HTTPClient: client})
	env.ExecuteWorkflow(notify.DispatchWorkflowName, notify.DispatchInput{})
	if !env.IsWorkflowCompleted() {
		f.t.Fatal("the dispatch workflow did not complete")
	}
	must(f.t, env.GetWorkflowError())
	var res notify.DispatchResult
	must(f.t, env.GetWorkflowResult(&res))
	return res
}

func (f *fixture) deliveryLog(name string) []store.LoggedAttempt {
	f.t.Helper()
	log, _, err := f.st.DeliveryLog(context.Background(), f.user(name).ID, 100, 0)
	must(f.t, err)
	return log
}

// ---- an SMTP server in the test ---------------------------------------

// mailbox is an in-process SMTP server's backend (github.com/emersion/go-smtp).
type mailbox struct {
	user, pass string // required credentials, if any
	rejectRcpt string // an address refused with 550

	mu   sync.Mutex
	msgs []received
}

type received struct {
	from string
	to   []string
	data []byte
}

func (m *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{mb: m}, nil }

func (m *mailbox) received() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.msgs)
}

type session struct {
	mb     *mailbox
	authed bool
	cur    received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.mb.user || pass != s.mb.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.mb.user != "" && !s.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authenticate first"}
	}
	s.cur = received{from: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == s.mb.rejectRcpt {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.mb.mu.Lock()
	s.mb.msgs = append(s.mb.msgs, s.cur)
	s.mb.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

// startSMTP serves mb on a loopback port and returns its address.
func startSMTP(t *testing.T, mb *mailbox) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	srv := smtp.NewServer(mb)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true // loopback, as net/smtp allows
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// readMail parses a received message: its decoded subject and body.
func readMail(t *testing.T, data []byte) (hdr mail.Header, subject, body string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	must(t, err)
	subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	must(t, err)
	raw, err := io.ReadAll(m.Body)
	must(t, err)
	if m.Header.Get("Content-Transfer-Encoding") != "base64" || !strings.Contains(m.Header.Get("Content-Type"), "UTF-8") {
		t.Fatalf("mail headers %v: want UTF-8 text in base64", m.Header)
	}
	dec, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(raw)))
	must(t, err)
	return m.Header, subject, strings.ReplaceAll(string(dec), "\r\n", "\n")
}

// A real SMTP server receives the mail: a task assigned to samr reaches its
// two reviewers who chose e-mail, one in Chinese, one in English, through
// the server's PLAIN authentication.
func TestEmailReachesAnSMTPServer(t *testing.T) {
	f := newFixture(t)
	mb := &mailbox{user: "datagate", pass: "mail-secret"}
	cfg := notify.Config{SMTPAddr: startSMTP(t, mb), SMTPFrom: "数据授权平台 <noreply@datagate.test>",
		SMTPUser: "datagate", SMTPPassword: "mail-secret"}
	must(t, cfg.Validate())
	f.contact("dept_reviewer", store.NotifyContact{Language: store.LangZH, Email: "zhang@samr.test", EmailEnabled: true})
	f.contact("reviewer-samr", store.NotifyContact{Language: store.LangEN, Email: "li@samr.test", EmailEnabled: true})
	opened := time.Date(2025, 9, 26, 10, 0, 0, 0, calendar.Zone)
	task := f.openTask(2, domain.TaskDepartmentReview, "samr", opened, f.cal.DueAt(opened, 20))

	res := f.dispatch(cfg, nil)
	if res != (notify.DispatchResult{Claimed: 2, Sent: 2}) {
		t.Fatalf("dispatch = %+v, want 2 claimed and sent", res)
	}
	msgs := mb.received()
	if len(msgs) != 2 {
		t.Fatalf("the SMTP server received %d messages, want 2", len(msgs))
	}
	byRcpt := map[string]received{}
	for _, m := range msgs {
		if m.from != "noreply@datagate.test" || len(m.to) != 1 {
			t.Errorf("envelope from %q to %v", m.from, m.to)
			continue
		}
		byRcpt[m.to[0]] = m
	}
	hdr, subject, body := readMail(t, byRcpt["zhang@samr.test"].data)
	wantSubject := fmt.Sprintf("【DataGate】新待办：部门审核（申请 #%d《小微企业信贷风控》）", f.app)
	if subject != wantSubject {
		t.Errorf("zh subject = %q, want %q", subject, wantSubject)
	}
	for _, want := range []string{"市场监督管理局", "事项：部门审核", "任务编号：" + task.ID, "办理期限：2025-10-30 23:59", "请登录 DataGate 办理。"} {
		if !strings.Contains(body, want) {
			t.Errorf("zh body lacks %q:\n%s", want, body)
		}
	}
	if from, err := hdr.AddressList("From"); err != nil || len(from) != 1 || from[0].Name != "数据授权平台" || from[0].Address != "noreply@datagate.test" ||
		hdr.Get("To") != "zhang@samr.test" || hdr.Get("Message-ID") == "" || strings.ContainsFunc(hdr.Get("From"), func(r rune) bool { return r > 127 }) {
		t.Errorf("headers %v (%v)", hdr, err)
	}
	_, subject, body = readMail(t, byRcpt["li@samr.test"].data)
	if want := fmt.Sprintf(`[DataGate] New task: Department review (application #%d "小微企业信贷风控")`, f.app); subject != want {
		t.Errorf("en subject = %q, want %q", subject, want)
	}
	if !strings.Contains(body, "Due: 2025-10-30 23:59") || !strings.Contains(body, "has a new task") {
		t.Errorf("en body:\n%s", body)
	}
	for _, name := range []string{"dept_reviewer", "reviewer-samr"} {
		log := f.deliveryLog(name)
		if len(log) != 1 || log[0].Status != store.AttemptOK || log[0].Code != 250 || log[0].Channel != store.ChannelEmail ||
			log[0].EventKind != store.EventTaskOpened || log[0].Attempt != 1 {
			t.Errorf("%s's delivery log = %+v", name, log)
		}
	}
	// Sent deliveries are not sent again.
	if res := f.dispatch(cfg, nil); res.Claimed != 0 || len(mb.received()) != 2 {
		t.Errorf("a second dispatch = %+v, %d messages", res, len(mb.received()))
	}
}

// A 5xx reply is final: one attempt, the delivery failed, the code logged.
func TestEmailRefusedIsNotRetried(t *testing.T) {
	f := newFixture(t)
	mb := &mailbox{rejectRcpt: "gone@gsa.test"}
	cfg := notify.Config{SMTPAddr: startSMTP(t, mb), SMTPFrom: "noreply@datagate.test"}
	f.contact("reviewer-gsa", store.NotifyContact{Email: "gone@gsa.test", EmailEnabled: true})
	now := time.Now()
	f.openTask(2, domain.TaskDepartmentReview, "gsa", now, now.Add(72*time.Hour))
	if res := f.dispatch(cfg, nil); res != (notify.DispatchResult{Claimed: 1, Failed: 1}) {
		t.Fatalf("dispatch = %+v, want one failed", res)
	}
	log := f.deliveryLog("reviewer-gsa")
	if len(log) != 1 || log[0].Code != 550 || log[0].Status != store.AttemptError || !strings.Contains(log[0].Error, "RCPT TO") {
		t.Errorf("delivery log = %+v, want one refused attempt", log)
	}
	if len(mb.received()) != 0 {
		t.Error("a refused mail was received")
	}
}

// The password is never sent in clear text to a server that is not on
// loopback and offers no TLS: the delivery fails at once, before AUTH.
func TestEmailNoPasswordWithoutTLS(t *testing.T) {
	var ip net.IP
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			ip = n.IP
			break
		}
	}
	if ip == nil {
		t.Skip("no non-loopback IPv4 address to serve SMTP on")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	if err != nil {
		t.Skipf("listen on %s: %v", ip, err)
	}
	mb := &mailbox{user: "u", pass: "p"}
	srv := smtp.NewServer(mb)
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })

	f := newFixture(t)
	cfg := notify.Config{SMTPAddr: ln.Addr().String(), SMTPFrom: "noreply@datagate.test", SMTPUser: "u", SMTPPassword: "p"}
	f.contact("reviewer-gsa", store.NotifyContact{Email: "gsa@gsa.test", EmailEnabled: true})
	now := time.Now()
	f.openTask(2, domain.TaskDepartmentReview, "gsa", now, now.Add(72*time.Hour))
	if res := f.dispatch(cfg, nil); res.Failed != 1 {
		t.Errorf("dispatch = %+v, want failed", res)
	}
	log := f.deliveryLog("reviewer-gsa")
	if len(log) != 1 || !strings.Contains(log[0].Error, "offers no TLS") || len(mb.received()) != 0 {
		t.Errorf("delivery log = %+v, %d received; want one refusal before AUTH", log, len(mb.received()))
	}
}

// ---- webhooks ------------------------------------------------------------

// receiver is a webhook endpoint in httptest that checks every signature.
type receiver struct {
	t      *testing.T
	secret string
	// answers are the statuses to answer, in turn; the last repeats.
	answers []int

	mu       sync.Mutex
	calls    int
	bodies   [][]byte
	delivery []string
	badSigs  int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	err := notify.VerifySignature(rc.secret, r.Header.Get(notify.HeaderSignature), r.Header.Get(notify.HeaderTimestamp), body, time.Now(), 5*time.Minute)
	if err != nil {
		rc.badSigs++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	status := rc.answers[min(rc.calls, len(rc.answers)-1)]
	rc.calls++
	rc.bodies = append(rc.bodies, body)
	rc.delivery = append(rc.delivery, r.Header.Get(notify.HeaderDelivery))
	w.WriteHeader(status)
	fmt.Fprintf(w, "status %d", status)
}

// A signed webhook over https: the receiver checks the signature, answers
// 500 once, and the Deliver activity's retry gets through; both attempts
// are in the delivery log.
func TestWebhookSignedAndRetried(t *testing.T) {
	f := newFixture(t)
	rc := &receiver{t: t, secret: "s3cret-s3cret-s3cret", answers: []int{500, 204}}
	srv := httptest.NewTLSServer(rc)
	defer srv.Close()
	f.contact("reviewer-gsa", store.NotifyContact{Language: store.LangEN, WebhookURL: srv.URL + "/hooks/datagate",
		WebhookSecret: rc.secret, WebhookEnabled: true})
	opened := time.Date(2026, 3, 2, 9, 0, 0, 0, calendar.Zone)
	task := f.openTask(2, domain.TaskDepartmentReview, "gsa", opened, f.cal.DueAt(opened, 20))

	if res := f.dispatch(notify.Config{WebhookAllow: loopbackOnly}, srv.Client()); res != (notify.DispatchResult{Claimed: 1, Sent: 1}) {
		t.Fatalf("dispatch = %+v, want one sent", res)
	}
	if rc.calls != 2 || rc.badSigs != 0 || rc.delivery[0] != rc.delivery[1] {
		t.Fatalf("receiver saw %d calls, %d bad signatures, deliveries %v; want 2 signed calls of one delivery", rc.calls, rc.badSigs, rc.delivery)
	}
	var p notify.WebhookPayload
	must(t, json.Unmarshal(rc.bodies[1], &p))
	if p.Kind != store.EventTaskOpened || p.TaskID != task.ID || p.User != "reviewer-gsa" || p.Org != "gsa" ||
		p.Language != store.LangEN || !strings.HasPrefix(p.Subject, "[DataGate] New task: Department review") ||
		p.Data.TaskKind != domain.TaskDepartmentReview || p.ApplicationID != f.app {
		t.Errorf("payload = %+v", p)
	}
	log := f.deliveryLog("reviewer-gsa")
	if len(log) != 2 {
		t.Fatalf("delivery log = %+v, want 2 attempts", log)
	}
	// newest first
	if log[1].Attempt != 1 || log[1].Status != store.AttemptError || log[1].Code != 500 || !strings.Contains(log[1].Error, "500") ||
		log[0].Attempt != 2 || log[0].Status != store.AttemptOK || log[0].Code != 204 {
		t.Errorf("delivery log = %+v, want attempt 1 failed with 500, attempt 2 ok", log)
	}
}

// A 4xx (other than 408 and 429) is the receiver refusing: not retried.
// 429 is retried. A forged or stale signature fails the receiver's check.
func TestWebhookStatuses(t *testing.T) {
	for _, tc := range []struct {
		answers  []int
		calls    int
		want     notify.DispatchResult
		lastCode int
	}{
		{[]int{400}, 1, notify.DispatchResult{Claimed: 1, Failed: 1}, 400},
		{[]int{410}, 1, notify.DispatchResult{Claimed: 1, Failed: 1}, 410},
		{[]int{429, 429, 200}, 3, notify.DispatchResult{Claimed: 1, Sent: 1}, 200},
		{[]int{302}, 1, notify.DispatchResult{Claimed: 1, Failed: 1}, 302},
	} {
		t.Run(fmt.Sprint(tc.answers), func(t *testing.T) {
			f := newFixture(t)
			rc := &receiver{t: t, secret: "0123456789abcdef", answers: tc.answers}
			srv := httptest.NewServer(rc) // plain http on 127.0.0.1: allowed by the test flag
			defer srv.Close()
			f.contact("reviewer-gsa", store.NotifyContact{WebhookURL: srv.URL, WebhookSecret: rc.secret, WebhookEnabled: true})
			now := time.Now()
			f.openTask(2, domain.TaskDepartmentReview, "gsa", now, now.Add(72*time.Hour))
			res := f.dispatch(notify.Config{AllowLoopbackHTTP: true, WebhookAllow: loopbackOnly}, nil)
			if res != tc.want || rc.calls != tc.calls {
				t.Errorf("dispatch = %+v after %d calls, want %+v after %d", res, rc.calls, tc.want, tc.calls)
			}
			log := f.deliveryLog("reviewer-gsa")
			if len(log) != tc.calls || log[0].Code != tc.lastCode {
				t.Errorf("delivery log = %+v", log)
			}
		})
	}
}

// Retries run out after 8 attempts: the delivery is closed as failed.
func TestWebhookRetriesRunOut(t *testing.T) {
	f := newFixture(t)
	rc := &receiver{t: t, secret: "0123456789abcdef", answers: []int{503}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	f.contact("reviewer-gsa", store.NotifyContact{WebhookURL: srv.URL, WebhookSecret: rc.secret, WebhookEnabled: true})
	now := time.Now()
	f.openTask(2, domain.TaskDepartmentReview, "gsa", now, now.Add(72*time.Hour))
	if res := f.dispatch(notify.Config{AllowLoopbackHTTP: true, WebhookAllow: loopbackOnly}, nil); res.Failed != 1 || rc.calls != 8 {
		t.Fatalf("dispatch = %+v after %d calls, want one failed after 8", res, rc.calls)
	}
	evs, err := f.st.EventsOf(context.Background(), f.app)
	must(t, err)
	dels, err := f.st.Deliveries(context.Background(), evs[0].ID)
	must(t, err)
	if len(dels) != 1 || dels[0].Status != store.DeliveryFailed || dels[0].Attempts != 8 || !strings.Contains(dels[0].LastError, "gave up") {
		t.Errorf("delivery = %+v", dels)
	}
}

// Plain http is refused without the test flag, even to loopback.
func TestWebhookNeedsHTTPS(t *testing.T) {
	f := newFixture(t)
	rc := &receiver{t: t, secret: "0123456789abcdef", answers: []int{200}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	f.contact("reviewer-gsa", store.NotifyContact{WebhookURL: srv.URL, WebhookSecret: rc.secret, WebhookEnabled: true})
	now := time.Now()
	f.openTask(2, domain.TaskDepartmentReview, "gsa", now, now.Add(72*time.Hour))
	if res := f.dispatch(notify.Config{WebhookAllow: loopbackOnly}, nil); res.Failed != 1 || rc.calls != 0 {
		t.Errorf("dispatch = %+v, %d calls; want refused before sending", res, rc.calls)
	}
}

// A channel turned off (or a user disabled) after the delivery was queued
// is skipped, not sent; e-mail without a mail server is skipped too.
func TestDeliverySkipped(t *testing.T) {
	f := newFixture(t)
	mb := &mailbox{}
	cfg := notify.Config{SMTPAddr: startSMTP(t, mb), SMTPFrom: "noreply@datagate.test"}
	c := store.NotifyContact{Email: "gsa@gsa.test", EmailEnabled: true}
	u := f.contact("reviewer-gsa", c)
	now := time.Now()
	f.openTask(2, domain.TaskDepartmentReview, "gsa", now, now.Add(72*time.Hour))
	c.UserID, c.EmailEnabled, c.Language = u.ID, false, store.LangZH
	must(t, f.st.SaveContact(context.Background(), c))
	if res := f.dispatch(cfg, nil); res != (notify.DispatchResult{Claimed: 1, Skipped: 1}) || len(mb.received()) != 0 {
		t.Errorf("dispatch = %+v, %d mails; want skipped", res, len(mb.received()))
	}
	// Without a mail server.
	c.EmailEnabled = true
	must(t, f.st.SaveContact(context.Background(), c))
	f.openTask(3, domain.TaskDepartmentReview, "gsa", now, now.Add(72*time.Hour))
	if res := f.dispatch(notify.Config{}, nil); res != (notify.DispatchResult{Claimed: 1, Skipped: 1}) {
		t.Errorf("dispatch without SMTP = %+v, want skipped", res)
	}
}

// ---- signatures and URLs ---------------------------------------------------

func TestVerifySignature(t *testing.T) {
	body := []byte(`{"kind":"task.opened"}`)
	now := time.Unix(1_770_000_000, 0)
	ts := fmt.Sprint(now.Unix())
	sig := notify.Sign("0123456789abcdef", now.Unix(), body)
	if !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+64 {
		t.Fatalf("signature %q", sig)
	}
	must(t, notify.VerifySignature("0123456789abcdef", sig, ts, body, now.Add(time.Minute), 5*time.Minute))
	for name, err := range map[string]error{
		"another body":   notify.VerifySignature("0123456789abcdef", sig, ts, []byte(`{"kind":"x"}`), now, time.Minute),
		"another secret": notify.VerifySignature("0123456789abcdeX", sig, ts, body, now, time.Minute),
		"another time":   notify.VerifySignature("0123456789abcdef", sig, fmt.Sprint(now.Unix()+1), body, now, time.Minute),
		"a replay":       notify.VerifySignature("0123456789abcdef", sig, ts, body, now.Add(10*time.Minute), 5*time.Minute),
		"no timestamp":   notify.VerifySignature("0123456789abcdef", sig, "", body, now, time.Minute),
	} {
		if !errors.Is(err, notify.ErrBadSignature) {
			t.Errorf("%s: %v, want ErrBadSignature", name, err)
		}
	}
}

func TestCheckWebhookURL(t *testing.T) {
	for _, tc := range []struct {
		url      string
		loopback bool
		ok       bool
	}{
		{"https://hooks.example.com/dg", false, true},
		{"https://hooks.example.com:8443/dg?token=x", false, true},
		{"http://hooks.example.com/dg", false, false},
		{"http://127.0.0.1:8080/dg", false, false},
		{"http://127.0.0.1:8080/dg", true, true},
		{"http://localhost:8080/dg", true, false},
		{"http://10.0.0.1/dg", true, false},
		{"https://user:pw@hooks.example.com/", false, false},
		{"https://hooks.example.com/#x", false, false},
		{"ftp://hooks.example.com/", false, false},
		{"/relative", false, false},
		{"https://", false, false},
		{"https://example.com/" + strings.Repeat("a", 2048), false, false},
	} {
		err := notify.CheckWebhookURL(tc.url, tc.loopback)
		if (err == nil) != tc.ok {
			t.Errorf("CheckWebhookURL(%.60q, %v) = %v, want ok=%v", tc.url, tc.loopback, err, tc.ok)
		}
	}
}

// ---- configuration -------------------------------------------------------

func TestConfig(t *testing.T) {
	env := map[string]string{notify.EnvSMTPAddr: "smtp.example.gov.cn:587", notify.EnvSMTPFrom: "DataGate <noreply@example.gov.cn>",
		notify.EnvSMTPUser: "dg", notify.EnvSMTPPassword: "pw"}
	cfg := notify.FromEnv(func(k string) string { return env[k] })
	must(t, cfg.Validate())
	if !cfg.EmailEnabled() || cfg.SMTPUser != "dg" {
		t.Errorf("FromEnv = %+v", cfg)
	}
	bad := notify.Config{SMTPAddr: "smtp.example.gov.cn", SMTPFrom: "not an address", SMTPUser: "dg", TimeZone: "Mars/Olympus"}
	err := bad.Validate()
	for _, want := range []string{notify.EnvSMTPAddr, notify.EnvSMTPFrom, notify.EnvSMTPPassword, "Mars/Olympus"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to name %s", err, want)
		}
	}
	if err := (notify.Config{SMTPAddr: "mail:25"}).Validate(); err == nil || !strings.Contains(err.Error(), notify.EnvSMTPFrom) {
		t.Errorf("a server without a sender: %v", err)
	}
	if err := (notify.Config{}).Validate(); err != nil {
		t.Errorf("the zero config: %v", err)
	}
}

// The store skips the reply task's own "opened" event: the urge announces
// it, with the reply's deadline.
func TestUrgeReplyTaskMakesNoEvent(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	f.openTask(50, domain.TaskUrgeReply, "gsa", now, now.Add(72*time.Hour))
	if evs, err := f.st.EventsOf(context.Background(), f.app); err != nil || len(evs) != 0 {
		t.Errorf("an urge reply task made events %+v, %v", evs, err)
	}
}

// More deliveries than are sent at once: every one goes out.
func TestDispatchManyDeliveries(t *testing.T) {
	f := newFixture(t)
	rc := &receiver{t: t, secret: "0123456789abcdef", answers: []int{200}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	f.contact("reviewer-gsa", store.NotifyContact{WebhookURL: srv.URL, WebhookSecret: rc.secret, WebhookEnabled: true})
	now := time.Now()
	for i := range 45 {
		f.openTask(10+i, domain.TaskDepartmentReview, "gsa", now, now.Add(72*time.Hour))
	}
	if res := f.dispatch(notify.Config{AllowLoopbackHTTP: true, WebhookAllow: loopbackOnly}, nil); res != (notify.DispatchResult{Claimed: 45, Sent: 45}) || rc.calls != 45 {
		t.Errorf("dispatch = %+v, %d calls; want 45 sent", res, rc.calls)
	}
}
