package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store/seeddata"
)

// mysqlDSNEnv names a MySQL database to run the tests against as well, e.g.
// mysql://root@tcp(127.0.0.1:3306)/datagate_test. Its tables are emptied.
const mysqlDSNEnv = "DATAGATE_TEST_MYSQL_DSN"

// openTestStores returns a migrated SQLite store in a fresh file, and a
// migrated, emptied MySQL store when DATAGATE_TEST_MYSQL_DSN is set.
func openTestStores(t *testing.T) []*Store {
	t.Helper()
	ctx := context.Background()
	open := func(dsn string) *Store {
		t.Helper()
		s, err := Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	}
	stores := []*Store{open("sqlite://" + filepath.Join(t.TempDir(), "datagate.db"))}
	if dsn := os.Getenv(mysqlDSNEnv); dsn != "" {
		s := open(dsn)
		cleanTables(t, s)
		stores = append(stores, s)
	}
	return stores
}

// cleanTables empties every table, children first, and restarts the
// generated IDs at 1 as in a fresh database (tests take 99999 for an ID
// that does not exist).
func cleanTables(t *testing.T, s *Store) {
	t.Helper()
	db := s.db.Session(&gorm.Session{AllowGlobalUpdate: true})
	for _, m := range []any{
		&AuditEntry{}, &Restriction{}, &DatasetVersion{}, &Procedure{}, &Evaluation{}, &Model{}, &Agreement{}, &Task{}, &DataUse{}, &ApplicationConsent{},
		&ApplicationDataset{}, &Application{}, &User{}, &Dataset{}, &Org{},
	} {
		if err := db.Delete(m).Error; err != nil {
			t.Fatalf("clean %T: %v", m, err)
		}
	}
	if s.Dialect() != "mysql" {
		return
	}
	for _, m := range []any{&AuditEntry{}, &Application{}, &User{}} {
		stmt := &gorm.Statement{DB: s.db}
		if err := stmt.Parse(m); err != nil {
			t.Fatalf("clean %T: %v", m, err)
		}
		if err := s.db.Exec("ALTER TABLE ? AUTO_INCREMENT = 1", clause.Table{Name: stmt.Table}).Error; err != nil {
			t.Fatalf("clean %T: %v", m, err)
		}
	}
}

// forEachStore runs fn as a subtest against every test store.
func forEachStore(t *testing.T, fn func(t *testing.T, s *Store)) {
	for _, s := range openTestStores(t) {
		t.Run(s.Dialect(), func(t *testing.T) { fn(t, s) })
	}
}

func loadCatalog(t *testing.T) seeddata.Catalog {
	t.Helper()
	cat, err := seeddata.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// seeded seeds the demo catalog and users.
func seeded(t *testing.T, s *Store) seeddata.Catalog {
	t.Helper()
	cat := loadCatalog(t)
	if err := s.Seed(context.Background(), cat, DemoUsers(cat)); err != nil {
		t.Fatal(err)
	}
	return cat
}

func count(t *testing.T, s *Store, model any) int64 {
	t.Helper()
	var n int64
	if err := s.db.Model(model).Count(&n).Error; err != nil {
		t.Fatalf("count %T: %v", model, err)
	}
	return n
}

// isUTC reports whether t was stored and read back at offset zero.
func isUTC(t time.Time) bool {
	_, off := t.Zone()
	return off == 0
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want one wrapping %v", err, target)
	}
}

