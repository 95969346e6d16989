package httpapi

import (
	"net/http"
	"slices"
	"strings"
)

// corsAllowHeaders are the request headers a browser client sends: the
// bearer token, JSON bodies, Idempotency-Key on creates and If-Match on
// every PATCH. corsExposeHeaders are the response headers it must read:
// the ETag for the next If-Match, Retry-After on 429 and 503, and the
// export's Content-Disposition.
const (
	corsAllowHeaders  = "Authorization, Content-Type, Idempotency-Key, If-Match"
	corsExposeHeaders = "ETag, Retry-After, Content-Disposition"
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
		h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
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
