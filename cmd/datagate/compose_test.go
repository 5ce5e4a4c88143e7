package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// composeEnv are the values deploy/compose.env.example asks for.
var composeEnv = []string{
	"MYSQL_ROOT_PASSWORD=root-secret-1", "MYSQL_DATAGATE_PASSWORD=dg-secret-1", "DATAGATE_ADMIN_PASSWORD=bureau-secret-1",
	"MINIO_ROOT_PASSWORD=minio-secret-1", "DATAGATE_SIGNING_KEY=" + strings.Repeat("5a", 32),
}

func loadCompose(t *testing.T, env []string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"../../docker-compose.yml"},
		cli.WithWorkingDirectory("../.."), cli.WithEnv(env), cli.WithDiscardEnvFile,
		cli.WithInterpolation(true), cli.WithNormalization(true), cli.WithConsistency(true))
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

// The compose file loads with compose-spec/compose-go (the loader docker
// compose uses): every service has a health check, the datagate services
// use only variables DataGate's configuration knows and run commands it
// has, one-shot jobs complete before what needs them, and the passwords
// come from the environment, never the file.
func TestComposeFile(t *testing.T) {
	p, err := loadCompose(t, composeEnv)
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	want := []string{"datagate-migrate", "datagate-serve", "datagate-worker", "minio", "minio-bucket", "mysql", "temporal", "temporal-namespace", "temporal-schema", "temporal-ui"}
	if got := p.ServiceNames(); !slices.Equal(sorted(got), want) {
		t.Errorf("services %v, want %v", sorted(got), want)
	}
	known := knownEnv()
	commands := map[string]bool{"serve": true, "worker": true, "migrate": true}
	for name, svc := range p.Services {
		if svc.HealthCheck == nil || svc.HealthCheck.Disable || len(svc.HealthCheck.Test) == 0 {
			t.Errorf("service %s has no health check", name)
		}
		if !strings.HasPrefix(name, "datagate-") {
			continue
		}
		if svc.Build == nil || svc.Image != "datagate:latest" {
			t.Errorf("service %s: built from the Dockerfile as datagate:latest, got image %q", name, svc.Image)
		}
		if len(svc.Command) != 1 || !commands[svc.Command[0]] {
			t.Errorf("service %s runs %v, want serve, worker or migrate", name, svc.Command)
		}
		for key, val := range svc.Environment {
			if !slices.Contains(known, key) {
				t.Errorf("service %s sets %s, which DataGate's configuration does not read (known: %v)", name, key, known)
			}
			if val == nil || *val == "" {
				t.Errorf("service %s: %s is empty", name, key)
			}
		}
		// The configuration accepts what the file gives.
		getenv := func(k string) string {
			if v := svc.Environment[k]; v != nil {
				return *v
			}
			return ""
		}
		if _, _, err := loadConfig(svc.Command[0], nil, getenv, &bytes.Buffer{}); err != nil {
			t.Errorf("service %s: its environment is refused: %v", name, err)
		}
		if svc.Command[0] != "migrate" {
			for _, dep := range []string{"datagate-migrate", "temporal-namespace"} {
				if d, ok := svc.DependsOn[dep]; !ok || d.Condition != types.ServiceConditionCompletedSuccessfully {
					t.Errorf("service %s must wait for %s to complete", name, dep)
				}
			}
			if strings.Join(svc.HealthCheck.Test, " ") != "CMD /usr/local/bin/datagate health" {
				t.Errorf("service %s: health check %v, want datagate health (its /readyz)", name, svc.HealthCheck.Test)
			}
		}
	}
	// The worker scales: no fixed host port, no container name.
	if w := p.Services["datagate-worker"]; len(w.Ports) != 0 || w.ContainerName != "" {
		t.Errorf("datagate-worker publishes ports %v or names its container %q: it could not be scaled", w.Ports, w.ContainerName)
	}
	if _, ok := p.Volumes["mysql-data"]; !ok {
		t.Error("no named volume for MySQL's data")
	}
	// Every secret is interpolated from the environment.
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range composeEnv {
		if strings.Contains(string(raw), strings.SplitN(kv, "=", 2)[1]) {
			t.Errorf("docker-compose.yml contains a password value")
		}
	}
	// Without the passwords it refuses to load, naming the variable.
	if _, err := loadCompose(t, nil); err == nil || !strings.Contains(err.Error(), "MYSQL_ROOT_PASSWORD") {
		t.Errorf("loading without .env: %v, want an error naming MYSQL_ROOT_PASSWORD", err)
	}
	// The example .env names exactly the variables the file needs.
	example, err := os.ReadFile("../../deploy/compose.env.example")
	if err != nil {
		t.Fatal(err)
	}
	var exampleVars []string
	for _, m := range regexp.MustCompile(`(?m)^([A-Z_]+)=`).FindAllStringSubmatch(string(example), -1) {
		exampleVars = append(exampleVars, m[1])
	}
	var needed []string
	for _, kv := range composeEnv {
		needed = append(needed, strings.SplitN(kv, "=", 2)[0])
	}
	if !slices.Equal(sorted(exampleVars), sorted(needed)) {
		t.Errorf("deploy/compose.env.example sets %v, the compose file needs %v", exampleVars, needed)
	}
}

// The compose file's setup scripts parse as POSIX sh (the admin-tools
// image runs them with /bin/sh).
func TestComposeScriptsParse(t *testing.T) {
	scripts, err := filepath.Glob("../../deploy/temporal/*.sh")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, s := range scripts {
		if out, err := exec.Command("sh", "-n", s).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", s, err, out)
		}
	}
}

// The image is built as the README says: Go of go.mod's version, without
// the embedded server, static, and run as a non-root user.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)`).FindSubmatch(mod)[1]
	d := string(b)
	for _, want := range []string{
		"FROM golang:" + string(goVersion) + "-", "-tags nodev", "CGO_ENABLED=0",
		"FROM gcr.io/distroless/static-debian12:nonroot", "USER nonroot", `ENTRYPOINT ["/usr/local/bin/datagate"]`,
	} {
		if !strings.Contains(d, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

// The README's configuration table lists exactly the variables the
// configuration reads, and the usage text names them all.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "<!-- config-table -->")
	end := strings.Index(readme, "<!-- /config-table -->")
	if start < 0 || end < start {
		t.Fatal("README.md has no <!-- config-table --> ... <!-- /config-table --> section")
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `(DATAGATE_[A-Z0-9_]+)`").FindAllStringSubmatch(readme[start:end], -1) {
		documented = append(documented, m[1])
	}
	if !slices.Equal(sorted(documented), sorted(knownEnv())) {
		t.Errorf("README's configuration table lists %v; the configuration reads %v", sorted(documented), sorted(knownEnv()))
	}
	for _, v := range knownEnv() {
		if !strings.Contains(usage, v) {
			t.Errorf("the usage text does not name %s", v)
		}
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

// The README shows every command of the usage text, and the make targets
// a developer runs (docs/RELIABILITY.md's fault tests and fuzzing too).
func TestREADMEDocumentsCommandsAndMakeTargets(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, m := range regexp.MustCompile(`(?m)^  datagate ([a-z]+(?: [a-z]+)?)`).FindAllStringSubmatch(usage, -1) {
		if !strings.Contains(readme, "datagate "+m[1]) {
			t.Errorf("README does not show `datagate %s`", m[1])
		}
	}
	for _, target := range []string{"run", "test", "test-short", "test-faults", "fuzz"} {
		if !regexp.MustCompile("make " + target + `\b`).MatchString(readme) {
			t.Errorf("README does not show `make %s`", target)
		}
	}
}