func TestSeedIsIdempotentAndKeepsAdminChanges(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := loadCatalog(t)
		users := DemoUsers(cat)
		must(t, s.Seed(ctx, cat, users))
		for i, u := range users {
			if u.ID != 0 {
				t.Fatalf("Seed wrote ID %d into the caller's user #%d", u.ID, i)
			}
		}
		counts := func() [3]int64 {
			return [3]int64{count(t, s, &Org{}), count(t, s, &Dataset{}), count(t, s, &User{})}
		}
		first := counts()
		if want := [3]int64{int64(len(cat.Departments)), int64(len(cat.Datasets)), int64(len(users))}; first != want {
			t.Fatalf("after the first seed: orgs, datasets, users = %v, want %v", first, want)
		}

		// An admin renames an org, edits a dataset and a user.
		must(t, s.db.Model(&Org{}).Where("code = ?", "bdc").Update("name", "大数据中心（改）").Error)
		must(t, s.db.Model(&Dataset{}).Where("code = ?", "DS-0001").Update("summary", "admin edit").Error)
		must(t, s.db.Model(&User{}).Where("username = ?", "applicant").Update("display_name", "Zhang San").Error)

		must(t, s.Seed(ctx, cat, DemoUsers(cat)))
		if second := counts(); second != first {
			t.Fatalf("after the second seed: orgs, datasets, users = %v, want %v", second, first)
		}
		o, err := s.Org(ctx, "bdc")
		must(t, err)
		if o.Name != "大数据中心（改）" {
			t.Errorf("org name after reseed = %q, want the admin's", o.Name)
		}
		ds, err := s.DatasetsByCode(ctx, []string{"DS-0001"})
		must(t, err)
		if ds["DS-0001"].Summary != "admin edit" {
			t.Errorf("dataset summary after reseed = %q, want the admin's", ds["DS-0001"].Summary)
		}
		u, err := s.UserByName(ctx, "applicant")
		must(t, err)
		if u.DisplayName != "Zhang San" {
			t.Errorf("user display name after reseed = %q, want the admin's", u.DisplayName)
		}

		// Fields survive the JSON round trip.
		want := cat.Datasets[0]
		got := ds[want.Code]
		if want.Code != "DS-0001" {
			got = mustDataset(t, s, want.Code)
		}
		if !reflect.DeepEqual(got.Fields, want.Fields) || got.Department != want.Department ||
			got.OpenAttribute != want.OpenAttribute || got.Grade != want.Grade {
			t.Errorf("seeded dataset %s = %+v, want %+v", want.Code, got, want)
		}
	})
}

func mustDataset(t *testing.T, s *Store, code string) Dataset {
	t.Helper()
	m, err := s.DatasetsByCode(context.Background(), []string{code})
	must(t, err)
	d, ok := m[code]
	if !ok {
		t.Fatalf("dataset %s missing", code)
	}
	return d
}

func TestDemoUsers(t *testing.T) {
	cat := loadCatalog(t)
	users := DemoUsers(cat)
	kindOf := map[string]string{}
	for _, d := range cat.Departments {
		kindOf[d.Code] = d.Kind
	}
	roleKind := map[string]string{
		domain.RoleApplicant: KindApplicant, domain.RoleInitialReviewer: KindBigDataCenter,
		domain.RoleDeptReviewer: KindProvider, domain.RoleRegulator: KindRegulator,
		domain.RoleBureauOfficer: KindBureau, domain.RoleOperator: KindOperator,
		domain.RoleSupervisor: KindSupervision, domain.RoleAdmin: KindBureau,
	}
	byName := map[string]User{}
	roles := map[string]bool{}
	reviewed := map[string]bool{}
	for _, u := range users {
		if _, dup := byName[u.Username]; dup {
			t.Errorf("duplicate username %q", u.Username)
		}
		byName[u.Username] = u
		roles[u.Role] = true
		if want, ok := roleKind[u.Role]; !ok {
			t.Errorf("user %q has unknown role %q", u.Username, u.Role)
		} else if kindOf[u.OrgCode] != want {
			t.Errorf("user %q (%s) is in org %q of kind %q, want kind %q", u.Username, u.Role, u.OrgCode, kindOf[u.OrgCode], want)
		}
		if u.DisplayName == "" {
			t.Errorf("user %q has no display name", u.Username)
		}
		if u.Role == domain.RoleDeptReviewer {
			reviewed[u.OrgCode] = true
		}
	}
	for _, r := range domain.Roles() {
		if !roles[r] {
			t.Errorf("no demo user has role %q", r)
		}
	}
	if len(domain.Roles()) != len(roleKind) {
		t.Errorf("domain.Roles() has %d roles, want %d", len(domain.Roles()), len(roleKind))
	}
	for _, d := range cat.Departments {
		if d.Kind != KindProvider {
			continue
		}
		if !reviewed[d.Code] {
			t.Errorf("provider %q has no dept reviewer", d.Code)
		}
		if u, ok := byName["reviewer-"+d.Code]; !ok || u.OrgCode != d.Code || u.Role != domain.RoleDeptReviewer {
			t.Errorf("reviewer-%s = %+v, want a dept reviewer of %s", d.Code, u, d.Code)
		}
	}
	for name, org := range map[string]string{
		"applicant": "acme-fintech", "applicant2": "kangming-medai", "initial_reviewer": "bdc",
		"dept_reviewer": "samr", "regulator": "nfra", "bureau_officer": "stbd",
		"operator": "gdo", "supervisor": "inspect", "admin": "stbd",
	} {
		if byName[name].OrgCode != org {
			t.Errorf("user %q is in org %q, want %q", name, byName[name].OrgCode, org)
		}
	}

	// A small catalog: no samr, one applicant, no regulator.
	small := seeddata.Catalog{Departments: []seeddata.Department{
		{Code: "b", Kind: KindBureau}, {Code: "p2", Kind: KindProvider}, {Code: "p1", Kind: KindProvider},
		{Code: "a", Kind: KindApplicant},
	}}
	got := map[string]string{}
	for _, u := range DemoUsers(small) {
		got[u.Username] = u.OrgCode
	}
	want := map[string]string{
		"applicant": "a", "dept_reviewer": "p2", "reviewer-p2": "p2", "reviewer-p1": "p1",
		"bureau_officer": "b", "admin": "b",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DemoUsers(small) = %v, want %v", got, want)
	}
}

