// Package validation holds what the stores share to reject bad input: a
// field error with a stable code, and checks of document ids.
package validation

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is a value that failed validation. Code is a stable snake_case code
// for API responses and Message a sentence for the client.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// New returns an *Error with a formatted message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Truncate shortens s to n characters for quoting in a message.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// DocumentID reports whether a client-supplied id can be used as a
// Firestore document id: 1 to 128 letters, digits, - or _, and not of the
// form __name__, which Firestore reserves. It accepts the ids Firestore
// generates and readable fixed ids. It rejects everything Firestore rejects
// ("", ".", "..", ids with "/", reserved ids, ids over 1,500 bytes) and
// anything that could address another document path.
func DocumentID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	if len(id) >= 4 && strings.HasPrefix(id, "__") && strings.HasSuffix(id, "__") {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
