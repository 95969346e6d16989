package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ihep/backend/shared/vitalsim"
)

// syntheaPatient is the Synthea bundle the demo imports: an adult with ten
// visits' worth of heart rate, blood pressure and respiratory rate.
const syntheaPatient = "Harry448_Botsford977_"

// batchSize is the most readings the vitals function takes per request.
const batchSize = 500

// tally counts the outcomes of the readings sent.
type tally map[string]int

func (t *tally) add(status, code string) {
	if *t == nil {
		*t = tally{}
	}
	if code != "" {
		status += " (" + code + ")"
	}
	(*t)[status]++
}

func (t tally) String() string {
	parts := make([]string, 0, len(t))
	for _, key := range slices.Sorted(maps.Keys(t)) {
		parts = append(parts, fmt.Sprintf("%d %s", t[key], key))
	}
	return strings.Join(parts, ", ")
}

// importSynthea sends the Synthea patient's Observations as one FHIR Bundle.
// Their subjects point into the Synthea bundle, not at the demo patient, so
// they are removed. The vitals function rejects the Observations that are
// not vital signs (weight, pain score, ...) with a code, and the summary
// counts those codes.
func importSynthea(ctx context.Context, c *client, token, dir string) error {
	matches, _ := filepath.Glob(filepath.Join(dir, syntheaPatient+"*.json"))
	if len(matches) != 1 {
		fmt.Printf("Synthea data not found in %s: skipping its import.\n", dir)
		return nil
	}
	data, err := os.ReadFile(matches[0])
	if err != nil {
		return err
	}
	var bundle struct {
		Entry []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &bundle); err != nil {
		return fmt.Errorf("invalid Synthea bundle %s: %w", matches[0], err)
	}

	var entries []map[string]any
	for _, e := range bundle.Entry {
		if e.Resource["resourceType"] != "Observation" {
			continue
		}
		delete(e.Resource, "subject")
		delete(e.Resource, "encounter")
		entries = append(entries, map[string]any{"resource": e.Resource})
	}
	body, err := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "collection", "entry": entries})
	if err != nil {
		return err
	}
	var t tally
	if err := c.record(ctx, token, "application/fhir+json", body, &t); err != nil {
		return fmt.Errorf("import Synthea Observations: %w", err)
	}
	fmt.Printf("Synthea patient's Observations: %s.\n", t)
	return nil
}

// importWearable generates a week of minute-level heart rate and SpO2 from a
// wearable, with its artefacts, gaps, duplicate and late uploads, and sends
// it in arrival order. It records the newest instant of each type in newest.
func importWearable(ctx context.Context, c *client, token string, start time.Time, newest map[string]time.Time) error {
	dataset, err := vitalsim.Generate(vitalsim.DefaultConfig(wearableSeed, start, wearableDays))
	if err != nil {
		return err
	}
	var t tally
	for batch := range slices.Chunk(dataset.Arrivals, batchSize) {
		readings := make([]map[string]any, len(batch))
		for i, r := range batch {
			readings[i] = reading(string(r.Series), r.Value, r.Series.Unit().Code, r.Time, "demo-watch", newest)
		}
		if err := c.postReadings(ctx, token, readings, &t); err != nil {
			return fmt.Errorf("import wearable readings: %w", err)
		}
	}
	fmt.Printf("Wearable week (%d uploads): %s.\n", len(dataset.Arrivals), t)
	return nil
}

// importDailyChecks sends one home check a day for the week: blood pressure
// from a cuff, temperature and a counted respiratory rate, varying a little
// from day to day. It records the newest instant of each type in newest.
func importDailyChecks(ctx context.Context, c *client, token string, start time.Time, newest map[string]time.Time) error {
	var readings []map[string]any
	for day := range wearableDays {
		at := start.Add(time.Duration(day)*24*time.Hour + 30*time.Minute)
		pressure := reading("blood_pressure", 0, "mm[Hg]", at, "demo-cuff", newest)
		pressure["systolic"], pressure["diastolic"] = 116+2*(day%3), 75+2*(day%2)
		delete(pressure, "value")
		readings = append(readings,
			pressure,
			reading("body_temperature", 98.1+0.2*float64(day%3), "[degF]", at, "demo-thermometer", newest),
			reading("respiratory_rate", float64(14+day%2), "/min", at, "demo-app", newest),
		)
	}
	var t tally
	if err := c.postReadings(ctx, token, readings, &t); err != nil {
		return fmt.Errorf("import daily checks: %w", err)
	}
	fmt.Printf("Daily home checks: %s.\n", t)
	return nil
}

// reading builds one reading of the simple JSON form and keeps the newest
// instant per type.
func reading(kind string, value float64, unit string, at time.Time, source string, newest map[string]time.Time) map[string]any {
	if at.After(newest[kind]) {
		newest[kind] = at
	}
	return map[string]any{"type": kind, "value": value, "unit": unit, "effectiveAt": at.Format(time.RFC3339), "source": source}
}

func (c *client) postReadings(ctx context.Context, token string, readings []map[string]any, t *tally) error {
	body, err := json.Marshal(map[string]any{"readings": readings})
	if err != nil {
		return err
	}
	return c.record(ctx, token, "application/json", body, t)
}