func TestOrgsAndUsers(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)

		_, err := s.Org(ctx, "nope")
		wantErr(t, err, ErrNotFound)
		all, err := s.Orgs(ctx, "")
		must(t, err)
		if len(all) != len(cat.Departments) {
			t.Errorf("Orgs(\"\") = %d orgs, want %d", len(all), len(cat.Departments))
		}
		if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Code < all[j].Code }) {
			t.Error("Orgs(\"\") is not ordered by code")
		}
		regs, err := s.Orgs(ctx, KindRegulator)
		must(t, err)
		var codes []string
		for _, o := range regs {
			codes = append(codes, o.Code)
		}
		if want := []string{"cac", "mpa", "nfra"}; !reflect.DeepEqual(codes, want) {
			t.Errorf("Orgs(regulator) = %v, want %v", codes, want)
		}
		b, err := s.OrgOfKind(ctx, KindBureau)
		must(t, err)
		if b.Code != "stbd" || b.Name == "" {
			t.Errorf("OrgOfKind(bureau) = %+v", b)
		}
		if r, err := s.OrgOfKind(ctx, KindRegulator); err != nil || r.Code != "cac" {
			t.Errorf("OrgOfKind(regulator) = %+v, %v; want cac", r, err)
		}
		_, err = s.OrgOfKind(ctx, "nope")
		wantErr(t, err, ErrNotFound)

		u, err := s.UserByName(ctx, "reviewer-health")
		must(t, err)
		if u.OrgCode != "health" || u.Role != domain.RoleDeptReviewer || u.ID == 0 {
			t.Errorf("UserByName(reviewer-health) = %+v", u)
		}
		_, err = s.UserByName(ctx, "nobody")
		wantErr(t, err, ErrNotFound)
		users, err := s.Users(ctx)
		must(t, err)
		if len(users) != len(DemoUsers(cat)) {
			t.Errorf("Users = %d, want %d", len(users), len(DemoUsers(cat)))
		}
		if !sort.SliceIsSorted(users, func(i, j int) bool { return users[i].Username < users[j].Username }) {
			t.Error("Users is not ordered by username")
		}
	})
}

