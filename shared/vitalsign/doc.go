// Package vitalsign defines the vital signs IHEP accepts: their LOINC codes,
// display names, UCUM units and plausibility limits, and the series into which
// smoothing and scoring split them.
//
// # Kinds and series
//
// A [Kind] is what a client posts as one FHIR vital-signs Observation:
// heart_rate, blood_pressure, oxygen_saturation, body_temperature or
// respiratory_rate. A [Series] is one stream of scalar values over time, the
// unit that smoothing and scoring work on. Blood pressure is one Observation
// with a systolic and a diastolic component, so it splits into the systolic and
// diastolic series. Every other kind is a series of its own.
//
// # Units
//
// Each series has one canonical UCUM unit, the one stored and compared.
// [Canonicalize] accepts the UCUM code and a few spellings that devices and
// clients commonly send instead (listed in [SeriesInfo.AcceptedUnits]) and
// converts Fahrenheit to Celsius. Unit matching is exact and case-sensitive, as
// UCUM codes are.
//
// # Validation
//
// Validation rejects values that cannot be a real measurement of a living
// adult at home: NaN, infinities, negatives, values outside a series' plausible
// range and a diastolic pressure at or above the systolic one. The limits are
// deliberately wider than any clinical alarm range, because an alarming value
// is exactly what the product must keep. They exist to catch unit mistakes,
// typing slips and device faults.
//
// Every error is an [*Error] with a stable snake_case Code for the HTTP layer
// and a sentence for the client. It also matches one of the sentinel errors
// (such as [ErrOutOfRange]) with [errors.Is]. Messages name the series and its
// limits but never the submitted value, so an error that reaches a log line
// carries no vital sign.
package vitalsign
