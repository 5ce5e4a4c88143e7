// Package api is DataGate's HTTP API (gin). Every request is
// authenticated (session cookie or bearer token, or none), then gated by
// casbin on the action its route names, then scoped to what the user's
// roles may see.
package api

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"

	"github.com/datagate/datagate/files"
	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/notify"
	"github.com/datagate/datagate/rbac"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// Server holds the API's dependencies: those it shares with the pages
// (the store, the calendar, the enforcer, the log, the clock), and its own.
type Server struct {
	*httpctx.Deps
	Temporal client.Client
	Auth     *identity.Service
	// LoginLimiter bounds sign-in attempts per client IP.
	LoginLimiter *identity.RateLimiter
	Orgs         workflows.Orgs
	Deadlines    workflows.Deadlines
	// Ready reports whether Temporal, the database and the worker are up.
	Ready func(ctx context.Context) error
	// Middleware runs before authentication on every request: request
	// IDs, logging, metrics.
	Middleware []gin.HandlerFunc
	// Pages are the web's routes, gated like the API's.
	Pages []httpctx.Route
	// RateLimits bounds requests per client address and per signed-in
	// user (security.go); the zero value sets none, DefaultRateLimits()
	// is the production setting.
	RateLimits RateLimits
	// TrustedProxies are the reverse proxies (IPs or CIDRs) whose
	// X-Forwarded-For names the client; with none, the client is the
	// connection's peer.
	TrustedProxies []string
	// Origins are the sites (scheme://host[:port]) besides the request's
	// own host whose pages may send state-changing requests: the public
	// address when a reverse proxy rewrites Host. A browser's request from
	// any other site is refused (security.go).
	Origins []string
	// WebhookAllow are the networks a user's webhook URL may point into
	// besides public addresses (DATAGATE_WEBHOOK_ALLOW_CIDRS; the worker
	// enforces the same list when it connects).
	WebhookAllow []netip.Prefix
	// WebhookResolver resolves a webhook's host when its URL is saved;
	// nil: net.DefaultResolver.
	WebhookResolver notify.Resolver
	// Files keeps the attachments' bytes (DATAGATE_FILES); nil: the
	// attachment routes answer 503.
	Files files.Store
	// AttachmentLimits bound an attachment and an application's total.
	AttachmentLimits AttachmentLimits
}

// Handler builds the gin engine.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	routes := s.routes()
	for _, p := range s.Pages {
		routes = append(routes, route{p.Method, p.Path, p.Action, p.Handler})
	}
	actions := make(map[string]rbac.Action, len(routes))
	for _, rt := range routes {
		actions[rt.method+" "+rt.path] = rt.action
	}
	forbidden := map[string]gin.HandlerFunc{}
	for _, p := range s.Pages {
		if p.Forbidden != nil {
			forbidden[p.Method+" "+p.Path] = p.Forbidden
		}
	}
	// fail logs an unexpected error's cause with the server's logger.
	r.Use(func(c *gin.Context) { c.Set(logKey, s.Log) })
	// A panic answers like any other error: JSON, not an empty 500.
	r.Use(gin.CustomRecovery(func(c *gin.Context, v any) {
		if s.Log != nil {
			s.Log.Error("panic serving request", "path", c.FullPath(), "panic", v)
		}
		fail(c, newErr(http.StatusInternalServerError, "internal", "", "try again; if it persists, tell the administrator",
			"the server failed on this request"))
	}))
	r.Use(s.Middleware...)
	beforeAuth, afterAuth := s.secure(r)
	r.Use(beforeAuth, s.authenticate, afterAuth, s.gate(actions, forbidden))
	r.HandleMethodNotAllowed = true
	r.NoRoute(func(c *gin.Context) {
		fail(c, newErr(http.StatusNotFound, "not_found", "", "see the routes in the README", "no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		fail(c, newErr(http.StatusMethodNotAllowed, "method_not_allowed", "", "", "%s is not allowed on %s", c.Request.Method, c.Request.URL.Path))
	})
	for _, rt := range routes {
		if rt.method == http.MethodPost || rt.method == http.MethodPut {
			r.Handle(rt.method, rt.path, s.idempotent, rt.handler)
		} else {
			r.Handle(rt.method, rt.path, rt.handler)
		}
	}
	return r
}

func (s *Server) now() time.Time { return s.Clock() }

func (s *Server) healthz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	if s.Ready != nil {
		if err := s.Ready(ctx); err != nil {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "error": err.Error()})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// FixedOrgs finds in st the orgs that play the process's fixed roles
// (the big-data center, the bureau, the operator), for Server.Orgs.
func FixedOrgs(ctx context.Context, st *store.Store) (workflows.Orgs, error) {
	var o workflows.Orgs
	for kind, dst := range map[string]*string{
		store.KindBigDataCenter: &o.BigDataCenter, store.KindBureau: &o.Bureau, store.KindOperator: &o.Operator,
	} {
		org, err := st.OrgOfKind(ctx, kind)
		if err != nil {
			return o, fmt.Errorf("find the %s org: %w", kind, err)
		}
		*dst = org.Code
	}
	return o, nil
}
