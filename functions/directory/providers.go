package directory

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ihep/backend/shared/directory"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/service"
)

type searchBody struct {
	Providers     []providerBody `json:"providers"`
	NextPageToken string         `json:"nextPageToken,omitempty"`
}

// search returns one page of active providers. Filters: q (name prefix),
// specialty, appointmentType, language, and near=lat,lng with radiusKm,
// which sorts by distance.
func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, err := s.Verifier.Verify(ctx, r); err != nil {
		return err
	}
	query, err := parseSearch(r)
	if err != nil {
		return err
	}

	page, err := s.directory.Search(ctx, query)
	if err != nil {
		return storeError(err)
	}
	out := searchBody{Providers: make([]providerBody, 0, len(page.Results)), NextPageToken: page.NextPageToken}
	for _, result := range page.Results {
		body := renderProvider(result.Provider)
		if result.DistanceKm != nil {
			d := directory.RoundKm(*result.DistanceKm)
			body.DistanceKm = &d
		}
		out.Providers = append(out.Providers, body)
	}
	return httpapi.Respond(w, http.StatusOK, out)
}

func parseSearch(r *http.Request) (directory.SearchQuery, error) {
	if err := httpapi.CheckQuery(r, "q", "specialty", "appointmentType", "language", "near", "radiusKm", "pageSize", "pageToken"); err != nil {
		return directory.SearchQuery{}, err
	}
	params := r.URL.Query()
	q := directory.SearchQuery{
		NamePrefix:      params.Get("q"),
		Specialty:       params.Get("specialty"),
		AppointmentType: params.Get("appointmentType"),
		Language:        params.Get("language"),
		PageToken:       params.Get("pageToken"),
	}
	var err error
	if q.PageSize, err = httpapi.QueryPageSize(r, directory.MaxPageSize); err != nil {
		return q, err
	}
	if raw := params.Get("near"); raw != "" {
		point, ok := parsePoint(raw)
		if !ok {
			return q, httpapi.NewError(http.StatusBadRequest, "invalid_near", "near must be lat,lng in degrees, such as 41.88,-87.63.")
		}
		q.Near = &point
	}
	if params.Has("radiusKm") {
		if q.RadiusKm, err = strconv.ParseFloat(params.Get("radiusKm"), 64); err != nil {
			return q, httpapi.NewError(http.StatusBadRequest, "invalid_radius", "radiusKm must be a number of kilometres.")
		}
		// The store reads a radius of 0 as "use the default".
		if q.RadiusKm == 0 {
			return q, httpapi.NewError(http.StatusBadRequest, "invalid_radius", fmt.Sprintf("radiusKm must be greater than 0 and at most %g.", directory.MaxRadiusKm))
		}
	}
	return q, nil
}

func parsePoint(raw string) (directory.Point, bool) {
	latRaw, lngRaw, ok := strings.Cut(raw, ",")
	if !ok {
		return directory.Point{}, false
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(latRaw), 64)
	lng, err2 := strconv.ParseFloat(strings.TrimSpace(lngRaw), 64)
	return directory.Point{Lat: lat, Lng: lng}, err1 == nil && err2 == nil
}

// getProvider returns one active provider; inactive ones are visible to
// admins only.
func (s *Server) getProvider(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	if err := httpapi.CheckQuery(r, "id"); err != nil {
		return err
	}

	p, err := s.directory.Get(ctx, r.URL.Query().Get("id"))
	if err != nil {
		return storeError(err)
	}
	if !p.Active && user.Role != service.AdminRole {
		return errProviderNotFound
	}
	return httpapi.Respond(w, http.StatusOK, renderProvider(p))
}
