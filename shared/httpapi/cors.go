package httpapi

import (
	"net/http"
	"slices"
	"strings"
)

// applyCORS sets CORS headers for allowed origins and reports whether the
// request was a preflight that has been fully handled. Requests from other
// origins get no CORS headers, so browsers block them; non-browser clients
// are unaffected.
func applyCORS(w http.ResponseWriter, r *http.Request, allowed []string, methods []string) bool {
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", strings.Join(append(slices.Clone(methods), http.MethodOptions), ", "))
	origin := r.Header.Get("Origin")
	h.Add("Vary", "Origin")
	originAllowed := origin != "" && slices.Contains(allowed, origin)
	if originAllowed {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key")
		h.Set("Access-Control-Expose-Headers", "Retry-After")
		h.Set("Access-Control-Max-Age", "600")
	}
	if r.Method != http.MethodOptions {
		return false
	}
	if originAllowed {
		w.WriteHeader(http.StatusNoContent)
	} else {
		writeError(w, NewError(http.StatusForbidden, "origin_not_allowed", "This origin is not allowed to call the API."))
	}
	return true
}
