package notifications

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// DefaultFCMEndpoint is the base URL of Firebase Cloud Messaging's HTTP v1 API.
const DefaultFCMEndpoint = "https://fcm.googleapis.com"

// fcmScope is the OAuth scope the HTTP v1 API requires.
const fcmScope = "https://www.googleapis.com/auth/firebase.messaging"

// fcmClient sends messages through FCM's HTTP v1 API
// (POST {endpoint}/v1/projects/{project}/messages:send).
type fcmClient struct {
	endpoint string
	project  string
	http     *http.Client
}

// fcmMessage is the "message" object of a send request.
type fcmMessage struct {
	Token        string            `json:"token"`
	Notification fcmNotification   `json:"notification"`
	Data         map[string]string `json:"data,omitempty"`
}

type fcmNotification struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// fcmError is a failed send: the HTTP status, the google.rpc status name
// and FCM's own error code from the FcmError detail, when there is one.
type fcmError struct {
	HTTPStatus int
	Status     string
	ErrorCode  string
}

func (e *fcmError) Error() string {
	return fmt.Sprintf("fcm send: %d %s %s", e.HTTPStatus, e.Status, e.ErrorCode)
}

// tokenGone reports whether the token can never receive messages again:
// the app was uninstalled or the token expired (UNREGISTERED), or it
// belongs to another sender (SENDER_ID_MISMATCH).
func (e *fcmError) tokenGone() bool {
	return e.ErrorCode == "UNREGISTERED" || e.ErrorCode == "SENDER_ID_MISMATCH"
}

// retryable reports whether the same send may succeed later. FCM's error
// code reference lists quota, unavailable and internal errors as ones to
// retry with backoff.
func (e *fcmError) retryable() bool {
	switch e.ErrorCode {
	case "QUOTA_EXCEEDED", "UNAVAILABLE", "INTERNAL":
		return true
	}
	return e.HTTPStatus == http.StatusTooManyRequests || e.HTTPStatus >= 500
}

// send delivers one message to one registration token.
func (c *fcmClient) send(ctx context.Context, msg fcmMessage) error {
	body, err := json.Marshal(map[string]fcmMessage{"message": msg})
	if err != nil {
		return fmt.Errorf("encode fcm message: %w", err)
	}
	url := strings.TrimSuffix(c.endpoint, "/") + "/v1/projects/" + c.project + "/messages:send"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build fcm request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		// The URL holds no token, but keep transport errors short anyway.
		return &fcmError{Status: "TRANSPORT", ErrorCode: "UNAVAILABLE"}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	return parseFCMError(resp.StatusCode, data)
}

// parseFCMError reads the error body of the HTTP v1 API:
// {"error": {"code", "message", "status", "details": [{"@type": ...FcmError, "errorCode"}]}}.
// The message text is dropped because it may quote the request.
func parseFCMError(httpStatus int, data []byte) *fcmError {
	var body struct {
		Error struct {
			Status  string `json:"status"`
			Details []struct {
				Type      string `json:"@type"`
				ErrorCode string `json:"errorCode"`
			} `json:"details"`
		} `json:"error"`
	}
	out := &fcmError{HTTPStatus: httpStatus}
	if json.Unmarshal(data, &body) != nil {
		return out
	}
	out.Status = body.Error.Status
	for _, d := range body.Error.Details {
		if strings.HasSuffix(d.Type, "google.firebase.fcm.v1.FcmError") {
			out.ErrorCode = d.ErrorCode
		}
	}
	return out
}

func asFCMError(err error) *fcmError {
	var e *fcmError
	if errors.As(err, &e) {
		return e
	}
	return &fcmError{ErrorCode: "UNSPECIFIED_ERROR"}
}
