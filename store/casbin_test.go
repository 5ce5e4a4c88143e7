package store

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"
	"gorm.io/gorm"
)

// The model and policy casbin's own adapters are tested with
// (examples/rbac_model.conf, examples/rbac_policy.csv).
const (
	casbinTestModel = `
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
`
	casbinTestPolicy = `
p, alice, data1, read
p, bob, data2, write
p, data2_admin, data2, read
p, data2_admin, data2, write
g, alice, data2_admin
`
)

// casbinStores returns the test stores with casbin_rule migrated and empty.
func casbinStores(t *testing.T) []*Store {
	t.Helper()
	stores := openTestStores(t)
	for _, s := range stores {
		if err := s.MigrateCasbin(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := s.db.Session(&gorm.Session{AllowGlobalUpdate: true}).Delete(&CasbinRule{}).Error; err != nil {
			t.Fatalf("clean casbin_rule: %v", err)
		}
	}
	return stores
}

func forEachCasbinStore(t *testing.T, fn func(t *testing.T, s *Store)) {
	for _, s := range casbinStores(t) {
		t.Run(s.Dialect(), func(t *testing.T) { fn(t, s) })
	}
}

func testModel(t *testing.T) model.Model {
	t.Helper()
	m, err := model.NewModelFromString(casbinTestModel)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// seedCasbin writes casbinTestPolicy through SavePolicy, as casbin's adapter
// tests do before each case.
func seedCasbin(t *testing.T, a *CasbinAdapter) {
	t.Helper()
	e, err := casbin.NewEnforcer(testModel(t), stringadapter.NewAdapter(casbinTestPolicy))
	if err != nil {
		t.Fatal(err)
	}
	must(t, a.SavePolicy(e.GetModel()))
}

// fresh builds a new enforcer on the adapter: what a restart sees.
func fresh(t *testing.T, a *CasbinAdapter) *casbin.Enforcer {
	t.Helper()
	e, err := casbin.NewEnforcer(testModel(t), a)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func sorted(rules [][]string) [][]string {
	out := make([][]string, len(rules))
	copy(out, rules)
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], ",") < strings.Join(out[j], ",") })
	return out
}

func wantPolicy(t *testing.T, e *casbin.Enforcer, p, g [][]string) {
	t.Helper()
	gotP, err := e.GetPolicy()
	must(t, err)
	gotG, err := e.GetGroupingPolicy()
	must(t, err)
	if !reflect.DeepEqual(sorted(gotP), sorted(p)) {
		t.Errorf("policy = %v, want %v", gotP, p)
	}
	if !reflect.DeepEqual(sorted(gotG), sorted(g)) {
		t.Errorf("grouping = %v, want %v", gotG, g)
	}
}

var (
	testP = [][]string{
		{"alice", "data1", "read"}, {"bob", "data2", "write"},
		{"data2_admin", "data2", "read"}, {"data2_admin", "data2", "write"},
	}
	testG = [][]string{{"alice", "data2_admin"}}
)

func TestCasbinAdapterSaveLoad(t *testing.T) {
	forEachCasbinStore(t, func(t *testing.T, s *Store) {
		a := s.CasbinAdapter()
		seedCasbin(t, a)
		e := fresh(t, a)
		wantPolicy(t, e, testP, testG)
		if ok, _ := e.Enforce("alice", "data2", "write"); !ok {
			t.Error("alice (data2_admin) may not write data2 after a load")
		}

		// A change in memory only is not stored; SavePolicy stores the
		// whole model, replacing what was there.
		e.EnableAutoSave(false)
		_, err := e.RemovePolicy("bob", "data2", "write")
		must(t, err)
		_, err = e.AddPolicy("carol", "data3", "read")
		must(t, err)
		wantPolicy(t, fresh(t, a), testP, testG)
		must(t, e.SavePolicy())
		p := [][]string{testP[0], testP[2], testP[3], {"carol", "data3", "read"}}
		wantPolicy(t, fresh(t, a), p, testG)
		if n := count(t, s, &CasbinRule{}); n != 5 {
			t.Errorf("%d rows after SavePolicy, want 5", n)
		}

		// Saving twice stores the same rows.
		must(t, e.SavePolicy())
		if n := count(t, s, &CasbinRule{}); n != 5 {
			t.Errorf("%d rows after a second SavePolicy, want 5", n)
		}

		// Saving an empty model empties the table.
		e.ClearPolicy()
		must(t, e.SavePolicy())
		wantPolicy(t, fresh(t, a), nil, nil)
	})
}

