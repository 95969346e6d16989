package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/ihep/backend/shared/logging"
)

// HandlerFunc is an HTTP handler that returns its failure instead of writing
// it, so that rendering and logging happen in one place.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Options configures Wrap.
type Options struct {
	// Function is the function's manifest name, used in logs.
	Function string
	// ProjectID is used to build trace names for Cloud Logging.
	ProjectID string
	// CORSOrigins lists the browser origins allowed to call the function.
	CORSOrigins []string
	// TrustedProxyHops is passed to ClientIP.
	TrustedProxyHops int
	// Logger is the base logger; nil means logging.Default().
	Logger *slog.Logger
}

// Request describes the caller of the current request, for audit entries
// and rate limits.
type Request struct {
	ID        string
	ClientIP  string
	UserAgent string
}

type requestKey struct{}

// RequestFrom returns the request description stored by Wrap.
func RequestFrom(ctx context.Context) Request {
	req, _ := ctx.Value(requestKey{}).(Request)
	return req
}

// Wrap turns fn into an http.Handler that handles CORS preflights, rejects
// methods outside methods with 405, attaches a request logger, recovers from
// panics and renders returned errors as {"error","code"} responses.
func Wrap(opts Options, methods []string, fn HandlerFunc) http.Handler {
	base := opts.Logger
	if base == nil {
		base = logging.Default()
	}
	base = base.With(logging.KeyFunction, opts.Function)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		req := Request{ID: newRequestID(), ClientIP: ClientIP(r, opts.TrustedProxyHops), UserAgent: truncate(r.UserAgent(), 256)}
		logger := logging.ForRequest(base, r, opts.ProjectID, req.ID)
		ctx := logging.WithContext(context.WithValue(r.Context(), requestKey{}, req), logger)
		r = r.WithContext(ctx)
		rec := &statusRecorder{ResponseWriter: w}

		if applyCORS(rec, r, opts.CORSOrigins, methods) {
			return
		}
		err := serve(rec, r, methods, fn)
		if err != nil {
			apiErr := AsError(err)
			logFailure(logger, apiErr)
			if rec.status == 0 {
				writeError(rec, apiErr)
			}
		}
		logger.Debug("request served", logging.KeyStatus, rec.status, logging.KeyDurationMS, time.Since(start).Milliseconds())
	})
}

func serve(w http.ResponseWriter, r *http.Request, methods []string, fn HandlerFunc) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = Internal(fmt.Errorf("panic: %v", p))
		}
	}()
	if !slices.Contains(methods, r.Method) {
		return ErrMethodNotAllowed
	}
	return fn(w, r)
}

// logFailure logs client faults at Info and server faults at Error. Only the
// code and the internal cause are logged, never the request body.
func logFailure(logger *slog.Logger, e *Error) {
	attrs := []any{logging.KeyStatus, e.Status, logging.KeyCode, e.Code}
	if e.Err != nil {
		attrs = append(attrs, logging.KeyError, e.Err.Error())
	}
	if e.Status >= 500 {
		logger.Error("request failed", attrs...)
		return
	}
	logger.Info("request rejected", attrs...)
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusRecorder remembers whether a status was written, so that an error
// returned after a response started is logged but not written twice.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(status int) {
	if s.status == 0 {
		s.status = status
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Flush lets streaming handlers flush through the recorder.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
