package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/api"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// Defaults in code, the environment over them, flags over both.
func TestConfigPrecedence(t *testing.T) {
	c, err := parseConfig(cmdWorker, []string{"--log-level", "debug"},
		env("DATAGATE_DB", "sqlite:///tmp/x.db", "DATAGATE_LOG_LEVEL", "warn", "DATAGATE_SHUTDOWN_TIMEOUT", "7s"), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP != "127.0.0.1:8081" || c.TemporalAddress != "127.0.0.1:7233" || c.Namespace != "default" {
		t.Errorf("worker defaults: %+v", c)
	}
	if c.LogLevel != "debug" || c.ShutdownTimeout != 7*time.Second || c.DB != "sqlite:///tmp/x.db" || c.Migrate || c.Demo {
		t.Errorf("worker config: %+v", c)
	}
	if d, err := parseConfig(cmdDev, nil, env(), &bytes.Buffer{}); err != nil || !d.Demo || !strings.HasSuffix(d.DB, "/data/datagate.db") {
		t.Errorf("dev defaults: %+v, %v", d, err)
	}
}

// Every bad value is reported at once, naming flag and variable; a
// secret is never repeated in an error.
func TestConfigErrors(t *testing.T) {
	_, err := parseConfig(cmdServe, []string{"--http", "8080"}, env(
		"DATAGATE_TEMPORAL_ADDRESS", "temporal",
		"DATAGATE_DB", "postgres://u:hunter2hunter2@h/db",
		"DATAGATE_ADMIN_PASSWORD", "short",
		"DATAGATE_DEMO", "true",
		"DATAGATE_MIGRATE", "yes please",
		"DATAGATE_SHUTDOWN_TIMEOUT", "-1s",
	), &bytes.Buffer{})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"--http / DATAGATE_HTTP", "--temporal-address / DATAGATE_TEMPORAL_ADDRESS",
		"--db / DATAGATE_DB", "DATAGATE_ADMIN_PASSWORD", "DATAGATE_DEMO is for `datagate dev` only",
		"--migrate / DATAGATE_MIGRATE", "--shutdown-timeout / DATAGATE_SHUTDOWN_TIMEOUT"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	for _, secret := range []string{"hunter2hunter2", `"short"`} {
		if strings.Contains(msg, secret) {
			t.Errorf("error repeats a secret %s:\n%s", secret, msg)
		}
	}
	if _, err := parseConfig(cmdServe, []string{"--demo"}, env("DATAGATE_DB", "sqlite:///x.db"), &bytes.Buffer{}); err == nil {
		t.Error("serve accepted --demo")
	}
	// A malformed key is refused without being repeated.
	_, err = parseConfig(cmdWorker, nil, env("DATAGATE_DB", "sqlite:///x.db", "DATAGATE_SIGNING_KEY", "not-hex-but-secret-1",
		"DATAGATE_TOTP_KEY", "not-hex-but-secret-2"), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "DATAGATE_SIGNING_KEY") || strings.Contains(err.Error(), "not-hex-but-secret") {
		t.Errorf("a malformed signing key: %v", err)
	}
}

// config print shows the effective values, where each came from, and no
// secret.
func TestConfigPrint(t *testing.T) {
	var out bytes.Buffer
	err := run(t.Context(), []string{"config", "print", "serve", "--namespace", "prod"}, env(
		"DATAGATE_DB", "mysql://datagate:s3cret-pass@tcp(mysql:3306)/datagate",
		"DATAGATE_ADMIN_PASSWORD", "a-long-bureau-passphrase"), &out, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"DATAGATE_DB=mysql://datagate:***@tcp(mysql:3306)/datagate\t# env",
		"DATAGATE_ADMIN_PASSWORD=***\t# env",
		"DATAGATE_NAMESPACE=prod\t# flag",
		"DATAGATE_HTTP=127.0.0.1:8080\t# default",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config print lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "s3cret-pass") || strings.Contains(got, "a-long-admin-password") {
		t.Errorf("config print shows a secret:\n%s", got)
	}
	if strings.Contains(got, "DATAGATE_DATA") || strings.Contains(got, "DATAGATE_DEMO") {
		t.Errorf("config print for serve shows dev-only settings:\n%s", got)
	}
}

// Rate limits are on by default in dev and serve, DATAGATE_RATE_LIMIT
// changes or disables them, and a bad value names the variable and the
// syntax.
func TestConfigRateLimit(t *testing.T) {
	for _, cmd := range []string{cmdDev, cmdServe} {
		c, err := parseConfig(cmd, nil, env("DATAGATE_DB", "sqlite:///x.db"), &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		if c.RateLimits != api.DefaultRateLimits() || len(c.TrustedProxies) != 0 {
			t.Errorf("%s: default rate limits %+v, trusted proxies %v; want %+v and none", cmd, c.RateLimits, c.TrustedProxies, api.DefaultRateLimits())
		}
	}
	for v, want := range map[string]api.RateLimit{
		"off": {}, "OFF": {}, "5/s,10": {Rate: 5, Burst: 10}, " 0.5/s , 2 ": {Rate: 0.5, Burst: 2},
		"120/m,30": {Rate: 2, Burst: 30}, "20/s,60": {Rate: 20, Burst: 60},
	} {
		c, err := parseConfig(cmdServe, nil, env("DATAGATE_DB", "sqlite:///x.db", "DATAGATE_RATE_LIMIT", v), &bytes.Buffer{})
		if err != nil {
			t.Errorf("%q: %v", v, err)
			continue
		}
		if c.RateLimits != (api.RateLimits{PerIP: want, PerUser: want}) {
			t.Errorf("%q: %+v, want %+v for each", v, c.RateLimits, want)
		}
	}
	// A flag beats the variable.
	c, err := parseConfig(cmdDev, []string{"--rate-limit", "off"}, env("DATAGATE_RATE_LIMIT", "5/s,10"), &bytes.Buffer{})
	if err != nil || c.RateLimits != (api.RateLimits{}) {
		t.Errorf("--rate-limit off: %+v, %v", c.RateLimits, err)
	}
	for _, bad := range []string{"20", "20/s", "fast", "20/s,0", "0/s,5", "-1/s,5", "20/h,5", "20/s,sixty", "NaN/s,5", "Inf/s,5", "on"} {
		_, err := parseConfig(cmdServe, nil, env("DATAGATE_DB", "sqlite:///x.db", "DATAGATE_RATE_LIMIT", bad), &bytes.Buffer{})
		if err == nil {
			t.Errorf("DATAGATE_RATE_LIMIT=%q accepted", bad)
			continue
		}
		for _, want := range []string{"--rate-limit / DATAGATE_RATE_LIMIT", "e.g. 20/s,60", "or off"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("DATAGATE_RATE_LIMIT=%q: the error lacks %q: %v", bad, want, err)
			}
		}
	}
	// The worker serves no API: it neither takes nor shows the settings.
	var out bytes.Buffer
	if err := run(t.Context(), []string{"config", "print", "worker"}, env("DATAGATE_DB", "sqlite:///x.db"), &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "DATAGATE_RATE_LIMIT") {
		t.Errorf("config print worker shows the API's rate limit:\n%s", out.String())
	}
	out.Reset()
	if err := run(t.Context(), []string{"config", "print", "serve"}, env("DATAGATE_DB", "sqlite:///x.db",
		"DATAGATE_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.10"), &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DATAGATE_RATE_LIMIT=20/s,60\t# default", "DATAGATE_TRUSTED_PROXIES=10.0.0.0/8,192.168.1.10\t# env"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("config print lacks %q:\n%s", want, out.String())
		}
	}
}

