package directory

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"cloud.google.com/go/firestore"
	"golang.org/x/sync/errgroup"

	"github.com/ihep/backend/shared/fsindex"
)

// Search limits.
const (
	DefaultPageSize = 20
	MaxPageSize     = 50
	DefaultRadiusKm = 25.0
	MaxRadiusKm     = 200.0
	// maxCandidates bounds the documents one distance search reads. A
	// search whose area holds more matching providers is rejected with
	// search_too_broad rather than served from a part of them.
	maxCandidates = 2000
	// maxPrefixLength bounds a name prefix, in characters.
	maxPrefixLength = 100
)

// Point is a location in degrees.
type Point struct {
	Lat, Lng float64
}

// SearchQuery selects active providers. Every set filter must match. With
// Near set, results are those within RadiusKm, nearest first; otherwise
// they are in name order.
type SearchQuery struct {
	NamePrefix      string
	Specialty       string
	AppointmentType string
	Language        string
	Near            *Point
	RadiusKm        float64
	PageSize        int
	PageToken       string
}

// Result is one provider found by a search, with its distance from the
// search's point when it had one.
type Result struct {
	Provider   *Provider
	DistanceKm *float64
}

// SearchPage is one page of results. Queries and DocumentsRead count the
// Firestore queries the page took and the documents they returned.
type SearchPage struct {
	Results       []Result
	NextPageToken string
	Queries       int
	DocumentsRead int
}

// Search errors, with stable codes.
var (
	ErrInvalidPageToken = invalid("invalid_page_token", "The page token is invalid or belongs to another search: start again without it.")
	ErrSearchTooBroad   = invalid("search_too_broad", "More than %d providers are within the radius: use a smaller radiusKm or add filters.", maxCandidates)
)

// Search returns one page of active providers that match q.
func (s *Store) Search(ctx context.Context, q SearchQuery) (*SearchPage, error) {
	q, err := normalizeQuery(q)
	if err != nil {
		return nil, err
	}
	token, err := decodePageToken(q)
	if err != nil {
		return nil, err
	}
	plan := planSearch(q)
	if q.Near != nil {
		return s.searchNear(ctx, q, plan, token)
	}
	return s.searchByName(ctx, q, plan, token)
}

// normalizeQuery validates q and brings its filters to the form the search
// keys are stored in.
func normalizeQuery(q SearchQuery) (SearchQuery, error) {
	q.NamePrefix = strings.ToLower(strings.TrimSpace(q.NamePrefix))
	q.Specialty = strings.ToLower(strings.TrimSpace(q.Specialty))
	if utf8.RuneCountInString(q.NamePrefix) > maxPrefixLength {
		return q, invalid("invalid_name_prefix", "The name prefix must be at most %d characters long.", maxPrefixLength)
	}
	if utf8.RuneCountInString(q.Specialty) > maxNameLength {
		return q, invalid("invalid_specialty", "The specialty must be at most %d characters long.", maxNameLength)
	}
	if q.AppointmentType != "" && !slices.Contains(AppointmentTypes, q.AppointmentType) {
		return q, invalid("invalid_appointment_type", "Appointment type %q is unknown: use %s.", truncate(q.AppointmentType, 40), strings.Join(AppointmentTypes, ", "))
	}
	if q.Language != "" {
		tag, err := CanonicalLanguage(q.Language)
		if err != nil {
			return q, err
		}
		q.Language = strings.ToLower(tag)
	}
	switch {
	case q.PageSize == 0:
		q.PageSize = DefaultPageSize
	case q.PageSize < 1 || q.PageSize > MaxPageSize:
		return q, invalid("invalid_page_size", "The page size must be between 1 and %d.", MaxPageSize)
	}
	if q.Near == nil {
		if q.RadiusKm != 0 {
			return q, invalid("radius_without_near", "radiusKm needs near=lat,lng.")
		}
		return q, nil
	}
	if !validPoint(q.Near.Lat, q.Near.Lng) {
		return q, invalid("invalid_near", "near must be a latitude within -90 to 90 and a longitude within -180 to 180.")
	}
	switch {
	case q.RadiusKm == 0:
		q.RadiusKm = DefaultRadiusKm
	case !(q.RadiusKm > 0 && q.RadiusKm <= MaxRadiusKm):
		return q, invalid("invalid_radius", "radiusKm must be greater than 0 and at most %g.", MaxRadiusKm)
	}
	return q, nil
}

// searchPlan is the Firestore query a search runs, before its range filter,
// order and cursor. Its Shape names the fields, for the index check.
type searchPlan struct {
	Shape  fsindex.Query
	values map[string]any
}

// planSearch chooses the query for q. Every search filters on active, and
// specialty is an equality filter. Appointment type and language become one
// array-contains filter on the facets. The name prefix is a range on
// nameKey, except in a distance search, which applies it to the candidates.
func planSearch(q SearchQuery) searchPlan {
	p := searchPlan{
		Shape:  fsindex.Query{Collection: ProvidersCollection, Equality: []string{"active"}},
		values: map[string]any{"active": true},
	}
	if q.Specialty != "" {
		p.Shape.Equality = append(p.Shape.Equality, "specialtyKey")
		p.values["specialtyKey"] = q.Specialty
	}
	var facet string
	switch {
	case q.AppointmentType != "" && q.Language != "":
		facet = typeFacet(q.AppointmentType) + "|" + languageFacet(q.Language)
	case q.AppointmentType != "":
		facet = typeFacet(q.AppointmentType)
	case q.Language != "":
		facet = languageFacet(q.Language)
	}
	if facet != "" {
		p.Shape.ArrayContains = "facets"
		p.values["facets"] = facet
	}
	p.Shape.OrderBy = "nameKey"
	if q.Near != nil {
		p.Shape.OrderBy = "geohash"
	}
	return p
}

