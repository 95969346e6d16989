package appointments

import (
	"net/http"
	"strings"

	"github.com/ihep/backend/shared/appointment"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/httpapi"
)

// view is an appointment as the API returns it. Times are RFC 3339 in UTC;
// the client shows them in the user's zone.
type view struct {
	ID         string             `json:"id"`
	ProviderID string             `json:"providerId"`
	Type       string             `json:"type"`
	Status     appointment.Status `json:"status"`
	Start      string             `json:"start"`
	End        string             `json:"end"`
	Location   string             `json:"location,omitempty"`
	Notes      string             `json:"notes,omitempty"`
	// Version is the ETag to send in If-Match when changing the appointment.
	Version string `json:"version,omitempty"`
}

func viewOf(r *appointment.Resource, etag string) view {
	status, ok := appointment.StatusFromFHIR(r.Status)
	if !ok {
		status = appointment.Status(r.Status)
	}
	return view{
		ID: r.ID, ProviderID: r.ProviderID(), Type: r.Type(), Status: status,
		Start: r.Start, End: r.End, Location: r.Location(), Notes: r.Comment, Version: etag,
	}
}

// respondOne renders one appointment with its version in the ETag header.
func respondOne(w http.ResponseWriter, status int, r *appointment.Resource, meta fhir.Meta) error {
	etag := versionTag(meta)
	w.Header().Set("ETag", etag)
	return httpapi.Respond(w, status, viewOf(r, etag))
}

// versionTag returns the weak ETag of a version. The store's own ETag is
// preferred; W/"versionId" is the form FHIR servers use.
func versionTag(meta fhir.Meta) string {
	if meta.ETag != "" {
		return meta.ETag
	}
	return `W/"` + meta.VersionID + `"`
}

// sameVersion compares an If-Match value with a stored version. A strong
// tag ("3") matches its weak form (W/"3"), because clients and proxies
// often drop or add the W/ prefix.
func sameVersion(ifMatch string, meta fhir.Meta) bool {
	normalize := func(tag string) string {
		return strings.Trim(strings.TrimPrefix(strings.TrimSpace(tag), "W/"), `"`)
	}
	want := normalize(ifMatch)
	return want != "" && (want == normalize(versionTag(meta)) || want == meta.VersionID)
}
