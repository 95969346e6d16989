package vitalobs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/ihep/backend/shared/vitalsign"
)

// Reading is one validated vital-sign measurement in canonical units.
type Reading struct {
	Kind vitalsign.Kind
	// Values holds one value per series of the kind (two for blood
	// pressure), in the series' canonical unit.
	Values map[vitalsign.Series]float64
	// EffectiveAt is the instant of measurement; Effective keeps the
	// original RFC 3339 text with its offset for storage.
	EffectiveAt time.Time
	Effective   string
	// Source names the device or app that measured it.
	Source string
}

// IdentifierValue derives the reading's idempotency identifier from the
// patient, source, kind and instant: a retry or a device that uploads twice
// yields the same value, and so one Observation.
func (r Reading) IdentifierValue(patientID string) string {
	key := strings.Join([]string{patientID, r.Source, string(r.Kind), r.EffectiveAt.UTC().Format(time.RFC3339Nano)}, "\x00")
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// IfNoneExist is the conditional-create query for the reading.
func (r Reading) IfNoneExist(patientID string) string {
	return "identifier=" + ReadingIdentifierSystem + "|" + r.IdentifierValue(patientID)
}

// Observation builds the raw vital-signs Observation for the reading.
func (r Reading) Observation(patientID string) Observation {
	info := r.Kind.Info()
	obs := Observation{
		ResourceType:      "Observation",
		Identifier:        []Identifier{{System: ReadingIdentifierSystem, Value: r.IdentifierValue(patientID)}},
		Status:            "final",
		Category:          vitalSignsCategory(),
		Code:              CodeableConcept{Coding: []Coding{{System: vitalsign.LOINCSystem, Code: info.LOINC.Code, Display: info.LOINC.Display}}, Text: info.Label},
		Subject:           &Reference{Reference: "Patient/" + patientID},
		EffectiveDateTime: r.Effective,
		Device:            &Reference{Display: r.Source},
	}
	if len(info.Series) == 1 {
		obs.ValueQuantity = quantity(info.Series[0], r.Values[info.Series[0]])
		return obs
	}
	for _, series := range info.Series {
		obs.Component = append(obs.Component, Component{Code: seriesCode(series), ValueQuantity: quantity(series, r.Values[series])})
	}
	return obs
}

// StoredReading is a raw reading read back from the store.
type StoredReading struct {
	ID          string
	Kind        vitalsign.Kind
	Values      map[vitalsign.Series]float64
	EffectiveAt time.Time
	Effective   string
	PatientID   string
}

// ParseStored reads a raw Observation that IHEP wrote (or that reached the
// store another way) back into a reading. It rejects Observations that are
// not vital signs IHEP smooths.
func ParseStored(obs *Observation) (*StoredReading, error) {
	kind, err := KindOf(&obs.Code)
	if err != nil {
		return nil, err
	}
	at, err := time.Parse(time.RFC3339Nano, firstNonEmpty(obs.EffectiveDateTime, obs.EffectiveInstant))
	if err != nil {
		return nil, fmt.Errorf("observation %s has no precise effective time", obs.ID)
	}
	values := map[vitalsign.Series]float64{}
	for _, series := range kind.Series() {
		q := obs.ValueQuantity
		if len(kind.Series()) > 1 {
			q = componentQuantity(obs, series)
		}
		if q == nil || q.Value == nil {
			return nil, fmt.Errorf("observation %s lacks a %s value", obs.ID, series)
		}
		// TODO: readings written straight to the store in another unit
		// (such as [degF]) are skipped here rather than converted.
		if q.System == vitalsign.UCUMSystem && q.Code != series.Unit().Code {
			return nil, fmt.Errorf("observation %s has %s in a unit other than %s", obs.ID, series, series.Unit().Code)
		}
		values[series] = *q.Value
	}
	patientID := ""
	if obs.Subject != nil {
		patientID = strings.TrimPrefix(obs.Subject.Reference, "Patient/")
	}
	return &StoredReading{ID: obs.ID, Kind: kind, Values: values, EffectiveAt: at, Effective: obs.EffectiveDateTime, PatientID: patientID}, nil
}

// KindOf returns the vital kind of a LOINC-coded concept.
func KindOf(code *CodeableConcept) (vitalsign.Kind, error) {
	var firstErr error
	for _, coding := range code.Coding {
		if coding.System != vitalsign.LOINCSystem {
			continue
		}
		kind, err := vitalsign.KindForLOINC(coding.Code)
		if err == nil {
			return kind, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		_, firstErr = vitalsign.KindForLOINC("")
	}
	return "", firstErr
}

func componentQuantity(obs *Observation, series vitalsign.Series) *Quantity {
	want := series.Info().LOINC.Code
	for i := range obs.Component {
		for _, coding := range obs.Component[i].Code.Coding {
			if coding.System == vitalsign.LOINCSystem && coding.Code == want {
				return obs.Component[i].ValueQuantity
			}
		}
	}
	return nil
}

func vitalSignsCategory() []CodeableConcept {
	return []CodeableConcept{{Coding: []Coding{{System: categorySystem, Code: "vital-signs", Display: "Vital Signs"}}}}
}

func seriesCode(series vitalsign.Series) CodeableConcept {
	info := series.Info()
	return CodeableConcept{Coding: []Coding{{System: vitalsign.LOINCSystem, Code: info.LOINC.Code, Display: info.LOINC.Display}}}
}

func quantity(series vitalsign.Series, value float64) *Quantity {
	unit := series.Unit()
	v := value
	return &Quantity{Value: &v, Unit: unit.Display, System: vitalsign.UCUMSystem, Code: unit.Code}
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