// query returns the plan's filters, ordered by its order field and then by
// document id.
func (p searchPlan) query(coll *firestore.CollectionRef) firestore.Query {
	query := coll.Query
	for _, field := range p.Shape.Equality {
		query = query.Where(field, "==", p.values[field])
	}
	if p.Shape.ArrayContains != "" {
		query = query.Where(p.Shape.ArrayContains, "array-contains", p.values[p.Shape.ArrayContains])
	}
	return query.OrderBy(p.Shape.OrderBy, firestore.Asc).OrderBy(firestore.DocumentID, firestore.Asc)
}

// searchByName reads one page in name order with a single query, starting
// after the last provider of the previous page.
func (s *Store) searchByName(ctx context.Context, q SearchQuery, plan searchPlan, token pageToken) (*SearchPage, error) {
	query := plan.query(s.providers())
	if q.NamePrefix != "" {
		query = query.Where("nameKey", ">=", q.NamePrefix).Where("nameKey", "<", q.NamePrefix+"\uf8ff")
	}
	if token.ID != "" {
		query = query.StartAfter(token.NameKey, token.ID)
	}
	snaps, err := query.Limit(q.PageSize + 1).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("search providers: %w", err)
	}
	page := &SearchPage{Queries: 1, DocumentsRead: len(snaps)}
	for i, snap := range snaps {
		p, err := decodeProvider(snap)
		if err != nil {
			return nil, err
		}
		if i == q.PageSize {
			last := page.Results[len(page.Results)-1].Provider
			page.NextPageToken = pageToken{Fingerprint: fingerprint(q), NameKey: last.NameKey, ID: last.ID}.encode()
			break
		}
		page.Results = append(page.Results, Result{Provider: p})
	}
	return page, nil
}

// searchNear reads every provider in the geohash cells that cover the
// circle, one query per run of adjacent cells, run concurrently. It keeps
// those within the radius, sorts them by distance and returns one page.
// TODO: each page of a distance search reads the whole area again. A cache
// of the candidate ids per page token would save those reads on deep pages.
func (s *Store) searchNear(ctx context.Context, q SearchQuery, plan searchPlan, token pageToken) (*SearchPage, error) {
	ranges := coveringRanges(q.Near.Lat, q.Near.Lng, q.RadiusKm)
	var (
		mu         sync.Mutex
		candidates []*firestore.DocumentSnapshot
	)
	g, gctx := errgroup.WithContext(ctx)
	for _, r := range ranges {
		g.Go(func() error {
			query := plan.query(s.providers()).Where("geohash", ">=", r.Start).Where("geohash", "<", r.End)
			snaps, err := query.Limit(maxCandidates + 1).Documents(gctx).GetAll()
			if err != nil {
				return fmt.Errorf("search providers near a point: %w", err)
			}
			mu.Lock()
			candidates = append(candidates, snaps...)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if len(candidates) > maxCandidates {
		return nil, ErrSearchTooBroad
	}

	page := &SearchPage{Queries: len(ranges), DocumentsRead: len(candidates)}
	var found []Result
	for _, snap := range candidates {
		p, err := decodeProvider(snap)
		if err != nil {
			return nil, err
		}
		if p.Location == nil || !strings.HasPrefix(p.NameKey, q.NamePrefix) {
			continue
		}
		d := HaversineKm(q.Near.Lat, q.Near.Lng, p.Location.Latitude, p.Location.Longitude)
		if d <= q.RadiusKm {
			found = append(found, Result{Provider: p, DistanceKm: &d})
		}
	}
	slices.SortFunc(found, func(a, b Result) int {
		if c := cmpFloat(*a.DistanceKm, *b.DistanceKm); c != 0 {
			return c
		}
		return strings.Compare(a.Provider.ID, b.Provider.ID)
	})
	start := min(token.Offset, len(found))
	end := min(start+q.PageSize, len(found))
	page.Results = found[start:end]
	if end < len(found) {
		page.NextPageToken = pageToken{Fingerprint: fingerprint(q), Offset: end}.encode()
	}
	return page, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pageToken is the start of the next page: the position after the provider
// with NameKey and ID in name order, or Offset in distance order. Fingerprint ties
// it to the filters of the search that issued it.
type pageToken struct {
	Fingerprint string `json:"f"`
	NameKey     string `json:"n,omitempty"`
	ID          string `json:"i,omitempty"`
	Offset      int    `json:"o,omitempty"`
}

func (t pageToken) encode() string {
	data, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodePageToken(q SearchQuery) (pageToken, error) {
	var t pageToken
	if q.PageToken == "" {
		return t, nil
	}
	data, err := base64.RawURLEncoding.DecodeString(q.PageToken)
	if err != nil || len(data) > 1024 || json.Unmarshal(data, &t) != nil {
		return t, ErrInvalidPageToken
	}
	if t.Fingerprint != fingerprint(q) || t.Offset < 0 || t.ID != "" && !validID(t.ID) {
		return t, ErrInvalidPageToken
	}
	return t, nil
}

// fingerprint identifies a search's filters, without its paging.
func fingerprint(q SearchQuery) string {
	near := ""
	if q.Near != nil {
		near = fmt.Sprintf("%.6f,%.6f,%.3f", q.Near.Lat, q.Near.Lng, q.RadiusKm)
	}
	key := strings.Join([]string{q.NamePrefix, q.Specialty, q.AppointmentType, q.Language, near, fmt.Sprint(q.PageSize)}, "\x00")
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// RoundKm rounds a distance to 0.1 km for display.
func RoundKm(d float64) float64 {
	return math.Round(d*10) / 10
}
