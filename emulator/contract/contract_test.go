package contract

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ihep/backend/shared/manifest"
	"github.com/ihep/backend/shared/testenv"
)

// caseGroups lists the cases of each function group, run in this order.
// Cases within a group run in order, so a case may use values an earlier
// one saved.
var caseGroups = []struct {
	name  string
	cases func() []apiCase
}{
	{"auth", authCases},
	{"vitals", vitalsCases},
	{"twin", twinCases},
	{"chat", chatCases},
	{"account", accountCases},
	{"care team", careTeamCases},
	{"catalog", catalogCases},
	{"resources", resourcesCases},
	{"providers", providersCases},
	{"enrollment", enrollmentCases},
	{"appointments", appointmentsCases},
	{"notifications", notificationsCases},
	{"records", recordsCases},
}

// notDriven lists documented outcomes that no case can produce on a healthy
// local stack, with the reason. A key without a method and path applies to
// every operation.
var notDriven = map[string]string{
	"500 internal":                                 "needs a server fault; httpapi's tests cover the rendering",
	"503 unavailable":                              "needs a backing service to fail; httpapi's tests cover the rendering",
	"POST /chat 503 assistant_unavailable":         "needs a language model that keeps failing; the chat package's tests drive it with a local Vertex AI server",
	"GET /providers 400 search_too_broad":          "needs more than 2,000 providers within the radius",
	"POST /twin-enrollment 409 enrollment_changed": "needs a second request to change the enrollment while the first one runs",
}

// undocumented lists HTTPS functions of the manifest that openapi.yaml does
// not describe yet; a function added here must be described soon after.
var undocumented = map[string]bool{}

func TestDocumentCoversManifest(t *testing.T) {
	t.Parallel()
	doc := loadDocument(t)
	m, err := manifest.Load(manifestPath)
	if err != nil {
		t.Fatalf("load manifest: %v", err)
	}
	https := map[string]bool{}
	for _, fn := range m.Functions {
		if fn.Trigger.HTTPS == nil {
			continue
		}
		https["/"+fn.Name] = true
		if undocumented[fn.Name] {
			continue
		}
		item := doc.Paths.Value("/" + fn.Name)
		if item == nil || len(item.Operations()) == 0 {
			t.Errorf("HTTPS function %s has no operation in openapi.yaml", fn.Name)
			continue
		}
		// A public function has at least one operation that needs no token.
		public := false
		for _, op := range item.Operations() {
			public = public || !usesBearer(doc, op)
		}
		if public != fn.Trigger.HTTPS.Public {
			t.Errorf("/%s: public = %v in openapi.yaml, %v in the manifest", fn.Name, public, fn.Trigger.HTTPS.Public)
		}
	}
	for path := range doc.Paths.Map() {
		if !https[path] {
			t.Errorf("openapi.yaml describes %s, which is no HTTPS function of the manifest", path)
		}
	}
}

// TestContract drives every operation of openapi.yaml on the functions and
// fails on any response the document does not declare, and on any
// documented outcome that no case produced.
func TestContract(t *testing.T) {
	testenv.Require(t)
	cfg := testenv.Config(t)
	// The functions read their configuration on the first request.
	t.Setenv("FHIR_STORE", cfg.FHIRStore)
	t.Setenv("TRUSTED_PROXY_HOPS", "1")

	h := &harness{doc: loadDocument(t), client: &http.Client{Timeout: 60 * time.Second}, seen: map[string]map[string]bool{}}
	h.baseURL = startFunctions(t)
	h.requireRegistered(t)
	f := newFixture(t, h, cfg)

	for _, group := range caseGroups {
		t.Run(group.name, func(t *testing.T) {
			for _, c := range group.cases() {
				t.Run(c.name, func(t *testing.T) { runCase(t, h, f, c) })
			}
		})
	}
	t.Run("bearer", func(t *testing.T) {
		for _, c := range bearerCases(h) {
			t.Run(c.name, func(t *testing.T) { runCase(t, h, f, c) })
		}
	})
	t.Run("methods", func(t *testing.T) { checkMethods(t, h) })
	t.Run("coverage", func(t *testing.T) { checkCoverage(t, h) })
}

func runCase(t *testing.T, h *harness, f *fixture, c apiCase) {
	r := h.send(t, f, c)
	if r.status != c.status || r.code() != c.code {
		t.Fatalf("%s %s = %d %q, want %d %q\nbody: %s", c.method, c.target, r.status, r.code(), c.status, c.code, truncate(r.body, 600))
	}
	for field, key := range c.save {
		value, ok := r.json[field].(string)
		if !ok {
			t.Fatalf("response has no string field %q to save", field)
		}
		f.values[key] = value
	}
	if c.after != nil {
		c.after(t, f, r)
	}
}

