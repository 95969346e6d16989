package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/ihep/backend/shared/testenv"
)

const (
	documentPath = "../../openapi.yaml"
	manifestPath = "../../functions/manifest.yaml"
)

// apiCase is one request and the outcome the function must produce. Every
// response, whatever its case, must also match the document.
type apiCase struct {
	name   string
	method string
	// target is the path and query; {key} is replaced by a saved value.
	target string
	// auth names the saved ID token sent as a Bearer token; "" sends none.
	auth   string
	header map[string]string
	// contentType defaults to application/json when body is set.
	contentType string
	// body is sent as is when it is a string, as JSON otherwise; {key} is
	// replaced by a saved value in both.
	body any
	// repeat sends the same request this many times before the checked one,
	// from the same client address (for rate limits).
	repeat int
	status int
	// code is the error code the response must carry; "" for success.
	code string
	// docRejects marks a request that the document's request schema must
	// reject too, so that the document states the limit the code enforces.
	docRejects bool
	// save copies top-level string fields of the response into saved values.
	save map[string]string
	// after runs further checks or set-up with the response.
	after func(t *testing.T, f *fixture, r response)
}

// response is what a function sent back.
type response struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

func (r response) code() string {
	code, _ := r.json["code"].(string)
	return code
}

// harness serves the functions and checks their responses against the
// document, counting which documented outcomes were seen.
type harness struct {
	baseURL string
	doc     *openapi3.T
	client  *http.Client
	// seen maps "METHOD /path" to the outcomes ("201", "400 invalid_json")
	// that a real response produced.
	seen map[string]map[string]bool
}

// loadDocument parses openapi.yaml and validates it, examples included.
// kin-openapi v0.153.0 validates OpenAPI 3.1 documents with a JSON Schema
// 2020-12 validator: type arrays with "null", const, propertyNames and
// date-time formats are enforced, as deliberate mismatches showed.
// NOTE: the locations in its error messages are sometimes wrong; the
// reason before them is right.
func loadDocument(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(documentPath)
	if err != nil {
		t.Fatalf("load %s: %v", documentPath, err)
	}
	if err := doc.Validate(loader.Context, openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("%s is not a valid OpenAPI document: %v", documentPath, err)
	}
	return doc
}

// startFunctions serves every registered function at /<name> on a free
// loopback port, the way the local runner does. The Functions Framework
// offers no shutdown, so the server stops with the test binary.
func startFunctions(t *testing.T) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	port := strconv.Itoa(listener.Addr().(*net.TCPAddr).Port)
	if err := listener.Close(); err != nil {
		t.Fatalf("free port %s: %v", port, err)
	}
	served := make(chan error, 1)
	go func() { served <- funcframework.StartHostPort("127.0.0.1", port) }()

	baseURL := "http://127.0.0.1:" + port
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-served:
			t.Fatalf("serve functions on port %s: %v", port, err)
		default:
		}
		if resp, err := http.Get(baseURL + "/_none"); err == nil {
			_ = resp.Body.Close()
			return baseURL
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("functions did not answer on port %s within 10 s", port)
	return ""
}

// send makes the case's request and returns the checked (last) response.
func (h *harness) send(t *testing.T, f *fixture, c apiCase) response {
	t.Helper()
	clientIP := testenv.UniqueIP(t)
	if c.auth == tokenNewUser {
		f.values[tokenNewUser] = testenv.NewUser(t, f.cfg).Token
	}
	var last response
	for range c.repeat + 1 {
		req, body := h.newRequest(t, f, c, clientIP)
		last = h.do(t, req)
		h.check(t, c, req, body, last)
	}
	return last
}

func (h *harness) newRequest(t *testing.T, f *fixture, c apiCase, clientIP string) (*http.Request, []byte) {
	t.Helper()
	var body []byte
	switch b := c.body.(type) {
	case nil:
	case string:
		body = []byte(f.expand(b))
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode body: %v", err)
		}
		body = []byte(f.expand(string(data)))
	}

	req, err := http.NewRequest(c.method, h.baseURL+f.expand(c.target), bytes.NewReader(body))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}

	if c.body != nil {
		contentType := c.contentType
		if contentType == "" {
			contentType = "application/json"
		}
		req.Header.Set("Content-Type", contentType)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", "Bearer "+f.value(t, c.auth))
	}
	for name, value := range c.header {
		req.Header.Set(name, f.expand(value))
	}
	// The functions trust one proxy hop in this test, so each case counts
	// against its own client address in the rate limits.
	req.Header.Set("X-Forwarded-For", clientIP)
	return req, body
}

