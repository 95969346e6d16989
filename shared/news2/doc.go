// Package news2 computes the National Early Warning Score 2 from the vital
// signs that IHEP measures, and reports the parameters it cannot score.
//
// Source: Royal College of Physicians. National Early Warning Score (NEWS)
// 2: Standardising the assessment of acute-illness severity in the NHS.
// Updated report of a working party. London: RCP, 2017. Its Chart 1 ("The
// NEWS scoring system") gives the sub-scores below. The risk bands are the
// report's clinical risk categories for the trigger thresholds whose
// responses its Chart 4 lists. NEWS2 is not meant for children under 16 or
// for pregnant women.
//
// # Sub-scores (Chart 1)
//
//	parameter              3          2          1          0          1          2          3
//	respiration rate /min  ≤8                    9–11       12–20                 21–24      ≥25
//	SpO2 scale 1 (%)       ≤91        92–93      94–95      ≥96
//	systolic BP (mmHg)     ≤90        91–100     101–110    111–219                          ≥220
//	pulse /min             ≤40                   41–50      51–90      91–110     111–130    ≥131
//	temperature (°C)       ≤35.0                 35.1–36.0  36.1–38.0  38.1–39.0  ≥39.1
//	consciousness                                           alert                            CVPU
//	air or oxygen                     oxygen                air
//
// CVPU stands for new confusion, or a response only to voice or pain, or
// none. The chart bands whole numbers, and temperature in tenths of a degree.
// Smoothed values are fractional, so each value is first rounded to the
// chart's resolution, half away from zero: a pulse of 90.4 scores as 90 and
// one of 90.5 as 91.
//
// SpO2 scale 2, for patients with hypercapnic respiratory failure whose
// target is 88–92 %, needs a clinician's prescription and the oxygen status,
// neither of which the app has, so only scale 1 is implemented.
//
// # Parameters the app does not measure
//
// Consciousness (ACVPU) and supplemental oxygen are never measured by the
// app. They are reported as not available and score nothing. They are never
// assumed to be "alert" and "air". Any other parameter without a value is
// not available in the same way.
//
// # Aggregate and risk
//
// The aggregate is the sum of the available sub-scores. The risk band is
// high for an aggregate of 7 or more and medium for 5 or 6. A lower
// aggregate is low-medium when any single parameter scores 3 (a "red
// score"), and low otherwise.
//
// A missing parameter can only add points, so an aggregate over fewer than
// all seven parameters is a lower bound, and so is the risk band.
// [Result.Complete] is false whenever a parameter is missing, which is
// always the case in this app.
package news2
