package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
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
}

// config print shows the effective values, where each came from, and no
// secret.
func TestConfigPrint(t *testing.T) {
	var out bytes.Buffer
	err := run(t.Context(), []string{"config", "print", "serve", "--namespace", "prod"}, env(
		"DATAGATE_DB", "mysql://datagate:s3cret-pass@tcp(mysql:3306)/datagate",
		"DATAGATE_ADMIN_PASSWORD", "a-long-admin-password"), &out, &bytes.Buffer{})
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