func TestDatasetFilters(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)
		extra := []Dataset{
			{Code: "DS-9001", Name: "覆盖率100%统计", Department: "samr", Fields: []string{"a"},
				OpenAttribute: OpenConditional, Grade: 2, Summary: "percent"},
			{Code: "DS-9002", Name: "a_b", Department: "health", Fields: []string{"a"},
				OpenAttribute: OpenUnconditional, Grade: 1, Summary: "underscore"},
		}
		must(t, s.db.Create(&extra).Error)
		all := append(append([]Dataset(nil), extra...), seededDatasets(cat)...)
		yes, no := true, false

		codesOf := func(ds []Dataset) []string {
			out := []string{}
			for _, d := range ds {
				out = append(out, d.Code)
			}
			return out
		}
		expect := func(keep func(Dataset) bool) []string {
			out := []string{}
			for _, d := range all {
				if keep(d) {
					out = append(out, d.Code)
				}
			}
			sort.Strings(out)
			return out
		}
		for _, tc := range []struct {
			name string
			f    DatasetFilter
			keep func(Dataset) bool
		}{
			{"all", DatasetFilter{Limit: MaxLimit}, func(Dataset) bool { return true }},
			{"department", DatasetFilter{Department: "samr"}, func(d Dataset) bool { return d.Department == "samr" }},
			{"open attribute", DatasetFilter{OpenAttribute: OpenConditional},
				func(d Dataset) bool { return d.OpenAttribute == OpenConditional }},
			{"grade", DatasetFilter{Grade: 3}, func(d Dataset) bool { return d.Grade == 3 }},
			{"attribute and grade", DatasetFilter{OpenAttribute: OpenClosed, Grade: 3},
				func(d Dataset) bool { return d.OpenAttribute == OpenClosed && d.Grade == 3 }},
			{"authorized operation", DatasetFilter{AuthorizedOperation: &yes, Limit: MaxLimit},
				func(d Dataset) bool { return d.AuthorizedOperation }},
			{"not authorized operation", DatasetFilter{AuthorizedOperation: &no, Limit: MaxLimit},
				func(d Dataset) bool { return !d.AuthorizedOperation }},
			{"closed and authorized operation", DatasetFilter{OpenAttribute: OpenClosed, AuthorizedOperation: &yes},
				func(d Dataset) bool { return d.OpenAttribute == OpenClosed && d.AuthorizedOperation }},
			{"query", DatasetFilter{Query: "行政许可"}, func(d Dataset) bool {
				return strings.Contains(d.Name, "行政许可") || strings.Contains(d.Summary, "行政许可")
			}},
			{"percent", DatasetFilter{Query: "%"}, func(d Dataset) bool { return d.Code == "DS-9001" }},
			{"underscore", DatasetFilter{Query: "_"}, func(d Dataset) bool { return d.Code == "DS-9002" }},
			{"escape char", DatasetFilter{Query: "!"}, func(Dataset) bool { return false }},
			{"percent in words", DatasetFilter{Query: "0%统"}, func(d Dataset) bool { return d.Code == "DS-9001" }},
			{"nothing", DatasetFilter{Query: "no such dataset"}, func(Dataset) bool { return false }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, total, err := s.Datasets(ctx, tc.f)
				must(t, err)
				want := expect(tc.keep)
				if len(want) == 0 && tc.name != "escape char" && tc.name != "nothing" {
					t.Fatal("the test expects no rows; pick a filter that matches some")
				}
				if total != int64(len(want)) || !reflect.DeepEqual(codesOf(got), want) {
					t.Errorf("Datasets(%+v) = %v (total %d), want %v", tc.f, codesOf(got), total, want)
				}
			})
		}

		// Paging: the total counts every match, the page is a slice of them.
		want := expect(func(Dataset) bool { return true })
		got, total, err := s.Datasets(ctx, DatasetFilter{Limit: 10, Offset: 5})
		must(t, err)
		if total != int64(len(want)) || !reflect.DeepEqual(codesOf(got), want[5:15]) {
			t.Errorf("page 10@5 = %v (total %d), want %v (total %d)", codesOf(got), total, want[5:15], len(want))
		}
		got, _, err = s.Datasets(ctx, DatasetFilter{})
		must(t, err)
		if len(got) != DefaultLimit {
			t.Errorf("default page has %d rows, want %d", len(got), DefaultLimit)
		}
		got, total, err = s.Datasets(ctx, DatasetFilter{Offset: 10000})
		must(t, err)
		if len(got) != 0 || total != int64(len(want)) {
			t.Errorf("page past the end = %d rows (total %d)", len(got), total)
		}

		m, err := s.DatasetsByCode(ctx, []string{"DS-0001", "DS-9002", "DS-0000"})
		must(t, err)
		if len(m) != 2 || m["DS-9002"].Department != "health" || m["DS-0001"].Name == "" {
			t.Errorf("DatasetsByCode = %v", m)
		}
		m, err = s.DatasetsByCode(ctx, nil)
		if err != nil || len(m) != 0 {
			t.Errorf("DatasetsByCode(nil) = %v, %v", m, err)
		}
	})
}

func seededDatasets(cat seeddata.Catalog) []Dataset {
	out := make([]Dataset, len(cat.Datasets))
	for i, d := range cat.Datasets {
		out[i] = Dataset{Code: d.Code, Name: d.Name, Department: d.Department,
			OpenAttribute: d.OpenAttribute, Grade: d.Grade, AuthorizedOperation: d.AuthorizedOperation, Summary: d.Summary}
	}
	return out
}

// firstOf returns the code of the first catalog dataset of a department.
func firstOf(t *testing.T, cat seeddata.Catalog, dept string) string {
	t.Helper()
	for _, d := range cat.Datasets {
		if d.Department == dept {
			return d.Code
		}
	}
	t.Fatalf("no dataset of %s", dept)
	return ""
}

func newDraft(cat seeddata.Catalog, codes ...string) *Application {
	a := &Application{
		ApplicantOrg: "acme-fintech", ApplicantUser: "applicant",
		Title: "小微企业信用评估", Domain: "金融服务", Description: "d", Purpose: "p", Scope: "s",
		PeriodMonths: 12, AccessMode: AccessSandbox, SecurityControls: "c",
		// Ignored on create:
		Status: "active", WorkflowID: "x",
	}
	for _, c := range codes {
		a.Datasets = append(a.Datasets, ApplicationDataset{DatasetCode: c, Decision: "approved"})
	}
	return a
}

