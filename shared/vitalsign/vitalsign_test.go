package vitalsign

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKindForLOINC(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code string
		want Kind
	}{
		{"8867-4", HeartRate},
		{"85354-9", BloodPressure},
		{"59408-5", OxygenSaturation},
		{"2708-6", OxygenSaturation},
		{"8310-5", BodyTemperature},
		{"9279-1", RespiratoryRate},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			got, err := KindForLOINC(tt.code)
			if err != nil {
				t.Fatalf("KindForLOINC(%q): %v", tt.code, err)
			}
			if got != tt.want {
				t.Errorf("KindForLOINC(%q) = %q, want %q", tt.code, got, tt.want)
			}
		})
	}
}

func TestKindForLOINCRejectsComponentCode(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"8480-6", "8462-4", "", "29463-7"} {
		_, err := KindForLOINC(code)
		if !errors.Is(err, ErrUnknownCode) {
			t.Errorf("KindForLOINC(%q) error = %v, want ErrUnknownCode", code, err)
		}
	}
}

func TestSeriesForComponentLOINC(t *testing.T) {
	t.Parallel()
	tests := map[string]Series{"8480-6": SeriesSystolic, "8462-4": SeriesDiastolic}
	for code, want := range tests {
		got, err := SeriesForComponentLOINC(code)
		if err != nil || got != want {
			t.Errorf("SeriesForComponentLOINC(%q) = %q, %v; want %q", code, got, err, want)
		}
	}
	if _, err := SeriesForComponentLOINC("8867-4"); !errors.Is(err, ErrUnknownCode) {
		t.Errorf("SeriesForComponentLOINC(8867-4) error = %v, want ErrUnknownCode", err)
	}
}

func TestKindSeries(t *testing.T) {
	t.Parallel()
	got := map[Kind][]Series{}
	for _, kind := range Kinds() {
		got[kind] = kind.Series()
	}
	want := map[Kind][]Series{
		HeartRate:        {SeriesHeartRate},
		BloodPressure:    {SeriesSystolic, SeriesDiastolic},
		OxygenSaturation: {SeriesOxygenSaturation},
		BodyTemperature:  {SeriesBodyTemperature},
		RespiratoryRate:  {SeriesRespiratoryRate},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kind series mismatch (-want +got):\n%s", diff)
	}
}

func TestEverySeriesBelongsToItsKind(t *testing.T) {
	t.Parallel()
	for _, series := range AllSeries() {
		info := series.Info()
		if !series.Valid() || info.Series != series {
			t.Errorf("series %q has no table entry", series)
		}
		kindSeries := info.Kind.Series()
		found := false
		for _, s := range kindSeries {
			found = found || s == series
		}
		if !found {
			t.Errorf("series %q not listed by its kind %q", series, info.Kind)
		}
		if info.AcceptedUnits[0] != info.Unit.Code {
			t.Errorf("series %q: first accepted unit %q, want canonical %q", series, info.AcceptedUnits[0], info.Unit.Code)
		}
		if info.Min >= info.Max {
			t.Errorf("series %q: empty range %v..%v", series, info.Min, info.Max)
		}
	}
}

func TestInfoReturnsCopies(t *testing.T) {
	t.Parallel()
	BloodPressure.Info().Series[0] = "changed"
	SeriesHeartRate.Info().AcceptedUnits[0] = "changed"
	if BloodPressure.Series()[0] != SeriesSystolic {
		t.Error("changing a returned KindInfo changed the kind table")
	}
	if SeriesHeartRate.Info().AcceptedUnits[0] != "/min" {
		t.Error("changing a returned SeriesInfo changed the series table")
	}
}

func TestParseKindAndSeries(t *testing.T) {
	t.Parallel()
	if k, err := ParseKind("blood_pressure"); err != nil || k != BloodPressure {
		t.Errorf("ParseKind(blood_pressure) = %q, %v", k, err)
	}
	if _, err := ParseKind("systolic"); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("ParseKind(systolic) error = %v, want ErrUnknownKind", err)
	}
	if s, err := ParseSeries("diastolic"); err != nil || s != SeriesDiastolic {
		t.Errorf("ParseSeries(diastolic) = %q, %v", s, err)
	}
	if _, err := ParseSeries("blood_pressure"); !errors.Is(err, ErrUnknownSeries) {
		t.Errorf("ParseSeries(blood_pressure) error = %v, want ErrUnknownSeries", err)
	}
}

func TestCanonicalizeAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		series Series
		value  float64
		unit   string
		want   float64
	}{
		{"heart rate canonical", SeriesHeartRate, 72, "/min", 72},
		{"heart rate beats", SeriesHeartRate, 72, "{beats}/min", 72},
		{"heart rate bpm", SeriesHeartRate, 72, "bpm", 72},
		{"heart rate low edge", SeriesHeartRate, 20, "/min", 20},
		{"heart rate high edge", SeriesHeartRate, 300, "/min", 300},
		{"systolic", SeriesSystolic, 120, "mm[Hg]", 120},
		{"systolic mmHg", SeriesSystolic, 120, "mmHg", 120},
		{"diastolic low edge", SeriesDiastolic, 20, "mm[Hg]", 20},
		{"oxygen saturation full", SeriesOxygenSaturation, 100, "%", 100},
		{"oxygen saturation floor", SeriesOxygenSaturation, 50, "%", 50},
		{"temperature celsius", SeriesBodyTemperature, 36.6, "Cel", 36.6},
		{"temperature fahrenheit", SeriesBodyTemperature, 98.6, "[degF]", 37},
		{"temperature fahrenheit sign", SeriesBodyTemperature, 113, "°F", 45},
		{"respiratory rate", SeriesRespiratoryRate, 16, "{breaths}/min", 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Canonicalize(tt.series, tt.value, tt.unit)
			if err != nil {
				t.Fatalf("Canonicalize(%q, %v, %q): %v", tt.series, tt.value, tt.unit, err)
			}
			if math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Canonicalize(%q, %v, %q) = %v, want %v", tt.series, tt.value, tt.unit, got, tt.want)
			}
		})
	}
}

func TestCanonicalizeRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		series   Series
		value    float64
		unit     string
		sentinel error
		code     string
	}{
		{"heart rate too low", SeriesHeartRate, 19.9, "/min", ErrOutOfRange, CodeOutOfRange},
		{"heart rate too high", SeriesHeartRate, 300.1, "/min", ErrOutOfRange, CodeOutOfRange},
		{"heart rate NaN", SeriesHeartRate, math.NaN(), "/min", ErrNotFinite, CodeNotFinite},
		{"heart rate infinite", SeriesHeartRate, math.Inf(1), "/min", ErrNotFinite, CodeNotFinite},
		{"heart rate negative", SeriesHeartRate, -60, "/min", ErrNegative, CodeNegative},
		{"heart rate wrong unit", SeriesHeartRate, 60, "Hz", ErrUnknownUnit, CodeUnknownUnit},
		{"heart rate unit case", SeriesHeartRate, 60, "/MIN", ErrUnknownUnit, CodeUnknownUnit},
		{"systolic too low", SeriesSystolic, 39, "mm[Hg]", ErrOutOfRange, CodeOutOfRange},
		{"systolic too high", SeriesSystolic, 301, "mm[Hg]", ErrOutOfRange, CodeOutOfRange},
		{"systolic in kPa", SeriesSystolic, 16, "kPa", ErrUnknownUnit, CodeUnknownUnit},
		{"diastolic too high", SeriesDiastolic, 201, "mm[Hg]", ErrOutOfRange, CodeOutOfRange},
		{"oxygen saturation above 100", SeriesOxygenSaturation, 100.5, "%", ErrOutOfRange, CodeOutOfRange},
		{"oxygen saturation fraction", SeriesOxygenSaturation, 0.97, "%", ErrOutOfRange, CodeOutOfRange},
		{"oxygen saturation below floor", SeriesOxygenSaturation, 49, "%", ErrOutOfRange, CodeOutOfRange},
		{"temperature fahrenheit as celsius", SeriesBodyTemperature, 98.6, "Cel", ErrOutOfRange, CodeOutOfRange},
		{"temperature cold", SeriesBodyTemperature, 24.9, "Cel", ErrOutOfRange, CodeOutOfRange},
		{"temperature fahrenheit too hot", SeriesBodyTemperature, 114, "[degF]", ErrOutOfRange, CodeOutOfRange},
		{"temperature fahrenheit negative", SeriesBodyTemperature, -4, "[degF]", ErrNegative, CodeNegative},
		{"temperature kelvin", SeriesBodyTemperature, 310, "K", ErrUnknownUnit, CodeUnknownUnit},
		{"respiratory rate too low", SeriesRespiratoryRate, 3, "/min", ErrOutOfRange, CodeOutOfRange},
		{"respiratory rate too high", SeriesRespiratoryRate, 81, "/min", ErrOutOfRange, CodeOutOfRange},
		{"unknown series", Series("weight"), 70, "kg", ErrUnknownSeries, CodeUnknownSeries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Canonicalize(tt.series, tt.value, tt.unit)
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("error = %v, want %v", err, tt.sentinel)
			}
			var verr *Error
			if !errors.As(err, &verr) {
				t.Fatalf("error %T is not *Error", err)
			}
			if verr.Code != tt.code {
				t.Errorf("Code = %q, want %q", verr.Code, tt.code)
			}
			if verr.Message == "" || !strings.HasSuffix(verr.Message, ".") {
				t.Errorf("Message = %q, want a sentence", verr.Message)
			}
		})
	}
}

func TestOutOfRangeMessage(t *testing.T) {
	t.Parallel()
	tests := map[Series]string{
		SeriesHeartRate:       "Heart rate must be between 20 and 300 beats/minute.",
		SeriesBodyTemperature: "Body temperature must be between 25 and 45 °C (77 to 113 °F).",
	}
	for series, want := range tests {
		err := CheckValue(series, 1000)
		if err == nil || err.Error() != want {
			t.Errorf("CheckValue(%q, 1000) = %v, want %q", series, err, want)
		}
	}
}

func TestMessagesOmitValue(t *testing.T) {
	t.Parallel()
	for _, series := range AllSeries() {
		for _, value := range []float64{1234.5, -987.25} {
			err := CheckValue(series, value)
			if err == nil {
				t.Fatalf("CheckValue(%q, %v) accepted", series, value)
			}
			for _, text := range []string{"1234", "987"} {
				if strings.Contains(err.Error(), text) {
					t.Errorf("CheckValue(%q, %v) message %q contains the value", series, value, err.Error())
				}
			}
		}
	}
}

func TestCheckBloodPressure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		systolic, diastolic float64
		want                error
	}{
		{"normal", 120, 80, nil},
		{"narrow", 81, 80, nil},
		{"equal", 80, 80, ErrDiastolicNotBelowSystolic},
		{"swapped", 80, 120, ErrDiastolicNotBelowSystolic},
		{"systolic out of range", 350, 80, ErrOutOfRange},
		{"diastolic NaN", 120, math.NaN(), ErrNotFinite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckBloodPressure(tt.systolic, tt.diastolic)
			if !errors.Is(err, tt.want) {
				t.Errorf("CheckBloodPressure(%v, %v) = %v, want %v", tt.systolic, tt.diastolic, err, tt.want)
			}
		})
	}
}
