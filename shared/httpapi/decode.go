package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
)

// DefaultMaxBody is the request body cap used unless a function sets its own.
const DefaultMaxBody = 64 << 10

// Decode reads a JSON request body into dst with strict rules: the content
// type must be application/json, the body at most maxBytes, unknown fields
// and trailing data are rejected. Every failure is a 4xx *Error whose message
// never echoes the body.
func Decode(w http.ResponseWriter, r *http.Request, maxBytes int64, dst any) error {
	if err := RequireContentType(r, "application/json"); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, maxBytes)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return tooLarge(maxBytes)
		}
		return NewError(http.StatusBadRequest, "invalid_json", "The request body must contain a single JSON object.")
	}
	return nil
}

// RequireContentType returns a 415 *Error unless the request's media type is
// one of want.
func RequireContentType(r *http.Request, want ...string) error {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil {
		for _, w := range want {
			if strings.EqualFold(mediaType, w) {
				return nil
			}
		}
	}
	return NewError(http.StatusUnsupportedMediaType, "unsupported_media_type",
		fmt.Sprintf("The Content-Type header must be %s.", strings.Join(want, " or ")))
}

func decodeError(err error, maxBytes int64) *Error {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		maxErr    *http.MaxBytesError
	)
	switch {
	case errors.As(err, &maxErr):
		return tooLarge(maxBytes)
	case errors.Is(err, io.EOF):
		return NewError(http.StatusBadRequest, "empty_body", "The request body is empty: send a JSON object.")
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return NewError(http.StatusBadRequest, "invalid_json", "The request body is not valid JSON.")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return NewError(http.StatusBadRequest, "invalid_json", "The request body must be a JSON object.")
		}
		return fieldTypeError(field, typeErr)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return NewError(http.StatusBadRequest, "unknown_field", fmt.Sprintf("Field %s is not allowed.", truncate(field, 64)))
	default:
		return NewError(http.StatusBadRequest, "invalid_json", "The request body could not be read as JSON.")
	}
}

func tooLarge(maxBytes int64) *Error {
	return NewError(http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("The request body is larger than the limit of %d bytes.", maxBytes))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// fieldTypeError describes a field whose JSON value does not fit the Go
// field, in JSON terms. encoding/json sets Value to "number <literal>" when
// the value is a number that the field's numeric type cannot hold.
func fieldTypeError(field string, typeErr *json.UnmarshalTypeError) *Error {
	t := typeErr.Type
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if literal, ok := strings.CutPrefix(typeErr.Value, "number "); ok {
		if isInteger(t.Kind()) && strings.ContainsAny(literal, ".eE") {
			return NewError(http.StatusBadRequest, "invalid_field", fmt.Sprintf("Field %q must be a whole number.", field))
		}
		return NewError(http.StatusBadRequest, "invalid_field", fmt.Sprintf("Field %q is a number out of range.", field))
	}
	return NewError(http.StatusBadRequest, "invalid_field", fmt.Sprintf("Field %q has the wrong type: expected %s.", field, jsonKind(t)))
}

func isInteger(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// jsonKind names the JSON value a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch {
	case isInteger(t.Kind()):
		return "a whole number"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "a number"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return "an array"
	case t.Kind() == reflect.Map || t.Kind() == reflect.Struct:
		return "an object"
	}
	return "another JSON type"
}
