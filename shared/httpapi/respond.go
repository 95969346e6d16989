package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// Respond writes v as JSON with the given status. It encodes into a buffer
// first, so an encoding failure never sends half a body.
func Respond(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return Internal(err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// writeError renders e as {"error": ..., "code": ...}.
func writeError(w http.ResponseWriter, e *Error) {
	if e.RetryAfter > 0 {
		seconds := int((e.RetryAfter + 999_999_999) / 1_000_000_000)
		w.Header().Set("Retry-After", strconv.Itoa(seconds))
	}
	if e.Status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", w.Header().Get("Access-Control-Allow-Methods"))
	}
	_ = Respond(w, e.Status, body{Error: e.Message, Code: e.Code})
}
