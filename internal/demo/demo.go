// Package demo prepares a store as `datagate dev --demo` leaves it, for the
// tests and the bench: migrated, with the catalog and the demo users, and
// an enforcer holding the built-in policy and the demo users' roles.
package demo

import (
	"context"

	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/rbac"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/store/seeddata"
)

// Prepare migrates st, seeds the catalog and the demo users (password
// identity.DemoPassword), and builds the enforcer with the built-in policy
// and each demo user's role.
func Prepare(ctx context.Context, st *store.Store) ([]store.User, *rbac.Enforcer, error) {
	for _, migrate := range []func(context.Context) error{st.Migrate, st.MigrateCasbin, st.MigrateIdentity, st.MigrateAPI, st.MigrateSupervision} {
		if err := migrate(ctx); err != nil {
			return nil, nil, err
		}
	}
	cat, err := seeddata.Load()
	if err != nil {
		return nil, nil, err
	}
	users, err := identity.DemoUserHashes(store.DemoUsers(cat))
	if err != nil {
		return nil, nil, err
	}
	if err := st.Seed(ctx, cat, users); err != nil {
		return nil, nil, err
	}
	enf, err := rbac.New(ctx, st.CasbinAdapter())
	if err != nil {
		return nil, nil, err
	}
	if err := enf.SeedBuiltin(ctx); err != nil {
		return nil, nil, err
	}
	for _, u := range users {
		if err := enf.EnsureRole(u.Username, u.Role, u.OrgCode); err != nil {
			return nil, nil, err
		}
	}
	return users, enf, nil
}
