package testenv

import (
	"context"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/fhir"
)

// DocumentExists reports whether the Firestore document at path exists.
func DocumentExists(t testing.TB, fs *firestore.Client, path string) bool {
	t.Helper()
	_, err := fs.Doc(path).Get(context.Background())
	if status.Code(err) == codes.NotFound {
		return false
	}
	if err != nil {
		t.Fatalf("get %s: %v", path, err)
	}
	return true
}

// SeedObservations stores n heart-rate Observations on the patient in
// batches, one minute apart, ending now.
func SeedObservations(t testing.TB, client *fhir.Client, patientID string, n int) {
	t.Helper()
	const perBundle = 1000
	start := time.Now().UTC().Add(-time.Duration(n) * time.Minute)
	for first := 0; first < n; first += perBundle {
		var entries []map[string]any
		for i := first; i < min(n, first+perBundle); i++ {
			entries = append(entries, map[string]any{
				"request": map[string]string{"method": "POST", "url": "Observation"},
				"resource": map[string]any{
					"resourceType": "Observation", "status": "final",
					"subject":           map[string]string{"reference": "Patient/" + patientID},
					"category":          []map[string]any{{"coding": []map[string]string{{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}}}},
					"code":              map[string]any{"coding": []map[string]string{{"system": "http://loinc.org", "code": "8867-4", "display": "Heart rate"}}},
					"effectiveDateTime": start.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
					"valueQuantity":     map[string]any{"value": 60 + i%40, "unit": "beats/minute", "system": "http://unitsofmeasure.org", "code": "/min"},
				},
			})
		}
		bundle := map[string]any{"resourceType": "Bundle", "type": "batch", "entry": entries}
		if _, err := client.ExecuteBundle(context.Background(), bundle); err != nil {
			t.Fatalf("seed observations %d-%d: %v", first, first+len(entries), err)
		}
	}
}
