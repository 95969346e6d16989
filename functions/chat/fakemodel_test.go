package chat

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// fakeModel is a local HTTP server that speaks Vertex AI's generateContent
// REST format. It records every request and replies from a script, one
// scripted reply per request, in order. A request beyond the script fails
// the test.
type fakeModel struct {
	t      testing.TB
	server *httptest.Server

	mu       sync.Mutex
	script   []scriptedReply
	requests []capturedRequest
}

type scriptedReply struct {
	status int
	body   any
}

// capturedRequest is one request the function sent to the model.
type capturedRequest struct {
	Method string
	Path   string
	Header http.Header
	Raw    []byte
	Body   wireRequest
}

// wireRequest is the part of a generateContent request body the tests read.
type wireRequest struct {
	Contents          []wireContent `json:"contents"`
	SystemInstruction *wireContent  `json:"systemInstruction"`
	Tools             []struct {
		FunctionDeclarations []struct {
			Name        string         `json:"name"`
			Description string         `json:"description"`
			Parameters  map[string]any `json:"parameters"`
		} `json:"functionDeclarations"`
	} `json:"tools"`
	ToolConfig       map[string]any `json:"toolConfig"`
	GenerationConfig map[string]any `json:"generationConfig"`
}

type wireContent struct {
	Role  string     `json:"role"`
	Parts []wirePart `json:"parts"`
}

type wirePart struct {
	Text         string `json:"text"`
	FunctionCall *struct {
		Name string         `json:"name"`
		Args map[string]any `json:"args"`
	} `json:"functionCall"`
	FunctionResponse *struct {
		Name     string         `json:"name"`
		Response map[string]any `json:"response"`
	} `json:"functionResponse"`
}

func newFakeModel(t testing.TB) *fakeModel {
	f := &fakeModel{t: t}
	f.server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.server.Close)
	return f
}

// reply appends scripted replies.
func (f *fakeModel) reply(replies ...scriptedReply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script = append(f.script, replies...)
}

func (f *fakeModel) captured() []capturedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]capturedRequest(nil), f.requests...)
}

func (f *fakeModel) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	req := capturedRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Raw: raw}
	if err := json.Unmarshal(raw, &req.Body); err != nil {
		f.t.Errorf("model request is not JSON: %v", err)
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	var next scriptedReply
	scripted := len(f.script) > 0
	if scripted {
		next, f.script = f.script[0], f.script[1:]
	}
	f.mu.Unlock()
	if !scripted {
		f.t.Errorf("unexpected model request %d to %s", len(f.requests), r.URL.Path)
		next = errorReply(http.StatusInternalServerError)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(next.status)
	_ = json.NewEncoder(w).Encode(next.body)
}

// usage is the token usage of every scripted reply.
var usage = map[string]any{"promptTokenCount": 120, "candidatesTokenCount": 30, "totalTokenCount": 150}

// textReply is a finished reply in text.
func textReply(text string) scriptedReply {
	return candidateReply("STOP", map[string]any{"text": text})
}

// callReply is a turn in which the model calls one function.
func callReply(name string, args map[string]any) scriptedReply {
	return candidateReply("STOP", map[string]any{"functionCall": map[string]any{"name": name, "args": args}})
}

func candidateReply(finishReason string, parts ...map[string]any) scriptedReply {
	candidate := map[string]any{"index": 0, "finishReason": finishReason, "content": map[string]any{"role": "model", "parts": parts}}
	return scriptedReply{status: http.StatusOK, body: map[string]any{
		"candidates": []any{candidate}, "usageMetadata": usage, "modelVersion": "gemini-2.5-flash-001",
	}}
}

// errorReply is a Google API error in the shape Vertex AI sends.
func errorReply(status int) scriptedReply {
	names := map[int]string{400: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
	return scriptedReply{status: status, body: map[string]any{"error": map[string]any{
		"code": status, "message": "scripted failure", "status": names[status],
	}}}
}