func TestApplicationDraftAndSubmit(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)
		samr, health, housing := firstOf(t, cat, "samr"), firstOf(t, cat, "health"), firstOf(t, cat, "housing")

		// Create: status forced to draft, duplicates folded, departments
		// taken from the catalog, decisions dropped.
		a := newDraft(cat, health, samr, health)
		must(t, s.CreateApplication(ctx, a))
		if a.ID == 0 || a.Status != domain.StatusDraft || a.WorkflowID != "" || a.CreatedAt.IsZero() {
			t.Fatalf("created = %+v", a)
		}
		got, err := s.Application(ctx, a.ID)
		must(t, err)
		wantDS := []ApplicationDataset{
			{ApplicationID: a.ID, DatasetCode: health, Department: "health"},
			{ApplicationID: a.ID, DatasetCode: samr, Department: "samr"},
		}
		if health > samr {
			wantDS[0], wantDS[1] = wantDS[1], wantDS[0]
		}
		if !reflect.DeepEqual(got.Datasets, wantDS) || got.Status != domain.StatusDraft || got.Title != a.Title {
			t.Fatalf("Application = %+v, want datasets %+v", got, wantDS)
		}
		if !reflect.DeepEqual(a.Datasets, wantDS) {
			t.Errorf("created datasets = %+v, want %+v", a.Datasets, wantDS)
		}

		bad := newDraft(cat, samr, "DS-0000")
		wantErr(t, s.CreateApplication(ctx, bad), ErrNotFound)
		if n := count(t, s, &Application{}); n != 1 {
			t.Errorf("a failed create left %d applications, want 1", n)
		}

		// Update: fields and datasets replaced; the applicant never changes.
		upd := got
		upd.Title, upd.Description, upd.ApplicantOrg = "新标题", "", "kangming-medai"
		upd.Datasets = []ApplicationDataset{{DatasetCode: housing}}
		must(t, s.UpdateDraft(ctx, &upd))
		got, err = s.Application(ctx, a.ID)
		must(t, err)
		if got.Title != "新标题" || got.Description != "" || got.ApplicantOrg != "acme-fintech" ||
			len(got.Datasets) != 1 || got.Datasets[0].Department != "housing" {
			t.Fatalf("after UpdateDraft = %+v", got)
		}
		if !reflect.DeepEqual(upd.Datasets, got.Datasets) || upd.ApplicantOrg != "acme-fintech" {
			t.Errorf("UpdateDraft left *a = %+v, want the stored row", upd)
		}
		if n := count(t, s, &ApplicationDataset{}); n != 1 {
			t.Errorf("%d dataset rows after replacing, want 1", n)
		}
		same := got
		must(t, s.UpdateDraft(ctx, &same)) // an unchanged draft is no conflict
		missing := got
		missing.ID = 99999
		wantErr(t, s.UpdateDraft(ctx, &missing), ErrNotFound)
		unknown := got
		unknown.Datasets = []ApplicationDataset{{DatasetCode: "DS-0000"}}
		wantErr(t, s.UpdateDraft(ctx, &unknown), ErrNotFound)

		// Lists.
		b := newDraft(cat, samr)
		b.ApplicantOrg = "kangming-medai"
		must(t, s.CreateApplication(ctx, b))
		for _, tc := range []struct {
			f    ApplicationFilter
			want []uint64
		}{
			{ApplicationFilter{}, []uint64{b.ID, a.ID}},
			{ApplicationFilter{ApplicantOrg: "acme-fintech"}, []uint64{a.ID}},
			{ApplicationFilter{Department: "samr"}, []uint64{b.ID}},
			{ApplicationFilter{Department: "housing"}, []uint64{a.ID}},
			{ApplicationFilter{Department: "health"}, nil},
			{ApplicationFilter{Status: domain.StatusDraft, Limit: 1}, []uint64{b.ID}},
			{ApplicationFilter{Status: domain.StatusDraft, Limit: 1, Offset: 1}, []uint64{a.ID}},
			{ApplicationFilter{Status: domain.StatusSubmitted}, nil},
		} {
			apps, err := s.Applications(ctx, tc.f)
			must(t, err)
			var ids []uint64
			for _, x := range apps {
				ids = append(ids, x.ID)
				if len(x.Datasets) == 0 {
					t.Errorf("Applications(%+v): application %d without datasets", tc.f, x.ID)
				}
			}
			if !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("Applications(%+v) = %v, want %v", tc.f, ids, tc.want)
			}
		}

		// Submit once; the second submit and later edits conflict.
		at := time.Date(2025, 3, 3, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
		must(t, s.MarkSubmitted(ctx, a.ID, "application-1", at))
		got, err = s.Application(ctx, a.ID)
		must(t, err)
		if got.Status != domain.StatusSubmitted || got.WorkflowID != "application-1" || got.SubmittedAt == nil ||
			!got.SubmittedAt.Equal(at) || !isUTC(*got.SubmittedAt) {
			t.Fatalf("after MarkSubmitted = %+v (submitted %v)", got, got.SubmittedAt)
		}
		wantErr(t, s.MarkSubmitted(ctx, a.ID, "application-1", at), ErrConflict)
		edit := got
		edit.Title = "too late"
		wantErr(t, s.UpdateDraft(ctx, &edit), ErrConflict)
		if got2, _ := s.Application(ctx, a.ID); got2.Title != "新标题" || len(got2.Datasets) != 1 {
			t.Errorf("a refused UpdateDraft changed the row: %+v", got2)
		}
		wantErr(t, s.MarkSubmitted(ctx, 99999, "w", at), ErrNotFound)
		_, err = s.Application(ctx, 99999)
		wantErr(t, err, ErrNotFound)

		// Revert (the workflow failed to start), then submit again.
		must(t, s.RevertSubmitted(ctx, a.ID))
		got, err = s.Application(ctx, a.ID)
		must(t, err)
		if got.Status != domain.StatusDraft || got.WorkflowID != "" || got.SubmittedAt != nil {
			t.Fatalf("after RevertSubmitted = %+v", got)
		}
		wantErr(t, s.RevertSubmitted(ctx, a.ID), ErrConflict)
		wantErr(t, s.RevertSubmitted(ctx, 99999), ErrNotFound)
		must(t, s.MarkSubmitted(ctx, a.ID, "application-1", at))
		// Once the workflow has moved it on, a revert must not clobber it.
		must(t, s.Apply(ctx, Change{App: &AppState{ID: a.ID, Status: "initial_review"}}))
		wantErr(t, s.RevertSubmitted(ctx, a.ID), ErrConflict)

		// Concurrent submits: exactly one wins.
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.MarkSubmitted(ctx, b.ID, "application-2", at)
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, ErrConflict):
				t.Errorf("concurrent submit: %v", err)
			}
		}
		if wins != 1 {
			t.Errorf("%d concurrent submits won, want 1", wins)
		}
	})
}

