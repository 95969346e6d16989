package smoothing

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrBeforeCheckpoint is returned by [Continue] when a reading is not after
// the checkpoint in (time, id) order. Such a reading belongs to an earlier
// run: resume from an earlier checkpoint instead.
var ErrBeforeCheckpoint = errors.New("reading at or before the checkpoint")

// Smooth filters the complete set of readings of one series and returns one
// estimate per distinct reading id, in (time, id) order, with every level
// shift revision applied.
//
// The result depends only on the set of readings: input order does not
// matter, and copies that repeat an id are dropped. Copies of one id that
// disagree are a caller fault. Of those, the copy with the earliest time,
// then the smallest value, is kept, so the choice too is independent of
// input order.
func Smooth(p Params, readings []Reading) ([]Estimate, error) {
	return Continue(p, InitialState(p), readings)
}

// Continue filters readings starting from a checkpoint, the Checkpoint of an
// earlier Estimate, and returns what [Smooth] would return for those readings
// had it been given the readings up to the checkpoint as well. The result can
// also hold revised estimates of readings up to the checkpoint that were
// pending outliers and that a level shift confirmed: store each estimate by
// reading id, replacing the earlier one.
//
// A late reading is handled by loading the checkpoint of the last reading
// before it in (time, id) order, then calling Continue with the late reading
// and every stored reading after the checkpoint. Every reading must come after
// the checkpoint in that order, or Continue returns [ErrBeforeCheckpoint].
func Continue(p Params, from State, readings []Reading) ([]Estimate, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	ordered := orderReadings(readings)
	if len(ordered) > 0 && from.Started && compareOrder(ordered[0], from) <= 0 {
		return nil, fmt.Errorf("continue after reading %q: reading %q: %w",
			from.ID, ordered[0].ID, ErrBeforeCheckpoint)
	}
	return run(p, from, ordered), nil
}

// run filters ordered readings from a state. Revisions replace the estimate
// they revise. Revisions of pending readings from before the checkpoint
// (which the caller already holds) are added, so the result is sorted again
// when there are any.
func run(p Params, from State, ordered []Reading) []Estimate {
	out := make([]Estimate, 0, len(ordered))
	var earlier []Estimate
	state := from
	for _, r := range ordered {
		current, revised := step(p, state, r)
		for _, e := range revised {
			if !replaceRevised(out, e) {
				earlier = replaceOrAppend(earlier, e)
			}
		}
		out = append(out, current)
		state = current.Checkpoint
	}
	if len(earlier) == 0 {
		return out
	}
	out = append(earlier, out...)
	slices.SortFunc(out, func(a, b Estimate) int {
		return compareReadings(Reading{ID: a.ID, Time: a.Time}, Reading{ID: b.ID, Time: b.Time})
	})
	return out
}

// replaceRevised replaces the estimate of e.ID in out, searching back from
// the end, and reports whether it found one. Revised readings are pending
// ones, so they sit near the end of out.
func replaceRevised(out []Estimate, e Estimate) bool {
	for i := len(out) - 1; i >= 0 && !out[i].Time.Before(e.Time); i-- {
		if out[i].ID == e.ID {
			out[i] = e
			return true
		}
	}
	return false
}

func replaceOrAppend(estimates []Estimate, e Estimate) []Estimate {
	for i := range estimates {
		if estimates[i].ID == e.ID {
			estimates[i] = e
			return estimates
		}
	}
	return append(estimates, e)
}

// orderReadings returns a copy of readings with duplicate ids removed, sorted
// by (time, id). Times are converted to UTC so that two copies of one instant
// written in different zones give identical output.
func orderReadings(readings []Reading) []Reading {
	ordered := make([]Reading, len(readings))
	for i, r := range readings {
		r.Time = r.Time.UTC()
		ordered[i] = r
	}
	slices.SortFunc(ordered, func(a, b Reading) int {
		if c := compareReadings(a, b); c != 0 {
			return c
		}
		return cmp.Compare(a.Value, b.Value)
	})
	seen := make(map[string]struct{}, len(ordered))
	kept := ordered[:0]
	for _, r := range ordered {
		if _, dup := seen[r.ID]; dup {
			continue
		}
		seen[r.ID] = struct{}{}
		kept = append(kept, r)
	}
	return kept
}

// compareOrder compares a reading with the last reading of a state in (time,
// id) order.
func compareOrder(r Reading, s State) int {
	return compareReadings(r, Reading{ID: s.ID, Time: s.Time})
}

// compareReadings orders readings by (time, id), the order the filter runs
// in.
func compareReadings(a, b Reading) int {
	if c := a.Time.Compare(b.Time); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}
