package fhir

import "net/http"

// maxIDLength is the longest logical id FHIR R4 allows.
const maxIDLength = 64

// ValidID reports whether id is a FHIR R4 logical id: 1 to 64 letters,
// digits, - or . characters. It also rejects "." and "..", which the id
// pattern allows but which a URL path resolves to the type or the store
// itself.
func ValidID(id string) bool {
	if id == "" || len(id) > maxIDLength || id == "." || id == ".." {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '.') {
			return false
		}
	}
	return true
}

// invalidID is the error for a request on an id that cannot name a
// resource. It is a not-found error, as the store would give, so that no
// such id reaches a request URL and callers need no second check.
func invalidID(op string) error {
	return &Error{Op: op, Status: http.StatusNotFound, IssueCodes: []string{"not-found"}}
}
