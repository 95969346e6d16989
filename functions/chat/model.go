package chat

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"google.golang.org/genai"

	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/logging"
)

// maxModelCalls bounds the model calls of one request: up to three rounds
// of tool calls, then a last call that must answer in text.
const maxModelCalls = 4

// Retry timing for model 429 and 5xx responses: exponential backoff with
// full jitter, capped per wait, within Config.ModelBudget.
const (
	maxRetryDelay = 8 * time.Second
	// minAttemptTime is the least time left in the budget that is worth
	// another attempt.
	minAttemptTime = time.Second
)

// errModelUnavailable is the 503 a caller gets when the model kept failing
// for the whole budget.
var errModelUnavailable = &httpapi.Error{
	Status:     http.StatusServiceUnavailable,
	Code:       "assistant_unavailable",
	Message:    "The assistant is busy right now. Please try again in a minute.",
	RetryAfter: 30 * time.Second,
}

// answerWithModel runs the conversation through Gemini and runs the tools
// that the model calls, until the model replies in text.
func (s *Server) answerWithModel(ctx context.Context, box *toolbox, messages []chatMessage, stats *requestStats) (chatResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ModelBudget)
	defer cancel()
	contents := make([]*genai.Content, 0, len(messages)+2*maxModelCalls)
	for _, m := range messages {
		role := genai.Role(genai.RoleUser)
		if m.Role == roleAssistant {
			role = genai.RoleModel
		}
		contents = append(contents, genai.NewContentFromText(m.Content, role))
	}
	config := s.generateConfig(box)

	for call := 1; call <= maxModelCalls; call++ {
		if call == maxModelCalls {
			config.ToolConfig = &genai.ToolConfig{FunctionCallingConfig: &genai.FunctionCallingConfig{Mode: genai.FunctionCallingConfigModeNone}}
		}
		resp, err := s.generate(ctx, contents, config, stats)
		if err != nil {
			return chatResponse{}, err
		}
		text, calls, reason := readCandidate(resp)
		switch {
		case reason != "":
			stats.fallback = reason
			return fallbackReply(), nil
		case len(calls) == 0:
			return chatResponse{Message: text, Citations: box.citations}, nil
		case call == maxModelCalls:
			stats.fallback = "too_many_tool_calls"
			return fallbackReply(), nil
		}
		turn := resp.Candidates[0].Content
		turn.Role = genai.RoleModel
		results := make([]*genai.Part, 0, len(calls))
		for _, fc := range calls {
			results = append(results, box.runToolCall(ctx, fc))
		}
		contents = append(contents, turn, genai.NewContentFromParts(results, genai.RoleUser))
	}
	return fallbackReply(), nil
}

func (s *Server) generateConfig(box *toolbox) *genai.GenerateContentConfig {
	temperature := float32(0.3)
	continuation := false
	return &genai.GenerateContentConfig{
		SystemInstruction:     systemInstruction(box.now, box.location),
		Tools:                 toolDeclarations(),
		Temperature:           &temperature,
		MaxOutputTokens:       1024,
		CandidateCount:        1,
		AutomaticContinuation: &continuation,
	}
}

// generate calls the model, retrying 408, 429, 5xx and transport failures
// with backoff while the budget in ctx allows another attempt.
func (s *Server) generate(ctx context.Context, contents []*genai.Content, config *genai.GenerateContentConfig, stats *requestStats) (*genai.GenerateContentResponse, error) {
	delay := s.retryDelay
	for attempt := 1; ; attempt++ {
		stats.modelCalls++
		resp, err := s.model.Models.GenerateContent(ctx, s.cfg.Model, contents, config)
		if err == nil {
			stats.addUsage(resp.UsageMetadata)
			return resp, nil
		}
		status := modelStatus(err)
		if status != 0 && !retryableStatus(status) {
			return nil, httpapi.Internal(fmt.Errorf("generate content: model returned status %d", status))
		}
		if ctx.Err() != nil {
			return nil, unavailable(ctx, status)
		}
		wait := delay/2 + rand.N(delay/2+1)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait+minAttemptTime {
			return nil, unavailable(ctx, status)
		}
		logging.FromContext(ctx).Warn("chat model retry", "attempt", attempt, logging.KeyStatus, status, "wait_ms", wait.Milliseconds())
		select {
		case <-ctx.Done():
			return nil, unavailable(ctx, status)
		case <-time.After(wait):
		}
		delay = min(2*delay, maxRetryDelay)
	}
}

// unavailable returns the 503 for a model that failed until the budget ran
// out, with the last status (0 for a transport failure or a timeout).
func unavailable(ctx context.Context, status int) error {
	e := *errModelUnavailable
	e.Err = fmt.Errorf("generate content: gave up with status %d: %w", status, context.Cause(ctx))
	if ctx.Err() == nil {
		e.Err = fmt.Errorf("generate content: gave up with status %d: budget too short for another attempt", status)
	}
	return &e
}

// modelStatus returns the HTTP status of a model error, 0 when the request
// got no response.
func modelStatus(err error) int {
	var apiErr genai.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code
	}
	var apiErrPtr *genai.APIError
	if errors.As(err, &apiErrPtr) {
		return apiErrPtr.Code
	}
	return 0
}

func retryableStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// readCandidate returns the text or the function calls of the first
// candidate, or the reason it cannot be used: a blocked prompt, no
// candidate, a finish reason other than STOP or MAX_TOKENS, or nothing in it.
func readCandidate(resp *genai.GenerateContentResponse) (string, []*genai.FunctionCall, string) {
	if resp.PromptFeedback != nil && resp.PromptFeedback.BlockReason != "" {
		return "", nil, "prompt_blocked"
	}
	if len(resp.Candidates) == 0 || resp.Candidates[0] == nil {
		return "", nil, "no_candidates"
	}
	candidate := resp.Candidates[0]
	switch candidate.FinishReason {
	case "", genai.FinishReasonUnspecified, genai.FinishReasonStop, genai.FinishReasonMaxTokens:
	default:
		return "", nil, "finish_" + finishReasonName(candidate.FinishReason)
	}
	var text strings.Builder
	var calls []*genai.FunctionCall
	if candidate.Content != nil {
		for _, part := range candidate.Content.Parts {
			switch {
			case part == nil || part.Thought:
			case part.FunctionCall != nil:
				calls = append(calls, part.FunctionCall)
			default:
				text.WriteString(part.Text)
			}
		}
	}
	if len(calls) == 0 && strings.TrimSpace(text.String()) == "" {
		return "", nil, "empty"
	}
	return strings.TrimSpace(text.String()), calls, ""
}

// finishReasonName returns the finish reason in lower case, keeping only
// letters and underscores, so a log line never carries arbitrary text.
func finishReasonName(reason genai.FinishReason) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		case r >= 'a' && r <= 'z', r == '_':
			return r
		}
		return -1
	}, string(reason))
	if len(name) > 40 {
		name = name[:40]
	}
	return name
}

// fallbackReply is the calm reply sent when the model's output was blocked
// or empty.
func fallbackReply() chatResponse {
	return chatResponse{
		Message: "I'm sorry, I can't help with that here. For questions about your health or treatment, your care team is the best place to ask, and you can find their contact details in the app. " +
			"If this is an emergency, call 911.",
		Actions: []action{{Type: "open", Label: "Contact my care team", Target: "care-team"}},
	}
}
