package store

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
)

// Migration 8 adds applications.renews_application_id to a database that
// holds applications already: they renew nothing (NULL), a new row may
// name the application it renews, and the Down section takes the column
// and its index away again.
func TestMigrationApplicationRenewals(t *testing.T) {
	ctx := context.Background()
	const before, version = 7, 8
	for _, s := range rawTestStores(t) {
		t.Run(s.dialect, func(t *testing.T) {
			dropAllTables(t, s)
			p, err := s.migrations()
			must(t, err)
			_, err = p.UpTo(ctx, before)
			must(t, err)
			if s.db.Migrator().HasColumn(&Application{}, "renews_application_id") {
				t.Fatalf("applications.renews_application_id exists before migration %d", version)
			}
			insert := func(title string) uint64 {
				t.Helper()
				now := time.Now().UTC()
				must(t, s.db.Exec("INSERT INTO applications (applicant_org, applicant_user, title, period_months, access_mode, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
					"acme-fintech", "applicant", title, 12, AccessSandbox, domain.StatusActive, now, now).Error)
				var id uint64
				must(t, s.db.Raw("SELECT MAX(id) FROM applications").Scan(&id).Error)
				return id
			}
			old := insert("迁移前的申请")
			applied, err := p.UpTo(ctx, version)
			must(t, err)
			if len(applied) != 1 || applied[0].Source.Version != version {
				t.Fatalf("UpTo(%d) applied %d migrations, want migration %d alone", version, len(applied), version)
			}
			if !s.db.Migrator().HasIndex(&Application{}, "idx_applications_renews_application_id") {
				t.Error("no index on applications.renews_application_id after migration 8")
			}
			// The column alone: Application reads the tables of later
			// migrations too.
			var a Application
			must(t, s.db.Select("id", "renews_application_id").Where("id = ?", old).Take(&a).Error)
			if a.RenewsApplicationID != nil {
				t.Errorf("an application from before migration %d renews %d, want nothing", version, *a.RenewsApplicationID)
			}
			if _, ok, err := s.RenewalOf(ctx, old); err != nil || ok {
				t.Errorf("RenewalOf(%d) before any renewal = %v, %v; want none", old, ok, err)
			}
			renewal := insert("续期")
			must(t, s.db.Exec("UPDATE applications SET renews_application_id = ? WHERE id = ?", old, renewal).Error)
			if got, ok, err := s.RenewalOf(ctx, old); err != nil || !ok || got.ID != renewal {
				t.Errorf("RenewalOf(%d) = %+v, %v, %v; want application %d", old, got, ok, err, renewal)
			}

			_, err = p.DownTo(ctx, before)
			must(t, err)
			if s.db.Migrator().HasColumn(&Application{}, "renews_application_id") {
				t.Errorf("applications.renews_application_id still exists after migration %d's Down", version)
			}
			_, err = p.Up(ctx)
			must(t, err)
			if !s.db.Migrator().HasColumn(&Application{}, "renews_application_id") {
				t.Error("applications.renews_application_id missing after migrating down and up again")
			}
		})
	}
}

// authorized writes a, an application of acme-fintech, as its workflow
// leaves it: status, end reason, its first dataset approved and the others
// rejected.
func authorized(t *testing.T, s *Store, a *Application, status, endReason string) {
	t.Helper()
	ctx := context.Background()
	must(t, s.CreateApplication(ctx, a))
	must(t, s.MarkSubmitted(ctx, a.ID, "application-x", time.Now()))
	from := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	until := from.AddDate(0, a.PeriodMonths, 0)
	ch := Change{App: &AppState{ID: a.ID, Status: status, ActiveFrom: &from, ActiveUntil: &until, EndReason: endReason}}
	for i, d := range a.Datasets {
		d.ApplicationID, d.Decision, d.DecidedAt = a.ID, domain.DecisionApprove, &from
		if i > 0 {
			d.Decision, d.Reason, d.Basis = domain.DecisionReject, "不再提供", "第九条"
		}
		ch.Datasets = append(ch.Datasets, d)
	}
	must(t, s.Apply(ctx, ch))
}

