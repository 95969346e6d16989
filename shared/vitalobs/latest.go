package vitalobs

import (
	"context"
	"net/url"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/vitalsign"
)

// Estimate is a smoothed value of one series at the instant of its reading.
type Estimate struct {
	Value       float64
	Variance    float64
	ReadingTime time.Time
}

// LatestSmoothed returns, per series, the newest smoothed estimate of the
// patient at or before asOf (the newest of all when asOf is zero). Series
// without an estimate are absent. It makes one search per vital kind, all
// at once.
func LatestSmoothed(ctx context.Context, client *fhir.Client, patientID string, asOf time.Time) (map[vitalsign.Series]Estimate, error) {
	var mu sync.Mutex
	out := map[vitalsign.Series]Estimate{}
	g, ctx := errgroup.WithContext(ctx)
	for _, kind := range vitalsign.Kinds() {
		g.Go(func() error {
			found, err := latestOfKind(ctx, client, patientID, kind, asOf)
			if err != nil || found == nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			for series, v := range found.Values {
				out[series] = Estimate{Value: v.Value, Variance: v.Variance, ReadingTime: found.EffectiveAt}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

func latestOfKind(ctx context.Context, client *fhir.Client, patientID string, kind vitalsign.Kind, asOf time.Time) (*ParsedSmoothed, error) {
	params := url.Values{
		"subject": {"Patient/" + patientID},
		"code":    {CodeSearch(kind)},
		"_tag":    {TagSystem + "|" + TagSmoothed},
		"_sort":   {"-date"},
		"_count":  {"1"},
	}
	if !asOf.IsZero() {
		params.Set("date", "le"+asOf.UTC().Format(time.RFC3339Nano))
	}
	bundle, err := client.Search(ctx, "Observation", params)
	if err != nil {
		return nil, err
	}
	for _, entry := range bundle.Entry {
		obs, err := Decode(entry.Resource)
		if err != nil {
			continue
		}
		if parsed, err := ParseSmoothed(obs); err == nil {
			return parsed, nil
		}
	}
	return nil, nil
}
