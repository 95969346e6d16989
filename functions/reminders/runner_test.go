package reminders

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/platform"
	"github.com/ihep/backend/shared/testenv"
)

// TestSchedulerTwiceThroughRunner books an appointment through the runner's
// appointments function, fires the scheduler twice in the same minute and
// checks that the runner's notify function writes exactly one inbox entry.
// It runs on the stack's shared FHIR store, because the runner serves that.
func TestSchedulerTwiceThroughRunner(t *testing.T) {
	testenv.Require(t)
	runner := os.Getenv("IHEP_RUNNER_URL")
	if runner == "" {
		t.Fatal("IHEP_RUNNER_URL is not set: run emulator/stack env")
	}
	ctx := context.Background()
	cfg := config.FromEnv()
	fs, err := platform.NewFirestore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	user := testenv.NewUser(t, cfg)
	providerID := "prov-" + testenv.UniqueID(t)
	if _, err := fs.Collection("providers").Doc(providerID).Set(ctx, map[string]any{"name": "Test Clinic", "active": true, "appointmentTypes": []string{"telehealth"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = fs.Collection("providers").Doc(providerID).Delete(context.Background()) })

	start := time.Now().Add(30 * time.Minute).Truncate(time.Minute)
	booked := call(t, http.MethodPost, runner+"/appointments", user.Token, "", map[string]any{"providerId": providerID, "type": "telehealth", "start": start.Format(time.RFC3339)})
	id, _ := booked["id"].(string)
	version, _ := booked["version"].(string)
	if id == "" {
		t.Fatalf("booking through the runner failed: %v", booked)
	}
	t.Cleanup(func() {
		call(t, http.MethodPatch, runner+"/appointments?id="+id, user.Token, version, map[string]any{"status": "cancelled"})
	})

	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { call(t, http.MethodPost, runner+"/_scheduler/run?job="+FunctionName, "", "", nil) })
	}
	wg.Wait()

	inbox := fs.Collection("inboxes").Doc(user.UID).Collection("entries")
	deadline := time.Now().Add(30 * time.Second)
	count := 0
	for time.Now().Before(deadline) && count == 0 {
		docs, err := inbox.Documents(ctx).GetAll()
		if err != nil {
			t.Fatal(err)
		}
		count = len(docs)
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // time for a duplicate to arrive, if there were one
	docs, err := inbox.Documents(ctx).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 {
		t.Fatalf("%d inbox entries after two scheduler runs, want 1", len(docs))
	}
	body, _ := docs[0].Data()["body"].(string)
	if !strings.HasPrefix(body, "You have an appointment ") || !strings.Contains(body, start.UTC().Format("15:04")) {
		t.Errorf("inbox body = %q, want the reminder at %s UTC", body, start.UTC().Format("15:04"))
	}
}

// call sends a JSON request and returns the decoded JSON response.
func call(t *testing.T, method, url, token, ifMatch string, body any) map[string]any {
	t.Helper()
	var data []byte
	if body != nil {
		data, _ = json.Marshal(body)
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out
}
