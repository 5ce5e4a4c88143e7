package api

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/identity"
)

// Security headers, rate limits, and the size of a body, for every
// response.

// RateLimit is a token bucket: Rate requests a second on average, up to
// Burst at once. The zero value sets no limit.
type RateLimit struct {
	Rate  float64
	Burst int
}

func (l RateLimit) on() bool { return l.Rate > 0 && l.Burst > 0 }

// RateLimits bounds requests per client address and per signed-in user.
// Beyond them a request is answered 429 with Retry-After and does nothing.
type RateLimits struct {
	PerIP   RateLimit
	PerUser RateLimit
}

// DefaultRateLimits are generous for people and for scripts that pace
// themselves (20 requests a second, 60 at once, per address and per
// user), and stop a client that floods.
func DefaultRateLimits() RateLimits {
	return RateLimits{PerIP: RateLimit{Rate: 20, Burst: 60}, PerUser: RateLimit{Rate: 20, Burst: 60}}
}

// security is what Handler installs: headers and the per-address limit
// before authentication, the per-user limit after it.
type security struct {
	ip, user  *identity.RateLimiter
	ipRetry   string
	userRetry string
	// origins are Server.Origins, lower-cased.
	origins map[string]bool
	// limit is the largest body the request's route takes.
	limit func(*gin.Context) int64
}

// secure configures the engine's idea of the client's address (only the
// listed proxies may name it in X-Forwarded-For; by default none, so a
// client cannot pick its own address to dodge a limit) and returns the
// middleware to install before and after authentication.
func (s *Server) secure(r *gin.Engine) (beforeAuth, afterAuth gin.HandlerFunc) {
	if err := r.SetTrustedProxies(s.TrustedProxies); err != nil {
		if s.Log != nil {
			s.Log.Error("trusted proxies: trusting none", "error", err)
		}
		_ = r.SetTrustedProxies(nil)
	}
	sec := &security{origins: map[string]bool{}, limit: s.bodyLimit}
	for _, o := range s.Origins {
		sec.origins[strings.ToLower(strings.TrimRight(o, "/"))] = true
	}
	if l := s.RateLimits.PerIP; l.on() {
		sec.ip, sec.ipRetry = newLimiter(l)
	}
	if l := s.RateLimits.PerUser; l.on() {
		sec.user, sec.userRetry = newLimiter(l)
	}
	return sec.before, sec.after
}

func newLimiter(l RateLimit) (*identity.RateLimiter, string) {
	retry := strconv.Itoa(max(1, int(math.Ceil(1/l.Rate))))
	return identity.NewRateLimiter(rate.Limit(l.Rate), l.Burst, 10*time.Minute), retry
}

// before sets the security headers, refuses a body declared larger than
// any endpoint takes (413, before anything reads it) and a browser's
// state-changing request from another site's page (403 csrf), and
// applies the per-address limit.
func (sec *security) before(c *gin.Context) {
	httpctx.SecurityHeaders(c)
	if limit := sec.limit(c); c.Request.ContentLength > limit {
		// The same refusal as bind's, before the body is read; the
		// connection is closed rather than drained.
		c.Header("Connection", "close")
		if limit > maxBody {
			fail(c, newErr(http.StatusRequestEntityTooLarge, "too_large", attachmentField, "attach a smaller file, e.g. a scan at a lower resolution",
				"the file is larger than the limit of %d MiB for one file", mib(limit-uploadOverhead)))
		} else {
			fail(c, newErr(http.StatusRequestEntityTooLarge, "too_large", "", "send at most 1 MiB", "request body too large"))
		}
		return
	}
	if unsafeMethod(c.Request.Method) && sec.crossSite(c.Request) {
		// Login CSRF and its kin: a page of another site posting with the
		// victim's browser. Clients other than browsers send no Origin.
		fail(c, newErr(http.StatusForbidden, "csrf", "Origin",
			"send state-changing requests from this site's own pages, or from a client that is not a browser",
			"this request comes from another site's page"))
		return
	}
	if sec.ip != nil && !sec.ip.Allow(c.ClientIP()) {
		c.Header("Retry-After", sec.ipRetry)
		fail(c, translated(http.StatusTooManyRequests, "rate_limited",
			"too many requests from this address: slow down, and retry after the seconds in Retry-After",
			"该地址请求过于频繁：请放慢速度，并在 Retry-After 所示秒数后重试"))
		return
	}
	c.Next()
}

// after applies the per-user limit to a signed-in caller, and keeps what
// the API answers them out of shared caches.
func (sec *security) after(c *gin.Context) {
	u, signedIn := httpctx.User(c)
	if !signedIn {
		c.Next()
		return
	}
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		c.Header("Cache-Control", "no-store")
	}
	if sec.user != nil && !sec.user.Allow(strconv.FormatUint(uint64(u.ID), 10)) {
		c.Header("Retry-After", sec.userRetry)
		fail(c, translated(http.StatusTooManyRequests, "rate_limited",
			"too many requests from your account: slow down, and retry after the seconds in Retry-After",
			"您的账号请求过于频繁：请放慢速度，并在 Retry-After 所示秒数后重试"))
		return
	}
	c.Next()
}

// crossSite: a browser sent r from a page of another site: its Origin is
// neither the request's own host nor one of the configured origins, or it
// has no Origin and the browser says the request is cross-site.
func (sec *security) crossSite(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return r.Header.Get("Sec-Fetch-Site") == "cross-site"
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return true // "null" (a sandboxed or privacy-hidden origin) included
	}
	return !strings.EqualFold(u.Host, r.Host) && !sec.origins[strings.ToLower(u.Scheme+"://"+u.Host)]
}

// translated is an error whose message is given in both languages here,
// rather than looked up in the catalogs.
func translated(status int, code, en, zh string) *Error {
	return &Error{status: status, Code: code, Message: en, zh: zh}
}
