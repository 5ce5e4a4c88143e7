package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// apiClient calls the HTTP API as the demo users, with their bearer tokens.
type apiClient struct {
	base   string
	hc     *http.Client
	tokens map[string]string
	// retries counts decisions sent again because their task was not
	// written yet (404), e.g. the first task of a workflow just started.
	retries atomic.Int64
}

func newAPIClient(base string, tokens map[string]string, conc int) *apiClient {
	tr := &http.Transport{MaxIdleConns: conc + 16, MaxIdleConnsPerHost: conc + 16, IdleConnTimeout: time.Minute}
	return &apiClient{base: base, hc: &http.Client{Transport: tr, Timeout: 2 * time.Minute}, tokens: tokens}
}

// httpError is a response with a status other than 2xx.
type httpError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *httpError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, e.Body)
}

func statusOf(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return he.Status
	}
	return 0
}

// call sends one request as user and decodes a 2xx answer into out.
func (c *apiClient) call(ctx context.Context, user, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		tok, ok := c.tokens[user]
		if !ok {
			return fmt.Errorf("no demo user %q", user)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		if len(b) > 300 {
			b = b[:300]
		}
		return &httpError{Method: method, Path: path, Status: resp.StatusCode, Body: string(b)}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// decide sends a decision, again while its task is not written yet.
func (c *apiClient) decide(ctx context.Context, user, task string, body map[string]any) error {
	deadline := time.Now().Add(30 * time.Second)
	wait := 10 * time.Millisecond
	for {
		err := c.call(ctx, user, http.MethodPost, "/api/v1/tasks/"+task+"/decision", body, nil)
		if statusOf(err) != http.StatusNotFound || time.Now().After(deadline) {
			return err
		}
		c.retries.Add(1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 160*time.Millisecond)
	}
}

// created is the part of an application answer the bench reads.
type created struct {
	Application struct {
		ID     uint64 `json:"id"`
		Status string `json:"status"`
	} `json:"application"`
}

// newApplication is the README's walkthrough application: DS-0100 (gsa)
// and DS-0102 (commerce), so two provider departments review it.
func newApplication(title string, submit bool) map[string]any {
	return map[string]any{
		"title": title, "domain": "金融服务", "purpose": "授信评估", "scope": "本市小微企业",
		"period_months": 24, "access_mode": "sandbox", "security_controls": "沙箱隔离,结果脱敏",
		"datasets": []string{"DS-0100", "DS-0102"}, "submit": submit,
	}
}

// create creates (and submits) an application as the applicant.
func (c *apiClient) create(ctx context.Context, title string, submit bool) (uint64, error) {
	var out created
	if err := c.call(ctx, "applicant", http.MethodPost, "/api/v1/applications", newApplication(title, submit), &out); err != nil {
		return 0, err
	}
	return out.Application.ID, nil
}
