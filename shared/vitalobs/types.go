// Package vitalobs maps vital-sign readings to and from FHIR R4
// Observations: the raw reading a patient recorded, and the smoothed
// estimate derived from it. Both live only in the FHIR store (PHI).
package vitalobs

import (
	"encoding/json"
	"strings"

	"github.com/ihep/backend/shared/vitalsign"
)

// Systems and URLs that IHEP defines.
const (
	// ReadingIdentifierSystem identifies a raw reading by a hash of its
	// patient, source, kind and instant, so that a retry or a second upload
	// of one reading finds the first (conditional create).
	ReadingIdentifierSystem = "https://ihep.app/fhir/sid/reading"
	// TagSystem marks Observations IHEP derived itself.
	TagSystem = "https://ihep.app/fhir/CodeSystem/observation-tag"
	// TagSmoothed is the tag code of a smoothed estimate.
	TagSmoothed = "smoothed"
	// SmoothedIDPrefix starts the id of every smoothed Observation, which is
	// the prefix plus the raw Observation's id. A change notification whose
	// resource name has it comes from the smoother itself.
	SmoothedIDPrefix = "smoothed-"
	// FilterStateURL is the extension on each smoothed component that keeps
	// the Kalman filter state after the reading, to resume from.
	FilterStateURL = "https://ihep.app/fhir/StructureDefinition/kalman-state"
	// VarianceURL and OutlierURL are extensions on each smoothed component.
	VarianceURL = "https://ihep.app/fhir/StructureDefinition/kalman-variance"
	OutlierURL  = "https://ihep.app/fhir/StructureDefinition/kalman-outlier"

	categorySystem = "http://terminology.hl7.org/CodeSystem/observation-category"
)

// Observation is the subset of FHIR R4 Observation that IHEP writes and
// reads. Unknown elements of incoming resources are ignored, never stored.
type Observation struct {
	ResourceType      string            `json:"resourceType"`
	ID                string            `json:"id,omitempty"`
	Meta              *Meta             `json:"meta,omitempty"`
	Identifier        []Identifier      `json:"identifier,omitempty"`
	Status            string            `json:"status,omitempty"`
	Category          []CodeableConcept `json:"category,omitempty"`
	Code              CodeableConcept   `json:"code"`
	Subject           *Reference        `json:"subject,omitempty"`
	EffectiveDateTime string            `json:"effectiveDateTime,omitempty"`
	EffectiveInstant  string            `json:"effectiveInstant,omitempty"`
	EffectivePeriod   *Period           `json:"effectivePeriod,omitempty"`
	ValueQuantity     *Quantity         `json:"valueQuantity,omitempty"`
	Device            *Reference        `json:"device,omitempty"`
	Method            *CodeableConcept  `json:"method,omitempty"`
	DerivedFrom       []Reference       `json:"derivedFrom,omitempty"`
	Component         []Component       `json:"component,omitempty"`
}

// Meta carries tags and the source system.
type Meta struct {
	VersionID   string   `json:"versionId,omitempty"`
	LastUpdated string   `json:"lastUpdated,omitempty"`
	Source      string   `json:"source,omitempty"`
	Tag         []Coding `json:"tag,omitempty"`
}

// Identifier is a FHIR Identifier.
type Identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

// Coding is a FHIR Coding.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a FHIR CodeableConcept.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Reference is a FHIR Reference.
type Reference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

// Period is a FHIR Period.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// Quantity is a FHIR Quantity. Value is a pointer so that a missing value
// is distinguished from zero.
type Quantity struct {
	Value  *float64 `json:"value,omitempty"`
	Unit   string   `json:"unit,omitempty"`
	System string   `json:"system,omitempty"`
	Code   string   `json:"code,omitempty"`
}

// Component is one component of an Observation, such as the systolic value
// of a blood-pressure panel.
type Component struct {
	Extension     []Extension     `json:"extension,omitempty"`
	Code          CodeableConcept `json:"code"`
	ValueQuantity *Quantity       `json:"valueQuantity,omitempty"`
}

// Extension is a FHIR extension with the value types IHEP uses.
type Extension struct {
	URL          string   `json:"url"`
	ValueDecimal *float64 `json:"valueDecimal,omitempty"`
	ValueBoolean *bool    `json:"valueBoolean,omitempty"`
	ValueString  string   `json:"valueString,omitempty"`
}

// HasTag reports whether the Observation carries IHEP's tag code.
func (o *Observation) HasTag(code string) bool {
	if o.Meta == nil {
		return false
	}
	for _, tag := range o.Meta.Tag {
		if tag.System == TagSystem && tag.Code == code {
			return true
		}
	}
	return false
}

// Decode parses a stored Observation.
func Decode(data json.RawMessage) (*Observation, error) {
	var obs Observation
	if err := json.Unmarshal(data, &obs); err != nil {
		return nil, err
	}
	return &obs, nil
}

// CodeSearch returns the value of a FHIR `code` search parameter that
// matches every LOINC code the kinds are stored or imported under.
func CodeSearch(kinds ...vitalsign.Kind) string {
	var codes []string
	for _, kind := range kinds {
		info := kind.Info()
		codes = append(codes, vitalsign.LOINCSystem+"|"+info.LOINC.Code)
		for _, alt := range info.AlternativeLOINC {
			codes = append(codes, vitalsign.LOINCSystem+"|"+alt.Code)
		}
	}
	return strings.Join(codes, ",")
}
