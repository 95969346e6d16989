package vitalsign

import "errors"

// Stable error codes, sent to clients as the "code" of an error response.
const (
	CodeUnknownKind               = "unknown_vital_kind"
	CodeUnknownSeries             = "unknown_vital_series"
	CodeUnknownCode               = "unknown_loinc_code"
	CodeUnknownUnit               = "unknown_unit"
	CodeNotFinite                 = "value_not_finite"
	CodeNegative                  = "value_negative"
	CodeOutOfRange                = "value_out_of_range"
	CodeDiastolicNotBelowSystolic = "diastolic_not_below_systolic"
)

// Sentinel errors; every [*Error] matches exactly one of them with
// [errors.Is].
var (
	ErrUnknownKind               = errors.New("unknown vital sign kind")
	ErrUnknownSeries             = errors.New("unknown vital sign series")
	ErrUnknownCode               = errors.New("unknown LOINC code")
	ErrUnknownUnit               = errors.New("unit not accepted for the vital sign")
	ErrNotFinite                 = errors.New("value is NaN or infinite")
	ErrNegative                  = errors.New("value is negative")
	ErrOutOfRange                = errors.New("value outside the plausible range")
	ErrDiastolicNotBelowSystolic = errors.New("diastolic pressure not below systolic pressure")
)

// Error is a validation failure that an HTTP handler can send to the client
// as {"error": Message, "code": Code}. Message never contains the submitted
// value.
type Error struct {
	// Code is one of the Code constants.
	Code string
	// Series is the series the value belonged to; it is empty for errors
	// about kinds, codes and series names.
	Series Series
	// Message is a sentence for the client.
	Message string

	sentinel error
}

// Error returns the client message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the sentinel error that e matches.
func (e *Error) Unwrap() error { return e.sentinel }

func newError(sentinel error, code string, series Series, message string) *Error {
	return &Error{Code: code, Series: series, Message: message, sentinel: sentinel}
}
