package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// CheckQuery returns a 400 unknown_parameter *Error when the request's query
// has a parameter outside allowed, so that a misspelt filter is reported
// instead of being ignored.
func CheckQuery(r *http.Request, allowed ...string) error {
	for name := range r.URL.Query() {
		if !slices.Contains(allowed, name) {
			return NewError(http.StatusBadRequest, "unknown_parameter",
				fmt.Sprintf("Query parameter %q is not allowed here: use %s.", truncate(name, 40), strings.Join(allowed, ", ")))
		}
	}
	return nil
}

// QueryList returns every value of a repeatable query parameter, splitting
// comma-separated values, so ?a=x&a=y and ?a=x,y are the same. Empty items
// are dropped.
func QueryList(r *http.Request, name string) []string {
	var out []string
	for _, value := range r.URL.Query()[name] {
		for _, item := range strings.Split(value, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// QueryInt returns an integer query parameter, 0 when it is absent, or a
// 400 *Error with code invalid_<name> when it is not an integer.
func QueryInt(r *http.Request, name string) (int, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, NewError(http.StatusBadRequest, "invalid_"+snake(name), fmt.Sprintf("Query parameter %s must be an integer.", name))
	}
	return n, nil
}

// snake converts a camelCase parameter name to snake_case for error codes.
func snake(name string) string {
	var b strings.Builder
	for i, r := range name {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
