package smoothing

import (
	"math"
	"slices"
	"time"
)

// Reading is one measurement of one series.
type Reading struct {
	// ID identifies the reading across redeliveries, such as the FHIR
	// Observation id; it also breaks ties between readings at one instant.
	ID    string
	Time  time.Time
	Value float64
}

// Reset names why the filter restarted at a reading.
type Reset string

// The reasons for a restart; ResetNone is the usual case.
const (
	ResetNone Reset = ""
	// ResetStart marks the first reading of a series, filtered against the
	// prior.
	ResetStart Reset = "start"
	// ResetGap marks the first reading after more than Params.ResetGap
	// without readings, filtered against the prior.
	ResetGap Reset = "gap"
	// ResetLevelShift marks the first of Params.ShiftCount consecutive
	// gated readings on one side of the estimate; the filter restarted
	// there at their median.
	ResetLevelShift Reset = "level_shift"
)

// State is the filter state after a reading: a checkpoint from which
// [Continue] resumes. Start from [InitialState]; the zero State is not valid.
// State is plain data that survives a JSON round trip exactly, so callers
// can store it next to each estimate.
type State struct {
	// Started is false until the first reading.
	Started bool
	// Time and ID name the last reading processed. Continue accepts only
	// readings after it in (time, id) order.
	Time time.Time
	ID   string
	// Mean and Variance are the estimate at AnchorTime, the instant of the
	// last reading that updated it, or of the last restart. Before the
	// first reading they hold the prior.
	AnchorTime time.Time
	Mean       float64
	Variance   float64
	// Pending lists, oldest first, the gated readings since the anchor,
	// all on side PendingSide of the mean (+1 above, -1 below). It never
	// holds more than Params.ShiftCount-1 readings.
	Pending     []Reading
	PendingSide int
}

// Estimate is the filter output for one reading.
type Estimate struct {
	ID string
	// Time is the instant of the reading, in UTC.
	Time time.Time
	// Value and Variance estimate the true value at Time, in the unit of
	// the readings.
	Value    float64
	Variance float64
	// Gain is the Kalman gain applied to the reading, 0 for an outlier.
	Gain float64
	// Outlier is true when the innovation gate rejected the reading, which
	// then did not move the estimate.
	Outlier bool
	// Reset is the reason the filter restarted at this reading, or
	// ResetNone.
	Reset Reset
	// Checkpoint is the state right after this reading was first
	// processed. A later level shift may revise Value, Variance, Gain,
	// Outlier and Reset, but never Checkpoint, so resuming from it replays
	// the same revision.
	Checkpoint State
}

// InitialState returns the state before the first reading of a series.
func InitialState(p Params) State {
	return State{Mean: p.PriorMean, Variance: p.PriorVariance}
}

// step runs one predict-gate-update cycle and returns the estimate of r.
// When r completes a level shift, it also returns the revised estimates of
// the pending readings that r confirms. Callers pass readings in (time, id)
// order.
func step(p Params, s State, r Reading) (current Estimate, revised []Estimate) {
	s, reset := restartIfDue(p, s, r.Time)
	s.Time, s.ID = r.Time, r.ID
	predicted := predictVariance(p, s, r.Time)

	// The mean is always finite, so the innovation below is finite for
	// every finite reading short of the float64 limit. A non-finite reading
	// carries nothing to gate or to count towards a level shift.
	if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
		return heldEstimate(r, s, predicted, reset), nil
	}
	innovation := r.Value - s.Mean
	if math.Abs(innovation) <= p.GateSigma*math.Sqrt(predicted+p.MeasurementNoise) {
		return acceptedEstimate(p, s, r, predicted, innovation, reset), nil
	}

	s = addPending(s, r, innovation)
	if len(s.Pending) < p.ShiftCount {
		return heldEstimate(r, s, predicted, reset), nil
	}
	return shiftLevel(p, s)
}

// restartIfDue resets the state to the prior at the first reading and after
// a gap longer than p.ResetGap. A gap is measured from the last reading of
// any kind, so gated readings also keep the estimate alive.
func restartIfDue(p Params, s State, t time.Time) (State, Reset) {
	reset := ResetNone
	switch {
	case !s.Started:
		reset = ResetStart
	case t.Sub(s.Time) > p.ResetGap:
		reset = ResetGap
	default:
		return s, reset
	}
	s = InitialState(p)
	s.Started, s.AnchorTime = true, t
	return s, reset
}

