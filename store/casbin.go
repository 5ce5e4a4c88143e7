package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Column sizes of casbin_rule, in characters.
//
// MySQL and MariaDB (InnoDB, DYNAMIC rows, the default since MySQL 5.7 and
// MariaDB 10.2) cap an index key at 3072 bytes and count 4 bytes per
// utf8mb4 character, so the unique index over all seven columns cannot be
// 8 + 6×128 characters (3104 bytes). With v0–v3 at 128 and v4–v5 at 64 it
// is (8 + 4×128 + 2×64) × 4 = 2592 bytes. Our model uses v0–v3 only
// (p: role, domain, object, action; g: "user:"+username, role, org), and
// usernames and org codes are at most 64 characters (User, Org), so the
// values fit with room to spare. SQLite does not enforce sizes, so the
// adapter checks them itself: a rule that would not fit is refused on every
// database alike.
const (
	casbinPtypeSize = 8
	casbinWideSize  = 128 // v0–v3
	casbinNarrow    = 64  // v4–v5
	casbinFields    = 6   // v0–v5
)

// CasbinRule is one casbin policy line: ptype ("p", "g", ...) and up to six
// values. Unused values are empty strings, never NULL, so that the unique
// index covers every rule.
type CasbinRule struct {
	ID    uint   `gorm:"primaryKey;autoIncrement"`
	Ptype string `gorm:"size:8;not null;uniqueIndex:idx_casbin_rule,priority:1"`
	V0    string `gorm:"size:128;not null;uniqueIndex:idx_casbin_rule,priority:2"`
	V1    string `gorm:"size:128;not null;uniqueIndex:idx_casbin_rule,priority:3"`
	V2    string `gorm:"size:128;not null;uniqueIndex:idx_casbin_rule,priority:4"`
	V3    string `gorm:"size:128;not null;uniqueIndex:idx_casbin_rule,priority:5"`
	V4    string `gorm:"size:64;not null;uniqueIndex:idx_casbin_rule,priority:6"`
	V5    string `gorm:"size:64;not null;uniqueIndex:idx_casbin_rule,priority:7"`
}

// TableName is casbin's conventional table name.
func (CasbinRule) TableName() string { return "casbin_rule" }

func (r CasbinRule) values() [casbinFields]string {
	return [casbinFields]string{r.V0, r.V1, r.V2, r.V3, r.V4, r.V5}
}

// line is the rule as casbin's adapters pass it to persist.LoadPolicyArray:
// ptype first, trailing empty values trimmed.
func (r CasbinRule) line() []string {
	v := r.values()
	n := len(v)
	for n > 0 && v[n-1] == "" {
		n--
	}
	return append([]string{r.Ptype}, v[:n]...)
}

// CasbinPolicyVersion is the version of the stored casbin policy: one row
// (id 1) whose version every change of casbin_rule through the adapter
// bumps, in the change's own transaction. Each process enforcing the
// policy polls it (rbac.Enforcer.Watch) and reloads the policy when it
// moved, so that a role granted or revoked through one replica counts in
// the others within the poll interval. A database without the row is at
// version 0; the first change creates it. Whoever edits casbin_rule by hand
// bumps it too: UPDATE casbin_policy_version SET version = version + 1.
type CasbinPolicyVersion struct {
	ID      uint  `gorm:"primaryKey;autoIncrement:false"`
	Version int64 `gorm:"not null"`
}

// TableName names the policy version's table.
func (CasbinPolicyVersion) TableName() string { return "casbin_policy_version" }

// casbinVersionID is the one row of casbin_policy_version.
const casbinVersionID = 1

// bumpPolicyVersion adds one to the policy version, creating its row at 1
// when missing. Inside a change's transaction it comes first: on MySQL
// the row lock it takes makes concurrent policy changes take turns.
func bumpPolicyVersion(tx *gorm.DB) error {
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.Assignments(map[string]any{"version": gorm.Expr("version + 1")}),
	}).Create(&CasbinPolicyVersion{ID: casbinVersionID, Version: 1}).Error
	if err != nil {
		return fmt.Errorf("bump the casbin policy version: %w", err)
	}
	return nil
}

// PolicyVersion is the stored policy's version (0 before any change): one
// primary-key read, cheap enough to poll every few seconds.
func (a *CasbinAdapter) PolicyVersion(ctx context.Context) (int64, error) {
	var v CasbinPolicyVersion
	if err := a.s.db.WithContext(ctx).Where("id = ?", casbinVersionID).Limit(1).Find(&v).Error; err != nil {
		return 0, fmt.Errorf("read the casbin policy version: %w", err)
	}
	return v.Version, nil
}

