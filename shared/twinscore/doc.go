// Package twinscore computes the digital twin's health score from the latest
// smoothed vital signs. The result is a number from 0 to 100 with a band, the
// points each vital took away, the freshness of each vital, a confidence
// figure and the NEWS2 block behind it. The package does no I/O.
//
// # Freshness
//
// The age of a vital is now minus the instant of its latest reading; a
// reading time after now (clock skew) counts as age 0. Each series has two
// limits, set by how often it is usually measured:
//
//	series                      fresh up to   usable up to
//	heart_rate                  12 h          72 h
//	oxygen_saturation           12 h          72 h
//	respiratory_rate            36 h          7 days
//	systolic, diastolic         36 h          7 days
//	body_temperature            36 h          7 days
//
// Heart rate and oxygen saturation are expected from wearables many times a
// day, so half a day without one is already out of the ordinary. Blood
// pressure, temperature and the nightly respiratory rate of a wearable come
// about once a day; 36 h allows a day plus a late measurement. A vital is
// fresh up to the first limit, stale up to the second, and missing beyond it
// or when it has no value (never measured, or NaN).
//
// # Score
//
// The score uses the five NEWS2 parameters the app measures: respiration
// rate, oxygen saturation (scale 1), systolic blood pressure, pulse (the
// heart_rate series) and temperature. NEWS2 has no diastolic row, so the
// diastolic series is reported for freshness only. Each fresh or stale
// parameter gets its NEWS2 sub-score s (0 to 3) from package news2; missing
// parameters get none. With A the sum of those sub-scores,
//
//	deduction   D = 5·A + 10·[any s = 3] + 20·[A ≥ 7]
//	healthScore   = max(0, 100 − D)
//	band          = good if healthScore ≥ 80, moderate if ≥ 50, poor below
//
// The two steps make the band follow the NEWS2 risk band. Low risk (A ≤ 4,
// no 3) is always good. Low-medium (a single 3) and medium (A of 5 or 6) are
// always moderate. High risk (A ≥ 7) is always poor.
//
// Each vital's contribution is its share of D: 5·s, plus an equal share of
// the 10 among the parameters that scored 3, plus s/A of the 20 when A ≥ 7.
// The contributions add up to D, which can exceed 100 before the score is
// clamped at 0.
//
// # Missing and stale vitals
//
// A missing vital is left out of the score; it is never counted as normal,
// and no value is made up for it. The score therefore describes only the
// vitals that are known. Because a missing parameter could only add points,
// it is an upper bound of the score with every parameter known. Two figures
// measure how much is known:
//
//	confidence = (Σ w) / 5 over the five parameters, w = 1 fresh, ½ stale, 0 missing
//
// and the freshness of each vital, which the result lists for every series.
// A stale vital still counts fully in the score, because its last value is
// the best knowledge there is, but only half in the confidence. When no
// parameter is usable, the band is "unknown" and healthScore is 0, which a
// client must not show as a score.
//
// NEWS2 also scores consciousness and supplemental oxygen, which the app
// does not measure. They are reported as not available in the NEWS2 block,
// add nothing to A and do not enter the confidence, which covers what the
// app can measure. For the same reason as above, the score is an upper bound
// of what a complete NEWS2 assessment would give.
package twinscore
