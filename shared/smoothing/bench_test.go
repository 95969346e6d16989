package smoothing

import (
	"testing"
)

// benchmarkReadings returns 10,000 heart rate copies of a simulated recording
// in arrival order: late batches, duplicates and artefacts included.
func benchmarkReadings(b *testing.B) []Reading {
	b.Helper()
	readings, _ := simulatedHeartRate(b, 3, 9)
	if len(readings) < 10_000 {
		b.Fatalf("simulation gave %d readings, want at least 10,000", len(readings))
	}
	return readings[:10_000]
}

func BenchmarkSmooth10000(b *testing.B) {
	p := heartRateParams(b)
	readings := benchmarkReadings(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Smooth(p, readings); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSmooth10000Ordered(b *testing.B) {
	p := heartRateParams(b)
	readings := uniqueChronological(benchmarkReadings(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Smooth(p, readings); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkContinueLateReading re-runs the last hour of a 10,000-reading
// series from a checkpoint, the work a reading one hour late costs.
func BenchmarkContinueLateReading(b *testing.B) {
	p := heartRateParams(b)
	readings := uniqueChronological(benchmarkReadings(b))
	estimates, err := Smooth(p, readings)
	if err != nil {
		b.Fatal(err)
	}
	from := len(readings) - 61
	checkpoint := estimates[from].Checkpoint
	tail := readings[from+1:]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Continue(p, checkpoint, tail); err != nil {
			b.Fatal(err)
		}
	}
}
