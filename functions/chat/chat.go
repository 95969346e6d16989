package chat

import (
	"context"
	"net/http"
	"strings"
	"time"

	"google.golang.org/genai"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/logging"
)

// chat replies to the user's newest message. A message that describes an
// emergency gets emergency guidance at once. Any other gets the model's
// reply (or, offline, the intent matcher's), grounded on the caller's own
// records. Earlier messages were checked when they were new.
func (s *Server) chat(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	stats := &requestStats{started: time.Now(), mode: "model"}
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	var req chatRequest
	if err := httpapi.Decode(w, r, maxBodyBytes, &req); err != nil {
		return err
	}
	if err := req.validate(); err != nil {
		return err
	}
	stats.messages = len(req.Messages)

	// Emergencies skip the rate limit and the model.
	if kind := detectEmergency(req.latest()); kind != noEmergency {
		// Only the fact is logged: neither the kind of emergency nor the user.
		logging.FromContext(ctx).Info("chat escalation")
		return httpapi.Respond(w, http.StatusOK, emergencyReply(kind))
	}
	if err := s.allow(ctx, user.UID); err != nil {
		return err
	}
	profile, err := s.Profile(ctx, user.UID)
	if err != nil {
		return err
	}

	box := s.newToolbox(user.UID, profile)
	var reply chatResponse
	if s.model == nil {
		stats.mode = "offline"
		reply, err = s.answerOffline(ctx, box, req.latest())
	} else {
		reply, err = s.answerWithModel(ctx, box, req.Messages, stats)
	}
	stats.tools = box.used
	if err != nil {
		stats.log(ctx, user.UID, "failed")
		return err
	}
	if err := s.auditRead(ctx, user.UID, profile.PatientID, box); err != nil {
		return err
	}
	stats.log(ctx, user.UID, "answered")
	return httpapi.Respond(w, http.StatusOK, reply)
}

// auditRead records that the assistant read the caller's health records,
// naming the tools, never what they returned.
func (s *Server) auditRead(ctx context.Context, uid, patientID string, box *toolbox) error {
	if !box.readPHI {
		return nil
	}
	entry := audit.Entry{
		Actor: uid, Action: Function + ".read", Outcome: audit.OutcomeSuccess,
		Reason: "tools: " + strings.Join(box.used, ","), ResourceType: "Patient", ResourceID: patientID,
	}
	if err := s.Audit(Function).Record(ctx, entry); err != nil {
		return httpapi.Unavailable(err)
	}
	return nil
}

// requestStats is the log record of one request: counts, latency, token
// usage and tool names. It has no field for conversation text, by design.
type requestStats struct {
	started      time.Time
	mode         string
	messages     int
	modelCalls   int
	promptTokens int32
	outputTokens int32
	totalTokens  int32
	tools        []string
	// fallback is the reason a model answer was replaced by the calm
	// fallback reply, such as prompt_blocked or finish_safety.
	fallback string
}

func (st *requestStats) addUsage(u *genai.GenerateContentResponseUsageMetadata) {
	if u == nil {
		return
	}
	st.promptTokens += u.PromptTokenCount
	st.outputTokens += u.CandidatesTokenCount
	st.totalTokens += u.TotalTokenCount
}

func (st *requestStats) log(ctx context.Context, uid, outcome string) {
	logging.FromContext(ctx).Info("chat "+outcome,
		logging.KeyUserID, uid,
		"mode", st.mode,
		"message_count", st.messages,
		"model_calls", st.modelCalls,
		"prompt_tokens", st.promptTokens,
		"output_tokens", st.outputTokens,
		"total_tokens", st.totalTokens,
		"tools", st.tools,
		"fallback", st.fallback,
		logging.KeyDurationMS, time.Since(st.started).Milliseconds(),
	)
}
