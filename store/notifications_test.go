package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/datagate/datagate/domain"
)

// notifyStores are the test stores, seeded, with the notification tables
// emptied (a MySQL database is shared between runs).
func notifyStores(t *testing.T, fn func(t *testing.T, s *Store)) {
	supervisionStores(t, func(t *testing.T, s *Store) {
		db := s.db.Session(&gorm.Session{AllowGlobalUpdate: true})
		for _, m := range []any{&DeliveryAttempt{}, &Delivery{}, &Notification{}, &NotifyEvent{}, &NotifyContact{}} {
			must(t, db.Delete(m).Error)
		}
		seeded(t, s)
		fn(t, s)
	})
}

func userNamed(t *testing.T, s *Store, name string) User {
	t.Helper()
	u, err := s.UserByName(context.Background(), name)
	must(t, err)
	return u
}

// notifyCounts counts the rows of the notification tables.
func notifyCounts(t *testing.T, s *Store) [3]int64 {
	t.Helper()
	return [3]int64{count(t, s, &NotifyEvent{}), count(t, s, &Notification{}), count(t, s, &Delivery{})}
}

// eventsSeen lists "kind org" of every event, in insertion order.
func eventsSeen(t *testing.T, s *Store, appID uint64) []string {
	t.Helper()
	evs, err := s.EventsOf(context.Background(), appID)
	must(t, err)
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind+" "+e.Org)
	}
	return out
}

