package smoothvitals

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/smoothing"
	"github.com/ihep/backend/shared/vitalobs"
	"github.com/ihep/backend/shared/vitalsign"
)

const (
	idsPerSearch = 50
	pageSize     = 1000
	// writesPerBundle bounds one transaction's size.
	writesPerBundle = 500
	// checkpointCandidates is how many smoothed Observations before a late
	// reading are fetched to find the last one in (time, id) order.
	checkpointCandidates = 20
)

// smooth re-runs the filter of each vital kind touched by the raw readings
// ids, from the checkpoint just before the earliest of them.
func (s *Smoother) smooth(ctx context.Context, patientID string, ids []string) error {
	readings, err := s.readingsByID(ctx, ids)
	if err != nil {
		return err
	}
	earliest := map[vitalsign.Kind]time.Time{}
	for _, r := range readings {
		if r.PatientID != patientID {
			continue
		}
		if t, ok := earliest[r.Kind]; !ok || r.EffectiveAt.Before(t) {
			earliest[r.Kind] = r.EffectiveAt
		}
	}
	for _, kind := range vitalsign.Kinds() {
		if from, ok := earliest[kind]; ok {
			if err := s.rerun(ctx, patientID, kind, from); err != nil {
				return fmt.Errorf("rerun %s: %w", kind, err)
			}
		}
	}
	return nil
}

// rerun loads the filter state just before from and every raw reading after
// it, filters them, and writes each estimate that changed.
func (s *Smoother) rerun(ctx context.Context, patientID string, kind vitalsign.Kind, from time.Time) error {
	checkpoint, err := s.checkpointBefore(ctx, patientID, kind, from)
	if err != nil {
		return err
	}
	since := time.Time{}
	if checkpoint != nil {
		since = checkpoint.EffectiveAt
	}
	raw, existing, err := s.seriesSince(ctx, patientID, kind, since)
	if err != nil {
		return err
	}
	raw = afterCheckpoint(raw, checkpoint)
	estimates, err := filterKind(kind, checkpoint, raw)
	if err != nil {
		return err
	}
	return s.writeChanged(ctx, raw, existing, estimates)
}

// checkpointBefore returns the last smoothed Observation before from in
// (time, raw id) order, or nil when the series starts after from.
func (s *Smoother) checkpointBefore(ctx context.Context, patientID string, kind vitalsign.Kind, from time.Time) (*vitalobs.ParsedSmoothed, error) {
	params := seriesQuery(patientID, kind)
	params.Set("_tag", vitalobs.TagSystem+"|"+vitalobs.TagSmoothed)
	params.Set("date", "lt"+from.UTC().Format(time.RFC3339Nano))
	params.Set("_sort", "-date")
	params.Set("_count", strconv.Itoa(checkpointCandidates))
	bundle, err := s.fhir.Search(ctx, "Observation", params)
	if err != nil {
		return nil, err
	}
	var best *vitalobs.ParsedSmoothed
	for _, obs := range decodeAll(bundle.Entry) {
		parsed, err := vitalobs.ParseSmoothed(obs)
		if err != nil {
			continue
		}
		if best == nil || parsed.EffectiveAt.After(best.EffectiveAt) || parsed.EffectiveAt.Equal(best.EffectiveAt) && parsed.RawID > best.RawID {
			best = parsed
		}
	}
	return best, nil
}

// seriesSince loads the raw readings and the smoothed estimates of a kind
// at or after since (all of them when since is zero), oldest first.
func (s *Smoother) seriesSince(ctx context.Context, patientID string, kind vitalsign.Kind, since time.Time) ([]*vitalobs.StoredReading, map[string]*vitalobs.ParsedSmoothed, error) {
	params := seriesQuery(patientID, kind)
	if !since.IsZero() {
		params.Set("date", "ge"+since.UTC().Format(time.RFC3339Nano))
	}
	params.Set("_sort", "date")
	params.Set("_count", strconv.Itoa(pageSize))
	var raw []*vitalobs.StoredReading
	existing := map[string]*vitalobs.ParsedSmoothed{}
	for params != nil {
		bundle, err := s.fhir.Search(ctx, "Observation", params)
		if err != nil {
			return nil, nil, err
		}
		for _, obs := range decodeAll(bundle.Entry) {
			if obs.HasTag(vitalobs.TagSmoothed) {
				if parsed, err := vitalobs.ParseSmoothed(obs); err == nil {
					existing[parsed.RawID] = parsed
				}
				continue
			}
			if r, err := vitalobs.ParseStored(obs); err == nil && r.PatientID == patientID {
				raw = append(raw, r)
			}
		}
		params = bundle.NextPageParams()
	}
	return raw, existing, nil
}

func seriesQuery(patientID string, kind vitalsign.Kind) url.Values {
	info := kind.Info()
	codes := []string{vitalsign.LOINCSystem + "|" + info.LOINC.Code}
	for _, alt := range info.AlternativeLOINC {
		codes = append(codes, vitalsign.LOINCSystem+"|"+alt.Code)
	}
	return url.Values{"subject": {"Patient/" + patientID}, "code": {strings.Join(codes, ",")}}
}

// afterCheckpoint keeps the readings strictly after the checkpoint's
// reading in (time, id) order.
func afterCheckpoint(raw []*vitalobs.StoredReading, checkpoint *vitalobs.ParsedSmoothed) []*vitalobs.StoredReading {
	if checkpoint == nil {
		return raw
	}
	return slices.DeleteFunc(raw, func(r *vitalobs.StoredReading) bool {
		return r.EffectiveAt.Before(checkpoint.EffectiveAt) || r.EffectiveAt.Equal(checkpoint.EffectiveAt) && r.ID <= checkpoint.RawID
	})
}

// filterKind runs one filter per series of the kind and groups the
// estimates by raw reading id.
func filterKind(kind vitalsign.Kind, checkpoint *vitalobs.ParsedSmoothed, raw []*vitalobs.StoredReading) (map[string][]vitalobs.Smoothed, error) {
	out := map[string][]vitalobs.Smoothed{}
	for _, series := range kind.Series() {
		params, err := smoothing.ParamsFor(series)
		if err != nil {
			return nil, err
		}
		state := smoothing.InitialState(params)
		if checkpoint != nil {
			if v, ok := checkpoint.Values[series]; ok {
				state = v.State
			}
		}
		readings := make([]smoothing.Reading, len(raw))
		for i, r := range raw {
			readings[i] = smoothing.Reading{ID: r.ID, Time: r.EffectiveAt, Value: r.Values[series]}
		}
		estimates, err := smoothing.Continue(params, state, readings)
		if err != nil {
			return nil, err
		}
		for _, e := range estimates {
			out[e.ID] = append(out[e.ID], vitalobs.Smoothed{Series: series, Value: e.Value, Variance: e.Variance, Outlier: e.Outlier, State: e.Checkpoint})
		}
	}
	return out, nil
}

func decodeAll(entries []fhir.BundleEntry) []*vitalobs.Observation {
	out := make([]*vitalobs.Observation, 0, len(entries))
	for _, entry := range entries {
		if obs, err := vitalobs.Decode(entry.Resource); err == nil && obs.ResourceType == "Observation" {
			out = append(out, obs)
		}
	}
	return out
}
