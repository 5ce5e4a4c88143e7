package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
)

// Migration 17 adds datasets.requires_consent to a database that holds a
// catalog already: the rows seeded with individuals' records (社会保险数据,
// 公积金数据, 全面健康信息平台数据) require their data subjects' consent,
// every other row (and one whose name is not the seeded one) does not;
// its Down section takes the column and the two tables away again.
func TestMigrationConsent(t *testing.T) {
	ctx := context.Background()
	const version = 17
	for _, s := range rawTestStores(t) {
		t.Run(s.dialect, func(t *testing.T) {
			dropAllTables(t, s)
			p, err := s.migrations()
			must(t, err)
			_, err = p.UpTo(ctx, version-1)
			must(t, err)
			if s.db.Migrator().HasColumn(&Dataset{}, "requires_consent") {
				t.Fatalf("datasets.requires_consent exists before migration %d", version)
			}
			seededName := map[string]string{}
			for _, d := range loadCatalog(t).Datasets {
				seededName[d.Code] = d.Name
			}
			for _, r := range [][2]string{
				{"DS-0111", seededName["DS-0111"]}, // 社会保险数据
				{"DS-0131", seededName["DS-0131"]}, // 全面健康信息平台数据
				{"DS-0110", seededName["DS-0110"]}, // 人口数据: consent not marked
				{"DS-0112", "另一个数据集"},              // not the seeded row
			} {
				must(t, s.db.Exec("INSERT INTO datasets (code, name, department, fields, open_attribute, grade) VALUES (?, ?, ?, ?, ?, ?)",
					r[0], r[1], "hrss", `["a"]`, OpenClosed, 3).Error)
			}
			applied, err := p.UpTo(ctx, version)
			must(t, err)
			if len(applied) != 1 || applied[0].Source.Version != version {
				t.Fatalf("UpTo(%d) applied %d migrations, want migration %d alone", version, len(applied), version)
			}
			got, err := s.DatasetsByCode(ctx, []string{"DS-0111", "DS-0131", "DS-0110", "DS-0112"})
			must(t, err)
			for code, want := range map[string]bool{"DS-0111": true, "DS-0131": true, "DS-0110": false, "DS-0112": false} {
				if got[code].RequiresConsent != want {
					t.Errorf("%s after migration %d: requires_consent = %v, want %v", code, version, got[code].RequiresConsent, want)
				}
			}
			for _, m := range []any{&ApplicationConsent{}, &DataUse{}} {
				if !s.db.Migrator().HasTable(m) {
					t.Errorf("no table for %T after migration %d", m, version)
				}
			}
			_, err = p.DownTo(ctx, version-1)
			must(t, err)
			if s.db.Migrator().HasColumn(&Dataset{}, "requires_consent") || s.db.Migrator().HasTable(&DataUse{}) ||
				s.db.Migrator().HasTable(&ApplicationConsent{}) {
				t.Errorf("migration %d's Down left its column or tables", version)
			}
		})
	}
}

// consentDraft is a draft naming DS-0100 and DS-0111 (which requires
// consent), with the consent's basis for DS-0111.
func consentDraft(cat []string, until string, accesses int) *Application {
	a := &Application{ApplicantOrg: "acme-fintech", ApplicantUser: "applicant", Title: "社保缴费核验", Purpose: "p",
		PeriodMonths: 12, AccessMode: AccessSandbox}
	for _, c := range cat {
		a.Datasets = append(a.Datasets, ApplicationDataset{DatasetCode: c})
	}
	a.Consents = []ApplicationConsent{{DatasetCode: "DS-0111", Matter: "核验贷款申请人的社保缴费记录", MaxAccesses: accesses,
		Until: until, Evidence: "授权书 SQ-2026-001"}}
	return a
}

