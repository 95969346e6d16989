package accountdelete

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/authn"
)

// keptCollections may still hold documents about a deleted user: the
// append-only audit trail, the deletion's own record, and the revocation
// that the deletion writes so that no instance accepts the user's tokens
// (it expires after an hour).
var keptCollections = []string{audit.Collection, JobsCollection, authn.RevocationsCollection}

// assertNothingLeft looks for the user's data without relying on the
// deletion's own list of locations. In the FHIR store it reads every stored
// resource of every type and fails on any that is the Patient or refers to
// it. In Firestore it checks every top-level collection for a document
// keyed by the user id (with its subcollections) and for documents whose
// userId, uid or patientId field names the user.
func (h *harness) assertNothingLeft(uid, patientID string) {
	h.t.Helper()
	for _, resource := range h.allResources() {
		if strings.Contains(string(resource), `"Patient/`+patientID+`"`) || strings.Contains(string(resource), `"id":"`+patientID+`"`) {
			h.t.Errorf("FHIR resource left after deletion: %.200s", resource)
		}
	}

	ctx := context.Background()
	collections, err := h.server.Firestore.Collections(ctx).GetAll()
	if err != nil {
		h.t.Fatalf("list collections: %v", err)
	}
	for _, col := range collections {
		if slices.Contains(keptCollections, col.ID) {
			continue
		}
		h.assertNoDocument(col.Doc(uid))
		for field, value := range map[string]string{"userId": uid, "uid": uid, "patientId": patientID} {
			snaps, err := col.Where(field, "==", value).Limit(1).Documents(ctx).GetAll()
			if err != nil {
				h.t.Fatalf("query %s: %v", col.ID, err)
			}
			for _, snap := range snaps {
				h.t.Errorf("firestore document %s with %s of the deleted user is left", snap.Ref.Path, field)
			}
		}
	}
}

// assertNoDocument fails when the document or any document of its
// subcollections exists.
func (h *harness) assertNoDocument(ref *firestore.DocumentRef) {
	h.t.Helper()
	ctx := context.Background()
	if snap, err := ref.Get(ctx); err == nil && snap.Exists() {
		h.t.Errorf("firestore document %s is left", ref.Path)
	}
	subcollections := ref.Collections(ctx)
	for {
		sub, err := subcollections.Next()
		if err == iterator.Done {
			return
		}
		if err != nil {
			h.t.Fatalf("list subcollections of %s: %v", ref.Path, err)
		}
		if snaps, err := sub.Limit(1).Documents(ctx).GetAll(); err != nil || len(snaps) > 0 {
			h.t.Errorf("firestore subcollection %s is not empty (err %v)", sub.Path, err)
		}
	}
}

// allResources returns every resource in the test's FHIR store through a
// system search without _type, for which the local engine returns every
// stored type.
func (h *harness) allResources() []json.RawMessage {
	h.t.Helper()
	url := strings.TrimSuffix(h.cfg.FHIREndpoint, "/") + "/v1/" + h.cfg.FHIRStore + "/fhir?_count=1000"
	resp, err := http.Get(url)
	if err != nil {
		h.t.Fatalf("search the FHIR store: %v", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		h.t.Fatalf("search the FHIR store: status %d, %v: %.200s", resp.StatusCode, err, data)
	}
	var bundle struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &bundle); err != nil {
		h.t.Fatalf("decode search bundle: %v", err)
	}
	if len(bundle.Entry) == 0 {
		h.t.Fatal("the FHIR store is empty: the check would prove nothing")
	}
	out := make([]json.RawMessage, len(bundle.Entry))
	for i, e := range bundle.Entry {
		out[i] = e.Resource
	}
	return out
}
