package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ihep/backend/shared/fhir"
)

const (
	// targetBatch is the batch size the throughput target applies to.
	targetBatch = 100
	// minVitalsRatio is the target: the function's throughput over the
	// engine's for the same writes.
	minVitalsRatio = 0.85
)

// vitalsBatchSizes are the batch sizes measured, in readings per POST.
var vitalsBatchSizes = []int{1, 100, 500}

// vitalsBench compares POST /vitals with the transaction the function
// sends, written straight to a scratch store of the FHIR engine.
type vitalsBench struct {
	s     *stack
	user  *benchUser
	store *fhir.Client
	clock *readingClock
}

func runVitals(ctx context.Context, s *stack, p plan, sec *section) error {
	sec.Method = fmt.Sprintf("heart-rate readings from one client, one request at a time. Per batch size: one warm-up round, "+
		"then %s. A round interleaves the two sides request by request, alternating which goes first, so that both share "+
		"the background load, such as the smoother working through earlier rounds. Direct side: the same conditional-create "+
		"transaction through shared/fhir ExecuteBundle into a scratch store. Between batch sizes the stack gets up to %s to go idle.",
		plural(p.rounds, "round"), p.settleWait)
	user, err := s.newUser(ctx)
	if err != nil {
		return err
	}
	store, err := s.scratchStore(ctx)
	if err != nil {
		return err
	}
	v := &vitalsBench{s: s, user: user, store: store, clock: newReadingClock()}

	for _, batch := range vitalsBatchSizes {
		requests := p.requests[batch]
		var function, direct throughput
		for round := 0; round <= p.rounds; round++ {
			progress("vitals: batch %d, round %d of %d", batch, round, p.rounds)
			s.waitQuiet(ctx, quietLimit)
			functionTime, directTime, err := v.round(ctx, batch, requests, round%2 == 1)
			if err != nil {
				return fmt.Errorf("batch of %d: %w", batch, err)
			}
			if round > 0 {
				function.add(batch*requests, functionTime)
				direct.add(batch*requests, directTime)
			}
		}
		v.report(sec, batch, requests, function, direct)

		if !s.waitQuiet(ctx, p.settleWait) {
			sec.note("after batch %d the stack was still busy (smoothing) %s later, and the next batch size shared the CPUs with it", batch, p.settleWait)
		}
	}
	return nil
}

func (v *vitalsBench) report(sec *section, batch, requests int, function, direct throughput) {
	name := fmt.Sprintf("batch %d", batch)
	sec.add(metric{Name: name + ": vitals", Value: function.perSecond(), Unit: "readings/s", Detail: fmt.Sprintf("%s per side a round, %s", plural(requests, "request"), function.describe())})
	sec.add(metric{Name: name + ": direct FHIR", Value: direct.perSecond(), Unit: "readings/s", Detail: direct.describe()})
	ratio := metric{Name: name + ": ratio", Value: function.perSecond() / direct.perSecond(), Unit: "x"}
	if batch == targetBatch {
		sec.check(ratio, ">=", minVitalsRatio)
	} else {
		sec.add(ratio)
	}
}

// round sends requests batches through the vitals function and as many
// straight to the scratch store, interleaved, and returns each side's
// total request time. The payloads are built before the clock starts.
func (v *vitalsBench) round(ctx context.Context, batch, requests int, directFirst bool) (functionTime, directTime time.Duration, err error) {
	posts := make([][]byte, requests)
	transactions := make([]json.RawMessage, requests)
	for i := range requests {
		posts[i] = simpleBody(v.clock.heartRates(batch))
		if transactions[i], err = transactionBody(v.user.PatientID, v.clock.heartRates(batch)); err != nil {
			return 0, 0, err
		}
	}
	for i := range requests {
		sides := []func() error{
			func() error { return timed(&functionTime, func() error { return v.post(ctx, posts[i]) }) },
			func() error {
				return timed(&directTime, func() error { return v.transact(ctx, transactions[i], batch) })
			},
		}
		if directFirst == (i%2 == 0) {
			slices.Reverse(sides)
		}
		for _, side := range sides {
			if err := side(); err != nil {
				return 0, 0, err
			}
		}
	}
	return functionTime, directTime, nil
}

// timed runs call and adds its duration to total.
func timed(total *time.Duration, call func() error) error {
	start := time.Now()
	err := call()
	*total += time.Since(start)
	return err
}

func (v *vitalsBench) post(ctx context.Context, body []byte) error {
	_, err := v.s.postVitals(ctx, v.user, body)
	return err
}

// transact sends one transaction straight to the scratch store and checks
// every entry, as the function does.
func (v *vitalsBench) transact(ctx context.Context, body json.RawMessage, batch int) error {
	resp, err := v.store.ExecuteBundle(ctx, body)
	if err != nil {
		return fmt.Errorf("direct transaction: %w", err)
	}
	if len(resp.Entry) != batch {
		return fmt.Errorf("direct transaction returned %d entries for %d", len(resp.Entry), batch)
	}
	for _, entry := range resp.Entry {
		if entry.Response == nil || !strings.HasPrefix(entry.Response.Status, "201") {
			return errors.New("direct transaction did not create every entry")
		}
	}
	return nil
}