// A workflow change tells the task's department of a new task, a reminder
// and an overdue task (the supervision office too), and the applicant of a
// decision on its application; applying the same change again, as a
// retried activity does, adds nothing.
func TestApplyDerivesNotificationsOnce(t *testing.T) {
	notifyStores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		gsa := userNamed(t, s, "reviewer-gsa")
		must(t, s.SaveContact(ctx, NotifyContact{UserID: gsa.ID, Language: LangEN, Email: "gsa@example.test", EmailEnabled: true,
			WebhookURL: "https://hooks.example.test/dg", WebhookSecret: "0123456789abcdef", WebhookEnabled: true}))
		// A disabled colleague receives nothing.
		off := User{Username: "gsa-retired", OrgCode: "gsa", Role: domain.RoleDeptReviewer}
		must(t, s.CreateUser(ctx, &off))
		must(t, s.SetDisabled(ctx, off.ID, true))

		app := submittedApp(t, s, "DS-0100")
		wf := fmt.Sprintf("application-%d", app)
		opened := cst(2025, 9, 26, 10)
		task := Task{ID: wf + "-t2", ApplicationID: app, WorkflowID: wf, Kind: "department_review", Department: "gsa",
			Status: domain.TaskOpen, Round: 1, OpenedAt: opened, DueAt: cst(2025, 10, 30, 23)}
		apply := func(c Change) {
			t.Helper()
			must(t, s.Apply(ctx, c))
			before := notifyCounts(t, s)
			must(t, s.Apply(ctx, c)) // the retry
			if after := notifyCounts(t, s); after != before {
				t.Fatalf("applying the same change again added notification rows: %v -> %v", before, after)
			}
		}

		apply(Change{App: &AppState{ID: app, Status: "department_review"}, Tasks: []Task{task}})
		if got, want := eventsSeen(t, s, app), []string{"task.opened gsa"}; !slices.Equal(got, want) {
			t.Fatalf("events after the push = %v, want %v", got, want)
		}
		evs, err := s.EventsOf(ctx, app)
		must(t, err)
		ev := evs[0]
		if ev.TaskID != task.ID || ev.Data.TaskKind != "department_review" || ev.Data.Title != "小微企业信用评估" ||
			ev.Data.DueAt == nil || !ev.Data.DueAt.Equal(task.DueAt) || !ev.CreatedAt.Equal(opened) {
			t.Errorf("task.opened event = %+v", ev)
		}
		dels, err := s.Deliveries(ctx, ev.ID)
		must(t, err)
		var chans []string
		for _, d := range dels {
			if d.UserID != gsa.ID || d.Status != DeliveryPending {
				t.Errorf("delivery %+v: want a pending one to reviewer-gsa", d)
			}
			chans = append(chans, d.Channel)
		}
		if !slices.Equal(chans, []string{ChannelEmail, ChannelWebhook}) {
			t.Errorf("channels of reviewer-gsa's deliveries = %v, want email and webhook", chans)
		}
		if n := count(t, s, &Notification{}); n != 1 {
			t.Errorf("%d in-app notifications, want 1 (reviewer-gsa; the disabled colleague gets none)", n)
		}

		// The reminder, then the overdue mark: to gsa, and to the
		// supervision office.
		reminded := cst(2025, 10, 27, 9)
		task.RemindAt, task.RemindedAt = &reminded, &reminded
		apply(Change{Tasks: []Task{task}})
		overdue := task.DueAt
		task.OverdueAt = &overdue
		apply(Change{Tasks: []Task{task}})
		want := []string{"task.opened gsa", "task.reminded gsa", "task.overdue gsa", "task.overdue inspect"}
		if got := eventsSeen(t, s, app); !slices.Equal(got, want) {
			t.Fatalf("events = %v, want %v", got, want)
		}
		supervisor := userNamed(t, s, "supervisor")
		list, _, unread, err := s.Notifications(ctx, NotificationFilter{UserID: supervisor.ID})
		must(t, err)
		if len(list) != 1 || unread != 1 || list[0].Event.Kind != EventTaskOverdue || list[0].Event.Data.Department != "gsa" {
			t.Errorf("the supervisor's notifications = %+v (unread %d), want the overdue gsa task", list, unread)
		}

		// A decision closes the task; the application is rejected: the
		// applicant is told once.
		decided := cst(2025, 10, 31, 10)
		task.Status, task.DecidedAt, task.Decision = domain.TaskDone, &decided, "reject"
		apply(Change{App: &AppState{ID: app, Status: domain.StatusRejected, EndedAt: &decided},
			Tasks: []Task{task},
			Audit: []AuditEntry{{WorkflowID: wf, Seq: 7, ApplicationID: app, Action: "application.rejected", At: decided}}})
		want = append(want, "application.status acme-fintech")
		if got := eventsSeen(t, s, app); !slices.Equal(got, want) {
			t.Fatalf("events = %v, want %v", got, want)
		}
		applicant := userNamed(t, s, "applicant")
		list, _, _, err = s.Notifications(ctx, NotificationFilter{UserID: applicant.ID})
		must(t, err)
		if len(list) != 1 || list[0].Event.Data.Status != domain.StatusRejected || !list[0].Event.CreatedAt.Equal(decided) {
			t.Errorf("the applicant's notifications = %+v, want the rejection", list)
		}
		// Writing the same status later (a later change of the same
		// application) is no new decision.
		apply(Change{App: &AppState{ID: app, Status: domain.StatusRejected, EndedAt: &decided}})
		if got := eventsSeen(t, s, app); !slices.Equal(got, want) {
			t.Errorf("rewriting the status added events: %v", got)
		}
	})
}

// The applicant's own steps are tasks opened for its org: an agreement to
// sign, an evaluation due, the exit confirmation with its deadline.
func TestApplicantStepsNotifyTheApplicant(t *testing.T) {
	notifyStores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		app := submittedApp(t, s, "DS-0100")
		wf := fmt.Sprintf("application-%d", app)
		at := cst(2026, 3, 2, 10)
		var tasks []Task
		for i, kind := range []string{"sign_commitment", "self_evaluation", "exit_confirmation"} {
			tasks = append(tasks, Task{ID: fmt.Sprintf("%s-t%d", wf, 10+i), ApplicationID: app, WorkflowID: wf, Kind: kind,
				Department: "acme-fintech", Status: domain.TaskOpen, Round: 1, OpenedAt: at, DueAt: at.AddDate(0, 0, 30)})
		}
		must(t, s.Apply(ctx, Change{App: &AppState{ID: app, Status: domain.StatusExiting, EndReason: "terminated"}, Tasks: tasks}))
		got := eventsSeen(t, s, app)
		sort.Strings(got)
		want := []string{"application.status acme-fintech", "task.opened acme-fintech", "task.opened acme-fintech", "task.opened acme-fintech"}
		if !slices.Equal(got, want) {
			t.Fatalf("events = %v, want %v", got, want)
		}
		n, err := s.UnreadCount(ctx, userNamed(t, s, "applicant").ID)
		must(t, err)
		if n != 4 {
			t.Errorf("the applicant has %d unread notifications, want 4", n)
		}
	})
}