// CasbinAdapter stores casbin policy in the casbin_rule table. It is
// persist.Adapter, persist.BatchAdapter and persist.UpdatableAdapter, and
// their context-taking twins (persist.ContextAdapter,
// persist.ContextBatchAdapter, persist.ContextUpdatableAdapter).
//
// casbin's plain interfaces take no context, so their methods use the one
// the adapter was made with: context.Background() from Store.CasbinAdapter,
// or the one given to WithContext. The ...Ctx methods use their argument.
//
// Writes are idempotent: adding a rule that exists, or removing one that
// does not, succeeds and changes no rule. Every write bumps the policy
// version (CasbinPolicyVersion) in its transaction.
type CasbinAdapter struct {
	s   *Store
	ctx context.Context
}

// CasbinAdapter returns an adapter over this store whose context-less
// methods run with context.Background().
func (s *Store) CasbinAdapter() *CasbinAdapter {
	return &CasbinAdapter{s: s, ctx: context.Background()}
}

// WithContext returns a copy of the adapter whose context-less methods run
// with ctx.
func (a *CasbinAdapter) WithContext(ctx context.Context) *CasbinAdapter {
	return &CasbinAdapter{s: a.s, ctx: ctx}
}

var (
	_ persist.BatchAdapter            = (*CasbinAdapter)(nil)
	_ persist.UpdatableAdapter        = (*CasbinAdapter)(nil)
	_ persist.ContextBatchAdapter     = (*CasbinAdapter)(nil)
	_ persist.ContextUpdatableAdapter = (*CasbinAdapter)(nil)
)

// ErrCasbinRule is wrapped by the errors for a rule the table cannot hold.
var ErrCasbinRule = errors.New("invalid casbin rule")

// toRow checks a rule against the column sizes and makes it a row.
func toRow(ptype string, rule []string) (CasbinRule, error) {
	if ptype == "" || utf8.RuneCountInString(ptype) > casbinPtypeSize {
		return CasbinRule{}, fmt.Errorf("%w: ptype %q must be 1 to %d characters", ErrCasbinRule, ptype, casbinPtypeSize)
	}
	if len(rule) > casbinFields {
		return CasbinRule{}, fmt.Errorf("%w: %s %v has %d values; the table holds %d", ErrCasbinRule, ptype, rule, len(rule), casbinFields)
	}
	var v [casbinFields]string
	for i, s := range rule {
		size := casbinWideSize
		if i >= 4 {
			size = casbinNarrow
		}
		if n := utf8.RuneCountInString(s); n > size {
			return CasbinRule{}, fmt.Errorf("%w: %s %v: value %d is %d characters; at most %d fit", ErrCasbinRule, ptype, rule, i, n, size)
		}
		v[i] = s
	}
	return CasbinRule{Ptype: ptype, V0: v[0], V1: v[1], V2: v[2], V3: v[3], V4: v[4], V5: v[5]}, nil
}

func toRows(ptype string, rules [][]string) ([]CasbinRule, error) {
	rows := make([]CasbinRule, 0, len(rules))
	for _, r := range rules {
		row, err := toRow(ptype, r)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// exactly matches the row with every column equal, empty ones included: a
// rule never matches a longer one that starts with it.
func exactly(db *gorm.DB, r CasbinRule) *gorm.DB {
	return db.Where("ptype = ? AND v0 = ? AND v1 = ? AND v2 = ? AND v3 = ? AND v4 = ? AND v5 = ?",
		r.Ptype, r.V0, r.V1, r.V2, r.V3, r.V4, r.V5)
}

// filtered matches casbin's field filter: values from fieldIndex on, an
// empty value matching anything.
func filtered(db *gorm.DB, ptype string, fieldIndex int, fieldValues []string) (*gorm.DB, error) {
	if fieldIndex < 0 || fieldIndex+len(fieldValues) > casbinFields {
		return nil, fmt.Errorf("%w: filter on values %d to %d; the table holds values 0 to %d",
			ErrCasbinRule, fieldIndex, fieldIndex+len(fieldValues)-1, casbinFields-1)
	}
	db = db.Where("ptype = ?", ptype)
	for i, v := range fieldValues {
		if v != "" {
			db = db.Where(clause.Eq{Column: clause.Column{Name: "v" + strconv.Itoa(fieldIndex+i)}, Value: v})
		}
	}
	return db, nil
}

// insertBatch is the number of rules per INSERT.
const insertBatch = 100

// insert adds the rows that are missing.
func insert(tx *gorm.DB, rows []CasbinRule) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, insertBatch).Error
}

// LoadPolicy loads every rule into m.
func (a *CasbinAdapter) LoadPolicy(m model.Model) error { return a.LoadPolicyCtx(a.ctx, m) }