// A draft's consents are stored with it, read back with it, replaced by
// an edit, and never name a dataset the draft does not; a renewal states
// them anew.
func TestConsentsOfADraft(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seeded(t, s)
		a := consentDraft([]string{"DS-0100", "DS-0111"}, "2026-12-31", 3)
		must(t, s.CreateApplication(ctx, a))
		got, err := s.Application(ctx, a.ID)
		must(t, err)
		if len(got.Consents) != 1 || got.Consents[0].DatasetCode != "DS-0111" || got.Consents[0].MaxAccesses != 3 ||
			got.Consents[0].Until != "2026-12-31" || got.Consents[0].ApplicationID != a.ID {
			t.Fatalf("consents read back: %+v", got.Consents)
		}

		edit := consentDraft([]string{"DS-0111", "DS-0112"}, "2027-01-31", 5)
		edit.ID = a.ID
		edit.Consents = append(edit.Consents, ApplicationConsent{DatasetCode: "DS-0112", Matter: "m", MaxAccesses: 1, Until: "2026-06-30", Evidence: "e"})
		must(t, s.UpdateDraft(ctx, edit))
		if len(edit.Consents) != 2 || edit.Consents[0].MaxAccesses != 5 || edit.Consents[1].DatasetCode != "DS-0112" {
			t.Errorf("consents after the edit: %+v", edit.Consents)
		}

		// A consent for a dataset the draft does not name: nothing changes.
		bad := consentDraft([]string{"DS-0100"}, "2026-12-31", 3)
		bad.ID = a.ID
		if err := s.UpdateDraft(ctx, bad); !errors.Is(err, ErrConflict) {
			t.Errorf("a consent for a dataset not named: %v, want ErrConflict", err)
		}
		got, err = s.Application(ctx, a.ID)
		must(t, err)
		if len(got.Consents) != 2 || len(got.Datasets) != 2 {
			t.Errorf("a refused edit changed the draft: %+v %+v", got.Datasets, got.Consents)
		}
		if err := s.CreateApplication(ctx, consentDraft([]string{"DS-0100"}, "2026-12-31", 3)); !errors.Is(err, ErrConflict) {
			t.Errorf("a new draft with a consent for a dataset not named: %v, want ErrConflict", err)
		}
	})
}

// activeWithConsent writes an active authorization of acme-fintech with
// DS-0100 approved (no consent needed), DS-0111 approved with a consent of
// accesses until the given day, and DS-0112 rejected.
func activeWithConsent(t *testing.T, s *Store, until string, accesses int) uint64 {
	t.Helper()
	ctx := context.Background()
	a := consentDraft([]string{"DS-0100", "DS-0111", "DS-0112"}, until, accesses)
	a.Consents = append(a.Consents, ApplicationConsent{DatasetCode: "DS-0112", Matter: "m", MaxAccesses: 9, Until: until, Evidence: "e"})
	must(t, s.CreateApplication(ctx, a))
	must(t, s.MarkSubmitted(ctx, a.ID, fmt.Sprintf("application-%d", a.ID), time.Now()))
	from := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	until2 := from.AddDate(1, 0, 0)
	must(t, s.Apply(ctx, Change{App: &AppState{ID: a.ID, Status: domain.StatusActive, ActiveFrom: &from, ActiveUntil: &until2},
		Datasets: []ApplicationDataset{
			{ApplicationID: a.ID, DatasetCode: "DS-0100", Department: "gsa", Decision: domain.DecisionApprove, DecidedAt: &from},
			{ApplicationID: a.ID, DatasetCode: "DS-0111", Department: "hrss", Decision: domain.DecisionApprove, DecidedAt: &from},
			{ApplicationID: a.ID, DatasetCode: "DS-0112", Department: "housing", Decision: domain.DecisionReject, Reason: "r", Basis: "b", DecidedAt: &from},
		}}))
	return a.ID
}

