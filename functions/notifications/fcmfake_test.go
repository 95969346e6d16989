package notifications

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeFCM is a local server that speaks FCM's HTTP v1 send API: it accepts
// POST /v1/projects/{project}/messages:send with {"message": {...}} and
// returns either {"name": ...} or the API's error body with an FcmError
// detail. The token decides the outcome:
//
//	gone-*         404 NOT_FOUND, errorCode UNREGISTERED
//	flaky-*        503 UNAVAILABLE on the first send, then success
//	bad-*          400 INVALID_ARGUMENT, errorCode INVALID_ARGUMENT
//	anything else  success
type fakeFCM struct {
	t       *testing.T
	project string
	server  *httptest.Server

	mu       sync.Mutex
	received []fcmMessage
	attempts map[string]int
}

func newFakeFCM(t *testing.T, project string) *fakeFCM {
	f := &fakeFCM{t: t, project: project, attempts: map[string]int{}}
	f.server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakeFCM) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/projects/"+f.project+"/messages:send" {
		writeFCMError(w, http.StatusNotFound, "NOT_FOUND", "")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeFCMError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "")
		return
	}
	var body struct {
		Message *fcmMessage `json:"message"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || body.Message == nil || body.Message.Token == "" || body.Message.Notification.Title == "" {
		writeFCMError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "")
		return
	}
	token := body.Message.Token
	f.mu.Lock()
	f.attempts[token]++
	attempt := f.attempts[token]
	f.mu.Unlock()

	switch {
	case strings.HasPrefix(token, "gone-"):
		writeFCMError(w, http.StatusNotFound, "NOT_FOUND", "UNREGISTERED")
		return
	case strings.HasPrefix(token, "bad-"):
		writeFCMError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "INVALID_ARGUMENT")
		return
	case strings.HasPrefix(token, "flaky-") && attempt == 1:
		writeFCMError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "UNAVAILABLE")
		return
	}
	f.mu.Lock()
	f.received = append(f.received, *body.Message)
	n := len(f.received)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"name": "projects/%s/messages/0:%d"}`, f.project, n)
}

func writeFCMError(w http.ResponseWriter, code int, status, errorCode string) {
	details := "[]"
	if errorCode != "" {
		details = `[{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "` + errorCode + `"}]`
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"error": {"code": %d, "message": "Request failed.", "status": "%s", "details": %s}}`, code, status, details)
}

// delivered returns the messages that reached token.
func (f *fakeFCM) delivered(token string) []fcmMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fcmMessage
	for _, m := range f.received {
		if m.Token == token {
			out = append(out, m)
		}
	}
	return out
}
