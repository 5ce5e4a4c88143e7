package main

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// DATAGATE_WEBHOOK_ALLOW_CIDRS reaches both the worker's dialer and the
// API's check of a saved URL; by default nothing beyond public addresses.
func TestConfigWebhookAllowCIDRs(t *testing.T) {
	for _, cmd := range []string{cmdDev, cmdServe, cmdWorker} {
		c, err := parseConfig(cmd, nil, env("DATAGATE_DB", "sqlite:///x.db"), &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Notify.WebhookAllow) != 0 {
			t.Errorf("%s: allowed by default: %v", cmd, c.Notify.WebhookAllow)
		}
	}
	c, err := parseConfig(cmdWorker, []string{"--webhook-allow-cidrs", " 10.20.0.0/16, 192.168.1.10,,fd00::/8"},
		env("DATAGATE_DB", "sqlite:///x.db", "DATAGATE_WEBHOOK_ALLOW_CIDRS", "172.16.0.0/12"), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("192.168.1.10/32"), netip.MustParsePrefix("fd00::/8")}
	if !slices.Equal(c.Notify.WebhookAllow, want) {
		t.Errorf("the flag gave %v, want %v", c.Notify.WebhookAllow, want)
	}
	var out bytes.Buffer
	if err := run(t.Context(), []string{"config", "print", "serve"}, env("DATAGATE_DB", "sqlite:///x.db",
		"DATAGATE_WEBHOOK_ALLOW_CIDRS", "10.20.0.0/16"), &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "DATAGATE_WEBHOOK_ALLOW_CIDRS=10.20.0.0/16\t# env") {
		t.Errorf("config print:\n%s", out.String())
	}
	for _, bad := range []string{"10.0.0.0/33", "hooks.internal", "10.0.0.1:443", "fe80::1%eth0"} {
		_, err := parseConfig(cmdServe, nil, env("DATAGATE_DB", "sqlite:///x.db", "DATAGATE_WEBHOOK_ALLOW_CIDRS", bad), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "--webhook-allow-cidrs / DATAGATE_WEBHOOK_ALLOW_CIDRS") || !strings.Contains(err.Error(), "e.g. 10.0.0.0/8") {
			t.Errorf("DATAGATE_WEBHOOK_ALLOW_CIDRS=%q: %v", bad, err)
		}
	}
}
