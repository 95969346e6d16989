package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Error is a non-2xx response from the FHIR store. It keeps the status and the
// OperationOutcome issue codes, never the diagnostics text.
type Error struct {
	Op         string
	Status     int
	IssueCodes []string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: fhir store answered %d %s", e.Op, e.Status, strings.Join(e.IssueCodes, ","))
}

// IsNotFound reports whether err is a 404 or 410 from the store.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound, http.StatusGone) }

// IsPreconditionFailed reports whether an If-Match write lost a race.
func IsPreconditionFailed(err error) bool {
	return hasStatus(err, http.StatusPreconditionFailed, http.StatusConflict)
}

// IsClientError reports whether the store rejected the request as invalid
// (4xx other than not-found and conflicts).
func IsClientError(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status >= 400 && e.Status < 500 && !IsNotFound(err) && !IsPreconditionFailed(err)
}

func hasStatus(err error, statuses ...int) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	for _, s := range statuses {
		if e.Status == s {
			return true
		}
	}
	return false
}

func issueCodes(data []byte) []string {
	var outcome struct {
		Issue []struct {
			Code string `json:"code"`
		} `json:"issue"`
	}
	if json.Unmarshal(data, &outcome) != nil {
		return nil
	}
	codes := make([]string, 0, len(outcome.Issue))
	for _, issue := range outcome.Issue {
		if len(issue.Code) <= 32 {
			codes = append(codes, issue.Code)
		}
	}
	return codes
}

// scrub drops the request URL (which contains resource ids and search
// values) from a transport error.
func scrub(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return fmt.Errorf("%s fhir endpoint: %w", urlErr.Op, urlErr.Err)
	}
	return err
}