// LoadPolicyCtx loads every rule into m, in the order they were added.
func (a *CasbinAdapter) LoadPolicyCtx(ctx context.Context, m model.Model) error {
	var rows []CasbinRule
	if err := a.s.db.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return fmt.Errorf("load casbin policy: %w", err)
	}
	for _, r := range rows {
		if r.Ptype == "" {
			return fmt.Errorf("load casbin rule %d: %w: empty ptype", r.ID, ErrCasbinRule)
		}
		line := r.line()
		// A rule whose last values are empty strings was trimmed above;
		// give a "p" rule back the length its definition expects.
		if ast, ok := m[line[0][:1]][line[0]]; ok && len(ast.Tokens) > len(line)-1 {
			line = append(line, make([]string, len(ast.Tokens)-(len(line)-1))...)
		}
		if err := persist.LoadPolicyArray(line, m); err != nil {
			return fmt.Errorf("load casbin rule %d %v: %w", r.ID, line, err)
		}
	}
	return nil
}

// SavePolicy replaces every stored rule with m's.
func (a *CasbinAdapter) SavePolicy(m model.Model) error { return a.SavePolicyCtx(a.ctx, m) }

// SavePolicyCtx replaces every stored rule with m's, in one transaction.
func (a *CasbinAdapter) SavePolicyCtx(ctx context.Context, m model.Model) error {
	var rows []CasbinRule
	for _, sec := range []string{"p", "g"} {
		for ptype, ast := range m[sec] {
			rs, err := toRows(ptype, ast.Policy)
			if err != nil {
				return fmt.Errorf("save casbin policy: %w", err)
			}
			rows = append(rows, rs...)
		}
	}
	err := a.s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := bumpPolicyVersion(tx); err != nil {
			return err
		}
		if err := tx.Where("1 = 1").Delete(&CasbinRule{}).Error; err != nil {
			return err
		}
		return insert(tx, rows)
	})
	if err != nil {
		return fmt.Errorf("save casbin policy: %w", err)
	}
	return nil
}

// AddPolicy stores a rule; a rule already stored is left as it is.
func (a *CasbinAdapter) AddPolicy(sec, ptype string, rule []string) error {
	return a.AddPolicyCtx(a.ctx, sec, ptype, rule)
}

// AddPolicyCtx stores a rule; a rule already stored is left as it is.
func (a *CasbinAdapter) AddPolicyCtx(ctx context.Context, sec, ptype string, rule []string) error {
	return a.AddPoliciesCtx(ctx, sec, ptype, [][]string{rule})
}

// AddPolicies stores rules, skipping those already stored.
func (a *CasbinAdapter) AddPolicies(sec, ptype string, rules [][]string) error {
	return a.AddPoliciesCtx(a.ctx, sec, ptype, rules)
}

// AddPoliciesCtx stores rules, skipping those already stored, in one
// transaction.
func (a *CasbinAdapter) AddPoliciesCtx(ctx context.Context, sec, ptype string, rules [][]string) error {
	rows, err := toRows(ptype, rules)
	if err != nil {
		return fmt.Errorf("add casbin policy: %w", err)
	}
	err = a.s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := bumpPolicyVersion(tx); err != nil {
			return err
		}
		return insert(tx, rows)
	})
	if err != nil {
		return fmt.Errorf("add casbin policy: %w", err)
	}
	return nil
}

// RemovePolicy deletes exactly this rule, if stored.
func (a *CasbinAdapter) RemovePolicy(sec, ptype string, rule []string) error {
	return a.RemovePolicyCtx(a.ctx, sec, ptype, rule)
}

// RemovePolicyCtx deletes exactly this rule, if stored.
func (a *CasbinAdapter) RemovePolicyCtx(ctx context.Context, sec, ptype string, rule []string) error {
	return a.RemovePoliciesCtx(ctx, sec, ptype, [][]string{rule})
}

// RemovePolicies deletes exactly these rules, those that are stored.
func (a *CasbinAdapter) RemovePolicies(sec, ptype string, rules [][]string) error {
	return a.RemovePoliciesCtx(a.ctx, sec, ptype, rules)
}