// A use is recorded, with its audit entry, only within the authorization
// and the consent: each refusal says why and writes nothing.
func TestRecordUse(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seeded(t, s)
		id := activeWithConsent(t, s, "2026-03-31", 2)
		draft := consentDraft([]string{"DS-0111"}, "2026-03-31", 2)
		must(t, s.CreateApplication(ctx, draft))
		at := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
		var left *ConsentUse
		use := func(app uint64, code, matter, today string) (err error) {
			left, err = s.RecordUse(ctx, &DataUse{ApplicationID: app, DatasetCode: code, Matter: matter, UsedBy: "applicant",
				UserOrg: "acme-fintech", UsedAt: at}, domain.RoleApplicant, today)
			return err
		}
		const matter = "核验贷款申请人的社保缴费记录"
		must(t, use(id, "DS-0100", "授信评估", "2026-03-02"))
		if left != nil {
			t.Errorf("a dataset without consent: %+v", left)
		}
		must(t, use(id, "DS-0111", matter, "2026-03-02"))
		if left == nil || left.Used != 1 || left.Remaining != 1 {
			t.Errorf("after the first use of the consent: %+v", left)
		}
		must(t, use(id, "DS-0111", matter, "2026-03-31")) // the term's last day is in it
		if left == nil || left.Used != 2 || left.Remaining != 0 {
			t.Errorf("after the second use of the consent: %+v", left)
		}
		for _, c := range []struct {
			name, code, matter, today, want string
			app                             uint64
		}{
			{"a draft", "DS-0111", matter, "2026-03-02", UseNotActive, draft.ID},
			{"a dataset not named", "DS-0001", matter, "2026-03-02", UseNotNamed, id},
			{"a rejected dataset", "DS-0112", "m", "2026-03-02", UseNotApproved, id},
			{"another matter", "DS-0111", "营销获客", "2026-03-02", UseOtherMatter, id},
			{"used up", "DS-0111", matter, "2026-03-02", UseExhausted, id},
			{"past the term", "DS-0111", matter, "2026-04-01", UseExpired, id},
		} {
			before := count(t, s, &DataUse{})
			audit := count(t, s, &AuditEntry{})
			err := use(c.app, c.code, c.matter, c.today)
			var refused *UseRefused
			if !errors.As(err, &refused) || !errors.Is(err, ErrConflict) {
				t.Errorf("%s: %v, want a refusal", c.name, err)
				continue
			}
			if refused.Kind != c.want {
				t.Errorf("%s: refused as %s, want %s", c.name, refused.Kind, c.want)
			}
			if count(t, s, &DataUse{}) != before || count(t, s, &AuditEntry{}) != audit {
				t.Errorf("%s: a refusal wrote rows", c.name)
			}
		}
		if err := use(99999, "DS-0111", matter, "2026-03-02"); !errors.Is(err, ErrNotFound) {
			t.Errorf("no application: %v", err)
		}
		uses, err := s.DataUses(ctx, id)
		must(t, err)
		if len(uses) != 3 || uses[1].DatasetCode != "DS-0111" || uses[1].Matter != matter || !uses[1].UsedAt.Equal(at) {
			t.Errorf("uses: %+v", uses)
		}
		entries, err := s.AuditStream(ctx, UseStream(id))
		must(t, err)
		if len(entries) != 3 || entries[1].Action != AuditDataUsed || entries[1].Reason != matter ||
			entries[1].Target != fmt.Sprintf("%d DS-0111", uses[1].ID) || entries[1].Actor != "applicant" {
			t.Errorf("audit: %+v", entries)
		}
		standing, err := s.ConsentUses(ctx, id, "2026-04-01")
		must(t, err)
		if len(standing) != 2 || standing[0].DatasetCode != "DS-0111" || standing[0].Used != 2 || standing[0].Remaining != 0 ||
			!standing[0].Expired || standing[1].Used != 0 || standing[1].Remaining != 9 {
			t.Errorf("consent uses: %+v", standing)
		}
		v, err := s.VerifyAuditChain(ctx)
		must(t, err)
		if !v.OK {
			t.Errorf("audit chain: %v", v.Broken)
		}
	})
}

// A dataset marked as requiring consent after an application was approved
// without one is not used until a consent is recorded (a renewal).
func TestRecordUseWithoutConsent(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seeded(t, s)
		id := activeWithConsent(t, s, "2026-12-31", 2)
		must(t, s.db.Model(&Dataset{}).Where("code = ?", "DS-0100").Update("requires_consent", true).Error)
		_, err := s.RecordUse(ctx, &DataUse{ApplicationID: id, DatasetCode: "DS-0100", Matter: "授信评估", UsedBy: "applicant",
			UserOrg: "acme-fintech", UsedAt: time.Now()}, domain.RoleApplicant, "2026-03-02")
		var refused *UseRefused
		if !errors.As(err, &refused) || refused.Kind != UseNoConsent {
			t.Errorf("%v, want %s", err, UseNoConsent)
		}
	})
}

// Uses racing for one consent never exceed it: with three accesses left,
// of eight concurrent uses exactly three are recorded and audited.
func TestRecordUseConcurrently(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seeded(t, s)
		id := activeWithConsent(t, s, "2026-12-31", 3)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = s.RecordUse(ctx, &DataUse{ApplicationID: id, DatasetCode: "DS-0111", Matter: "核验贷款申请人的社保缴费记录",
					UsedBy: "applicant", UserOrg: "acme-fintech", UsedAt: time.Now()}, domain.RoleApplicant, "2026-03-02")
			})
		}
		wg.Wait()
		ok, exhausted := 0, 0
		for _, err := range errs {
			var refused *UseRefused
			switch {
			case err == nil:
				ok++
			case errors.As(err, &refused) && refused.Kind == UseExhausted:
				exhausted++
			default:
				t.Errorf("unexpected: %v", err)
			}
		}
		entries, err := s.AuditStream(ctx, UseStream(id))
		must(t, err)
		if ok != 3 || exhausted != 5 || count(t, s, &DataUse{}) != 3 || len(entries) != 3 {
			t.Errorf("%d recorded, %d refused; %d rows, %d audited", ok, exhausted, count(t, s, &DataUse{}), len(entries))
		}
	})
}
