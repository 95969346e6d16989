package vitalobs

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ihep/backend/shared/smoothing"
	"github.com/ihep/backend/shared/vitalsign"
)

// Smoothed is the filter's output for one series at one raw reading.
type Smoothed struct {
	Series   vitalsign.Series
	Value    float64
	Variance float64
	Outlier  bool
	// State is the filter state right after the reading, to resume from.
	State smoothing.State
}

// SmoothedID returns the id of the smoothed Observation derived from the
// raw Observation rawID.
func SmoothedID(rawID string) string { return SmoothedIDPrefix + rawID }

// IsSmoothedID reports whether id names a smoothed Observation.
func IsSmoothedID(id string) bool { return strings.HasPrefix(id, SmoothedIDPrefix) }

// SmoothedObservation builds the derived Observation for a raw reading: the
// same code, subject and instant, tagged as smoothed, pointing back to the
// raw one, with one component per series. Its id is fixed by the raw id, so
// writing it again (update-create) replaces rather than duplicates it.
func SmoothedObservation(raw *StoredReading, values []Smoothed) (Observation, error) {
	info := raw.Kind.Info()
	obs := Observation{
		ResourceType:      "Observation",
		ID:                SmoothedID(raw.ID),
		Meta:              &Meta{Tag: []Coding{{System: TagSystem, Code: TagSmoothed, Display: "Smoothed estimate"}}},
		Status:            "final",
		Category:          vitalSignsCategory(),
		Code:              CodeableConcept{Coding: []Coding{{System: vitalsign.LOINCSystem, Code: info.LOINC.Code, Display: info.LOINC.Display}}, Text: info.Label + " (smoothed)"},
		Subject:           &Reference{Reference: "Patient/" + raw.PatientID},
		EffectiveDateTime: raw.Effective,
		Method:            &CodeableConcept{Text: "One-dimensional Kalman filter with innovation gate"},
		DerivedFrom:       []Reference{{Reference: "Observation/" + raw.ID}},
	}
	for _, v := range values {
		state, err := json.Marshal(v.State)
		if err != nil {
			return Observation{}, fmt.Errorf("encode filter state: %w", err)
		}
		variance, outlier := v.Variance, v.Outlier
		obs.Component = append(obs.Component, Component{
			Extension: []Extension{
				{URL: VarianceURL, ValueDecimal: &variance},
				{URL: OutlierURL, ValueBoolean: &outlier},
				{URL: FilterStateURL, ValueString: string(state)},
			},
			Code:          seriesCode(v.Series),
			ValueQuantity: quantity(v.Series, v.Value),
		})
	}
	return obs, nil
}

// ParsedSmoothed is a smoothed Observation read back from the store.
type ParsedSmoothed struct {
	RawID       string
	EffectiveAt time.Time
	Values      map[vitalsign.Series]Smoothed
}

// ParseSmoothed reads a smoothed Observation back.
func ParseSmoothed(obs *Observation) (*ParsedSmoothed, error) {
	if len(obs.DerivedFrom) == 0 {
		return nil, fmt.Errorf("smoothed observation %s has no derivedFrom", obs.ID)
	}
	at, err := time.Parse(time.RFC3339Nano, obs.EffectiveDateTime)
	if err != nil {
		return nil, fmt.Errorf("smoothed observation %s has no precise effective time", obs.ID)
	}
	out := &ParsedSmoothed{
		RawID:       strings.TrimPrefix(obs.DerivedFrom[0].Reference, "Observation/"),
		EffectiveAt: at,
		Values:      map[vitalsign.Series]Smoothed{},
	}
	for _, c := range obs.Component {
		s, err := parseSmoothedComponent(c)
		if err != nil {
			return nil, fmt.Errorf("smoothed observation %s: %w", obs.ID, err)
		}
		out.Values[s.Series] = s
	}
	return out, nil
}

func parseSmoothedComponent(c Component) (Smoothed, error) {
	var s Smoothed
	for _, coding := range c.Code.Coding {
		if series, ok := seriesForLOINC(coding.Code); ok && coding.System == vitalsign.LOINCSystem {
			s.Series = series
		}
	}
	if s.Series == "" || c.ValueQuantity == nil || c.ValueQuantity.Value == nil {
		return s, fmt.Errorf("component without a known series or value")
	}
	s.Value = *c.ValueQuantity.Value
	for _, ext := range c.Extension {
		switch {
		case ext.URL == VarianceURL && ext.ValueDecimal != nil:
			s.Variance = *ext.ValueDecimal
		case ext.URL == OutlierURL && ext.ValueBoolean != nil:
			s.Outlier = *ext.ValueBoolean
		case ext.URL == FilterStateURL:
			if err := json.Unmarshal([]byte(ext.ValueString), &s.State); err != nil {
				return s, fmt.Errorf("decode filter state: %w", err)
			}
		}
	}
	return s, nil
}

func seriesForLOINC(code string) (vitalsign.Series, bool) {
	for _, series := range vitalsign.AllSeries() {
		if series.Info().LOINC.Code == code {
			return series, true
		}
	}
	return "", false
}
