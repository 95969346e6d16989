package smoothvitals

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/smoothing"
	"github.com/ihep/backend/shared/vitalobs"
	"github.com/ihep/backend/shared/vitalsign"
)

const (
	idsPerSearch = 50
	// defaultPageSize is how many Observations one series search returns.
	defaultPageSize = 1000
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
	latest := map[vitalsign.Kind]time.Time{}
	for _, r := range readings {
		if r.PatientID != patientID {
			continue
		}
		if t, ok := earliest[r.Kind]; !ok || r.EffectiveAt.Before(t) {
			earliest[r.Kind] = r.EffectiveAt
		}
		if r.EffectiveAt.After(latest[r.Kind]) {
			latest[r.Kind] = r.EffectiveAt
		}
	}
	for _, kind := range vitalsign.Kinds() {
		if from, ok := earliest[kind]; ok {
			if err := s.rerun(ctx, patientID, kind, from, latest[kind]); err != nil {
				return fmt.Errorf("rerun %s: %w", kind, err)
			}
		}
	}
	return nil
}

// rerun filters a kind's readings page by page from the checkpoint just
// before from and writes each estimate that changed. It stops early at the
// first reading after until whose new filter state equals the stored one:
// the filter is deterministic, so from there on it would only repeat the
// stored estimates. Readings after until that are not smoothed yet are
// still queued, and their own turn re-runs the filter from them.
func (s *Smoother) rerun(ctx context.Context, patientID string, kind vitalsign.Kind, from, until time.Time) error {
	checkpoint, err := s.checkpointBefore(ctx, patientID, kind, from)
	if err != nil {
		return err
	}
	params := seriesQuery(patientID, kind)
	if checkpoint != nil {
		params.Set("date", "ge"+checkpoint.EffectiveAt.UTC().Format(time.RFC3339Nano))
	}
	params.Set("_sort", "date")
	params.Set("_count", strconv.Itoa(s.pageSize))

	run, err := newKindRun(kind, checkpoint)
	if err != nil {
		return err
	}
	// Writes wait until the last page is read: they add smoothed
	// Observations to the very result set being paged through.
	for params != nil {
		bundle, err := s.fhir.Search(ctx, "Observation", params)
		if err != nil {
			return err
		}
		converged, err := run.page(decodeAll(bundle.Entry), patientID, until)
		if err != nil {
			return err
		}
		if converged {
			break
		}
		params = bundle.NextPageParams()
	}
	return s.writeChanged(ctx, run.raw, run.existing, run.estimates)
}

// kindRun is the state of one re-run across result pages.
type kindRun struct {
	kind       vitalsign.Kind
	checkpoint *vitalobs.ParsedSmoothed
	states     map[vitalsign.Series]smoothing.State
	raw        []*vitalobs.StoredReading
	existing   map[string]*vitalobs.ParsedSmoothed
	estimates  map[string][]vitalobs.Smoothed
}

func newKindRun(kind vitalsign.Kind, checkpoint *vitalobs.ParsedSmoothed) (*kindRun, error) {
	run := &kindRun{
		kind: kind, checkpoint: checkpoint,
		states:    map[vitalsign.Series]smoothing.State{},
		existing:  map[string]*vitalobs.ParsedSmoothed{},
		estimates: map[string][]vitalobs.Smoothed{},
	}
	for _, series := range kind.Series() {
		params, err := smoothing.ParamsFor(series)
		if err != nil {
			return nil, err
		}
		run.states[series] = smoothing.InitialState(params)
		if checkpoint != nil {
			if v, ok := checkpoint.Values[series]; ok {
				run.states[series] = v.State
			}
		}
	}
	return run, nil
}

// page filters one page of the series, oldest first, and reports whether
// the run has converged on the stored estimates after until.
func (run *kindRun) page(observations []*vitalobs.Observation, patientID string, until time.Time) (bool, error) {
	var raw []*vitalobs.StoredReading
	for _, obs := range observations {
		if obs.HasTag(vitalobs.TagSmoothed) {
			if parsed, err := vitalobs.ParseSmoothed(obs); err == nil {
				run.existing[parsed.RawID] = parsed
			}
			continue
		}
		if r, err := vitalobs.ParseStored(obs); err == nil && r.PatientID == patientID {
			raw = append(raw, r)
		}
	}
	raw = afterCheckpoint(raw, run.checkpoint)
	if len(raw) == 0 {
		return false, nil
	}
	run.raw = append(run.raw, raw...)

	for _, series := range run.kind.Series() {
		params, err := smoothing.ParamsFor(series)
		if err != nil {
			return false, err
		}
		readings := make([]smoothing.Reading, len(raw))
		for i, r := range raw {
			readings[i] = smoothing.Reading{ID: r.ID, Time: r.EffectiveAt, Value: r.Values[series]}
		}
		estimates, err := smoothing.Continue(params, run.states[series], readings)
		if err != nil {
			return false, err
		}
		for _, e := range estimates {
			run.estimates[e.ID] = replaceSeries(run.estimates[e.ID], vitalobs.Smoothed{Series: series, Value: e.Value, Variance: e.Variance, Outlier: e.Outlier, State: e.Checkpoint})
		}
		if len(estimates) > 0 {
			run.states[series] = estimates[len(estimates)-1].Checkpoint
		}
	}
	// The next page starts after this page's last reading.
	last := raw[len(raw)-1]
	run.checkpoint = &vitalobs.ParsedSmoothed{RawID: last.ID, EffectiveAt: last.EffectiveAt}

	for _, r := range raw {
		if r.EffectiveAt.After(until) && sameStates(run.existing[r.ID], run.estimates[r.ID]) {
			return true, nil
		}
	}
	return false, nil
}

// replaceSeries sets the estimate of one series, replacing an earlier one
// (a level shift revises the estimates of pending readings).
func replaceSeries(values []vitalobs.Smoothed, v vitalobs.Smoothed) []vitalobs.Smoothed {
	for i := range values {
		if values[i].Series == v.Series {
			values[i] = v
			return values
		}
	}
	return append(values, v)
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

func seriesQuery(patientID string, kind vitalsign.Kind) url.Values {
	return url.Values{"subject": {"Patient/" + patientID}, "code": {vitalobs.CodeSearch(kind)}}
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

func decodeAll(entries []fhir.BundleEntry) []*vitalobs.Observation {
	out := make([]*vitalobs.Observation, 0, len(entries))
	for _, entry := range entries {
		if obs, err := vitalobs.Decode(entry.Resource); err == nil && obs.ResourceType == "Observation" {
			out = append(out, obs)
		}
	}
	return out
}
