package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/platform"
	"github.com/ihep/backend/shared/testenv"
)

// markers are recognisable values put into every PHI field a client can
// fill. None may reach a log line or a Firestore document.
type markers struct {
	id          string
	name        string
	emailLocal  string
	source      string
	chat        string
	seeded      string
	heartRate   float64
	temperature float64
	systolic    float64
}

func newMarkers(t *testing.T) markers {
	id := testenv.UniqueID(t)
	return markers{
		id: id, name: "Name" + id, emailLocal: "mail" + id, source: "source" + id,
		chat: "chat" + id, seeded: "seed" + id,
		heartRate: 61.73914, temperature: 37.28461, systolic: 117.4829,
	}
}

func (m markers) all() []string {
	return []string{m.name, m.emailLocal, m.source, m.chat, m.seeded,
		formatValue(m.heartRate), formatValue(m.temperature), formatValue(m.systolic)}
}

func formatValue(v float64) string { return fmt.Sprintf("%g", v) }

// TestNoPHIInLogsOrFirestore runs the integration flows of every function
// with markers in the patient's name, e-mail, readings, device, chat
// message, conditions and appointment notes, and then searches the
// captured logs of the in-process sign-up, the stack's log files and every
// Firestore document for the markers.
func TestNoPHIInLogsOrFirestore(t *testing.T) {
	c := newClient(t)
	m := newMarkers(t)
	offsets := logOffsets(t)
	inProcess := &testenv.LogBuffer{}

	email, password := m.emailLocal+"@example.com", "hygiene-password-"+m.id
	c.signup(email, password, "Patient "+m.name, inProcess)
	c.login(email, password)
	c.runFlows(m)

	scanLogs(t, m, offsets, inProcess.String())
	scanFirestore(t, m)

	c.must(http.StatusOK, http.MethodDelete, "account-delete", nil)
	scanLogs(t, m, offsets, inProcess.String())
	scanFirestore(t, m)
}

// runFlows calls every function that reads or writes PHI with the markers.
func (c *client) runFlows(m markers) {
	c.t.Helper()
	now := time.Now().UTC()
	readings := map[string]any{"readings": []map[string]any{
		{"type": "heart_rate", "value": m.heartRate, "effectiveAt": now.Add(-2 * time.Minute).Format(time.RFC3339), "source": m.source},
		{"type": "body_temperature", "value": m.temperature, "unit": "Cel", "effectiveAt": now.Add(-time.Minute).Format(time.RFC3339), "source": m.source},
		{"type": "blood_pressure", "systolic": m.systolic, "diastolic": 76, "effectiveAt": now.Format(time.RFC3339), "source": m.source},
	}}
	c.must(http.StatusCreated, http.MethodPost, "vitals", readings)
	c.waitForSmoothing(3)
	c.must(http.StatusOK, http.MethodGet, "wellness", nil)
	c.must(http.StatusOK, http.MethodGet, "twin", nil)

	profile := c.must(http.StatusOK, http.MethodGet, "twin-enrollment", nil).json(c.t)
	version := profile["consent"].(map[string]any)["version"]
	c.must(http.StatusCreated, http.MethodPost, "twin-enrollment", map[string]any{"consentVersion": version, "agree": true})
	c.must(http.StatusOK, http.MethodDelete, "twin-enrollment", nil)

	c.seedRecord(m)
	c.must(http.StatusOK, http.MethodPost, "chat", map[string]any{"messages": []map[string]string{{"role": "user", "content": "How are my vitals and my next appointment? " + m.chat}}})
	c.must(http.StatusOK, http.MethodGet, "audit", nil)
	export := c.must(http.StatusOK, http.MethodGet, "export", nil)
	if !strings.Contains(string(export.body), m.seeded) || !strings.Contains(string(export.body), m.name) {
		c.t.Error("the export lacks the seeded markers, so the flows did not reach them")
	}
}