// requireRegistered fails when a documented function returns the
// Functions Framework's 404, meaning its package is not imported here.
func (h *harness) requireRegistered(t *testing.T) {
	t.Helper()
	for path := range h.doc.Paths.Map() {
		resp, err := h.client.Head(h.baseURL + path)
		if err != nil {
			t.Fatalf("HEAD %s: %v", path, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			t.Fatalf("%s is not served: import its package in imports_test.go", path)
		}
	}
}

// bearerCases tries every Bearer operation with each kind of bad token,
// and with an incomplete account where the operation documents that.
func bearerCases(h *harness) []apiCase {
	var cases []apiCase
	paths := h.doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, path := range paths {
		for method, op := range h.doc.Paths.Value(path).Operations() {
			if !usesBearer(h.doc, op) {
				continue
			}
			contentType, body := requestExample(op)
			target, header := requiredParameters(path, op)
			base := apiCase{method: method, target: target, header: header, contentType: contentType, body: body, status: http.StatusUnauthorized}
			prefix := method + " " + path + " "
			add := func(name, auth, code string, extra map[string]string) {
				c := base
				c.name, c.auth, c.code = prefix+name, auth, code
				c.header = maps.Clone(header)
				if c.header == nil {
					c.header = map[string]string{}
				}
				maps.Copy(c.header, extra)
				cases = append(cases, c)
			}
			add("no token", "", "token_missing", nil)
			add("basic scheme", "", "token_malformed", map[string]string{"Authorization": "Basic dXNlcjpwYXNz"})
			add("expired", tokenExpired, "token_expired", nil)
			add("after logout", tokenRevoked, "token_revoked", nil)
			add("other project", tokenForeign, "token_invalid", nil)
			if slices.Contains(documentedOutcomes(op), "409 account_incomplete") {
				c := base
				c.name, c.auth, c.status, c.code = prefix+"incomplete account", tokenIncomplete, http.StatusConflict, "account_incomplete"
				cases = append(cases, c)
			}
		}
	}
	return cases
}

// requiredParameters returns the path with the operation's required query
// parameters and the required headers, each set to its documented example,
// so that a generated request gets past parameter checks.
func requiredParameters(path string, op *openapi3.Operation) (string, map[string]string) {
	query := url.Values{}
	header := map[string]string{}
	for _, ref := range op.Parameters {
		p := ref.Value
		if !p.Required {
			continue
		}
		example := fmt.Sprint(p.Example)
		switch p.In {
		case openapi3.ParameterInQuery:
			query.Set(p.Name, example)
		case openapi3.ParameterInHeader:
			header[p.Name] = example
		}
	}
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	return path, header
}

// checkMethods sends each method a path does not document and expects 405
// with an Allow header naming exactly the documented methods.
func checkMethods(t *testing.T, h *harness) {
	for path, item := range h.doc.Paths.Map() {
		var documented []string
		for method := range item.Operations() {
			documented = append(documented, method)
		}
		want := append(slices.Clone(documented), http.MethodOptions)
		sort.Strings(want)
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if slices.Contains(documented, method) {
				continue
			}
			req, err := http.NewRequest(method, h.baseURL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp := h.do(t, req)
			allow := strings.Split(strings.ReplaceAll(resp.header.Get("Allow"), " ", ""), ",")
			sort.Strings(allow)
			if resp.status != http.StatusMethodNotAllowed || resp.code() != "method_not_allowed" || !slices.Equal(allow, want) {
				t.Errorf("%s %s = %d %q, Allow %v; want 405 method_not_allowed, Allow %v", method, path, resp.status, resp.code(), allow, want)
			}
		}
	}
}

// checkCoverage fails for each documented outcome that no case produced,
// except those in notDriven.
func checkCoverage(t *testing.T, h *harness) {
	for path, item := range h.doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := operationKey(method, path)
			for _, want := range documentedOutcomes(op) {
				_, skipAll := notDriven[want]
				_, skipHere := notDriven[key+" "+want]
				if skipAll || skipHere || h.seen[key][want] {
					continue
				}
				t.Errorf("%s: no case produced the documented response %s", key, want)
			}
		}
	}
	if len(h.seen) == 0 {
		t.Error("no response was checked")
	}
}
