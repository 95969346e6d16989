// Package smoothing estimates the true value behind noisy vital sign
// readings with a one-dimensional Kalman filter per series, and flags
// outliers. It does no I/O.
//
// # Model
//
// The true value x is a random walk: between two readings Δt seconds apart
// its variance grows by q·Δt. A reading z is x plus noise of variance R. For
// each reading in (time, id) order the filter
//
//	predicts   P⁻ = min(P + q·Δt, P₀)    (the mean is carried unchanged)
//	gates      |z − x̂| > k·sqrt(P⁻ + R)  → outlier: x̂ unchanged, P = P⁻
//	updates    K = P⁻/(P⁻ + R), x̂ += K·(z − x̂), P = P⁻·R/(P⁻ + R)
//
// Δt is measured from the anchor, the last reading that updated the
// estimate, so a run of outliers widens the gate as time passes. P₀ is the
// prior variance; capping P⁻ there keeps every number finite.
//
// # Start, gaps and level shifts
//
// The first reading has no prediction to gate against, so the filter starts
// from a wide prior (mean m₀, variance P₀) chosen so that the gate accepts
// any value that package vitalsign finds plausible. The first estimate then
// lies at most 1 % of the way from the reading towards m₀. After a gap longer
// than the reset gap, the old estimate is a poor guide to the present, so the
// filter starts from the prior again.
//
// A real, sudden change of level (the start of exercise, a fever spike) also
// falls outside the gate. When N consecutive finite readings are gated on the
// same side of the estimate, the filter takes the change as real. It
// restarts at the median of those N readings, with variance R at the instant
// of the first, and re-runs all N through the normal cycle. It then returns
// revised estimates for the earlier N−1, which were flagged as outliers when
// they arrived. The median keeps one artefact among them from setting the
// new level. A revision is a fixed-lag correction: a consumer that shows
// estimates as they arrive shows the N−1 readings flagged until the N-th
// arrives.
//
// A NaN or infinite reading is flagged as an outlier and never counts
// towards a level shift. Readings reach this package after validation by
// package vitalsign, so such readings are a caller fault that must not break
// the filter.
//
// # Order, duplicates and checkpoints
//
// Events arrive at least once and in any order. [Smooth] takes the whole set
// of readings of a series, drops copies that repeat an id, sorts by (time,
// id) and filters, so the same set gives the same result bit for bit
// whatever the input order. Each [Estimate] carries the [State] after its
// reading; [Continue] resumes from such a checkpoint, so a late reading costs
// a re-run from the last reading before it rather than from the start.
//
// # Parameters
//
// All values are in the canonical unit of the series; q is per second. The
// measurement noise R, the process noise q and the gate are estimates from
// typical device accuracy and physiology. The heart rate and oxygen
// saturation values were then checked on data from package vitalsim, and
// tests hold them to the product targets there.
//
//	series             R        q (per s)     reset gap  k    N  prior m₀ ± sd
//	heart_rate         16       0.1           30 min     3.5  3  75 ± 70
//	oxygen_saturation  2        0.01          1 h        3.5  3  95 ± 15
//	systolic           64       100/86,400    7 days     3.5  2  125 ± 80
//	diastolic          36       50/86,400     7 days     3.5  2  80 ± 60
//	body_temperature   0.09     0.25/3,600    3 days     3.5  2  36.8 ± 4
//	respiratory_rate   4        0.005         6 h        3.5  3  16 ± 20
//
// Heart rate: wrist and finger optical sensors read within a few beats per
// minute of an ECG at rest, so R = 16 (standard deviation 4) is an estimate
// with some margin. q = 0.1 lets the true rate wander by a standard
// deviation of 2.4 beats/minute per minute; at one reading a minute the
// steady-state gain is 0.45 and the gate is about ±19 beats/minute, while
// motion artefacts typically miss by 30 or more. A 30 min gap adds 180 to
// the variance, so the old estimate is nearly worthless by then anyway.
//
// Oxygen saturation: R = 2 covers the reading-to-reading noise of a pulse
// oximeter plus rounding to whole percent (its absolute accuracy, about 2 to
// 3 %, is a bias the filter cannot remove). q = 0.01 allows about 0.8 points a
// minute, so nocturnal dips of a few points are followed within minutes.
//
// Blood pressure: ANSI/AAMI/ISO 81060-2 accepts an automated cuff whose error
// has a standard deviation up to 8 mmHg, hence R = 64 for systolic pressure.
// Diastolic pressure varies less, and R = 36 is an estimate. q lets the true pressure drift by a standard deviation of 10
// (systolic) or 7 (diastolic) mmHg a day, so readings taken in one sitting
// are averaged while a change across days is followed. N = 2, because
// readings are sparse and two agreeing readings are strong evidence.
//
// Body temperature: R = 0.09 (standard deviation 0.3 °C) for a home
// thermometer, and q lets the temperature move by 0.5 °C in an hour, the pace
// of a fever's onset. N = 2 as for blood pressure.
//
// Respiratory rate: R = 4 (standard deviation 2 breaths/minute) for
// wearable and manual counts, and q = 0.005 allows about 0.5 breaths/minute
// of change per minute; nightly or daily values are effectively not
// smoothed across days.
//
// k = 3.5 for every series: a Gaussian reading falls outside it about once
// in 2,000, and the tests show that heart rate artefacts of 30 or more are
// still caught at that width. N = 3 for the minute-level series means a
// level shift costs two minutes of flagged readings before it is confirmed,
// while a pair of artefacts in a row does not move the estimate.
package smoothing
