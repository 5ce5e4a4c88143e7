package rbac

import (
	"fmt"
	"strings"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"

	"github.com/datagate/datagate/domain"
)

// Run side by side with: go test -run '^$' -bench . -benchtime=2s ./rbac/
//
// BenchmarkEnforce decides requests at our policy's size (Builtin and the
// role assignments of ~30 users across 26 orgs, as the demo seeds) and at
// 1,000 users across 100 orgs, with casbin's enforcer types and with ours:
//
//   - single: one request again and again, as casbin's own benchmarks do;
//   - mix: a round of requests over every user, allowed and denied ones;
//   - mix-parallel: the same from GOMAXPROCS goroutines, as HTTP handlers.
//
// BenchmarkRBACModelWithDomains and BenchmarkCachedRBACModelWithDomains are
// casbin's own (model_b_test.go, enforcer_cached_b_test.go in casbin
// v2.135.0), on its examples/rbac_with_domains_model.conf and
// rbac_with_domains_policy.csv, copied below.

// casbin v2.135.0 examples/rbac_with_domains_model.conf and
// examples/rbac_with_domains_policy.csv, verbatim.
const (
	casbinDomainsModel = `[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act`
	casbinDomainsPolicy = `p, admin, domain1, data1, read
p, admin, domain1, data1, write
p, admin, domain2, data2, read
p, admin, domain2, data2, write
g, alice, admin, domain1
g, bob, admin, domain2`
)

func BenchmarkRBACModelWithDomains(b *testing.B) {
	m, _ := model.NewModelFromString(casbinDomainsModel)
	e, _ := casbin.NewEnforcer(m, stringadapter.NewAdapter(casbinDomainsPolicy), false)

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, _ = e.Enforce("alice", "domain1", "data1", "read")
	}
}

func BenchmarkCachedRBACModelWithDomains(b *testing.B) {
	m, _ := model.NewModelFromString(casbinDomainsModel)
	e, _ := casbin.NewCachedEnforcer(m, stringadapter.NewAdapter(casbinDomainsPolicy), false)

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, _ = e.Enforce("alice", "domain1", "data1", "read")
	}
}

// benchSize is a policy size: Builtin plus one role for each of users users
// spread over orgs orgs.
type benchSize struct {
	name        string
	users, orgs int
}

var benchSizes = []benchSize{
	{name: "real-30users-26orgs", users: 30, orgs: 26},
	{name: "large-1000users-100orgs", users: 1000, orgs: 100},
}

// benchReq is one request, with the user as casbin sees them (sub) and as
// our API takes them (user).
type benchReq struct {
	user, sub, org string
	a              Action
}

// fixture returns the grouping lines and a round of requests: every user,
// in their org, asking for actions some roles have and others lack.
func fixture(s benchSize) (grouping [][]string, reqs []benchReq) {
	asks := []Action{TaskDecide, ApplicationRead, ApplicationCreate, AuditRead, SupervisionUrge}
	for i := 0; i < s.users; i++ {
		user := fmt.Sprintf("user%04d", i)
		org := fmt.Sprintf("org%03d", i%s.orgs)
		grouping = append(grouping, []string{userPrefix + user, domain.Roles()[i%len(domain.Roles())], org})
		for _, a := range asks {
			reqs = append(reqs, benchReq{user, userPrefix + user, org, a})
		}
	}
	return grouping, reqs
}

// casbinEnforcer is what casbin's enforcer types have in common here.
type casbinEnforcer interface {
	Enforce(rvals ...interface{}) (bool, error)
	AddPolicies(rules [][]string) (bool, error)
	AddGroupingPolicies(rules [][]string) (bool, error)
}