// An urge (督办) tells every active user of the task's department, with the
// supervisor's message.
func TestUrgeNotifiesTheDepartment(t *testing.T) {
	notifyStores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		app := submittedApp(t, s, "DS-0100")
		writeTasks(t, s, app, taskSpec{"u-t1", "department_review", "samr", domain.TaskOpen, "", cst(2026, 3, 2, 10), cst(2026, 3, 30, 23), nil})
		// The workflow opens the reply task first; the urge announces it.
		replyDue := cst(2026, 3, 25, 23)
		must(t, s.Apply(ctx, Change{Tasks: []Task{{ID: "u-t2", ApplicationID: app, WorkflowID: "w", Kind: domain.TaskUrgeReply, Subject: "u-t1",
			Department: "samr", Status: domain.TaskOpen, Round: 1, OpenedAt: cst(2026, 3, 20, 15), DueAt: replyDue}}}))
		u := &Urge{TaskID: "u-t1", Message: "请本周内办结", CreatedAt: cst(2026, 3, 20, 15)}
		must(t, s.CreateUrge(ctx, u, Supervisor{User: "supervisor", Role: "supervisor", Org: "inspect"}))
		evs, err := s.EventsOf(ctx, app)
		must(t, err)
		var urged []NotifyEvent
		for _, e := range evs {
			switch {
			case e.Kind == EventTaskUrged:
				urged = append(urged, e)
			case e.TaskID == "u-t2":
				t.Errorf("the reply task has its own event %+v; the urge's announces it", e)
			}
		}
		if len(urged) != 1 || urged[0].Org != "samr" || urged[0].Data.Message != "请本周内办结" ||
			urged[0].Data.Supervisor != "supervisor" || urged[0].TaskID != "u-t1" ||
			urged[0].Data.ReplyDueAt == nil || !urged[0].Data.ReplyDueAt.Equal(replyDue) ||
			urged[0].Data.DepartmentName == "" || urged[0].Data.DepartmentNameEn == "" {
			t.Fatalf("urge events = %+v", urged)
		}
		for _, name := range []string{"dept_reviewer", "reviewer-samr"} {
			list, _, _, err := s.Notifications(ctx, NotificationFilter{UserID: userNamed(t, s, name).ID})
			must(t, err)
			if len(list) == 0 || list[0].Event.Kind != EventTaskUrged {
				t.Errorf("%s's newest notification is not the urge: %+v", name, list)
			}
		}
	})
}

// An automatic urge tells the department, the bureau, the supervision
// offices and the applicant, once however often the change is written;
// the recorded urge is the system's, and asks no reply.
func TestAutomaticUrgeTellsTheLadder(t *testing.T) {
	notifyStores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		app := submittedApp(t, s, "DS-0100")
		writeTasks(t, s, app, taskSpec{"a-t1", "department_review", "samr", domain.TaskOpen, "", cst(2026, 3, 2, 10), cst(2026, 3, 30, 23), nil})
		at := cst(2026, 4, 7, 23)
		c := Change{Urges: []Urge{{TaskID: "a-t1", Supervisor: AutomaticUrger, CreatedAt: at}}}
		must(t, s.Apply(ctx, c))
		must(t, s.Apply(ctx, c))
		urges, err := s.UrgesOf(ctx, "a-t1")
		must(t, err)
		if len(urges) != 1 || urges[0].Supervisor != AutomaticUrger || urges[0].Department != "samr" || urges[0].ApplicationID != app {
			t.Fatalf("urges = %+v", urges)
		}
		evs, err := s.EventsOf(ctx, app)
		must(t, err)
		told := map[string]EventData{}
		for _, e := range evs {
			if e.Kind == EventTaskUrged {
				if _, twice := told[e.Org]; twice {
					t.Errorf("%s told twice", e.Org)
				}
				told[e.Org] = e.Data
			}
		}
		var bureau, supervision []string
		must(t, s.db.Model(&Org{}).Where("kind = ?", KindBureau).Pluck("code", &bureau).Error)
		must(t, s.db.Model(&Org{}).Where("kind = ?", KindSupervision).Pluck("code", &supervision).Error)
		a, err := s.Application(ctx, app)
		must(t, err)
		want := append(append([]string{"samr", a.ApplicantOrg}, bureau...), supervision...)
		if len(bureau) == 0 || len(supervision) == 0 || len(told) != len(want) {
			t.Fatalf("told %v, want %v", told, want)
		}
		for _, org := range want {
			d, ok := told[org]
			if !ok || !d.Automatic || d.ReplyDueAt != nil || d.ToApplicant != (org == a.ApplicantOrg) {
				t.Errorf("%s: told %v %+v", org, ok, d)
			}
		}
	})
}