func TestApplyIsIdempotent(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)
		samr := firstOf(t, cat, "samr")
		a := newDraft(cat, samr)
		must(t, s.CreateApplication(ctx, a))
		wf := "application-test"
		cst := time.FixedZone("CST", 8*3600)
		t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, cst)
		must(t, s.MarkSubmitted(ctx, a.ID, wf, t0))

		decided := t0.Add(time.Hour)
		c := Change{
			App: &AppState{ID: a.ID, Status: "department_review", Edits: map[string]string{"purpose": "补正后的目的"}},
			Datasets: []ApplicationDataset{{ApplicationID: a.ID, DatasetCode: samr, Department: "samr",
				Decision: "approved", DecidedAt: &decided}},
			Tasks: []Task{
				{ID: wf + "/initial/1", ApplicationID: a.ID, WorkflowID: wf, Kind: "initial_review", Round: 1,
					Department: "bdc", Status: domain.TaskDone, OpenedAt: t0, DueAt: t0.AddDate(0, 0, 7), DecidedAt: &decided, Decision: "pass"},
				{ID: wf + "/dept/samr/1", ApplicationID: a.ID, WorkflowID: wf, Kind: "department_review", Subject: "samr", Round: 1,
					Department: "samr", Status: domain.TaskOpen, OpenedAt: decided, DueAt: decided.AddDate(0, 1, 0)},
			},
			Agreements: []Agreement{{ApplicationID: a.ID, Kind: "authorization", Status: "pending",
				Parties: []string{"stbd", "gdo"}, Signatures: []Signature{{Org: "stbd", User: "bureau_officer", At: decided}}}},
			Models:      []Model{{ID: wf + "-model-1", ApplicationID: a.ID, No: 1, Name: "评分模型", Status: "review", Round: 1, SubmittedAt: decided}},
			Evaluations: []Evaluation{{ID: wf + "/eval/1", ApplicationID: a.ID, No: 1, Round: 1, Status: "open", OpenedAt: decided}},
			Audit: []AuditEntry{
				{WorkflowID: wf, Seq: 1, ApplicationID: a.ID, Actor: "applicant", Action: "submit", At: t0},
				{WorkflowID: wf, Seq: 2, ApplicationID: a.ID, Actor: "initial_reviewer", Role: domain.RoleInitialReviewer,
					Department: "bdc", Action: "pass", At: decided},
			},
		}
		rows := func() [6]int64 {
			return [6]int64{count(t, s, &ApplicationDataset{}), count(t, s, &Task{}), count(t, s, &Agreement{}),
				count(t, s, &Model{}), count(t, s, &Evaluation{}), count(t, s, &AuditEntry{})}
		}
		must(t, s.Apply(ctx, c))
		first := rows()
		if want := [6]int64{1, 2, 1, 1, 1, 2}; first != want {
			t.Fatalf("rows after Apply = %v, want %v", first, want)
		}
		must(t, s.Apply(ctx, c))
		if second := rows(); second != first {
			t.Fatalf("rows after applying the same Change twice = %v, want %v", second, first)
		}

		// A retried audit write never changes the entry; a task upsert does.
		c2 := Change{
			Tasks: []Task{func() Task { x := c.Tasks[1]; x.Status = domain.TaskDone; x.Decision = "approved"; return x }()},
			Audit: []AuditEntry{{WorkflowID: wf, Seq: 2, ApplicationID: a.ID, Action: "tampered", At: decided}},
		}
		must(t, s.Apply(ctx, c2))
		must(t, s.Apply(ctx, c2))
		if got := rows(); got != first {
			t.Fatalf("rows after the update = %v, want %v", got, first)
		}

		app, err := s.Application(ctx, a.ID)
		must(t, err)
		if app.Status != "department_review" || app.Purpose != "补正后的目的" || app.Datasets[0].Decision != "approved" ||
			!app.Datasets[0].DecidedAt.Equal(decided) {
			t.Errorf("application after Apply = %+v", app)
		}
		tasks, err := s.TasksOf(ctx, a.ID)
		must(t, err)
		if len(tasks) != 2 || tasks[0].ID != c.Tasks[0].ID || tasks[1].Status != domain.TaskDone || tasks[1].Decision != "approved" {
			t.Errorf("TasksOf = %+v", tasks)
		}
		if !tasks[0].DueAt.Equal(c.Tasks[0].DueAt) || !isUTC(tasks[0].DueAt) {
			t.Errorf("task due = %v, want %v in UTC", tasks[0].DueAt, c.Tasks[0].DueAt)
		}
		one, err := s.Task(ctx, c.Tasks[1].ID)
		must(t, err)
		if one.Subject != "samr" || one.Status != domain.TaskDone {
			t.Errorf("Task = %+v", one)
		}
		_, err = s.Task(ctx, "nope")
		wantErr(t, err, ErrNotFound)

		audit, err := s.Audit(ctx, a.ID)
		must(t, err)
		if len(audit) != 2 || audit[0].Seq != 1 || audit[1].Seq != 2 || audit[1].Action != "pass" {
			t.Errorf("Audit = %+v", audit)
		}
		ags, err := s.Agreements(ctx, a.ID)
		must(t, err)
		if len(ags) != 1 || !reflect.DeepEqual(ags[0].Parties, []string{"stbd", "gdo"}) ||
			len(ags[0].Signatures) != 1 || !ags[0].Signatures[0].At.Equal(decided) {
			t.Errorf("Agreements = %+v", ags)
		}
		ms, err := s.Models(ctx, a.ID)
		must(t, err)
		if len(ms) != 1 || ms[0].Name != "评分模型" || !ms[0].SubmittedAt.Equal(decided) {
			t.Errorf("Models = %+v", ms)
		}
		ev, err := s.Evaluations(ctx, a.ID)
		must(t, err)
		if len(ev) != 1 || ev[0].Status != "open" {
			t.Errorf("Evaluations = %+v", ev)
		}

		wantErr(t, s.Apply(ctx, Change{App: &AppState{ID: 99999, Status: "active"}}), ErrNotFound)
	})
}

