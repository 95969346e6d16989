package smoothvitals

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/ihep/backend/shared/smoothing"
	"github.com/ihep/backend/shared/vitalobs"
)

// readingsByID reads raw Observations by id, a chunk per search.
func (s *Smoother) readingsByID(ctx context.Context, ids []string) ([]*vitalobs.StoredReading, error) {
	var out []*vitalobs.StoredReading
	for start := 0; start < len(ids); start += idsPerSearch {
		chunk := ids[start:min(start+idsPerSearch, len(ids))]
		bundle, err := s.fhir.Search(ctx, "Observation", url.Values{"_id": {strings.Join(chunk, ",")}, "_count": {strconv.Itoa(len(chunk))}})
		if err != nil {
			return nil, err
		}
		for _, obs := range decodeAll(bundle.Entry) {
			if r, err := vitalobs.ParseStored(obs); err == nil && !obs.HasTag(vitalobs.TagSmoothed) {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// writeChanged stores the estimate of each reading whose smoothed
// Observation is missing or differs, in transactions of update-creates
// (PUT with the id fixed by the raw id), so that rewriting is harmless.
func (s *Smoother) writeChanged(ctx context.Context, raw []*vitalobs.StoredReading, existing map[string]*vitalobs.ParsedSmoothed, estimates map[string][]vitalobs.Smoothed) error {
	byID := make(map[string]*vitalobs.StoredReading, len(raw))
	for _, r := range raw {
		byID[r.ID] = r
	}
	var entries []map[string]any
	for id, values := range estimates {
		r, ok := byID[id]
		if !ok {
			// A revised pending reading from before the checkpoint.
			if r, ok = s.rawFromExisting(ctx, id); !ok {
				continue
			}
		}
		if unchanged(existing[id], values) {
			continue
		}
		obs, err := vitalobs.SmoothedObservation(r, values)
		if err != nil {
			return err
		}
		entries = append(entries, map[string]any{
			"resource": obs,
			"request":  map[string]string{"method": "PUT", "url": "Observation/" + obs.ID},
		})
	}
	for start := 0; start < len(entries); start += writesPerBundle {
		chunk := entries[start:min(start+writesPerBundle, len(entries))]
		bundle := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": chunk}
		if _, err := s.fhir.ExecuteBundle(ctx, bundle); err != nil {
			return fmt.Errorf("write smoothed observations: %w", err)
		}
	}
	return nil
}

func (s *Smoother) rawFromExisting(ctx context.Context, id string) (*vitalobs.StoredReading, bool) {
	readings, err := s.readingsByID(ctx, []string{id})
	if err != nil || len(readings) != 1 {
		return nil, false
	}
	return readings[0], true
}

// unchanged reports whether the stored estimate already equals values, to
// the precision JSON round trips keep.
func unchanged(stored *vitalobs.ParsedSmoothed, values []vitalobs.Smoothed) bool {
	if stored == nil || len(stored.Values) != len(values) {
		return false
	}
	for _, v := range values {
		old, ok := stored.Values[v.Series]
		if !ok || old.Outlier != v.Outlier || !nearlyEqual(old.Value, v.Value) || !nearlyEqual(old.Variance, v.Variance) ||
			!old.State.Time.Equal(v.State.Time) || old.State.ID != v.State.ID || !nearlyEqual(old.State.Mean, v.State.Mean) ||
			len(old.State.Pending) != len(v.State.Pending) {
			return false
		}
	}
	return true
}

func nearlyEqual(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(a))
}

// sameStates reports whether the stored estimate is unchanged and its filter
// state equals the new one in every field, so that filtering on from either
// gives the same estimates.
func sameStates(stored *vitalobs.ParsedSmoothed, values []vitalobs.Smoothed) bool {
	if !unchanged(stored, values) {
		return false
	}
	for _, v := range values {
		if !sameState(stored.Values[v.Series].State, v.State) {
			return false
		}
	}
	return true
}

func sameState(a, b smoothing.State) bool {
	if a.Started != b.Started || !a.Time.Equal(b.Time) || a.ID != b.ID || !a.AnchorTime.Equal(b.AnchorTime) ||
		!nearlyEqual(a.Mean, b.Mean) || !nearlyEqual(a.Variance, b.Variance) ||
		a.PendingSide != b.PendingSide || len(a.Pending) != len(b.Pending) {
		return false
	}
	for i := range a.Pending {
		p, q := a.Pending[i], b.Pending[i]
		if p.ID != q.ID || !p.Time.Equal(q.Time) || !nearlyEqual(p.Value, q.Value) {
			return false
		}
	}
	return true
}