func loadCasbin(b *testing.B, e casbinEnforcer, grouping [][]string) {
	b.Helper()
	if _, err := e.AddPolicies(builtinLines()); err != nil {
		b.Fatal(err)
	}
	if _, err := e.AddGroupingPolicies(grouping); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkEnforce(b *testing.B) {
	for _, size := range benchSizes {
		grouping, reqs := fixture(size)
		impls := []struct {
			name   string
			decide func(b *testing.B) func(r benchReq) (bool, error)
		}{
			{"casbin.Enforcer", func(b *testing.B) func(benchReq) (bool, error) {
				e, err := casbin.NewEnforcer(ourModel(b, ""))
				if err != nil {
					b.Fatal(err)
				}
				loadCasbin(b, e, grouping)
				return func(r benchReq) (bool, error) { return e.Enforce(r.sub, r.org, r.a.Obj, r.a.Act) }
			}},
			{"casbin.SyncedEnforcer", func(b *testing.B) func(benchReq) (bool, error) {
				e, err := casbin.NewSyncedEnforcer(ourModel(b, ""))
				if err != nil {
					b.Fatal(err)
				}
				loadCasbin(b, e, grouping)
				return func(r benchReq) (bool, error) { return e.Enforce(r.sub, r.org, r.a.Obj, r.a.Act) }
			}},
			{"casbin.CachedEnforcer", func(b *testing.B) func(benchReq) (bool, error) {
				e, err := casbin.NewCachedEnforcer(ourModel(b, ""))
				if err != nil {
					b.Fatal(err)
				}
				loadCasbin(b, e, grouping)
				return func(r benchReq) (bool, error) { return e.Enforce(r.sub, r.org, r.a.Obj, r.a.Act) }
			}},
			{"casbin.SyncedCachedEnforcer", func(b *testing.B) func(benchReq) (bool, error) {
				e, err := casbin.NewSyncedCachedEnforcer(ourModel(b, ""))
				if err != nil {
					b.Fatal(err)
				}
				loadCasbin(b, e, grouping)
				return func(r benchReq) (bool, error) { return e.Enforce(r.sub, r.org, r.a.Obj, r.a.Act) }
			}},
			{"rbac.Enforcer", func(b *testing.B) func(benchReq) (bool, error) {
				st := newStore(b)
				if err := st.CasbinAdapter().AddPolicies("g", "g", grouping); err != nil {
					b.Fatal(err)
				}
				e := newEnforcer(b, st)
				return func(r benchReq) (bool, error) { return e.Allow(r.user, r.org, r.a) }
			}},
		}
		for _, impl := range impls {
			b.Run(size.name+"/"+impl.name, func(b *testing.B) {
				decide := impl.decide(b)
				checkDecisions(b, decide, reqs)
				benchModes(b, decide, reqs)
			})
		}
	}
}

// checkDecisions makes sure every implementation decides the round alike
// (and gives the cached ones a warm cache, as a running server has).
func checkDecisions(b *testing.B, decide func(benchReq) (bool, error), reqs []benchReq) {
	b.Helper()
	allowed := 0
	for _, r := range reqs {
		ok, err := decide(r)
		if err != nil {
			b.Fatal(err)
		}
		if ok {
			allowed++
		}
	}
	if allowed == 0 || allowed == len(reqs) {
		b.Fatalf("%d of %d requests allowed: the fixture tests nothing", allowed, len(reqs))
	}
}

func benchModes(b *testing.B, decide func(benchReq) (bool, error), reqs []benchReq) {
	b.Run("single", func(b *testing.B) {
		r := reqs[0] // user0000, applicant, task:decide: allowed
		for b.Loop() {
			if _, err := decide(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("mix", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := decide(reqs[i%len(reqs)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("mix-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := decide(reqs[i%len(reqs)]); err != nil {
					b.Error(err)
					return
				}
				i += 7
			}
		})
	})
}

// designMatcher is the matcher in the order the design states it.
const designMatcher = `(p.sub == "public" || g(r.sub, p.sub, r.dom)) && (p.dom == "*" || p.dom == r.dom) && r.obj == p.obj && r.act == p.act`

// ourModel is model.conf, or with its matcher replaced.
func ourModel(b *testing.B, matcher string) model.Model {
	b.Helper()
	text := modelConf
	if matcher != "" {
		i := strings.Index(text, "\nm = ")
		text = text[:i] + "\nm = " + matcher + "\n"
	}
	m, err := model.NewModelFromString(text)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkMatcherOrder measures the uncached enforcer with the matcher's
// conditions in the order the design states them and in model.conf's
// order (cheap string comparisons first, the role lookup last).
func BenchmarkMatcherOrder(b *testing.B) {
	orders := []struct{ name, matcher string }{
		{"design-order", designMatcher},
		{"model.conf", ""},
	}
	for _, size := range benchSizes {
		grouping, reqs := fixture(size)
		for _, o := range orders {
			b.Run(size.name+"/"+o.name, func(b *testing.B) {
				e, err := casbin.NewEnforcer(ourModel(b, o.matcher))
				if err != nil {
					b.Fatal(err)
				}
				loadCasbin(b, e, grouping)
				i := 0
				for b.Loop() {
					r := reqs[i%len(reqs)]
					if _, err := e.Enforce(r.sub, r.org, r.a.Obj, r.a.Act); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}

// Every order decides alike.
func TestMatcherOrdersAgree(t *testing.T) {
	grouping, reqs := fixture(benchSizes[0])
	var es []*casbin.Enforcer
	for _, text := range []string{modelConf, strings.Replace(modelConf, modelMatcher(t), designMatcher, 1)} {
		m, err := model.NewModelFromString(text)
		must(t, err)
		e, err := casbin.NewEnforcer(m)
		must(t, err)
		_, err = e.AddPolicies(builtinLines())
		must(t, err)
		_, err = e.AddGroupingPolicies(grouping)
		must(t, err)
		es = append(es, e)
	}
	for _, r := range reqs {
		for _, org := range []string{r.org, "other"} {
			got0, err0 := es[0].Enforce(r.sub, org, r.a.Obj, r.a.Act)
			got1, err1 := es[1].Enforce(r.sub, org, r.a.Obj, r.a.Act)
			if err0 != nil || err1 != nil || got0 != got1 {
				t.Errorf("%s in %s %s: model.conf %v, %v; design order %v, %v", r.user, org, r.a, got0, err0, got1, err1)
			}
		}
	}
}

// modelMatcher is model.conf's matcher expression.
func modelMatcher(t *testing.T) string {
	t.Helper()
	i := strings.Index(modelConf, "\nm = ")
	if i < 0 {
		t.Fatal("model.conf has no matcher")
	}
	return strings.TrimSpace(modelConf[i+len("\nm = "):])
}