// seedRecord stores conditions, an appointment with notes and the
// Firestore links in the contract shapes, on the runner's FHIR store.
func (c *client) seedRecord(m markers) {
	c.t.Helper()
	cfg := config.FromEnv()
	var body struct {
		PatientID string `json:"patientId"`
	}
	export := c.must(http.StatusOK, http.MethodGet, "export", nil)
	var doc struct {
		Profile struct {
			PatientID string `json:"patientId"`
		} `json:"profile"`
	}
	if err := json.Unmarshal(export.body, &doc); err != nil {
		c.t.Fatalf("decode export: %v", err)
	}
	body.PatientID = doc.Profile.PatientID
	var uid string
	fs, err := platform.NewFirestore(context.Background(), cfg)
	if err != nil {
		c.t.Fatal(err)
	}
	snaps, err := fs.Collection("profiles").Where("patientId", "==", body.PatientID).Documents(context.Background()).GetAll()
	if err != nil || len(snaps) != 1 {
		c.t.Fatalf("find profile of patient: %v (%d found)", err, len(snaps))
	}
	uid = snaps[0].Ref.ID
	testenv.SeedRecord(c.t, cfg, testenv.User{UID: uid, PatientID: body.PatientID}, m.seeded)
}

// logOffsets returns the size of each stack log file, so that the scan
// reads only what this test's flows wrote.
func logOffsets(t *testing.T) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, path := range stackLogs(t) {
		if info, err := os.Stat(path); err == nil {
			out[path] = info.Size()
		}
	}
	return out
}

func scanLogs(t *testing.T, m markers, offsets map[string]int64, inProcess string) {
	t.Helper()
	sources := map[string]string{"in-process sign-up log": inProcess}
	for path, offset := range offsets {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		sources[path] = string(data[min(int64(len(data)), offset):])
	}
	if len(sources[firstWithSuffix(offsets, "runner.log")]) == 0 {
		t.Error("runner.log gained no lines during the flows: the scan would prove nothing")
	}
	for name, text := range sources {
		for _, marker := range m.all() {
			if strings.Contains(text, marker) {
				t.Errorf("%s contains the marker %q", name, marker)
			}
		}
	}
}

func firstWithSuffix(paths map[string]int64, suffix string) string {
	for path := range paths {
		if strings.HasSuffix(path, suffix) {
			return path
		}
	}
	return ""
}

// scanFirestore reads every document of every collection, subcollections
// included, and fails on any marker in its fields.
func scanFirestore(t *testing.T, m markers) {
	t.Helper()
	ctx := context.Background()
	fs, err := platform.NewFirestore(ctx, config.FromEnv())
	if err != nil {
		t.Fatal(err)
	}
	scanned := 0
	collections := fs.Collections(ctx)
	for {
		col, err := collections.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatalf("list collections: %v", err)
		}
		scanned += scanCollection(t, ctx, col, m)
	}
	if scanned == 0 {
		t.Error("no Firestore documents scanned")
	}
}

func scanCollection(t *testing.T, ctx context.Context, col *firestore.CollectionRef, m markers) int {
	t.Helper()
	refs, err := col.DocumentRefs(ctx).GetAll()
	if err != nil {
		t.Fatalf("list %s: %v", col.Path, err)
	}
	scanned := 0
	for _, ref := range refs {
		snap, err := ref.Get(ctx)
		if err == nil && snap.Exists() {
			data, _ := json.Marshal(snap.Data())
			for _, marker := range m.all() {
				if strings.Contains(string(data), marker) || strings.Contains(ref.Path, marker) {
					t.Errorf("firestore document %s contains the marker %q", ref.Path, marker)
				}
			}
			scanned++
		}
		subcollections, err := ref.Collections(ctx).GetAll()
		if err != nil {
			t.Fatalf("list subcollections of %s: %v", ref.Path, err)
		}
		for _, sub := range subcollections {
			scanned += scanCollection(t, ctx, sub, m)
		}
	}
	return scanned
}
