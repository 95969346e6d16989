// Package logging writes structured JSON logs in the shape Cloud Logging
// reads from a function's stderr (severity, message, trace) and carries the
// request's logger in its context.
//
// Log identifiers and counts only: never a vital sign, condition, name,
// e-mail, password, token, note or chat text.
package logging

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
)

// Keys used across the code base, one spelling per concept.
const (
	KeyUserID     = "user_id"
	KeyPatientID  = "patient_id"
	KeyRequestID  = "request_id"
	KeyFunction   = "function"
	KeyStatus     = "status"
	KeyCode       = "code"
	KeyError      = "error"
	KeyDurationMS = "duration_ms"
	KeyCount      = "count"
	KeyResource   = "resource"
	KeyMessageID  = "message_id"
)

type contextKey struct{}

// New returns a JSON logger writing to w at the given level name (debug,
// info, warn or error; anything else means info).
func New(w io.Writer, level string) *slog.Logger {
	handler := slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level:       parseLevel(level),
		ReplaceAttr: cloudLoggingNames,
	})
	return slog.New(handler)
}

// Default returns the process-wide logger: JSON on stderr at LOG_LEVEL.
func Default() *slog.Logger {
	return New(os.Stderr, os.Getenv("LOG_LEVEL"))
}

// WithContext returns ctx carrying logger.
func WithContext(ctx context.Context, logger *slog.Logger) context.Context {
	return context.WithValue(ctx, contextKey{}, logger)
}

// FromContext returns the logger in ctx, or the default logger.
func FromContext(ctx context.Context) *slog.Logger {
	if logger, ok := ctx.Value(contextKey{}).(*slog.Logger); ok {
		return logger
	}
	return defaultLogger
}

var defaultLogger = Default()

// ForRequest returns logger with the request's trace (so Cloud Logging
// groups its lines) and request id attached.
func ForRequest(logger *slog.Logger, r *http.Request, projectID, requestID string) *slog.Logger {
	logger = logger.With(KeyRequestID, requestID)
	if trace := TraceID(r); trace != "" && projectID != "" {
		logger = logger.With("logging.googleapis.com/trace", "projects/"+projectID+"/traces/"+trace)
	}
	return logger
}

// TraceID extracts the trace id from the W3C traceparent header or Google's
// X-Cloud-Trace-Context header. It returns "" when neither is usable.
func TraceID(r *http.Request) string {
	if tp := r.Header.Get("Traceparent"); tp != "" {
		parts := strings.Split(tp, "-")
		if len(parts) == 4 && len(parts[1]) == 32 && isHex(parts[1]) {
			return parts[1]
		}
	}
	if xc := r.Header.Get("X-Cloud-Trace-Context"); xc != "" {
		trace, _, _ := strings.Cut(xc, "/")
		if len(trace) == 32 && isHex(trace) {
			return trace
		}
	}
	return ""
}

func isHex(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

func parseLevel(name string) slog.Level {
	switch strings.ToLower(name) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// cloudLoggingNames renames slog's built-in keys to the ones Cloud Logging
// recognises in structured logs.
func cloudLoggingNames(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.LevelKey:
		a.Key = "severity"
		if level, ok := a.Value.Any().(slog.Level); ok && level == slog.LevelWarn {
			a.Value = slog.StringValue("WARNING")
		}
	case slog.MessageKey:
		a.Key = "message"
	}
	return a
}