// A renewal is a draft of the same org prefilled from the application it
// renews (its approved datasets only), linked to it; it carries the old
// one's last evaluation and agreements. One renewal at a time: a second is
// refused naming the first, unless the first was withdrawn or rejected.
func TestCreateRenewal(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)
		gsa, health := firstOf(t, cat, "gsa"), firstOf(t, cat, "health")
		old := newDraft(cat, gsa, health)
		old.PeriodMonths = 24
		authorized(t, s, old, domain.StatusActive, "")
		signed := time.Date(2025, 2, 20, 0, 0, 0, 0, time.UTC)
		closed := time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)
		must(t, s.Apply(ctx, Change{
			Agreements: []Agreement{
				{ApplicationID: old.ID, Kind: domain.AgreementAuthorization, Status: "completed", Parties: []string{"stbd", "gdo"}, CompletedAt: &signed},
				{ApplicationID: old.ID, Kind: domain.AgreementService, Status: "completed", Parties: []string{"gdo", "acme-fintech"}, CompletedAt: &signed},
			},
			Evaluations: []Evaluation{
				{ID: "e1", ApplicationID: old.ID, No: 1, Round: 1, Status: domain.EvalRectification, Rating: domain.DecisionRectify, OpenedAt: signed},
				{ID: "e1r2", ApplicationID: old.ID, No: 1, Round: 2, Status: domain.EvalQualified, Rating: domain.DecisionQualified, OpenedAt: signed, ClosedAt: &closed},
			},
		}))

		renewal, err := s.CreateRenewal(ctx, old.ID, "acme-fintech", "applicant")
		must(t, err)
		if renewal.ID == 0 || renewal.ID == old.ID || renewal.Status != domain.StatusDraft ||
			renewal.RenewsApplicationID == nil || *renewal.RenewsApplicationID != old.ID {
			t.Fatalf("renewal = %+v", renewal)
		}
		got, err := s.Application(ctx, renewal.ID)
		must(t, err)
		if got.Title != "小微企业信用评估（续期）" || got.Domain != old.Domain || got.Description != old.Description ||
			got.Purpose != old.Purpose || got.Scope != old.Scope || got.SecurityControls != old.SecurityControls ||
			got.AccessMode != old.AccessMode || got.PeriodMonths != 24 || got.ApplicantOrg != "acme-fintech" ||
			got.ApplicantUser != "applicant" || got.RenewsApplicationID == nil || *got.RenewsApplicationID != old.ID {
			t.Errorf("stored renewal = %+v", got)
		}
		want := []ApplicationDataset{{ApplicationID: renewal.ID, DatasetCode: gsa, Department: "gsa"}}
		if !reflect.DeepEqual(got.Datasets, want) {
			t.Errorf("renewal datasets = %+v, want the approved one only, undecided: %+v", got.Datasets, want)
		}
		if link, ok, err := s.RenewalOf(ctx, old.ID); err != nil || !ok || link != (RenewalLink{ID: renewal.ID, Status: domain.StatusDraft}) {
			t.Errorf("RenewalOf(old) = %+v, %v, %v", link, ok, err)
		}
		if _, ok, err := s.RenewalOf(ctx, renewal.ID); err != nil || ok {
			t.Errorf("RenewalOf(renewal) = %v, %v; want none", ok, err)
		}
		src, err := s.RenewalSourceOf(ctx, old.ID)
		must(t, err)
		if src.ID != old.ID || src.Title != old.Title || src.ActiveUntil == nil {
			t.Errorf("RenewalSourceOf = %+v", src)
		}
		if ev := src.LastEvaluation; ev == nil || ev.No != 1 || ev.Status != domain.EvalQualified ||
			ev.Rating != domain.DecisionQualified || ev.ClosedAt == nil || !ev.ClosedAt.Equal(closed) {
			t.Errorf("last evaluation = %+v, want no 1 round 2, qualified, closed %s", ev, closed)
		}
		if len(src.Agreements) != 2 || src.Agreements[0].Kind != domain.AgreementAuthorization ||
			src.Agreements[0].Status != "completed" || src.Agreements[0].CompletedAt == nil {
			t.Errorf("agreements = %+v", src.Agreements)
		}

		// A second renewal is refused, naming the first.
		_, err = s.CreateRenewal(ctx, old.ID, "acme-fintech", "applicant")
		var refused *RenewalRefused
		if !errors.As(err, &refused) || refused.Renewal != renewal.ID || !errors.Is(err, ErrConflict) {
			t.Fatalf("second renewal: %v, want a refusal naming %d", err, renewal.ID)
		}
		// Another org's application is not found.
		_, err = s.CreateRenewal(ctx, old.ID, "kangming-medai", "applicant2")
		wantErr(t, err, ErrNotFound)
		_, err = s.CreateRenewal(ctx, 99999, "acme-fintech", "applicant")
		wantErr(t, err, ErrNotFound)
		// The renewal withdrawn, another may follow; RenewalOf finds it.
		must(t, s.Apply(ctx, Change{App: &AppState{ID: renewal.ID, Status: domain.StatusWithdrawn}}))
		again, err := s.CreateRenewal(ctx, old.ID, "acme-fintech", "applicant")
		must(t, err)
		if link, _, _ := s.RenewalOf(ctx, old.ID); link.ID != again.ID {
			t.Errorf("RenewalOf after a withdrawn renewal = %+v, want %d", link, again.ID)
		}
		// A renewal of the renewal keeps one marker.
		if got := renewalTitle(again.Title); got != "小微企业信用评估（续期）" {
			t.Errorf("renewal title of a renewal = %q", got)
		}
		if got := renewalTitle(strings.Repeat("长", 200)); len([]rune(got)) != 200 || !strings.HasSuffix(got, RenewalMarker) {
			t.Errorf("renewal title of a 200-character title = %d characters", len([]rune(got)))
		}
	})
}

