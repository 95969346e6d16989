package chat

import (
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/genai"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/httpapi"
)

func TestValidateCountsCharacters(t *testing.T) {
	t.Parallel()
	// 4,000 three-byte characters are within the limit although they take
	// 12,000 bytes.
	ok := chatRequest{Messages: []chatMessage{{Role: roleUser, Content: strings.Repeat("€", maxMessageChars)}}}
	if err := ok.validate(); err != nil {
		t.Errorf("4,000 characters: %v", err)
	}
	bad := chatRequest{Messages: []chatMessage{{Role: roleUser, Content: "\xff\xfe"}}}
	var apiErr *httpapi.Error
	if err := bad.validate(); !errors.As(err, &apiErr) || apiErr.Code != "invalid_message" {
		t.Errorf("invalid UTF-8: %v, want invalid_message", err)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	base := config.Base{ProjectID: "demo-ihep", LogLevel: "info"}
	cases := []struct {
		name  string
		cfg   Config
		valid bool
	}{
		{"offline", Config{Base: base}, true},
		{"online", Config{Base: base, VertexLocation: "us-central1", Model: DefaultModel, ModelBudget: 45 * time.Second}, true},
		{"loopback endpoint", Config{Base: base, VertexLocation: "us-central1", Model: DefaultModel, ModelBudget: time.Minute, VertexEndpoint: "http://127.0.0.1:9000"}, true},
		{"remote endpoint", Config{Base: base, VertexLocation: "us-central1", Model: DefaultModel, ModelBudget: time.Minute, VertexEndpoint: "https://example.com"}, false},
		{"bad location", Config{Base: base, VertexLocation: "US Central", Model: DefaultModel, ModelBudget: time.Minute}, false},
		{"bad model", Config{Base: base, VertexLocation: "us-central1", Model: "../x", ModelBudget: time.Minute}, false},
		{"budget too long", Config{Base: base, VertexLocation: "us-central1", Model: DefaultModel, ModelBudget: time.Hour}, false},
	}
	for _, tc := range cases {
		if err := tc.cfg.Validate(); (err == nil) != tc.valid {
			t.Errorf("%s: Validate() = %v, want valid %v", tc.name, err, tc.valid)
		}
	}
}

func TestReadCandidate(t *testing.T) {
	t.Parallel()
	text := func(reason genai.FinishReason, parts ...*genai.Part) *genai.GenerateContentResponse {
		return &genai.GenerateContentResponse{Candidates: []*genai.Candidate{{FinishReason: reason, Content: &genai.Content{Parts: parts}}}}
	}
	cases := []struct {
		name       string
		resp       *genai.GenerateContentResponse
		wantText   string
		wantCalls  int
		wantReason string
	}{
		{"text", text(genai.FinishReasonStop, &genai.Part{Text: " Hello "}), "Hello", 0, ""},
		{"thought skipped", text(genai.FinishReasonStop, &genai.Part{Text: "plan", Thought: true}, &genai.Part{Text: "Hi"}), "Hi", 0, ""},
		{"max tokens keeps text", text(genai.FinishReasonMaxTokens, &genai.Part{Text: "Partial"}), "Partial", 0, ""},
		{"function call", text(genai.FinishReasonStop, &genai.Part{FunctionCall: &genai.FunctionCall{Name: toolVitals}}), "", 1, ""},
		{"blocked prompt", &genai.GenerateContentResponse{PromptFeedback: &genai.GenerateContentResponsePromptFeedback{BlockReason: genai.BlockedReasonSafety}}, "", 0, "prompt_blocked"},
		{"recitation", text(genai.FinishReasonRecitation, &genai.Part{Text: "copied"}), "", 0, "finish_recitation"},
		{"malformed call", text(genai.FinishReasonMalformedFunctionCall), "", 0, "finish_malformed_function_call"},
		{"no candidates", &genai.GenerateContentResponse{}, "", 0, "no_candidates"},
		{"no content", &genai.GenerateContentResponse{Candidates: []*genai.Candidate{{FinishReason: genai.FinishReasonStop}}}, "", 0, "empty"},
	}
	for _, tc := range cases {
		gotText, calls, reason := readCandidate(tc.resp)
		if gotText != tc.wantText || len(calls) != tc.wantCalls || reason != tc.wantReason {
			t.Errorf("%s: readCandidate = %q, %d calls, %q; want %q, %d, %q", tc.name, gotText, len(calls), reason, tc.wantText, tc.wantCalls, tc.wantReason)
		}
	}
}

func TestLimitArgument(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   any
		want int
	}{{nil, 3}, {"5", 3}, {float64(0), 1}, {float64(4), 4}, {float64(99), 10}} {
		if got := limitArgument(tc.in); got != tc.want {
			t.Errorf("limitArgument(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