func TestCasbinAdapterAutoSave(t *testing.T) {
	forEachCasbinStore(t, func(t *testing.T, s *Store) {
		a := s.CasbinAdapter()
		seedCasbin(t, a)
		e := fresh(t, a)

		ok, err := e.AddPolicy("alice", "data1", "write")
		must(t, err)
		if !ok {
			t.Fatal("AddPolicy of a new rule reported no change")
		}
		ok, err = e.AddGroupingPolicy("bob", "data2_admin")
		must(t, err)
		if !ok {
			t.Fatal("AddGroupingPolicy of a new rule reported no change")
		}
		p := append(append([][]string{}, testP...), []string{"alice", "data1", "write"})
		g := [][]string{testG[0], {"bob", "data2_admin"}}
		wantPolicy(t, fresh(t, a), p, g)

		// Removing a rule and a role.
		_, err = e.RemovePolicy("alice", "data1", "write")
		must(t, err)
		_, err = e.RemoveGroupingPolicy("alice", "data2_admin")
		must(t, err)
		g = [][]string{{"bob", "data2_admin"}}
		wantPolicy(t, fresh(t, a), testP, g)
		if ok, _ := fresh(t, a).Enforce("alice", "data2", "read"); ok {
			t.Error("alice may still read data2 after her role was removed and the policy reloaded")
		}
		if ok, _ := fresh(t, a).Enforce("bob", "data2", "read"); !ok {
			t.Error("bob may not read data2 after the role was stored and the policy reloaded")
		}

		// Removing by a filter: every rule of data2_admin.
		_, err = e.RemoveFilteredPolicy(0, "data2_admin")
		must(t, err)
		wantPolicy(t, fresh(t, a), testP[:2], g)
		// An empty value matches anything: every rule on data2.
		_, err = e.RemoveFilteredPolicy(1, "data2", "")
		must(t, err)
		wantPolicy(t, fresh(t, a), testP[:1], g)

		// Batches.
		batch := [][]string{{"jack", "data4", "read"}, {"katy", "data4", "write"}, {"leyo", "data4", "read"}}
		_, err = e.AddPolicies(batch)
		must(t, err)
		wantPolicy(t, fresh(t, a), append(append([][]string{}, testP[:1]...), batch...), g)
		_, err = e.RemovePolicies(batch[:2])
		must(t, err)
		wantPolicy(t, fresh(t, a), [][]string{testP[0], batch[2]}, g)

		// Updates.
		_, err = e.UpdatePolicy([]string{"leyo", "data4", "read"}, []string{"leyo", "data4", "write"})
		must(t, err)
		wantPolicy(t, fresh(t, a), [][]string{testP[0], {"leyo", "data4", "write"}}, g)
		_, err = e.UpdatePolicies([][]string{{"leyo", "data4", "write"}}, [][]string{{"ham", "data4", "write"}})
		must(t, err)
		wantPolicy(t, fresh(t, a), [][]string{testP[0], {"ham", "data4", "write"}}, g)
		_, err = e.UpdateFilteredPolicies([][]string{{"alice", "data5", "read"}}, 0, "alice")
		must(t, err)
		wantPolicy(t, fresh(t, a), [][]string{{"alice", "data5", "read"}, {"ham", "data4", "write"}}, g)
	})
}

// What casbin never asks, but a second process or a seed may: the adapter
// itself is idempotent and exact.
func TestCasbinAdapterDirect(t *testing.T) {
	forEachCasbinStore(t, func(t *testing.T, s *Store) {
		a := s.CasbinAdapter()
		seedCasbin(t, a)

		// Adding a stored rule succeeds and adds no row.
		must(t, a.AddPolicy("p", "p", []string{"alice", "data1", "read"}))
		must(t, a.AddPolicies("p", "p", [][]string{{"alice", "data1", "read"}, {"bob", "data2", "write"}, {"zoe", "data9", "read"}}))
		if n := count(t, s, &CasbinRule{}); n != 6 {
			t.Errorf("%d rows, want 6 (5 seeded and zoe's)", n)
		}
		// Removing a rule that is not stored succeeds.
		must(t, a.RemovePolicy("p", "p", []string{"nobody", "data1", "read"}))

		// RemovePolicy matches exactly: a shorter rule is not a prefix.
		must(t, a.AddPolicy("p", "p", []string{"alice", "data1"}))
		must(t, a.RemovePolicy("p", "p", []string{"alice", "data1"}))
		if n := count(t, s, &CasbinRule{}); n != 6 {
			t.Errorf("%d rows after removing a two-value rule, want 6: the three-value rule must stay", n)
		}

		// Case matters on every database (binary collation on MySQL).
		must(t, a.AddPolicy("p", "p", []string{"ALICE", "data1", "read"}))
		if n := count(t, s, &CasbinRule{}); n != 7 {
			t.Errorf("%d rows after adding ALICE, want 7", n)
		}
		must(t, a.RemovePolicy("p", "p", []string{"ALICE", "data1", "read"}))

		// A rule whose last value is empty comes back with its length.
		must(t, a.AddPolicy("p", "p", []string{"anyone", "data0", ""}))
		e := fresh(t, a)
		if ok, err := e.HasPolicy("anyone", "data0", ""); err != nil || !ok {
			t.Errorf("HasPolicy(anyone, data0, \"\") = %v, %v after a load, want true", ok, err)
		}
		if ok, err := e.Enforce("anyone", "data0", ""); err != nil || !ok {
			t.Errorf("Enforce(anyone, data0, \"\") = %v, %v, want true", ok, err)
		}

		// UpdateFilteredPolicies returns what it replaced.
		old, err := a.UpdateFilteredPolicies("p", "p", [][]string{{"zoe", "data9", "write"}}, 0, "zoe")
		must(t, err)
		if want := [][]string{{"zoe", "data9", "read"}}; !reflect.DeepEqual(old, want) {
			t.Errorf("UpdateFilteredPolicies replaced %v, want %v", old, want)
		}
	})
}

