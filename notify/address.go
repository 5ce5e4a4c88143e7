package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Webhook addresses. A user names the webhook's URL, so the worker must not
// become their way into the network it runs in: it connects only to public
// addresses, plus the networks the administrator allows
// (DATAGATE_WEBHOOK_ALLOW_CIDRS: an intranet receiver is legitimate in a
// government network). The check runs on the address actually dialled,
// after resolution (a net.Dialer Control function), so a name that
// resolves to a public address when the URL is saved and to 127.0.0.1
// later (DNS rebinding) is refused too. The API checks the URL's host when
// it is saved as well, to tell the user at once.

// EnvWebhookAllowCIDRs names the networks webhooks may reach besides the
// public internet.
const EnvWebhookAllowCIDRs = "DATAGATE_WEBHOOK_ALLOW_CIDRS"

// ErrAddressNotAllowed is a webhook host that is, or resolves to, an
// address that is not public and that no allowed network covers.
var ErrAddressNotAllowed = errors.New("address not allowed: not a public address, and not in " + EnvWebhookAllowCIDRs)

// nonPublic are the special-purpose ranges (IANA's IPv4 and IPv6
// special-purpose address registries) that are not reachable on the
// internet, or that embed an IPv4 address a gateway would translate
// (which could be a private one). Loopback, RFC 1918 and RFC 4193,
// link-local, multicast and unspecified addresses are refused before
// these are consulted.
var nonPublic = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"
		"100.64.0.0/10",   // shared address space (CGNAT)
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // TEST-NET-1
		"192.88.99.0/24",  // 6to4 relay anycast
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // TEST-NET-2
		"203.0.113.0/24",  // TEST-NET-3
		"240.0.0.0/4",     // reserved, and the limited broadcast
		"::/96",           // IPv4-compatible (deprecated), ::, ::1
		"64:ff9b::/96",    // NAT64
		"64:ff9b:1::/48",  // local-use NAT64
		"100::/64",        // discard-only
		"2001::/23",       // IETF protocol assignments, Teredo
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4
		"3fff::/20",       // documentation
		"5f00::/16",       // SRv6 SIDs
		"fec0::/10",       // site-local (deprecated)
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// AddressAllowed reports whether a webhook may connect to a: a public
// unicast address, or one inside an allowed network.
func AddressAllowed(a netip.Addr, allow []netip.Prefix) bool {
	a = a.Unmap().WithZone("")
	if !a.IsValid() {
		return false
	}
	for _, p := range allow {
		if p.Contains(a) {
			return true
		}
	}
	if !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// ParseCIDRs reads comma-separated networks (CIDRs) and single addresses,
// e.g. "10.0.0.0/8,192.168.1.10"; empty parts are skipped.
func ParseCIDRs(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is neither an IP address nor a CIDR; give comma-separated networks or addresses, e.g. 10.0.0.0/8,192.168.1.10", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if a := p.Addr(); a.Is4In6() {
			p = netip.PrefixFrom(a.Unmap(), max(p.Bits()-96, 0))
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// FormatCIDRs writes networks as ParseCIDRs reads them.
func FormatCIDRs(ps []netip.Prefix) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

// Resolver looks up a host's addresses (*net.Resolver does).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// CheckWebhookHost resolves a webhook URL's host and refuses it with
// ErrAddressNotAllowed when any of its addresses may not be reached. A
// name that does not resolve (yet) passes: the worker checks again each
// time it connects. r nil: net.DefaultResolver.
func CheckWebhookHost(ctx context.Context, r Resolver, rawURL string, allow []netip.Prefix) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if !AddressAllowed(a, allow) {
			return ErrAddressNotAllowed
		}
		return nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if !AddressAllowed(a, allow) {
			return ErrAddressNotAllowed
		}
	}
	return nil
}

// guardedDialer dials only addresses AddressAllowed accepts: Control runs
// on each resolved address before its connection is made.
func guardedDialer(allow []netip.Prefix) *net.Dialer {
	return &net.Dialer{Timeout: 10 * time.Second, Control: func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !AddressAllowed(ap.Addr(), allow) {
			return fmt.Errorf("%s: %w", address, ErrAddressNotAllowed)
		}
		return nil
	}}
}

// guardClient returns a copy of c whose connections go through the
// address guard, and never through an HTTP proxy (which would be the
// only address checked). A client whose transport is not an
// *http.Transport (a test's stub) is returned as it is.
func guardClient(c *http.Client, allow []netip.Prefix) *http.Client {
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	tr, ok := rt.(*http.Transport)
	if !ok {
		return c
	}
	tr = tr.Clone()
	tr.Proxy = nil
	tr.DialContext = guardedDialer(allow).DialContext
	tr.DialTLSContext = nil
	guarded := *c
	guarded.Transport = tr
	return &guarded
}