// Which applications may be renewed: an active one, or one that ended
// because its period expired; never one terminated, exited, rejected,
// withdrawn or not yet authorized.
func TestRenewable(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)
		gsa := firstOf(t, cat, "gsa")
		for _, tc := range []struct {
			status, end string
			ok          bool
		}{
			{domain.StatusActive, "", true},
			{domain.StatusExiting, domain.EndExpired, true},
			{domain.StatusClosed, domain.EndExpired, true},
			{domain.StatusExiting, domain.EndTerminated, false},
			{domain.StatusClosed, domain.EndTerminated, false},
			{domain.StatusClosed, domain.EndExit, false},
			{domain.StatusRejected, "", false},
			{domain.StatusWithdrawn, "", false},
			{domain.StatusDepartmentReview, "", false},
			{domain.StatusAgreements, "", false},
		} {
			a := newDraft(cat, gsa)
			authorized(t, s, a, tc.status, tc.end)
			if got, err := s.Application(ctx, a.ID); err != nil || Renewable(got) != tc.ok {
				t.Errorf("%s/%s: Renewable = %v, want %v (%v)", tc.status, tc.end, !tc.ok, tc.ok, err)
			}
			_, err := s.CreateRenewal(ctx, a.ID, "acme-fintech", "applicant")
			var refused *RenewalRefused
			switch {
			case tc.ok && err != nil:
				t.Errorf("%s/%s: CreateRenewal: %v", tc.status, tc.end, err)
			case !tc.ok && (!errors.As(err, &refused) || refused.Renewal != 0 || refused.Status != tc.status || refused.EndReason != tc.end):
				t.Errorf("%s/%s: CreateRenewal: %v, want a refusal for the status", tc.status, tc.end, err)
			}
		}
		// The draft was not written.
		var n int64
		must(t, s.db.Model(&Application{}).Where("renews_application_id IS NOT NULL").Count(&n).Error)
		if n != 3 {
			t.Errorf("%d renewals written, want 3", n)
		}
	})
}
