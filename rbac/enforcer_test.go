package rbac

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// newStore opens a fresh SQLite database with the casbin table.
func newStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open("sqlite://" + filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.MigrateCasbin(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// newEnforcer builds an enforcer over st, with the built-in policy seeded.
func newEnforcer(t testing.TB, st *store.Store) *Enforcer {
	t.Helper()
	ctx := context.Background()
	e, err := New(ctx, st.CasbinAdapter())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SeedBuiltin(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// matrix is who may do what in their own org, written out from DOMAIN.md
// "Actors", not read from Builtin: a change of Builtin that grants or
// withdraws an action fails here until this table is changed with it.
// Y: allowed, .: denied; anon is nobody signed in.
//
// Cells marked ① and ② follow Builtin where DOMAIN.md does not settle the
// question (see the notes under the table).
const matrix = `
                    applicant initial dept regulator bureau operator supervisor admin anon
# The public: health, the open catalog, the calendar, signing in.
HealthRead              Y        Y     Y      Y        Y      Y         Y        Y     Y
CatalogRead             Y        Y     Y      Y        Y      Y         Y        Y     Y
CalendarUse             Y        Y     Y      Y        Y      Y         Y        Y     Y
SessionOpen             Y        Y     Y      Y        Y      Y         Y        Y     Y
DisclosureRead          Y        Y     Y      Y        Y      Y         Y        Y     Y
# Anyone signed in: their own session, profile and tokens.
SessionClose            Y        Y     Y      Y        Y      Y         Y        Y     .
MeRead                  Y        Y     Y      Y        Y      Y         Y        Y     .
TokenManage             Y        Y     Y      Y        Y      Y         Y        Y     .
# Applications: the applicant drafts, submits, withdraws; every actor of
# the process reads those in their scope; supervisors read all; the
# admin takes no part.
ApplicationRead         Y        Y     Y      Y        Y      Y         Y        .     .
ApplicationCreate       Y        .     .      .        .      .         .        .     .
ApplicationSubmit       Y        .     .      .        .      .         .        .     .
ApplicationWithdraw     Y        .     .      .        .      .         .        .     .
ApplicationEdit         Y        .     .      .        .      .         .        .     .
# The applicant submits models, records its uses of the data (held to
# the data subjects' consent) and gives notice of exit; the bureau asks
# for evaluations and terminates.
ModelSubmit             Y        .     .      .        .      .         .        .     .
DataUse                 Y        .     .      .        .      .         .        .     .
ExitNotice              Y        .     .      .        .      .         .        .     .
EvaluationRequest       .        .     .      .        Y      .         .        .     .
AuthorizationEnd        .        .     .      .        Y      .         .        .     .
AuthorizationRestrict   .        .     .      .        Y      .         .        .     .
# Tasks: every actor with a step in the process (the applicant's are
# supplements, signatures, self-evaluation, exit confirmation).
# Supervisors decide nothing; admins take no part.
TaskRead                Y        Y     Y      Y        Y      Y         .        .     .
TaskDecide              Y        Y     Y      Y        Y      Y         .        .     .
TaskAssign              Y        Y     Y      Y        Y      Y         .        .     .
# Attachments: every actor with a step attaches documents to the
# applications in its scope (the applicant its own, reviewers opinions).
AttachmentUpload        Y        Y     Y      Y        Y      Y         .        .     .
# 抄送: an official with a step sends an application to a colleague or
# another department for information; officials read what they received
# (supervisors too); an applicant neither sends nor reads copies.
CopySend                .        Y     Y      Y        Y      Y         .        .     .
CopyRead                .        Y     Y      Y        Y      Y         Y        .     .
# The statutory procedures beside the applications: a provider department
# proposes catalog changes, an applicant asks for data outside the
# catalog, every actor of the process objects to published data and reads
# the procedures in its scope.
CatalogPropose          .        .     Y      .        .      .         .        .     .
CatalogRequest          Y        .     .      .        .      .         .        .     .
ObjectionFile           Y        Y     Y      Y        Y      Y         Y        .     .
ProcedureRead           Y        Y     Y      Y        Y      Y         Y        .     .
# Supervision: supervisors see overdue work, urge, flag groundless
# rejections and read the audit.
SupervisionRead         .        .     .      .        Y②     .         Y        .     .
SupervisionUrge         .        .     .      .        .      .         Y        .     .
SupervisionFlag         .        .     .      .        .      .         Y        .     .
AuditRead               .        .     .      .        .      .         Y        Y①    .
# Administration: users, orgs, roles, policy, the calendar.
CalendarAdmin           .        .     .      .        .      .         .        Y     .
UserAdmin               .        .     .      .        .      .         .        Y     .
RoleAdminAct            .        .     .      .        .      .         .        Y     .
PolicyRead              .        .     .      .        .      .         .        Y     .
`

// ① DOMAIN.md gives the admin "catalog, orgs, users, roles, working-day
//    calendar" and no part in applications; the admin reads the audit,
//    where its own changes are recorded.
// ② DOMAIN.md names supervisors only for overdue work; Builtin also lets
//    the bureau, which runs the scheme, see it.

// The matrix's columns: every role, then nobody signed in.
var columns = []string{
	domain.RoleApplicant, domain.RoleInitialReviewer, domain.RoleDeptReviewer, domain.RoleRegulator,
	domain.RoleBureauOfficer, domain.RoleOperator, domain.RoleSupervisor, domain.RoleAdmin, "anonymous",
}

// actionNamed maps the matrix's row names to the actions.
var actionNamed = map[string]Action{
	"HealthRead": HealthRead, "CatalogRead": CatalogRead, "CalendarUse": CalendarUse,
	"SessionOpen": SessionOpen, "SessionClose": SessionClose, "MeRead": MeRead,
	"TokenManage": TokenManage, "ApplicationRead": ApplicationRead,
	"ApplicationCreate": ApplicationCreate, "ApplicationSubmit": ApplicationSubmit,
	"ApplicationWithdraw": ApplicationWithdraw, "ModelSubmit": ModelSubmit, "AttachmentUpload": AttachmentUpload,
	"CopySend": CopySend, "CopyRead": CopyRead,
	"CatalogPropose": CatalogPropose, "CatalogRequest": CatalogRequest, "ObjectionFile": ObjectionFile, "ProcedureRead": ProcedureRead,
	"ExitNotice": ExitNotice, "DataUse": DataUse, "EvaluationRequest": EvaluationRequest,
	"AuthorizationEnd": AuthorizationEnd, "AuthorizationRestrict": AuthorizationRestrict, "TaskRead": TaskRead, "TaskDecide": TaskDecide,
	"SupervisionRead": SupervisionRead, "SupervisionUrge": SupervisionUrge,
	"SupervisionFlag": SupervisionFlag, "AuditRead": AuditRead,
	"CalendarAdmin": CalendarAdmin, "UserAdmin": UserAdmin, "RoleAdminAct": RoleAdminAct,
	"PolicyRead": PolicyRead, "DisclosureRead": DisclosureRead, "ApplicationEdit": ApplicationEdit,
	"TaskAssign": TaskAssign,
}

type matrixRow struct {
	name  string
	a     Action
	allow []bool // by column
}

// parseMatrix reads the matrix; a malformed row fails the test.
func parseMatrix(t *testing.T) []matrixRow {
	t.Helper()
	var rows []matrixRow
	lines := strings.Split(strings.TrimSpace(matrix), "\n")
	if got := len(strings.Fields(lines[0])); got != len(columns) {
		t.Fatalf("matrix header has %d columns, want %d", got, len(columns))
	}
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(l)
		if len(f) != 1+len(columns) {
			t.Fatalf("matrix row %q has %d cells, want %d", l, len(f)-1, len(columns))
		}
		a, ok := actionNamed[f[0]]
		if !ok {
			t.Fatalf("matrix row %s: no such action in actionNamed", f[0])
		}
		r := matrixRow{name: f[0], a: a}
		for _, c := range f[1:] {
			switch strings.TrimRight(c, "①②") {
			case "Y":
				r.allow = append(r.allow, true)
			case ".":
				r.allow = append(r.allow, false)
			default:
				t.Fatalf("matrix row %s: cell %q is neither Y nor .", f[0], c)
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// TestMatrix asks every action as every role, each held by its own user in
// its own org, and as nobody.
func TestMatrix(t *testing.T) {
	e := newEnforcer(t, newStore(t))
	org := func(role string) string { return "org-" + role }
	for _, role := range domain.Roles() {
		must(t, e.AssignRole("u-"+role, role, org(role)))
	}
	for _, row := range parseMatrix(t) {
		for j, who := range columns {
			var got bool
			var err error
			if who == "anonymous" {
				got, err = e.AllowPublic(row.a)
			} else {
				got, err = e.Allow("u-"+who, org(who), row.a)
			}
			if err != nil {
				t.Fatalf("%s as %s: %v", row.name, who, err)
			}
			if got != row.allow[j] {
				t.Errorf("%s (%s) as %s: allowed = %v, want %v", row.name, row.a, who, got, row.allow[j])
			}
		}
	}
}

// TestMatrixCoversEveryAction reads actions.go's source (not Builtin) and
// fails for an action the matrix does not cover, and for a matrix row
// whose name is not the action's variable.
func TestMatrixCoversEveryAction(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "actions.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]Action{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, v := range vs.Values {
				lit, ok := v.(*ast.CompositeLit)
				if !ok || len(lit.Elts) != 2 {
					continue
				}
				if id, ok := lit.Type.(*ast.Ident); !ok || id.Name != "Action" {
					continue
				}
				var s [2]string
				for k, el := range lit.Elts {
					bl, ok := el.(*ast.BasicLit)
					if !ok {
						t.Fatalf("%s: not a string literal", vs.Names[i].Name)
					}
					s[k], _ = strconv.Unquote(bl.Value)
				}
				declared[vs.Names[i].Name] = Action{s[0], s[1]}
			}
		}
	}
	if len(declared) == 0 {
		t.Fatal("found no Action in actions.go")
	}
	inMatrix := map[string]Action{}
	for _, row := range parseMatrix(t) {
		if _, dup := inMatrix[row.name]; dup {
			t.Errorf("matrix has %s twice", row.name)
		}
		inMatrix[row.name] = row.a
	}
	for name, a := range declared {
		got, ok := inMatrix[name]
		if !ok {
			t.Errorf("action %s (%s) is not in the matrix: add who may do it", name, a)
		} else if got != a {
			t.Errorf("matrix row %s is %s, actions.go declares %s", name, got, a)
		}
	}
	for name := range inMatrix {
		if _, ok := declared[name]; !ok {
			t.Errorf("matrix row %s names no action in actions.go", name)
		}
	}
}

func TestCrossDomain(t *testing.T) {
	e := newEnforcer(t, newStore(t))
	// "dept_reviewer" is also the demo user's name: a name equal to a role
	// must not hold that role everywhere.
	for _, user := range []string{"wang", "dept_reviewer"} {
		must(t, e.AssignRole(user, domain.RoleDeptReviewer, "samr"))
		for _, a := range []Action{TaskRead, TaskDecide, ApplicationRead} {
			if ok, err := e.Allow(user, "samr", a); err != nil || !ok {
				t.Errorf("%s, dept_reviewer of samr, in samr: %s = %v, %v; want allowed", user, a, ok, err)
			}
			if ok, err := e.Allow(user, "health", a); err != nil || ok {
				t.Errorf("%s, dept_reviewer of samr, in health: %s = %v, %v; want denied", user, a, ok, err)
			}
		}
		// The public actions hold in any domain.
		if ok, _ := e.Allow(user, "health", CatalogRead); !ok {
			t.Errorf("%s in health: catalog:read denied", user)
		}
	}
	// A user holding no role, e.g. one named like a role: public actions only.
	for _, user := range []string{"nobody", "admin", "supervisor"} {
		for _, a := range []Action{TaskRead, UserAdmin, SupervisionRead, MeRead} {
			if ok, err := e.Allow(user, "bdc", a); err != nil || ok {
				t.Errorf("%s without roles: %s = %v, %v; want denied", user, a, ok, err)
			}
		}
		if ok, _ := e.Allow(user, "bdc", HealthRead); !ok {
			t.Errorf("%s without roles: health:read denied", user)
		}
	}
	// domain.Roles() in two orgs do not mix: applicant in acme, regulator in nhc.
	must(t, e.AssignRole("li", domain.RoleApplicant, "acme"))
	must(t, e.AssignRole("li", domain.RoleRegulator, "nhc"))
	for _, c := range []struct {
		org  string
		a    Action
		want bool
	}{
		{"acme", ApplicationCreate, true}, {"nhc", ApplicationCreate, false},
		{"acme", TaskDecide, true}, {"nhc", TaskDecide, true}, {"samr", TaskDecide, false},
	} {
		if ok, _ := e.Allow("li", c.org, c.a); ok != c.want {
			t.Errorf("li in %s: %s = %v, want %v", c.org, c.a, ok, c.want)
		}
	}
	// A role held in the org "*" is refused: it is not an org.
	if err := e.AssignRole("li", domain.RoleAdmin, AnyDomain); !errors.Is(err, ErrInvalid) {
		t.Errorf("AssignRole in %q: error = %v, want ErrInvalid", AnyDomain, err)
	}
}

func TestAnonymous(t *testing.T) {
	e := newEnforcer(t, newStore(t))
	// A user called "anonymous" holding a role gives the public nothing.
	must(t, e.AssignRole("anonymous", domain.RoleAdmin, "public"))
	for _, a := range []Action{HealthRead, CatalogRead, CalendarUse, SessionOpen} {
		if ok, err := e.AllowPublic(a); err != nil || !ok {
			t.Errorf("anonymous %s = %v, %v; want allowed", a, ok, err)
		}
	}
	for _, a := range []Action{SessionClose, MeRead, TokenManage, ApplicationRead, ApplicationCreate, TaskRead, UserAdmin, PolicyRead} {
		if ok, err := e.AllowPublic(a); err != nil || ok {
			t.Errorf("anonymous %s = %v, %v; want denied", a, ok, err)
		}
	}
	if ok, _ := e.Allow("anonymous", "public", UserAdmin); !ok {
		t.Error("the user named anonymous lost their admin role in public")
	}
	if _, err := e.Allow("", "bdc", MeRead); !errors.Is(err, ErrInvalid) {
		t.Errorf("Allow without a user: error = %v, want ErrInvalid", err)
	}
	if _, err := e.Allow("wang", "", MeRead); !errors.Is(err, ErrInvalid) {
		t.Errorf("Allow without an org: error = %v, want ErrInvalid", err)
	}
}

func TestSeedBuiltin(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	e := newEnforcer(t, st)
	want := builtinLines()
	if got, _ := e.Policies(); !reflect.DeepEqual(got, want) {
		t.Fatalf("policies after seeding = %v, want Builtin %v", got, want)
	}
	must(t, e.SeedBuiltin(ctx))
	if got, _ := e.Policies(); len(got) != len(Builtin) {
		t.Fatalf("%d lines after seeding twice, want %d", len(got), len(Builtin))
	}

	// The admin removes a built-in line and adds one of their own: the
	// supervisors of samr may also read tasks there.
	must(t, e.RemovePolicy(domain.RoleAdmin, AnyDomain, PolicyRead))
	must(t, e.AddPolicy(domain.RoleSupervisor, "samr", TaskRead))
	must(t, e.AssignRole("zhao", domain.RoleAdmin, "stbd"))
	must(t, e.AssignRole("qian", domain.RoleSupervisor, "samr"))
	must(t, e.AssignRole("sun", domain.RoleSupervisor, "dso"))
	if ok, _ := e.Allow("zhao", "stbd", PolicyRead); ok {
		t.Error("policy:read still allowed after the admin removed it")
	}
	if ok, _ := e.Allow("qian", "samr", TaskRead); !ok {
		t.Error("the admin's line does not allow task:read to supervisors in samr")
	}
	if ok, _ := e.Allow("sun", "dso", TaskRead); ok {
		t.Error("the admin's line for samr allows task:read to supervisors elsewhere")
	}

	// A restart: a new enforcer on the same database sees the changes...
	e2, err := New(ctx, st.CasbinAdapter())
	must(t, err)
	if ok, _ := e2.Allow("zhao", "stbd", PolicyRead); ok {
		t.Error("after a restart without seeding, the removed line is back")
	}
	if ok, _ := e2.Allow("qian", "samr", TaskRead); !ok {
		t.Error("after a restart, the admin's line is gone")
	}
	// ...and seeding restores the built-in line and keeps the admin's.
	must(t, e2.SeedBuiltin(ctx))
	if ok, _ := e2.Allow("zhao", "stbd", PolicyRead); !ok {
		t.Error("seeding did not restore the built-in line the admin removed")
	}
	if ok, _ := e2.Allow("qian", "samr", TaskRead); !ok {
		t.Error("seeding removed the admin's line")
	}
	got, _ := e2.Policies()
	if len(got) != len(Builtin)+1 {
		t.Errorf("%d lines after reseeding, want %d (Builtin and the admin's)", len(got), len(Builtin)+1)
	}
	must(t, e2.SeedBuiltin(ctx))
	if got2, _ := e2.Policies(); !reflect.DeepEqual(got2, got) {
		t.Errorf("seeding again changed the policy: %v, was %v", got2, got)
	}
	// What the database holds is what memory holds.
	e3, err := New(ctx, st.CasbinAdapter())
	must(t, err)
	if got3, _ := e3.Policies(); !reflect.DeepEqual(got3, got) {
		t.Errorf("stored policy %v differs from memory %v", got3, got)
	}

	// Admin lines are checked.
	for name, err := range map[string]error{
		"unknown role":   e.AddPolicy("root", "samr", TaskRead),
		"empty org":      e.AddPolicy(domain.RoleSupervisor, "", TaskRead),
		"empty action":   e.AddPolicy(domain.RoleSupervisor, "samr", Action{"task", ""}),
		"existing line":  e.AddPolicy(domain.RoleSupervisor, "samr", TaskRead),
		"missing line":   e.RemovePolicy(domain.RoleSupervisor, "nhc", TaskRead),
		"public removal": e.RemovePolicy(RolePublic, "samr", HealthRead),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestRoles(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	e := newEnforcer(t, st)

	must(t, e.AssignRole("zhou", domain.RoleDeptReviewer, "samr"))
	must(t, e.AssignRole("zhou", domain.RoleRegulator, "nhc"))
	must(t, e.AssignRole("zhou", domain.RoleApplicant, "acme"))
	if err := e.AssignRole("zhou", domain.RoleDeptReviewer, "samr"); !errors.Is(err, ErrExists) {
		t.Errorf("assigning a held role: error = %v, want ErrExists", err)
	}
	must(t, e.EnsureRole("zhou", domain.RoleDeptReviewer, "samr"))
	must(t, e.EnsureRole("wu", domain.RoleOperator, "gdo"))
	must(t, e.EnsureRole("wu", domain.RoleOperator, "gdo"))
	for name, err := range map[string]error{
		"unknown role": e.AssignRole("zhou", "root", "samr"),
		"public role":  e.AssignRole("zhou", RolePublic, "samr"),
		"empty user":   e.AssignRole("", domain.RoleAdmin, "samr"),
		"empty org":    e.AssignRole("zhou", domain.RoleAdmin, ""),
		"spaced user":  e.AssignRole(" zhou", domain.RoleAdmin, "samr"),
		"revoke role":  e.RevokeRole("zhou", "root", "samr"),
		"ensure role":  e.EnsureRole("zhou", "root", "samr"),
	} {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error = %v, want ErrInvalid", name, err)
		}
	}
	if err := e.AssignRole("zhou", "root", "samr"); err == nil || !strings.Contains(err.Error(), domain.RoleDeptReviewer) {
		t.Errorf("unknown role error %q does not list the roles", err)
	}

	want := [][2]string{{domain.RoleApplicant, "acme"}, {domain.RoleRegulator, "nhc"}, {domain.RoleDeptReviewer, "samr"}}
	if got, _ := e.RolesOf("zhou"); !reflect.DeepEqual(got, want) {
		t.Errorf("RolesOf(zhou) = %v, want %v", got, want)
	}
	if got, _ := e.RolesOf("nobody"); len(got) != 0 {
		t.Errorf("RolesOf(nobody) = %v, want none", got)
	}
	g, _ := e.Grouping()
	wantG := [][]string{
		{"zhou", domain.RoleDeptReviewer, "samr"}, {"zhou", domain.RoleRegulator, "nhc"},
		{"zhou", domain.RoleApplicant, "acme"}, {"wu", domain.RoleOperator, "gdo"},
	}
	if !reflect.DeepEqual(g, wantG) {
		t.Errorf("Grouping() = %v, want %v", g, wantG)
	}
	// The returned slices are copies.
	g[0][0] = "mallory"
	if g2, _ := e.Grouping(); g2[0][0] != "zhou" {
		t.Error("changing Grouping()'s result changed the enforcer")
	}
	p, _ := e.Policies()
	p[0][0] = "mallory"
	if p2, _ := e.Policies(); p2[0][0] == "mallory" {
		t.Error("changing Policies()'s result changed the enforcer")
	}

	// A decision is not cached past a change.
	if ok, _ := e.Allow("zhou", "samr", TaskDecide); !ok {
		t.Fatal("zhou may not decide in samr")
	}
	must(t, e.RevokeRole("zhou", domain.RoleDeptReviewer, "samr"))
	if ok, _ := e.Allow("zhou", "samr", TaskDecide); ok {
		t.Error("zhou may still decide in samr after the role was revoked: a stale cached decision")
	}
	if err := e.RevokeRole("zhou", domain.RoleDeptReviewer, "samr"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking a role not held: error = %v, want ErrNotFound", err)
	}
	if ok, _ := e.Allow("zhou", "samr", SupervisionUrge); ok {
		t.Fatal("zhou may urge")
	}
	must(t, e.AddPolicy(domain.RoleApplicant, "acme", SupervisionUrge))
	if ok, _ := e.Allow("zhou", "acme", SupervisionUrge); !ok {
		t.Error("a new line is not seen: a stale cached decision")
	}

	// A restart sees the roles.
	e2, err := New(ctx, st.CasbinAdapter())
	must(t, err)
	want = [][2]string{{domain.RoleApplicant, "acme"}, {domain.RoleRegulator, "nhc"}}
	if got, _ := e2.RolesOf("zhou"); !reflect.DeepEqual(got, want) {
		t.Errorf("after a restart RolesOf(zhou) = %v, want %v", got, want)
	}
	if ok, _ := e2.Allow("zhou", "nhc", TaskDecide); !ok {
		t.Error("after a restart zhou may not decide in nhc")
	}

	// Reload sees what another process wrote.
	other := newEnforcerOn(t, st)
	must(t, other.AssignRole("zheng", domain.RoleSupervisor, "dso"))
	if ok, _ := e.Allow("zheng", "dso", SupervisionUrge); ok {
		t.Fatal("a change by another process is seen before Reload")
	}
	must(t, e.Reload(ctx))
	if ok, _ := e.Allow("zheng", "dso", SupervisionUrge); !ok {
		t.Error("Reload did not pick up another process's role")
	}
}

// newEnforcerOn is another process's enforcer on the same database.
func newEnforcerOn(t *testing.T, st *store.Store) *Enforcer {
	t.Helper()
	e, err := New(context.Background(), st.CasbinAdapter())
	must(t, err)
	return e
}

// A failed write changes nothing in memory.
func TestFailedWriteChangesNothing(t *testing.T) {
	st := newStore(t)
	e := newEnforcer(t, st)
	long := strings.Repeat("x", 200) // longer than the column holds
	if err := e.AssignRole(long, domain.RoleAdmin, "stbd"); err == nil {
		t.Fatal("a username longer than the column was stored")
	}
	if got, _ := e.RolesOf(long); len(got) != 0 {
		t.Errorf("the refused role is held in memory: %v", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(ctx, st.CasbinAdapter()); !errors.Is(err, context.Canceled) {
		t.Errorf("New with a cancelled context: error = %v, want context.Canceled", err)
	}
	must(t, e.RemovePolicy(domain.RoleAdmin, AnyDomain, UserAdmin))
	if err := e.SeedBuiltin(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("SeedBuiltin with a cancelled context: error = %v, want context.Canceled", err)
	}
	if has, _ := e.ce.HasPolicy(domain.RoleAdmin, AnyDomain, UserAdmin.Obj, UserAdmin.Act); has {
		t.Error("a seed that failed to store still changed memory")
	}
}

// Decisions and changes run concurrently (run with -race where cgo is on).
func TestConcurrent(t *testing.T) {
	e := newEnforcer(t, newStore(t))
	must(t, e.AssignRole("feng", domain.RoleDeptReviewer, "samr"))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := e.Allow("feng", "samr", TaskDecide); err != nil {
					t.Error(err)
					return
				}
				if _, err := e.AllowPublic(CatalogRead); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range 50 {
		must(t, e.RevokeRole("feng", domain.RoleDeptReviewer, "samr"))
		must(t, e.AssignRole("feng", domain.RoleDeptReviewer, "samr"))
		must(t, e.EnsureRole("chen"+strconv.Itoa(i), domain.RoleApplicant, "acme"))
	}
	must(t, e.RevokeRole("feng", domain.RoleDeptReviewer, "samr"))
	close(stop)
	wg.Wait()
	if ok, _ := e.Allow("feng", "samr", TaskDecide); ok {
		t.Error("after the last revoke, a stale decision allows feng")
	}
}
