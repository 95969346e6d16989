// Package httpapi is the HTTP layer every HTTPS function shares: the strict
// JSON decoder, error and response rendering, CORS, client addresses and the
// handler wrapper that ties them together.
package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Error is a failure the client may see: an HTTP status, a stable snake_case
// code and a human sentence. Err, when set, is the internal cause; it is
// logged but never sent.
type Error struct {
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s (%d): %v", e.Code, e.Status, e.Err)
	}
	return fmt.Sprintf("%s (%d)", e.Code, e.Status)
}

func (e *Error) Unwrap() error { return e.Err }

// NewError returns a client-visible error.
func NewError(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// Internal wraps a server fault: the client sees a generic 500 and the cause
// is logged at Error.
func Internal(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "Something went wrong on our side. Please try again later.", Err: err}
}

// Unavailable wraps a failed dependency: the client sees 503 and may retry.
func Unavailable(err error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "The service is temporarily unavailable. Please try again shortly.", RetryAfter: 5 * time.Second, Err: err}
}

// Common client errors, shared so that every function uses the same codes.
var (
	ErrMethodNotAllowed = NewError(http.StatusMethodNotAllowed, "method_not_allowed", "This method is not allowed here.")
	ErrNotFound         = NewError(http.StatusNotFound, "not_found", "The requested resource was not found.")
)

// AsError converts any error to an *Error, treating unknown errors as
// internal faults.
func AsError(err error) *Error {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr
	}
	return Internal(err)
}

// body is the JSON shape of every error response.
type body struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}