// RemovePoliciesCtx deletes exactly these rules, those that are stored, in
// one transaction.
func (a *CasbinAdapter) RemovePoliciesCtx(ctx context.Context, sec, ptype string, rules [][]string) error {
	rows, err := toRows(ptype, rules)
	if err != nil {
		return fmt.Errorf("remove casbin policy: %w", err)
	}
	err = a.s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := bumpPolicyVersion(tx); err != nil {
			return err
		}
		for _, r := range rows {
			if err := exactly(tx, r).Delete(&CasbinRule{}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove casbin policy: %w", err)
	}
	return nil
}

// RemoveFilteredPolicy deletes the rules whose values from fieldIndex on
// equal fieldValues; an empty value matches anything.
func (a *CasbinAdapter) RemoveFilteredPolicy(sec, ptype string, fieldIndex int, fieldValues ...string) error {
	return a.RemoveFilteredPolicyCtx(a.ctx, sec, ptype, fieldIndex, fieldValues...)
}

// RemoveFilteredPolicyCtx deletes the rules whose values from fieldIndex on
// equal fieldValues; an empty value matches anything.
func (a *CasbinAdapter) RemoveFilteredPolicyCtx(ctx context.Context, sec, ptype string, fieldIndex int, fieldValues ...string) error {
	err := a.s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		db, err := filtered(tx, ptype, fieldIndex, fieldValues)
		if err != nil {
			return err
		}
		if err := bumpPolicyVersion(tx); err != nil {
			return err
		}
		return db.Delete(&CasbinRule{}).Error
	})
	if err != nil {
		return fmt.Errorf("remove casbin policy: %w", err)
	}
	return nil
}

// UpdatePolicy replaces one rule with another.
func (a *CasbinAdapter) UpdatePolicy(sec, ptype string, oldRule, newRule []string) error {
	return a.UpdatePolicyCtx(a.ctx, sec, ptype, oldRule, newRule)
}

// UpdatePolicyCtx replaces one rule with another.
func (a *CasbinAdapter) UpdatePolicyCtx(ctx context.Context, sec, ptype string, oldRule, newRule []string) error {
	return a.UpdatePoliciesCtx(ctx, sec, ptype, [][]string{oldRule}, [][]string{newRule})
}

// UpdatePolicies replaces rules with others.
func (a *CasbinAdapter) UpdatePolicies(sec, ptype string, oldRules, newRules [][]string) error {
	return a.UpdatePoliciesCtx(a.ctx, sec, ptype, oldRules, newRules)
}

// UpdatePoliciesCtx replaces rules with others, in one transaction: the old
// rules are deleted, then the new ones added.
func (a *CasbinAdapter) UpdatePoliciesCtx(ctx context.Context, sec, ptype string, oldRules, newRules [][]string) error {
	if len(oldRules) != len(newRules) {
		return fmt.Errorf("update casbin policy: %w: %d old rules, %d new ones", ErrCasbinRule, len(oldRules), len(newRules))
	}
	olds, err := toRows(ptype, oldRules)
	if err != nil {
		return fmt.Errorf("update casbin policy: %w", err)
	}
	news, err := toRows(ptype, newRules)
	if err != nil {
		return fmt.Errorf("update casbin policy: %w", err)
	}
	err = a.s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := bumpPolicyVersion(tx); err != nil {
			return err
		}
		for _, r := range olds {
			if err := exactly(tx, r).Delete(&CasbinRule{}).Error; err != nil {
				return err
			}
		}
		return insert(tx, news)
	})
	if err != nil {
		return fmt.Errorf("update casbin policy: %w", err)
	}
	return nil
}

// UpdateFilteredPolicies replaces the rules the filter matches with
// newRules and returns the rules it replaced.
func (a *CasbinAdapter) UpdateFilteredPolicies(sec, ptype string, newRules [][]string, fieldIndex int, fieldValues ...string) ([][]string, error) {
	return a.UpdateFilteredPoliciesCtx(a.ctx, sec, ptype, newRules, fieldIndex, fieldValues...)
}

// UpdateFilteredPoliciesCtx replaces the rules the filter matches with
// newRules, in one transaction, and returns the rules it replaced.
func (a *CasbinAdapter) UpdateFilteredPoliciesCtx(ctx context.Context, sec, ptype string, newRules [][]string, fieldIndex int, fieldValues ...string) ([][]string, error) {
	news, err := toRows(ptype, newRules)
	if err != nil {
		return nil, fmt.Errorf("update casbin policy: %w", err)
	}
	var olds []CasbinRule
	err = a.s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q, err := filtered(tx, ptype, fieldIndex, fieldValues)
		if err != nil {
			return err
		}
		if err := bumpPolicyVersion(tx); err != nil {
			return err
		}
		if err := q.Order("id").Find(&olds).Error; err != nil {
			return err
		}
		if len(olds) > 0 {
			ids := make([]uint, len(olds))
			for i, r := range olds {
				ids[i] = r.ID
			}
			if err := tx.Where("id IN ?", ids).Delete(&CasbinRule{}).Error; err != nil {
				return err
			}
		}
		return insert(tx, news)
	})
	if err != nil {
		return nil, fmt.Errorf("update casbin policy: %w", err)
	}
	out := make([][]string, len(olds))
	for i, r := range olds {
		out[i] = r.line()[1:]
	}
	return out, nil
}
