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
		if slices.Contains(allowed, name) {
			continue
		}
		hint := "use " + strings.Join(allowed, ", ")
		if len(allowed) == 0 {
			hint = "this endpoint takes no query parameters"
		}
		return NewError(http.StatusBadRequest, "unknown_parameter",
			fmt.Sprintf("Query parameter %q is not allowed here: %s.", truncate(name, 40), hint))
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

// QueryPageSize returns the pageSize query parameter, 0 when it is absent,
// or a 400 invalid_page_size *Error unless it is a whole number from 1 to
// max. The stores read a page size of 0 as "use the default", so an
// explicit 0 must be rejected here.
func QueryPageSize(r *http.Request, max int) (int, error) {
	if !r.URL.Query().Has("pageSize") {
		return 0, nil
	}
	n, err := strconv.Atoi(r.URL.Query().Get("pageSize"))
	if err != nil || n < 1 || n > max {
		return 0, NewError(http.StatusBadRequest, "invalid_page_size", fmt.Sprintf("Query parameter pageSize must be a whole number from 1 to %d.", max))
	}
	return n, nil
}