func TestCasbinAdapterRefusesWhatDoesNotFit(t *testing.T) {
	forEachCasbinStore(t, func(t *testing.T, s *Store) {
		a := s.CasbinAdapter()
		long := strings.Repeat("x", 129)
		for name, err := range map[string]error{
			"long v0":      a.AddPolicy("p", "p", []string{long, "data1", "read"}),
			"long v4":      a.AddPolicy("p", "p", []string{"a", "b", "c", "d", strings.Repeat("y", 65)}),
			"seven values": a.AddPolicy("p", "p", []string{"1", "2", "3", "4", "5", "6", "7"}),
			"long ptype":   a.AddPolicy("p", "p123456789", []string{"a"}),
			"bad filter":   a.RemoveFilteredPolicy("p", "p", 5, "a", "b"),
			"update sizes": a.UpdatePolicies("p", "p", [][]string{{"a"}}, nil),
		} {
			if !errors.Is(err, ErrCasbinRule) {
				t.Errorf("%s: error = %v, want ErrCasbinRule", name, err)
			}
		}
		// 128 characters fit, multi-byte ones too.
		must(t, a.AddPolicy("p", "p", []string{strings.Repeat("数", 128), "data1", "read"}))
		if n := count(t, s, &CasbinRule{}); n != 1 {
			t.Errorf("%d rows, want only the one that fits", n)
		}
		e := fresh(t, a)
		if ok, _ := e.HasPolicy(strings.Repeat("数", 128), "data1", "read"); !ok {
			t.Error("the 128-character subject did not come back intact")
		}
	})
}

func TestCasbinAdapterContext(t *testing.T) {
	forEachCasbinStore(t, func(t *testing.T, s *Store) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		a := s.CasbinAdapter().WithContext(ctx)
		if err := a.AddPolicy("p", "p", []string{"alice", "data1", "read"}); !errors.Is(err, context.Canceled) {
			t.Errorf("AddPolicy with a cancelled context: error = %v, want context.Canceled", err)
		}
		if err := s.CasbinAdapter().AddPolicyCtx(ctx, "p", "p", []string{"alice", "data1", "read"}); !errors.Is(err, context.Canceled) {
			t.Errorf("AddPolicyCtx with a cancelled context: error = %v, want context.Canceled", err)
		}
		if err := a.LoadPolicy(testModel(t)); !errors.Is(err, context.Canceled) {
			t.Errorf("LoadPolicy with a cancelled context: error = %v, want context.Canceled", err)
		}
		if n := count(t, s, &CasbinRule{}); n != 0 {
			t.Errorf("%d rows written with a cancelled context", n)
		}
	})
}

func TestMigrateCasbinTwice(t *testing.T) {
	forEachCasbinStore(t, func(t *testing.T, s *Store) {
		must(t, s.CasbinAdapter().AddPolicy("p", "p", []string{"alice", "data1", "read"}))
		must(t, s.MigrateCasbin(context.Background()))
		if n := count(t, s, &CasbinRule{}); n != 1 {
			t.Errorf("%d rows after migrating again, want 1", n)
		}
		if !s.db.Migrator().HasIndex(&CasbinRule{}, "idx_casbin_rule") {
			t.Error("no unique index idx_casbin_rule")
		}
	})
}
