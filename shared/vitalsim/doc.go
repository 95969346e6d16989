// Package vitalsim generates deterministic, wearable-style vital sign series
// for tests, benchmarks and demos: minute-level heart rate and oxygen
// saturation over a number of days, with the true signal behind every reading
// so that a test can measure a smoother's error.
//
// The same [Config] (seed included) gives the same [Dataset] on the same Go
// release. Each part of the model below draws from its own random stream, so
// turning artefacts or duplicates off leaves the true signal and the
// measurement noise unchanged.
//
// # True signal
//
// Heart rate, in beats/minute, is the sum of
//   - a resting level drawn per seed between 60 and 74;
//   - a circadian cosine of amplitude 7, lowest at 04:00 and highest at 16:00
//     in the time zone of Config.Start;
//   - a slow drift: an Ornstein-Uhlenbeck process with standard deviation 3
//     and correlation time 12 h (fitness, illness, medication);
//   - a short fluctuation: an Ornstein-Uhlenbeck process with standard
//     deviation 2.5 and correlation time 5 min (posture, breathing, stress);
//   - activity bouts starting between 07:30 and 22:30, about 6 a day,
//     lasting a log-normal time of median 15 min (4 to 90 min), raising the
//     rate by 15 to 50. The rate rises towards the bout level with a time
//     constant of 1 min and recovers with a time constant of 2.5 min, so a
//     bout can lift the rate by 20 or more between two minutes.
//
// Oxygen saturation, in percent, is a level drawn per seed between 96 and
// 97.5, lowered by 1 during sleep (23:00 to 07:00). An Ornstein-Uhlenbeck
// drift (standard deviation 0.5, correlation time 12 h) is added, and so are
// brief nocturnal dips: 2 a night on average, 3 to 6 points deep and 2 to
// 6 min long. The result is capped at 100.
//
// # Readings
//
// A reading exists for every minute outside a gap. Its value is the truth
// plus Gaussian noise (standard deviation 3 beats/minute for heart rate, 1 %
// for oxygen saturation), rounded to a whole number as devices report it, and
// kept within the plausible range that package vitalsign accepts.
//
// A motion artefact replaces the reading with a value far from the truth.
// For heart rate, 65 % of artefacts lie 30 to 80 above the truth, as when the
// sensor locks on to the step cadence. The others lie 30 to 45 below it, or
// above it where below would fall under 25. For oxygen saturation an artefact
// lies 8 to 25 below the truth.
// Artefacts strike a reading with probability Config.ArtefactRate at rest and
// three times that during an activity bout.
//
// # Gaps, uploads and duplicates
//
// Gaps are periods with the device off (charging, not worn): Config.GapsPerDay
// a day on average, each 1 to 6 h long, placed uniformly. Readings are uploaded
// in batches that each cover 15 to 90 min of recording, in time order inside a
// batch. A fraction Config.LateBatchRate of the batches arrives late, after 1
// to 40 later batches. A fraction Config.DuplicateRate of the readings is
// uploaded a second time, with the same id, in one of the next three
// batches.
package vitalsim
