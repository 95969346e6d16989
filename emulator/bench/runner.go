package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// send makes one request and returns the status and the body. A non-nil
// body is sent as JSON.
func send(ctx context.Context, client *http.Client, method, url, token string, body []byte) (int, []byte, error) {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, reader)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

func (s *stack) send(ctx context.Context, method, url, token string, body []byte) (int, []byte, error) {
	return send(ctx, s.http, method, url, token, body)
}

// call sends a request to a function through the runner.
func (s *stack) call(ctx context.Context, method, function, token string, body []byte) (int, []byte, error) {
	return s.send(ctx, method, s.functionURL(function), token, body)
}

func (s *stack) functionURL(function string) string {
	return s.runnerURL + "/" + function
}

// statusError describes an unexpected response by its status and error code.
func statusError(request string, status int, body []byte) error {
	var response struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(body, &response)
	return fmt.Errorf("%s returned %d %s", request, status, response.Code)
}

// postVitals stores readings (a body in the plain JSON form) through the
// vitals function and returns the ids of the new Observations, in order.
func (s *stack) postVitals(ctx context.Context, user *benchUser, body []byte) ([]string, error) {
	status, data, err := s.call(ctx, http.MethodPost, "vitals", user.Token, body)
	if err != nil {
		return nil, fmt.Errorf("POST /vitals: %w", err)
	}
	if status != http.StatusCreated {
		return nil, statusError("POST /vitals", status, data)
	}
	var response struct {
		Results []struct {
			Status string `json:"status"`
			ID     string `json:"id"`
		} `json:"results"`
	}
	if err := json.Unmarshal(data, &response); err != nil {
		return nil, fmt.Errorf("decode POST /vitals response: %w", err)
	}
	ids := make([]string, len(response.Results))
	for i, result := range response.Results {
		if result.Status != "created" {
			return nil, fmt.Errorf("POST /vitals stored reading %d as %q, expected created", i, result.Status)
		}
		ids[i] = result.ID
	}
	s.remember(user.PatientID, ids)
	return ids, nil
}

// countSmoothed lists the caller's readings with GET /vitals?query and
// returns how many there are and how many have a smoothed value.
func (s *stack) countSmoothed(ctx context.Context, user *benchUser, query string) (listed, smoothed int, err error) {
	status, data, err := s.call(ctx, http.MethodGet, "vitals?"+query, user.Token, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("GET /vitals: %w", err)
	}
	if status != http.StatusOK {
		return 0, 0, statusError("GET /vitals", status, data)
	}
	var response struct {
		Readings []struct {
			Smoothed map[string]*struct{} `json:"smoothed"`
		} `json:"readings"`
	}
	if err := json.Unmarshal(data, &response); err != nil {
		return 0, 0, fmt.Errorf("decode GET /vitals response: %w", err)
	}
	for _, reading := range response.Readings {
		done := len(reading.Smoothed) > 0
		for _, value := range reading.Smoothed {
			done = done && value != nil
		}
		if done {
			smoothed++
		}
	}
	return len(response.Readings), smoothed, nil
}
