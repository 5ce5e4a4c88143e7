package rbac

import (
	"cmp"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"

	"github.com/datagate/datagate/domain"
)

//go:embed model.conf
var modelConf string

// Subjects as casbin sees them.
//
// A user is "user:<username>", never the bare username: casbin's role
// manager treats a name as holding itself in every domain (g(x, x, d) is
// always true), so a user named like a role ("admin", "dept_reviewer" —
// the demo users are) would hold that role in every org, whatever the
// grouping says. The prefix keeps users and roles apart; the API takes
// and returns bare usernames, and only the stored grouping rows carry it.
const (
	userPrefix = "user:"
	// anonymous is the subject of a request nobody signed in to. It holds
	// no role; the public lines (subject "public") allow it.
	anonymous = "anonymous"
	// publicDomain is the domain of an anonymous request.
	publicDomain = "public"
)

// Errors a caller can map to a status: errors.Is(err, ErrInvalid), ...
var (
	// ErrInvalid: a user, org, role or action that cannot be used.
	ErrInvalid = errors.New("invalid")
	// ErrExists: the role or policy line is already there.
	ErrExists = errors.New("already exists")
	// ErrNotFound: the role or policy line is not there.
	ErrNotFound = errors.New("not found")
)

// maxCached bounds the decision cache; past it the cache starts afresh.
// Keys are (user, org, action) of signed-in users, so a deployment of a
// thousand users and 25 actions stays well below it.
const maxCached = 1 << 16

// Enforcer decides requests with one casbin enforcer, built at start-up and
// shared by every HTTP handler.
//
// It is safe for concurrent use. Decisions are cached per (user, org,
// action); every change of policy or roles empties the cache before it
// returns, under the write lock, so no decision made on the old policy can
// be cached after it (casbin's own cached enforcers invalidate by the
// changed rule's key, which never equals a request's key in RBAC, and fill
// the cache outside their lock).
//
// Changes are written through the adapter first and applied in memory
// after, so a failed write changes nothing and a restart sees every
// change that returned nil. Another process's changes are seen after
// Reload: Watch polls the adapter's policy version (PolicyVersioner) and
// reloads when it moved. The casbin enforcer inside has no adapter of its
// own: casbin never writes on its own initiative.
type Enforcer struct {
	adapter persist.Adapter

	mu sync.RWMutex // guards ce and version; held for reading while a decision is made and cached
	ce *casbin.Enforcer
	// version is the adapter's policy version read before ce was loaded
	// (0 when the adapter keeps none): ce holds at least that version.
	version int64

	cache  sync.Map // request -> bool
	cached atomic.Int64
}

// PolicyVersioner is an adapter that keeps a version of the stored policy,
// which every change of it bumps (store.CasbinAdapter). Enforcers in
// several processes over one database poll it to see each other's
// changes (Watch).
type PolicyVersioner interface {
	PolicyVersion(ctx context.Context) (int64, error)
}

// DefaultRefresh is how often Watch polls the policy version by default.
const DefaultRefresh = 5 * time.Second

// request is a cache key. sub is the bare username, or "" for anonymous.
type request struct {
	sub, dom, obj, act string
}

// New loads the policy from the adapter (with ctx if it is a
// persist.ContextAdapter) and builds the enforcer. It does not seed the
// built-in policy: call SeedBuiltin.
func New(ctx context.Context, adapter persist.Adapter) (*Enforcer, error) {
	if adapter == nil {
		return nil, errors.New("rbac: no policy adapter")
	}
	e := &Enforcer{adapter: adapter}
	ce, v, err := e.load(ctx)
	if err != nil {
		return nil, err
	}
	e.ce, e.version = ce, v
	return e, nil
}

// load reads the policy version, then the whole policy into a new casbin
// enforcer: the policy read is at least as new as the version returned.
func (e *Enforcer) load(ctx context.Context) (*casbin.Enforcer, int64, error) {
	var version int64
	if pv, ok := e.adapter.(PolicyVersioner); ok {
		v, err := pv.PolicyVersion(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("load policy: %w", err)
		}
		version = v
	}
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, 0, fmt.Errorf("rbac model: %w", err)
	}
	if ca, ok := e.adapter.(persist.ContextAdapter); ok {
		err = ca.LoadPolicyCtx(ctx, m)
	} else {
		err = e.adapter.LoadPolicy(m)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("load policy: %w", err)
	}
	ce, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, 0, fmt.Errorf("rbac enforcer: %w", err)
	}
	if err := ce.BuildRoleLinks(); err != nil {
		return nil, 0, fmt.Errorf("rbac role links: %w", err)
	}
	return ce, version, nil
}