// In-app: newest first, an unread count, read state per user, and no
// reading of another user's notification.
func TestInAppReadState(t *testing.T) {
	notifyStores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		base := cst(2026, 3, 2, 8)
		var evs []NotifyEvent
		for i := range 3 {
			evs = append(evs, NotifyEvent{EventKey: fmt.Sprintf("test:%d", i), Kind: EventDigestDaily, Org: "samr",
				CreatedAt: base.Add(time.Duration(i) * time.Hour)})
		}
		n, err := s.AddEvents(ctx, evs)
		must(t, err)
		if n != 3 {
			t.Fatalf("AddEvents added %d, want 3", n)
		}
		if n, err := s.AddEvents(ctx, evs); err != nil || n != 0 {
			t.Fatalf("adding the same events again: %d, %v; want 0, nil", n, err)
		}
		a, b := userNamed(t, s, "dept_reviewer"), userNamed(t, s, "reviewer-samr")
		list, more, unread, err := s.Notifications(ctx, NotificationFilter{UserID: a.ID, Limit: 2})
		must(t, err)
		if len(list) != 2 || !more || unread != 3 || list[0].Event.EventKey != "test:2" || list[1].Event.EventKey != "test:1" {
			t.Fatalf("page 1 = %+v, more %v, unread %d", list, more, unread)
		}
		must(t, s.MarkRead(ctx, a.ID, list[0].ID, base.Add(5*time.Hour)))
		must(t, s.MarkRead(ctx, a.ID, list[0].ID, base.Add(6*time.Hour))) // again: no error, first time kept
		wantErr(t, s.MarkRead(ctx, b.ID, list[0].ID, base), ErrNotFound)
		wantErr(t, s.MarkRead(ctx, a.ID, 999999, base), ErrNotFound)
		unreadOnly, _, unread, err := s.Notifications(ctx, NotificationFilter{UserID: a.ID, UnreadOnly: true})
		must(t, err)
		if len(unreadOnly) != 2 || unread != 2 {
			t.Errorf("unread after one read: %d listed, count %d; want 2, 2", len(unreadOnly), unread)
		}
		all, _, _, err := s.Notifications(ctx, NotificationFilter{UserID: a.ID})
		must(t, err)
		if all[0].ReadAt == nil || !all[0].ReadAt.Equal(base.Add(5*time.Hour)) {
			t.Errorf("read_at = %v, want the first reading", all[0].ReadAt)
		}
		if n, err := s.UnreadCount(ctx, b.ID); err != nil || n != 3 {
			t.Errorf("a colleague's unread count = %d, %v; want 3 (read state is per user)", n, err)
		}
		marked, err := s.MarkAllRead(ctx, a.ID, base.Add(7*time.Hour))
		must(t, err)
		if n, _ := s.UnreadCount(ctx, a.ID); marked != 2 || n != 0 {
			t.Errorf("read all marked %d, unread now %d; want 2, 0", marked, n)
		}
	})
}