func (h *harness) do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response of %s %s: %v", req.Method, req.URL.Path, err)
	}
	out := response{status: resp.StatusCode, header: resp.Header, body: data}
	_ = json.Unmarshal(data, &out.json)
	return out
}

// check validates the request and the response against the document and
// records the outcome.
func (h *harness) check(t *testing.T, c apiCase, req *http.Request, body []byte, resp response) {
	t.Helper()
	route, err := h.route(req.Method, req.URL.Path)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	ctx := context.Background()
	copied := req.Clone(ctx)
	copied.Body = io.NopCloser(bytes.NewReader(body))
	input := &openapi3filter.RequestValidationInput{
		Request: copied,
		Route:   route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	requestErr := openapi3filter.ValidateRequest(ctx, input)
	switch {
	case resp.status < 300 && requestErr != nil:
		t.Errorf("the function accepted a request the document rejects: %v", requestErr)
	case c.docRejects && requestErr == nil:
		t.Errorf("the document accepts a request the function rejects with %d %s", resp.status, resp.code())
	}

	output := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 resp.status,
		Header:                 resp.header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	output.SetBodyBytes(resp.body)
	if err := openapi3filter.ValidateResponse(ctx, output); err != nil {
		t.Errorf("response %d does not match the document: %v\nbody: %s", resp.status, err, truncate(resp.body, 600))
	}
	h.record(route, resp)
}

func (h *harness) route(method, path string) (*routers.Route, error) {
	item := h.doc.Paths.Value(path)
	if item == nil {
		return nil, fmt.Errorf("the document has no path %s", path)
	}
	op := item.GetOperation(method)
	if op == nil {
		return nil, fmt.Errorf("the document has no operation %s %s", method, path)
	}
	return &routers.Route{Spec: h.doc, Path: path, PathItem: item, Method: method, Operation: op}, nil
}

func (h *harness) record(route *routers.Route, resp response) {
	key := operationKey(route.Method, route.Path)
	if h.seen[key] == nil {
		h.seen[key] = map[string]bool{}
	}
	h.seen[key][outcome(resp.status, resp.code())] = true
}

func operationKey(method, path string) string { return method + " " + path }

func outcome(status int, code string) string {
	if code == "" {
		return strconv.Itoa(status)
	}
	return strconv.Itoa(status) + " " + code
}

// documentedOutcomes lists every status of the operation, and for error
// responses every code the document allows, as "status" or "status code".
func documentedOutcomes(op *openapi3.Operation) []string {
	var out []string
	for status, ref := range op.Responses.Map() {
		codes := errorCodes(ref.Value)
		if len(codes) == 0 {
			out = append(out, status)
		}
		for _, code := range codes {
			out = append(out, status+" "+code)
		}
	}
	sort.Strings(out)
	return out
}

// errorCodes returns the enum of the code property of an error response,
// written directly or in one of the schema's allOf parts.
func errorCodes(resp *openapi3.Response) []string {
	media := resp.Content.Get("application/json")
	if media == nil || media.Schema == nil {
		return nil
	}
	schemas := []*openapi3.SchemaRef{media.Schema}
	schemas = append(schemas, media.Schema.Value.AllOf...)
	var codes []string
	for _, s := range schemas {
		code := s.Value.Properties["code"]
		if code == nil || code.Value == nil {
			continue
		}
		for _, v := range code.Value.Enum {
			if text, ok := v.(string); ok {
				codes = append(codes, text)
			}
		}
	}
	return codes
}

// requestExample returns the first example body of the operation's first
// request media type, so that generated cases pass body validation.
func requestExample(op *openapi3.Operation) (string, any) {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return "", nil
	}
	content := op.RequestBody.Value.Content
	types := make([]string, 0, len(content))
	for name := range content {
		types = append(types, name)
	}
	sort.Strings(types)
	for _, name := range types {
		media := content[name]
		if media.Example != nil {
			return name, media.Example
		}
		names := make([]string, 0, len(media.Examples))
		for n := range media.Examples {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if ex := media.Examples[n]; ex != nil && ex.Value != nil {
				return name, ex.Value.Value
			}
		}
	}
	return "", nil
}

func usesBearer(doc *openapi3.T, op *openapi3.Operation) bool {
	security := doc.Security
	if op.Security != nil {
		security = *op.Security
	}
	for _, requirement := range security {
		if _, ok := requirement["bearerAuth"]; ok {
			return true
		}
	}
	return false
}

func truncate(data []byte, n int) string {
	if len(data) <= n {
		return string(data)
	}
	return string(data[:n]) + "…"
}

// expandAll replaces every {key} in s with its value.
func expandAll(s string, values map[string]string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	pairs := make([]string, 0, 2*len(values))
	for k, v := range values {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}