func TestConfigOrigins(t *testing.T) {
	c, err := parseConfig(cmdServe, nil, env("DATAGATE_DB", "sqlite:///x.db",
		"DATAGATE_ORIGINS", " https://datagate.example.gov.cn/, http://10.1.2.3:8080,,"), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://datagate.example.gov.cn", "http://10.1.2.3:8080"}; !slices.Equal(c.Origins, want) {
		t.Errorf("origins %v, want %v", c.Origins, want)
	}
	for _, bad := range []string{"datagate.example.gov.cn", "ftp://x", "https://x/path", "https://"} {
		_, err := parseConfig(cmdServe, nil, env("DATAGATE_DB", "sqlite:///x.db", "DATAGATE_ORIGINS", bad), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "--origins / DATAGATE_ORIGINS") || !strings.Contains(err.Error(), "scheme://host[:port]") {
			t.Errorf("DATAGATE_ORIGINS=%q: %v", bad, err)
		}
	}
}

func TestConfigTrustedProxies(t *testing.T) {
	c, err := parseConfig(cmdServe, nil, env("DATAGATE_DB", "sqlite:///x.db",
		"DATAGATE_TRUSTED_PROXIES", " 10.0.0.0/8,192.168.1.10,,::1 , fd00::/8"), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10.0.0.0/8", "192.168.1.10", "::1", "fd00::/8"}; !slices.Equal(c.TrustedProxies, want) {
		t.Errorf("trusted proxies %v, want %v", c.TrustedProxies, want)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.internal", "10.0.0.1:8080", "fe80::1%eth0", "10.0.0.0/8;10.1.0.0/16"} {
		_, err := parseConfig(cmdServe, nil, env("DATAGATE_DB", "sqlite:///x.db", "DATAGATE_TRUSTED_PROXIES", bad), &bytes.Buffer{})
		if err == nil {
			t.Errorf("DATAGATE_TRUSTED_PROXIES=%q accepted", bad)
			continue
		}
		for _, want := range []string{"--trusted-proxies / DATAGATE_TRUSTED_PROXIES", "e.g. 10.0.0.0/8,192.168.1.10"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("DATAGATE_TRUSTED_PROXIES=%q: the error lacks %q: %v", bad, want, err)
			}
		}
	}
}