// predictVariance returns P⁻, the variance of the estimate carried forward
// from the anchor to t under the random-walk model. A time before the anchor
// (impossible in (time, id) order) counts as no time. The cap at the prior
// variance keeps P⁻ finite whatever q and the elapsed time are; it never
// predicts less than knowing nothing.
func predictVariance(p Params, s State, t time.Time) float64 {
	seconds := max(0, t.Sub(s.AnchorTime).Seconds())
	return min(p.PriorVariance, s.Variance+p.ProcessNoise*seconds)
}

func acceptedEstimate(p Params, s State, r Reading, predicted, innovation float64, reset Reset) Estimate {
	total := predicted + p.MeasurementNoise
	gain := predicted / total
	s.Mean += gain * innovation
	// P⁻·R/(P⁻+R) equals (1-K)·P⁻ but keeps its precision when P⁻ is much
	// larger than R.
	s.Variance = predicted * p.MeasurementNoise / total
	s.AnchorTime = r.Time
	s.Pending, s.PendingSide = nil, 0
	return Estimate{
		ID: r.ID, Time: r.Time, Value: s.Mean, Variance: s.Variance,
		Gain: gain, Reset: reset, Checkpoint: s,
	}
}

func heldEstimate(r Reading, s State, predicted float64, reset Reset) Estimate {
	return Estimate{
		ID: r.ID, Time: r.Time, Value: s.Mean, Variance: predicted,
		Outlier: true, Reset: reset, Checkpoint: s,
	}
}

// addPending records a gated reading. A reading on the other side of the
// mean starts a new run, because a level shift moves readings one way.
func addPending(s State, r Reading, innovation float64) State {
	side := 1
	if innovation < 0 {
		side = -1
	}
	if side != s.PendingSide {
		s.Pending, s.PendingSide = nil, side
	}
	// A fresh slice, so that no earlier checkpoint shares the array.
	s.Pending = append(slices.Clip(s.Pending), r)
	return s
}

// shiftLevel accepts a level shift once s.Pending holds p.ShiftCount
// readings, the last of which is the current one. The filter restarts at the
// median of the pending readings, trusted as one measurement (variance R) at
// the instant of the first, and re-runs all of them through the normal
// cycle. The median keeps a single artefact among them from setting the new
// level, and the re-run can still flag it. It returns the estimate of the
// current reading and the revised estimates of the others, which keep the
// checkpoints the readings had when first processed.
func shiftLevel(p Params, causal State) (current Estimate, revised []Estimate) {
	first := causal.Pending[0]
	state := State{
		Started: true, Time: first.Time, AnchorTime: first.Time,
		Mean: median(causal.Pending), Variance: p.MeasurementNoise,
	}
	last := len(causal.Pending) - 1
	revised = make([]Estimate, 0, last)
	for i, r := range causal.Pending {
		// Readings lie on both sides of their median, so the re-run never
		// gates all of them on one side and never shifts the level again.
		e, _ := step(p, state, r)
		state = e.Checkpoint
		if i == 0 {
			e.Reset = ResetLevelShift
		}
		if i == last {
			return e, revised
		}
		e.Checkpoint = pendingCheckpoint(causal, i)
		revised = append(revised, e)
	}
	panic("unreachable: the loop returns at the last pending reading")
}

func median(readings []Reading) float64 {
	values := make([]float64, len(readings))
	for i, r := range readings {
		values[i] = r.Value
	}
	slices.Sort(values)
	mid := len(values) / 2
	if len(values)%2 == 1 {
		return values[mid]
	}
	// Halving first keeps the sum of two huge values from overflowing.
	return values[mid-1]/2 + values[mid]/2
}

// pendingCheckpoint rebuilds the state that followed the i-th pending
// reading of s when it was first processed.
func pendingCheckpoint(s State, i int) State {
	r := s.Pending[i]
	s.Time, s.ID = r.Time, r.ID
	s.Pending = slices.Clone(s.Pending[:i+1])
	return s
}