// The outbox: a claim holds deliveries from other runs until it lapses;
// each attempt is logged; a closed delivery is not claimed again.
func TestOutboxClaimsAndLogs(t *testing.T) {
	notifyStores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		u := userNamed(t, s, "reviewer-gsa")
		must(t, s.SaveContact(ctx, NotifyContact{UserID: u.ID, Language: LangZH, Email: "gsa@example.test", EmailEnabled: true}))
		_, err := s.AddEvents(ctx, []NotifyEvent{{EventKey: "test:outbox", Kind: EventDigestDaily, Org: "gsa", CreatedAt: cst(2026, 3, 2, 8)}})
		must(t, err)
		now := cst(2026, 3, 2, 9)
		ids, err := s.ClaimPending(ctx, now, time.Hour, 10)
		must(t, err)
		if len(ids) != 1 {
			t.Fatalf("claimed %v, want one delivery", ids)
		}
		if again, err := s.ClaimPending(ctx, now.Add(time.Minute), time.Hour, 10); err != nil || len(again) != 0 {
			t.Fatalf("a second run claimed %v, %v while the first holds it", again, err)
		}
		if lapsed, err := s.ClaimPending(ctx, now.Add(2*time.Hour), time.Hour, 10); err != nil || !slices.Equal(lapsed, ids) {
			t.Fatalf("after the claim lapsed: %v, %v; want %v", lapsed, err, ids)
		}
		job, err := s.DeliveryJob(ctx, ids[0])
		must(t, err)
		if job.User.Username != "reviewer-gsa" || job.Contact.Email != "gsa@example.test" || job.Event.EventKey != "test:outbox" || job.Delivery.Channel != ChannelEmail {
			t.Fatalf("job = %+v", job)
		}
		must(t, s.RecordAttempt(ctx, DeliveryAttempt{DeliveryID: ids[0], UserID: u.ID, Channel: ChannelEmail, Attempt: 1,
			Status: AttemptError, Code: 451, Error: "451 try again later", At: now}, ""))
		must(t, s.RecordAttempt(ctx, DeliveryAttempt{DeliveryID: ids[0], UserID: u.ID, Channel: ChannelEmail, Attempt: 2,
			Status: AttemptOK, Code: 250, At: now.Add(2 * time.Second)}, DeliverySent))
		job, err = s.DeliveryJob(ctx, ids[0])
		must(t, err)
		if d := job.Delivery; d.Status != DeliverySent || d.Attempts != 2 || d.DoneAt == nil || d.ClaimedUntil != nil {
			t.Errorf("delivery after success = %+v", d)
		}
		if more, err := s.ClaimPending(ctx, now.Add(5*time.Hour), time.Hour, 10); err != nil || len(more) != 0 {
			t.Errorf("a sent delivery was claimed again: %v, %v", more, err)
		}
		must(t, s.FinishDelivery(ctx, ids[0], DeliveryFailed, "late", now)) // closed: unchanged
		log, more, err := s.DeliveryLog(ctx, u.ID, 10, 0)
		must(t, err)
		if len(log) != 2 || more || log[0].Attempt != 2 || log[0].Status != AttemptOK || log[1].Code != 451 ||
			log[0].EventKind != EventDigestDaily || log[0].EventID != job.Event.ID {
			t.Errorf("delivery log = %+v", log)
		}
		if other, _, err := s.DeliveryLog(ctx, userNamed(t, s, "supervisor").ID, 10, 0); err != nil || len(other) != 0 {
			t.Errorf("another user's delivery log = %v, %v; want empty", other, err)
		}
	})
}

// Contact details: defaults for a user who saved none, saved as given,
// and only the reachable chosen channels count.
func TestContactDetails(t *testing.T) {
	notifyStores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		u := userNamed(t, s, "operator")
		c, err := s.Contact(ctx, u.ID)
		must(t, err)
		if c.Language != LangZH || len(c.Channels()) != 0 {
			t.Errorf("default contact = %+v", c)
		}
		c = NotifyContact{UserID: u.ID, Language: LangEN, Email: "op@example.test", EmailEnabled: false,
			WebhookURL: "https://h.example.test/x", WebhookSecret: "0123456789abcdef", WebhookEnabled: true}
		must(t, s.SaveContact(ctx, c))
		c.EmailEnabled = true
		must(t, s.SaveContact(ctx, c))
		got, err := s.Contact(ctx, u.ID)
		must(t, err)
		if got.Email != c.Email || got.WebhookSecret != c.WebhookSecret || got.Language != LangEN ||
			!slices.Equal(got.Channels(), []string{ChannelEmail, ChannelWebhook}) {
			t.Errorf("saved contact = %+v", got)
		}
		if ch := (NotifyContact{EmailEnabled: true, WebhookEnabled: true, WebhookURL: "https://x"}).Channels(); len(ch) != 0 {
			t.Errorf("channels without an address or a secret = %v", ch)
		}
	})
}