func TestInboxAndOverdue(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)
		a := newDraft(cat, firstOf(t, cat, "samr"))
		must(t, s.CreateApplication(ctx, a))

		cst := time.FixedZone("CST", 8*3600)
		now := time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC)
		task := func(id, dept, status string, due time.Time) Task {
			return Task{ID: id, ApplicationID: a.ID, WorkflowID: "wf", Kind: "department_review", Round: 1,
				Department: dept, Status: status, OpenedAt: due.AddDate(0, 0, -20), DueAt: due}
		}
		tasks := []Task{
			task("samr-late-2", "samr", domain.TaskOpen, now.Add(-time.Hour).In(cst)),
			task("samr-future", "samr", domain.TaskOpen, now.Add(48*time.Hour)),
			task("samr-late-1", "samr", domain.TaskOpen, now.Add(-72*time.Hour)),
			task("samr-done-late", "samr", domain.TaskDone, now.Add(-96*time.Hour)),
			task("samr-cancelled", "samr", domain.TaskCancelled, now.Add(-96*time.Hour)),
			task("samr-just-late", "samr", domain.TaskOpen, now.Add(-500*time.Millisecond).In(cst)),
			task("samr-due-now", "samr", domain.TaskOpen, now),
			task("health-late", "health", domain.TaskOpen, now.Add(-2*time.Hour).In(cst)),
			task("health-future", "health", domain.TaskOpen, now.Add(time.Hour)),
		}
		must(t, s.Apply(ctx, Change{Tasks: tasks}))

		ids := func(ts []Task) []string {
			out := []string{}
			for _, x := range ts {
				out = append(out, x.ID)
			}
			return out
		}
		for _, tc := range []struct {
			f    InboxFilter
			want []string
		}{
			{InboxFilter{Department: "samr", Status: domain.TaskOpen},
				[]string{"samr-late-1", "samr-late-2", "samr-just-late", "samr-due-now", "samr-future"}},
			{InboxFilter{Department: "samr", Status: domain.TaskOpen, Limit: 2, Offset: 1}, []string{"samr-late-2", "samr-just-late"}},
			{InboxFilter{Department: "health", Status: domain.TaskOpen}, []string{"health-late", "health-future"}},
			{InboxFilter{Department: "samr", Status: domain.TaskDone}, []string{"samr-done-late"}},
			{InboxFilter{Department: "health"}, []string{"health-late", "health-future"}},
			{InboxFilter{Department: "bdc", Status: domain.TaskOpen}, []string{}},
		} {
			got, err := s.Inbox(ctx, tc.f)
			must(t, err)
			if !reflect.DeepEqual(ids(got), tc.want) {
				t.Errorf("Inbox(%+v) = %v, want %v", tc.f, ids(got), tc.want)
			}
		}

		for _, n := range []time.Time{now, now.In(cst)} {
			got, err := s.Overdue(ctx, n, "", 0)
			must(t, err)
			if want := []string{"samr-late-1", "health-late", "samr-late-2", "samr-just-late"}; !reflect.DeepEqual(ids(got), want) {
				t.Errorf("Overdue(%v, all) = %v, want %v", n, ids(got), want)
			}
			got, err = s.Overdue(ctx, n, "samr", 2)
			must(t, err)
			if want := []string{"samr-late-1", "samr-late-2"}; !reflect.DeepEqual(ids(got), want) {
				t.Errorf("Overdue(%v, samr, 2) = %v, want %v", n, ids(got), want)
			}
		}
		got, err := s.Overdue(ctx, now, "bdc", 10)
		must(t, err)
		if len(got) != 0 {
			t.Errorf("Overdue(bdc) = %v, want none", ids(got))
		}
	})
}

