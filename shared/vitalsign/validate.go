package vitalsign

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Canonicalize converts value from unit to the canonical unit of series and
// checks that the result is plausible. It returns the canonical value, or an
// [*Error] with one of the codes unknown_vital_series, value_not_finite,
// unknown_unit, value_negative or value_out_of_range, checked in that order.
//
// A negative value is rejected before conversion, so -4 [degF] is negative
// rather than out of range: no accepted unit has a meaningful negative body
// value.
func Canonicalize(series Series, value float64, unit string) (float64, error) {
	info, ok := seriesTable[series]
	if !ok {
		return 0, newError(ErrUnknownSeries, CodeUnknownSeries, series, "Unknown vital sign series.")
	}
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return 0, notFiniteError(info)
	}
	if !slices.Contains(info.AcceptedUnits, unit) {
		return 0, unknownUnitError(info)
	}
	if value < 0 {
		return 0, negativeError(info)
	}
	canonical := toCanonical(value, unit)
	if err := checkRange(info, canonical); err != nil {
		return 0, err
	}
	return canonical, nil
}

// CheckValue checks a value that is already in the canonical unit of series:
// finite, not negative and within the plausible range.
func CheckValue(series Series, value float64) error {
	_, err := Canonicalize(series, value, series.Unit().Code)
	return err
}

// CheckBloodPressure checks both canonical components of one blood pressure
// reading and then that the diastolic pressure is below the systolic one.
// A diastolic at or above the systolic pressure means the two were swapped or
// one was mistyped.
func CheckBloodPressure(systolic, diastolic float64) error {
	if err := CheckValue(SeriesSystolic, systolic); err != nil {
		return err
	}
	if err := CheckValue(SeriesDiastolic, diastolic); err != nil {
		return err
	}
	if diastolic >= systolic {
		return newError(ErrDiastolicNotBelowSystolic, CodeDiastolicNotBelowSystolic, SeriesDiastolic,
			"Diastolic blood pressure must be below systolic blood pressure. Check that the two values are not swapped.")
	}
	return nil
}

// toCanonical converts an accepted unit to the canonical one. Only
// temperature has a second scale; every other accepted spelling names the
// canonical unit itself.
func toCanonical(value float64, unit string) float64 {
	switch unit {
	case "[degF]", "°F":
		return (value - 32) * 5 / 9
	default:
		return value
	}
}

func checkRange(info SeriesInfo, canonical float64) error {
	if canonical >= info.Min && canonical <= info.Max {
		return nil
	}
	message := fmt.Sprintf("%s must be between %s and %s %s.",
		info.Label, formatLimit(info.Min), formatLimit(info.Max), info.Unit.Display)
	if info.Series == SeriesBodyTemperature {
		message = fmt.Sprintf("%s must be between %s and %s °C (%s to %s °F).",
			info.Label, formatLimit(info.Min), formatLimit(info.Max),
			formatLimit(info.Min*9/5+32), formatLimit(info.Max*9/5+32))
	}
	return newError(ErrOutOfRange, CodeOutOfRange, info.Series, message)
}

func notFiniteError(info SeriesInfo) error {
	return newError(ErrNotFinite, CodeNotFinite, info.Series,
		info.Label+" must be a finite number.")
}

func negativeError(info SeriesInfo) error {
	return newError(ErrNegative, CodeNegative, info.Series,
		info.Label+" must not be negative.")
}

func unknownUnitError(info SeriesInfo) error {
	quoted := make([]string, len(info.AcceptedUnits))
	for i, unit := range info.AcceptedUnits {
		quoted[i] = strconv.Quote(unit)
	}
	return newError(ErrUnknownUnit, CodeUnknownUnit, info.Series,
		fmt.Sprintf("Unit not accepted for %s. Use one of %s.",
			strings.ToLower(info.Label), strings.Join(quoted, ", ")))
}

func formatLimit(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}
