package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/datagate/datagate/domain"
)

// On a first start with demo users, `datagate dev` makes a dozen
// applications through the API and the workflows, at every stage: each
// demo user finds work waiting, the supervisor's statistics count it, the
// audit chain holds, and a restart makes nothing new.
func TestDemoApplicationsOnFirstStart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	dir := t.TempDir()
	var logged strings.Builder
	start := func() *stack {
		t.Helper()
		cfg, err := parseConfig("dev", []string{"--data", dir, "--http", "127.0.0.1:0", "--temporal-port", fmt.Sprint(freePort(t)),
			"--temporal-ui-port", "off"}, env("DATAGATE_RATE_LIMIT", "off"), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		s, err := startDev(context.Background(), cfg, slog.New(slog.NewJSONHandler(&logged, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := start()
	// Bearer tokens: signing a dozen users in from one address would meet
	// the sign-in limiter.
	get := func(user, path string, out any) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+s.addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+bearerToken(t, s, user))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s as %s: %d", path, user, resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(logged.String(), `"msg":"demo applications seeded through the workflows","applications":12`) {
		t.Fatalf("no line saying 12 demo applications were seeded:\n%s", logged.String())
	}
	if strings.Contains(logged.String(), "not all seeded") {
		t.Fatalf("seeding failed:\n%s", logged.String())
	}

	// Every stage of the process has an application, read as the supervisor.
	var list struct {
		Applications []struct {
			ID     uint64 `json:"id"`
			Status string `json:"status"`
		} `json:"applications"`
	}
	get("supervisor", "/api/v1/applications?limit=100", &list)
	stages := map[string]int{}
	for _, a := range list.Applications {
		stages[a.Status]++
	}
	for _, st := range []string{domain.StatusInitialReview, domain.StatusSupplement, domain.StatusRejected,
		domain.StatusAgreements, domain.StatusActive, domain.StatusExiting, domain.StatusClosed, domain.StatusWithdrawn} {
		if stages[st] == 0 {
			t.Errorf("no demo application is %s: %v", st, stages)
		}
	}
	if stages[domain.StatusDepartmentReview] != 2 || stages[domain.StatusActive] != 2 {
		t.Errorf("want two in department review and two active: %v", stages)
	}

	// Whoever signs in first finds work waiting.
	waiting := map[string][]string{
		"initial_reviewer":  {domain.TaskInitialReview},
		"dept_reviewer":     {domain.TaskDepartmentReview},
		"reviewer-gsa":      {domain.TaskDepartmentReview},
		"reviewer-commerce": {domain.TaskDepartmentReview},
		"reviewer-eco":      {domain.TaskDepartmentReview},
		"regulator":         {domain.TaskRegulatorOpinion},
		"bureau_officer":    {domain.TaskSignAuthorization, domain.TaskModelReview},
		"operator":          {domain.TaskSignAuthorization},
		"applicant":         {domain.TaskExitConfirmation},
		"applicant2":        {domain.TaskSupplement, domain.TaskSignCommitment},
		"applicant3":        {domain.TaskSelfEvaluation},
	}
	openTasks := 0
	for user, kinds := range waiting {
		var inbox struct {
			Tasks []struct{ Kind string } `json:"tasks"`
		}
		get(user, "/api/v1/tasks", &inbox)
		have := map[string]bool{}
		for _, task := range inbox.Tasks {
			have[task.Kind] = true
		}
		for _, k := range kinds {
			if !have[k] {
				t.Errorf("%s has no %s waiting: %+v", user, k, inbox.Tasks)
			}
		}
	}
	var stats struct {
		Departments []struct {
			Department string `json:"department"`
			Open       int    `json:"open"`
			Decided    int    `json:"decided"`
			Rejected   int    `json:"rejected"`
		} `json:"departments"`
	}
	get("supervisor", "/api/v1/supervision/stats", &stats)
	byOrg := map[string]int{}
	rejected := 0
	for _, d := range stats.Departments {
		openTasks += d.Open
		byOrg[d.Department] = d.Decided
		rejected += d.Rejected
	}
	if openTasks < 8 || byOrg["bdc"] < 10 || byOrg["stbd"] < 10 || rejected < 1 {
		t.Errorf("the supervisor's statistics do not count the demo work: %d open, bdc decided %d, stbd %d, rejected %d: %+v",
			openTasks, byOrg["bdc"], byOrg["stbd"], rejected, stats.Departments)
	}

	// A restart makes nothing new.
	s.Stop()
	if out, _, err := runCmd(t, "audit", "verify", "--data", dir); err != nil {
		t.Errorf("audit verify: %v\n%s", err, out)
	}
	logged.Reset()
	s = start()
	defer s.Stop()
	var again struct {
		Applications []struct{ ID uint64 } `json:"applications"`
	}
	get("supervisor", "/api/v1/applications?limit=100", &again)
	if len(again.Applications) != len(list.Applications) || strings.Contains(logged.String(), "demo applications seeded") {
		t.Errorf("restart: %d applications, was %d; log:\n%s", len(again.Applications), len(list.Applications), logged.String())
	}
}
