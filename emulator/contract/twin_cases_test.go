package contract

import (
	"net/http"
	"testing"
)

func twinCases() []apiCase {
	get := http.MethodGet
	return []apiCase{
		{name: "wellness", method: get, target: "/wellness", auth: tokenPatient, status: 200, after: wantField("lastUpdated")},
		{name: "wellness without data", method: get, target: "/wellness", auth: tokenEmpty, status: 200},
		{name: "twin", method: get, target: "/twin", auth: tokenPatient, status: 200, after: wantField("healthScore")},
		{name: "twin without data", method: get, target: "/twin", auth: tokenEmpty, status: 200},
	}
}

// wantField fails unless the response has a non-null top-level field, so
// that the case checks the document's schema of a filled-in value.
func wantField(name string) func(*testing.T, *fixture, response) {
	return func(t *testing.T, _ *fixture, r response) {
		if r.json[name] == nil {
			t.Errorf("response field %s is null or missing: %s", name, truncate(r.body, 400))
		}
	}
}
