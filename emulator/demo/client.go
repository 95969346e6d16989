package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// client calls the functions the runner serves.
type client struct {
	base string
	http *http.Client
}

func newClient(base string) *client {
	return &client{base: strings.TrimSuffix(base, "/"), http: &http.Client{Timeout: 2 * time.Minute}}
}

// apiError is an error response of a function: its status and stable code.
type apiError struct {
	Status int
	Code   string `json:"code"`
	Text   string `json:"error"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("status %d %s: %s", e.Status, e.Code, e.Text)
}

// call sends body with the given content type and extra headers, and
// decodes a 2xx response into out. Any other response is an *apiError.
func (c *client) call(ctx context.Context, method, path, token, contentType string, header http.Header, body []byte, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for key, values := range header {
		req.Header[key] = values
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w (is the stack up? run make up)", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode/100 != 2 {
		apiErr := &apiError{Status: resp.StatusCode}
		_ = json.Unmarshal(data, apiErr)
		return resp.StatusCode, fmt.Errorf("%s %s: %w", method, path, apiErr)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: invalid response: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

func (c *client) postJSON(ctx context.Context, path, token string, in, out any) (int, error) {
	return c.sendJSON(ctx, http.MethodPost, path, token, nil, in, out)
}

// sendJSON sends in as a JSON body with the given method and headers.
func (c *client) sendJSON(ctx context.Context, method, path, token string, header http.Header, in, out any) (int, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return 0, err
	}
	return c.call(ctx, method, path, token, "application/json", header, body, out)
}

// getJSON returns the response body of a GET, indented for printing.
func (c *client) getJSON(ctx context.Context, token, path string) (string, error) {
	var raw json.RawMessage
	if _, err := c.call(ctx, http.MethodGet, path, token, "", nil, nil, &raw); err != nil {
		return "", err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return "", err
	}
	return out.String(), nil
}

// account signs the demo account in, or up when it does not exist yet, and
// returns its ID token. Signing in first keeps repeated runs clear of the
// sign-up rate limit.
func (c *client) account(ctx context.Context, email, fullName string) (string, error) {
	var session struct {
		Token string `json:"token"`
	}
	_, err := c.postJSON(ctx, "/auth-login", "", map[string]string{"email": email, "password": demoPassword}, &session)
	var apiErr *apiError
	if errors.As(err, &apiErr) && apiErr.Code == "invalid_credentials" {
		_, err = c.postJSON(ctx, "/auth-signup", "", map[string]string{"email": email, "password": demoPassword, "fullName": fullName}, &session)
	}
	if err != nil {
		return "", fmt.Errorf("demo account %s: %w", email, err)
	}
	return session.Token, nil
}

// recordResult is the vitals function's response to a POST.
type recordResult struct {
	Stored   int `json:"stored"`
	Rejected int `json:"rejected"`
	Results  []struct {
		Status string `json:"status"`
		Code   string `json:"code"`
	} `json:"results"`
}

// record posts readings and tallies the outcomes into t.
func (c *client) record(ctx context.Context, token, contentType string, body []byte, t *tally) error {
	var res recordResult
	if _, err := c.call(ctx, http.MethodPost, "/vitals", token, contentType, nil, body, &res); err != nil {
		return err
	}
	for _, r := range res.Results {
		t.add(r.Status, r.Code)
	}
	return nil
}

// waitSmoothed polls the newest reading of each type until it carries
// smoothed values and is not older than the newest reading sent.
func (c *client) waitSmoothed(ctx context.Context, token string, newest map[string]time.Time, timeout time.Duration) error {
	started := time.Now()
	deadline := started.Add(timeout)
	for kind, at := range newest {
		for {
			done, err := c.smoothedUpTo(ctx, token, kind, at)
			if err != nil {
				return err
			}
			if done {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the smoothed %s did not reach the newest reading within %s; see the runner's log in .stack/", kind, timeout)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(250 * time.Millisecond):
			}
		}
	}
	fmt.Printf("Smoothing caught up %.1fs after the last upload.\n", time.Since(started).Seconds())
	return nil
}

// smoothedUpTo reports whether the newest reading of kind is at or after at
// and has a smoothed value for each of its series.
func (c *client) smoothedUpTo(ctx context.Context, token, kind string, at time.Time) (bool, error) {
	var page struct {
		Readings []struct {
			EffectiveAt time.Time                   `json:"effectiveAt"`
			Smoothed    map[string]*json.RawMessage `json:"smoothed"`
		} `json:"readings"`
	}
	if _, err := c.call(ctx, http.MethodGet, "/vitals?limit=1&type="+kind, token, "", nil, nil, &page); err != nil {
		return false, err
	}
	if len(page.Readings) == 0 || page.Readings[0].EffectiveAt.Before(at) {
		return false, nil
	}
	for _, value := range page.Readings[0].Smoothed {
		if value == nil {
			return false, nil
		}
	}
	return true, nil
}