// The workflows a holiday table for 2027 concerns: those with an open task
// opened before 2028 and due in 2027 or later. Closed tasks, and open ones
// due before 2027, never change.
func TestWorkflowsWithOpenTasksAcross(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)
		a := newDraft(cat, firstOf(t, cat, "samr"))
		must(t, s.CreateApplication(ctx, a))
		cst := time.FixedZone("CST", 8*3600)
		day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 59, 0, cst) }
		task := func(id, wf, status string, opened, due time.Time) Task {
			return Task{ID: id, ApplicationID: a.ID, WorkflowID: wf, Kind: "department_review", Round: 1,
				Department: "samr", Status: status, OpenedAt: opened, DueAt: due}
		}
		must(t, s.Apply(ctx, Change{Tasks: []Task{
			task("a-1", "application-1", domain.TaskOpen, day(2026, 12, 18), day(2027, 1, 15)),
			task("a-2", "application-1", domain.TaskOpen, day(2026, 12, 20), day(2027, 1, 16)),
			task("b-1", "application-2", domain.TaskOpen, day(2026, 11, 2), day(2026, 12, 31)),
			task("c-1", "application-3", domain.TaskDone, day(2026, 12, 1), day(2027, 1, 4)),
			task("d-1", "application-1-model-1", domain.TaskOpen, day(2027, 12, 31), day(2028, 1, 30)),
			task("e-1", "application-5", domain.TaskOpen, day(2028, 1, 2), day(2028, 2, 1)),
		}}))
		from := time.Date(2027, 1, 1, 0, 0, 0, 0, cst)
		got, err := s.WorkflowsWithOpenTasksAcross(ctx, from, from.AddDate(1, 0, 0))
		must(t, err)
		if want := []string{"application-1", "application-1-model-1"}; !reflect.DeepEqual(got, want) {
			t.Errorf("workflows across 2027: %v, want %v", got, want)
		}
	})
}
