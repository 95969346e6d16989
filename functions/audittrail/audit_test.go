package audittrail

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/testenv"
)

type harness struct {
	t      *testing.T
	cfg    config.Base
	server *Server
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	testenv.Require(t)
	cfg := testenv.Config(t)
	server, err := NewServer(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	return &harness{t: t, cfg: cfg, server: server}
}

func (h *harness) list(token, query string) (int, listResponse, string) {
	h.t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/audit?"+query, nil)
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	h.server.Handler().ServeHTTP(w, r)
	var body listResponse
	var failure struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		h.t.Fatalf("audit answered %d with non-JSON %q", w.Code, w.Body)
	}
	_ = json.Unmarshal(w.Body.Bytes(), &failure)
	return w.Code, body, failure.Code
}

// recordFor writes n entries about the user, oldest first, with actions
// named by their position.
func (h *harness) recordFor(uid string, n int) {
	h.t.Helper()
	recorder := audit.NewRecorder(h.server.Firestore, "vitals")
	for i := range n {
		entry := audit.Entry{Actor: uid, Action: fmt.Sprintf("step-%02d", i), Outcome: audit.OutcomeSuccess, ResourceType: "Observation", ResourceID: fmt.Sprintf("obs-%d", i)}
		if err := recorder.Record(context.Background(), entry); err != nil {
			h.t.Fatal(err)
		}
	}
}

func TestListPagesNewestFirst(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	h.recordFor(user.UID, 5)

	var got []string
	cursor := ""
	for page := 0; page < 5; page++ {
		query := "limit=2"
		if cursor != "" {
			query += "&cursor=" + cursor
		}
		status, body, _ := h.list(user.Token, query)
		if status != http.StatusOK {
			t.Fatalf("page %d status = %d", page, status)
		}
		for _, e := range body.Entries {
			got = append(got, e.Action)
		}
		if cursor = body.NextCursor; cursor == "" {
			break
		}
	}
	want := []string{"step-04", "step-03", "step-02", "step-01", "step-00"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("actions across pages (-want +got):\n%s", diff)
	}
}

func TestListShowsRecordedFields(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	h.recordFor(user.UID, 1)

	_, body, _ := h.list(user.Token, "")
	if len(body.Entries) != 1 {
		t.Fatalf("entries = %d, want 1", len(body.Entries))
	}
	e := body.Entries[0]
	if e.Actor != user.UID || e.Function != "vitals" || e.ResourceType != "Observation" || e.ResourceID != "obs-0" || e.Outcome != "success" || e.At == "" {
		t.Errorf("entry = %+v, want actor, function, resource, outcome and time", e)
	}
}

func TestListHidesOtherUsersEntries(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := testenv.NewUser(t, h.cfg)
	other := testenv.NewUser(t, h.cfg)
	h.recordFor(owner.UID, 3)

	status, body, _ := h.list(other.Token, "")
	if status != http.StatusOK || len(body.Entries) != 0 {
		t.Errorf("other user's list = %d with %d entries, want 200 and none", status, len(body.Entries))
	}
	status, _, code := h.list(other.Token, "uid="+owner.UID)
	if status != http.StatusBadRequest || code != "unknown_parameter" {
		t.Errorf("asking for another uid = %d %q, want 400 unknown_parameter", status, code)
	}
}

func TestListRejectsBadQueries(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	user := testenv.NewUser(t, h.cfg)
	cases := map[string]string{
		"limit=0":           "invalid_limit",
		"limit=201":         "invalid_limit",
		"cursor=%%%":        "invalid_query",
		"cursor=bm90anNvbg": "invalid_cursor",
		"limit=1&limit=2":   "repeated_parameter",
	}
	for query, want := range cases {
		status, _, code := h.list(user.Token, query)
		if status != http.StatusBadRequest || code != want {
			t.Errorf("%s = %d %q, want 400 %q", query, status, code, want)
		}
	}
	if status, _, code := h.list("", ""); status != http.StatusUnauthorized {
		t.Errorf("without a token = %d %q, want 401", status, code)
	}
}

// TestIndexesCoverListQuery checks firestore.indexes.json, because the
// emulator runs composite queries without an index and production does not.
func TestIndexesCoverListQuery(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../firestore.indexes.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Indexes []struct {
			CollectionGroup string `json:"collectionGroup"`
			QueryScope      string `json:"queryScope"`
			Fields          []struct {
				FieldPath string `json:"fieldPath"`
				Order     string `json:"order"`
			} `json:"fields"`
		} `json:"indexes"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatalf("parse firestore.indexes.json: %v", err)
	}
	want := "subjectUid:ASCENDING,at:DESCENDING,__name__:DESCENDING"
	for _, index := range file.Indexes {
		got := ""
		for i, f := range index.Fields {
			if i > 0 {
				got += ","
			}
			got += f.FieldPath + ":" + f.Order
		}
		if index.CollectionGroup == audit.Collection && index.QueryScope == "COLLECTION" && got == want {
			return
		}
	}
	t.Errorf("firestore.indexes.json has no %s index %s", audit.Collection, want)
}