// A key longer than the column is shortened, still unique and stable.
func TestLongEventKey(t *testing.T) {
	notifyStores(t, func(t *testing.T, s *Store) {
		long := func(c byte) NotifyEvent {
			k := make([]byte, 400)
			for i := range k {
				k[i] = 'k'
			}
			k[len(k)-1] = c
			return NotifyEvent{EventKey: string(k), Kind: EventDigestDaily, Org: "gsa", CreatedAt: time.Now()}
		}
		ctx := context.Background()
		n, err := s.AddEvents(ctx, []NotifyEvent{long('a'), long('b')})
		if err != nil || n != 2 {
			t.Fatalf("AddEvents = %d, %v; want 2", n, err)
		}
		if n, err := s.AddEvents(ctx, []NotifyEvent{long('a')}); err != nil || n != 0 {
			t.Fatalf("again = %d, %v; want 0", n, err)
		}
	})
}

func TestTruncateKeepsUTF8(t *testing.T) {
	s := "督办督办"
	for n := range len(s) + 1 {
		got := truncate(s, n)
		if len(got) > n || !utf8.ValidString(got) {
			t.Errorf("truncate(%q, %d) = %q", s, n, got)
		}
	}
}

// A procedure's step tells its department, titled by the procedure; its
// end tells whoever filed it the outcome and the reason, once.
func TestProceduresNotify(t *testing.T) {
	notifyStores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		at := cst(2026, 3, 2, 10)
		p := Procedure{Kind: domain.ProcCatalogRequest, Title: "请求开放企业用电数据", RequesterOrg: "acme-fintech",
			RequesterUser: "applicant", Department: "samr", OpenedAt: at}
		must(t, s.CreateProcedure(ctx, &p))
		wf := fmt.Sprintf("procedure-%d", p.ID)
		task := Task{ID: wf + "-t1", WorkflowID: wf, ProcedureID: p.ID, Kind: domain.TaskRequestAssess, Department: "samr",
			Status: domain.TaskOpen, Round: 1, OpenedAt: at, DueAt: at.AddDate(0, 0, 7)}
		must(t, s.Apply(ctx, Change{Tasks: []Task{task}, Procedure: &ProcedureState{ID: p.ID, Outcome: domain.OutcomeOpen}}))
		closed := at.Add(time.Hour)
		task.Status, task.Decision, task.DecidedAt = domain.TaskDone, domain.DecisionRefuse, &closed
		end := Change{Tasks: []Task{task}, Procedure: &ProcedureState{ID: p.ID, Outcome: domain.OutcomeRefused,
			Reason: "涉及个人隐私", Basis: "第九条", ClosedAt: &closed}}
		must(t, s.Apply(ctx, end))
		must(t, s.Apply(ctx, end)) // retried
		var events []NotifyEvent
		must(t, s.db.Order("id").Find(&events).Error)
		var got []string
		for _, e := range events {
			got = append(got, e.Kind+" "+e.Org)
			if e.Data.ProcedureID != p.ID || e.Data.Title != p.Title || e.ApplicationID != 0 {
				t.Errorf("%s: data %+v", e.Kind, e.Data)
			}
		}
		if want := []string{"task.opened samr", "procedure.closed acme-fintech"}; !slices.Equal(got, want) {
			t.Fatalf("events %v, want %v", got, want)
		}
		if d := events[1].Data; d.Status != domain.OutcomeRefused || d.Message != "涉及个人隐私" {
			t.Errorf("the end's data %+v", d)
		}
	})
}