// Reload reads the policy again from the adapter, for changes made by
// another process or directly in the database, and empties the decision
// cache. It holds the write lock while it reads, so that no change made
// here in the meantime is lost; decisions already cached are answered
// meanwhile, the others wait.
func (e *Enforcer) Reload(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	ce, v, err := e.load(ctx)
	if err != nil {
		return err
	}
	e.ce, e.version = ce, v
	e.forget()
	return nil
}

// Refresh reads the adapter's policy version (one small query) and
// reloads the policy when it differs from the version this enforcer
// loaded: when any process, this one included, changed the policy since.
// It reports whether it reloaded. An adapter that keeps no version is an
// error: use Reload.
func (e *Enforcer) Refresh(ctx context.Context) (bool, error) {
	pv, ok := e.adapter.(PolicyVersioner)
	if !ok {
		return false, errors.New("rbac: the policy adapter keeps no version to poll; call Reload instead")
	}
	v, err := pv.PolicyVersion(ctx)
	if err != nil {
		return false, fmt.Errorf("rbac: poll the policy version: %w", err)
	}
	e.mu.RLock()
	same := v == e.version
	e.mu.RUnlock()
	if same {
		return false, nil
	}
	if err := e.Reload(ctx); err != nil {
		return false, fmt.Errorf("rbac: reload the policy at version %d: %w", v, err)
	}
	return true, nil
}

// Version is the policy version the enforcer loaded last (0 when the
// adapter keeps none).
func (e *Enforcer) Version() int64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.version
}

// Watch calls Refresh every interval until ctx ends, so that a change made
// by another process (a role granted or revoked through another replica)
// counts here within the interval. A failed poll is logged (once until a
// poll succeeds again) and retried at the next tick; the enforcer keeps
// deciding on the policy it has. It returns at once with an error when
// the adapter keeps no version or interval is not positive, and nil when
// ctx ends.
func (e *Enforcer) Watch(ctx context.Context, interval time.Duration, log *slog.Logger) error {
	if _, ok := e.adapter.(PolicyVersioner); !ok {
		return errors.New("rbac: the policy adapter keeps no version to poll")
	}
	if interval <= 0 {
		return fmt.Errorf("rbac: policy poll interval %v: want a positive duration", interval)
	}
	if log == nil {
		log = slog.Default()
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		poll, cancel := context.WithTimeout(ctx, max(interval, 5*time.Second))
		reloaded, err := e.Refresh(poll)
		cancel()
		switch {
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil:
			if !failing {
				log.Warn("policy poll failed; deciding on the policy loaded before, retrying", "error", err.Error(), "every", interval.String())
			}
			failing = true
			continue
		case failing:
			log.Info("policy poll works again")
		}
		failing = false
		if reloaded {
			log.Info("policy reloaded: it changed in the database", "version", e.Version())
		}
	}
}

// Allow reports whether user, acting in org, may perform a. A user holds
// the permissions of the roles they hold in org, of the public, and of
// nothing else: a role held in another org does not count.
func (e *Enforcer) Allow(user, org string, a Action) (bool, error) {
	if user == "" {
		return false, fmt.Errorf("rbac: %w user: empty; a request nobody signed in to is decided by AllowPublic", ErrInvalid)
	}
	if org == "" {
		return false, fmt.Errorf("rbac: %w org for user %q: empty", ErrInvalid, user)
	}
	return e.decide(request{user, org, a.Obj, a.Act})
}

// AllowPublic reports whether anyone, signed in or not, may perform a: the
// subject "anonymous" in the domain "public".
func (e *Enforcer) AllowPublic(a Action) (bool, error) {
	return e.decide(request{"", publicDomain, a.Obj, a.Act})
}

