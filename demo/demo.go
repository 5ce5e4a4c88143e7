// Package demo seeds a fresh `datagate dev` with applications at every
// stage of the process, so that whoever signs in first, as any role, finds
// work waiting. It drives the HTTP API as the demo users, exactly as a
// client would: every application is a real workflow and every row is
// written by it, never by this package.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Tokens gives a bearer token of a demo user.
type Tokens interface {
	Token(ctx context.Context, username string) (string, error)
}

// Seeder drives the API at Base (e.g. http://127.0.0.1:8080).
type Seeder struct {
	Base   string
	Tokens Tokens
	Client *http.Client
	// Wait bounds how long a step waits for its task to open; default 15 s.
	Wait time.Duration
}

// Result is what Run seeded: the applications by the stage they were left
// in, in the order they were made.
type Result struct {
	Applications []Seeded
}

// Seeded is one demo application and the stage it waits in.
type Seeded struct {
	ID    uint64
	Title string
	Stage string
}

// Run makes every demo application. It stops at the first refusal, with
// what was made until then.
func (s *Seeder) Run(ctx context.Context) (Result, error) {
	var res Result
	for _, c := range cases {
		id, err := c.run(ctx, s)
		if id != 0 {
			res.Applications = append(res.Applications, Seeded{ID: id, Title: c.fields.Title, Stage: c.stage})
		}
		if err != nil {
			return res, fmt.Errorf("demo application %q: %w", c.fields.Title, err)
		}
	}
	return res, nil
}

// fields are a draft's fields (api's ApplicationFields).
type fields struct {
	Title            string   `json:"title"`
	Domain           string   `json:"domain"`
	Description      string   `json:"description"`
	Purpose          string   `json:"purpose"`
	Scope            string   `json:"scope"`
	PeriodMonths     int      `json:"period_months"`
	AccessMode       string   `json:"access_mode"`
	SecurityControls string   `json:"security_controls"`
	Datasets         []string `json:"datasets"`
}

// create makes the draft as user, submitted when submit is set.
func (s *Seeder) create(ctx context.Context, user string, f fields, submit bool) (uint64, error) {
	body := struct {
		fields
		Submit bool `json:"submit"`
	}{f, submit}
	var out struct {
		Application struct {
			ID uint64 `json:"id"`
		} `json:"application"`
	}
	if err := s.call(ctx, user, "POST", "/api/v1/applications", body, &out); err != nil {
		return 0, err
	}
	return out.Application.ID, nil
}

// act posts an action on application id (withdraw, evaluations,
// terminate, models) as user.
func (s *Seeder) act(ctx context.Context, user string, id uint64, action string, body any) error {
	return s.call(ctx, user, "POST", "/api/v1/applications/"+strconv.FormatUint(id, 10)+"/"+action, body, nil)
}

// decide waits for user's open task of kind on application id, and
// decides it with body.
func (s *Seeder) decide(ctx context.Context, user string, id uint64, kind string, body map[string]any) error {
	task, err := s.openTask(ctx, user, id, kind)
	if err != nil {
		return err
	}
	return s.call(ctx, user, "POST", "/api/v1/tasks/"+url.PathEscape(task)+"/decision", body, nil)
}

func (s *Seeder) openTask(ctx context.Context, user string, id uint64, kind string) (string, error) {
	wait := s.Wait
	if wait <= 0 {
		wait = 15 * time.Second
	}
	deadline := time.Now().Add(wait)
	q := url.Values{"application": {strconv.FormatUint(id, 10)}, "kind": {kind}}
	for {
		var inbox struct {
			Tasks []struct {
				ID string `json:"id"`
			} `json:"tasks"`
		}
		if err := s.call(ctx, user, "GET", "/api/v1/tasks?"+q.Encode(), nil, &inbox); err != nil {
			return "", err
		}
		if len(inbox.Tasks) > 0 {
			return inbox.Tasks[0].ID, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no %s task opened for %s on application %d within %v", kind, user, id, wait)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// call sends one request as user and decodes a 2xx answer into out. A 429
// is retried after its Retry-After; anything else not 2xx is an error
// with the API's message.
func (s *Seeder) call(ctx context.Context, user, method, path string, body, out any) error {
	token, err := s.Tokens.Token(ctx, user)
	if err != nil {
		return fmt.Errorf("token of %s: %w", user, err)
	}
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, s.Base+path, bytes.NewReader(raw))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept-Language", "en")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusTooManyRequests && attempt < 20:
			pause, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(max(pause, 1)) * time.Second):
			}
			continue
		case resp.StatusCode < 200 || resp.StatusCode > 299:
			var e struct {
				Error struct{ Message, Field string } `json:"error"`
			}
			_ = json.Unmarshal(answer, &e)
			return &RefusedError{Method: method, Path: path, User: user, Status: resp.StatusCode, Message: e.Error.Message, Field: e.Error.Field}
		}
		if out != nil {
			return json.Unmarshal(answer, out)
		}
		return nil
	}
}

// RefusedError is an answer other than 2xx.
type RefusedError struct {
	Method, Path, User string
	Status             int
	Message, Field     string
}

func (e *RefusedError) Error() string {
	msg := fmt.Sprintf("%s %s as %s: %d %s", e.Method, e.Path, e.User, e.Status, e.Message)
	if e.Field != "" {
		msg += " (field " + e.Field + ")"
	}
	return msg
}

// IsRefused reports whether err is an answer of the API other than 2xx.
func IsRefused(err error) bool {
	var r *RefusedError
	return errors.As(err, &r)
}
