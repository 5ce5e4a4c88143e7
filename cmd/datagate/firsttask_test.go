package main

import (
	"net/http"
	"testing"
)

// An application created with submit:true is answered once its first
// task is open: the big-data center's inbox, read right after the answer,
// has it, every time (it missed it in 5 of 6 tries when the answer came
// as soon as the workflow started).
func TestSubmittedApplicationHasItsFirstTaskOnAnswer(t *testing.T) {
	s, _ := startTestDev(t, env("DATAGATE_RATE_LIMIT", "off"))
	c := &httpClient{t: t, base: "http://" + s.addr}
	c.waitHealthy()
	for range 6 {
		var created struct {
			Application struct{ ID uint64 }
			Timeline    []struct {
				Kind, Status string
			}
		}
		c.expect("POST", "/api/v1/applications", "applicant", map[string]any{
			"title": "信贷风控", "purpose": "授信", "period_months": 12, "access_mode": "sandbox",
			"datasets": []string{"DS-0100"}, "submit": true}, http.StatusCreated, &created)
		if len(created.Timeline) != 1 || created.Timeline[0].Kind != "initial_review" || created.Timeline[0].Status != "open" {
			t.Errorf("application %d answered with the timeline %+v", created.Application.ID, created.Timeline)
		}
		var inbox struct {
			Tasks []struct {
				ApplicationID uint64 `json:"application_id"`
			}
		}
		c.expect("GET", "/api/v1/tasks?limit=500", "initial_reviewer", nil, http.StatusOK, &inbox)
		found := false
		for _, task := range inbox.Tasks {
			found = found || task.ApplicationID == created.Application.ID
		}
		if !found {
			t.Errorf("application %d: the initial review is not in the inbox read after the answer", created.Application.ID)
		}
	}
}