func (e *Enforcer) decide(r request) (bool, error) {
	if v, ok := e.cache.Load(r); ok {
		return v.(bool), nil
	}
	sub := anonymous
	if r.sub != "" {
		sub = userPrefix + r.sub
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	ok, err := e.ce.Enforce(sub, r.dom, r.obj, r.act)
	if err != nil {
		return false, fmt.Errorf("rbac: decide %s in %s on %s:%s: %w", sub, r.dom, r.obj, r.act, err)
	}
	if e.cached.Add(1) > maxCached {
		e.cache.Clear()
		e.cached.Store(1)
	}
	e.cache.Store(r, ok)
	return ok, nil
}

// forget empties the decision cache. The caller holds e.mu for writing.
func (e *Enforcer) forget() {
	e.cache.Clear()
	e.cached.Store(0)
}

// builtinLines are Builtin as policy lines: role, "*", object, action.
func builtinLines() [][]string {
	lines := make([][]string, len(Builtin))
	for i, b := range Builtin {
		lines[i] = []string{b[0], AnyDomain, b[1], b[2]}
	}
	return lines
}

// SeedBuiltin adds every line of Builtin, in every domain ("*"), that the
// policy lacks. It removes nothing and leaves lines admins added alone;
// running it again changes nothing.
//
// A built-in line an admin removed comes back at the next seed (each
// start-up): Builtin defines the product — who may do what in the
// approval process — so it is restored, not edited away. Admins customise
// by adding lines (AddPolicy), e.g. a permission for a role in one org. To
// take a built-in permission away, change Builtin in code.
func (e *Enforcer) SeedBuiltin(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var missing [][]string
	for _, l := range builtinLines() {
		has, err := e.ce.HasPolicy(l)
		if err != nil {
			return fmt.Errorf("seed built-in policy: %w", err)
		}
		if !has {
			missing = append(missing, l)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if err := e.change(ctx, "p", missing, true); err != nil {
		return fmt.Errorf("seed built-in policy: %w", err)
	}
	return nil
}

// change writes lines through the adapter, with ctx if it takes one, then
// applies them in memory and empties the cache. The caller holds e.mu for
// writing and has checked that every line is absent (add) or present
// (remove) in memory.
func (e *Enforcer) change(ctx context.Context, sec string, lines [][]string, add bool) error {
	var err error
	switch a := e.adapter.(type) {
	case persist.ContextBatchAdapter:
		if add {
			err = a.AddPoliciesCtx(ctx, sec, sec, lines)
		} else {
			err = a.RemovePoliciesCtx(ctx, sec, sec, lines)
		}
	case persist.BatchAdapter:
		if add {
			err = a.AddPolicies(sec, sec, lines)
		} else {
			err = a.RemovePolicies(sec, sec, lines)
		}
	default:
		for _, l := range lines {
			if add {
				err = e.adapter.AddPolicy(sec, sec, l)
			} else {
				err = e.adapter.RemovePolicy(sec, sec, l)
			}
			if err != nil {
				break
			}
		}
	}
	if err != nil {
		return err
	}
	defer e.forget()
	switch {
	case sec == "p" && add:
		_, err = e.ce.AddPolicies(lines)
	case sec == "p":
		_, err = e.ce.RemovePolicies(lines)
	case add:
		_, err = e.ce.AddGroupingPolicies(lines)
	default:
		_, err = e.ce.RemoveGroupingPolicies(lines)
	}
	if err != nil {
		// Stored but not applied: what a restart would see differs from
		// what this process decides until Reload.
		return fmt.Errorf("apply in memory (stored; Reload to resync): %w", err)
	}
	return nil
}

// grouping checks a role assignment and returns its stored line.
func grouping(user, role, org string) ([]string, error) {
	if err := name("user", user); err != nil {
		return nil, err
	}
	if err := name("org", org); err != nil {
		return nil, err
	}
	if org == AnyDomain {
		return nil, fmt.Errorf("%w org %q: a role is held in one org; %q is not an org", ErrInvalid, org, AnyDomain)
	}
	if !slices.Contains(domain.Roles(), role) {
		return nil, fmt.Errorf("%w role %q: want one of %s", ErrInvalid, role, strings.Join(domain.Roles(), ", "))
	}
	return []string{userPrefix + user, role, org}, nil
}

func name(what, s string) error {
	if s == "" {
		return fmt.Errorf("%w %s: empty", ErrInvalid, what)
	}
	if strings.TrimSpace(s) != s {
		return fmt.Errorf("%w %s %q: leading or trailing space", ErrInvalid, what, s)
	}
	return nil
}

// AssignRole gives user the role in org. It fails with ErrExists if they
// hold it already, ErrInvalid for a role not in domain.Roles().
func (e *Enforcer) AssignRole(user, role, org string) error {
	l, err := grouping(user, role, org)
	if err != nil {
		return fmt.Errorf("assign role: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	has, err := e.ce.HasGroupingPolicy(l)
	if err != nil {
		return fmt.Errorf("assign role: %w", err)
	}
	if has {
		return fmt.Errorf("assign role: %q holds %s in %s: %w", user, role, org, ErrExists)
	}
	if err := e.change(context.Background(), "g", [][]string{l}, true); err != nil {
		return fmt.Errorf("assign role %s in %s to %q: %w", role, org, user, err)
	}
	return nil
}

// EnsureRole gives user the role in org unless they hold it already (for
// seeding demo users).
func (e *Enforcer) EnsureRole(user, role, org string) error {
	err := e.AssignRole(user, role, org)
	if errors.Is(err, ErrExists) {
		return nil
	}
	return err
}

// RevokeRole takes the role in org from user. It fails with ErrNotFound if
// they do not hold it, ErrInvalid for a role not in domain.Roles().
func (e *Enforcer) RevokeRole(user, role, org string) error {
	l, err := grouping(user, role, org)
	if err != nil {
		return fmt.Errorf("revoke role: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	has, err := e.ce.HasGroupingPolicy(l)
	if err != nil {
		return fmt.Errorf("revoke role: %w", err)
	}
	if !has {
		return fmt.Errorf("revoke role: %q does not hold %s in %s: %w", user, role, org, ErrNotFound)
	}
	if err := e.change(context.Background(), "g", [][]string{l}, false); err != nil {
		return fmt.Errorf("revoke role %s in %s from %q: %w", role, org, user, err)
	}
	return nil
}

// RolesOf returns the (role, org) pairs user holds, by org then role.
func (e *Enforcer) RolesOf(user string) ([][2]string, error) {
	e.mu.RLock()
	rules, err := e.ce.GetFilteredGroupingPolicy(0, userPrefix+user)
	var out [][2]string
	for _, r := range rules {
		out = append(out, [2]string{r[1], r[2]})
	}
	e.mu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("roles of %q: %w", user, err)
	}
	slices.SortFunc(out, func(a, b [2]string) int {
		return cmp.Or(cmp.Compare(a[1], b[1]), cmp.Compare(a[0], b[0]))
	})
	return out, nil
}

// policyLine checks an admin's policy line: a role (or the public), an org
// or "*", and an action.
func policyLine(role, org string, a Action) ([]string, error) {
	if role != RolePublic && !slices.Contains(domain.Roles(), role) {
		return nil, fmt.Errorf("%w role %q: want %s or one of %s", ErrInvalid, role, RolePublic, strings.Join(domain.Roles(), ", "))
	}
	if err := name("org", org); err != nil {
		return nil, err
	}
	if err := name("object", a.Obj); err != nil {
		return nil, err
	}
	if err := name("action", a.Act); err != nil {
		return nil, err
	}
	return []string{role, org, a.Obj, a.Act}, nil
}

// AddPolicy lets role perform a in org ("*": in whatever org the role is
// held). It fails with ErrExists if the line is there already.
func (e *Enforcer) AddPolicy(role, org string, a Action) error {
	l, err := policyLine(role, org, a)
	if err != nil {
		return fmt.Errorf("add policy: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	has, err := e.ce.HasPolicy(l)
	if err != nil {
		return fmt.Errorf("add policy: %w", err)
	}
	if has {
		return fmt.Errorf("add policy %v: %w", l, ErrExists)
	}
	if err := e.change(context.Background(), "p", [][]string{l}, true); err != nil {
		return fmt.Errorf("add policy %v: %w", l, err)
	}
	return nil
}

// RemovePolicy removes a policy line. It fails with ErrNotFound if the line
// is not there. A built-in line comes back at the next SeedBuiltin.
func (e *Enforcer) RemovePolicy(role, org string, a Action) error {
	l, err := policyLine(role, org, a)
	if err != nil {
		return fmt.Errorf("remove policy: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	has, err := e.ce.HasPolicy(l)
	if err != nil {
		return fmt.Errorf("remove policy: %w", err)
	}
	if !has {
		return fmt.Errorf("remove policy %v: %w", l, ErrNotFound)
	}
	if err := e.change(context.Background(), "p", [][]string{l}, false); err != nil {
		return fmt.Errorf("remove policy %v: %w", l, err)
	}
	return nil
}

// Policies returns every policy line: role, domain ("*" or an org),
// object, action.
func (e *Enforcer) Policies() ([][]string, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	rules, err := e.ce.GetPolicy()
	if err != nil {
		return nil, fmt.Errorf("policies: %w", err)
	}
	return clone(rules, ""), nil
}

// Grouping returns every role assignment: username, role, org.
func (e *Enforcer) Grouping() ([][]string, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	rules, err := e.ce.GetGroupingPolicy()
	if err != nil {
		return nil, fmt.Errorf("grouping: %w", err)
	}
	return clone(rules, userPrefix), nil
}

// clone deep-copies rules (casbin returns its own slices) and strips prefix
// from the first value.
func clone(rules [][]string, prefix string) [][]string {
	out := make([][]string, len(rules))
	for i, r := range rules {
		out[i] = slices.Clone(r)
		if prefix != "" && len(r) > 0 {
			out[i][0] = strings.TrimPrefix(r[0], prefix)
		}
	}
	return out
}
