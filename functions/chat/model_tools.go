package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"google.golang.org/genai"

	"github.com/ihep/backend/shared/logging"
)

// toolDeclarations describes the tools to the model. None takes an id of a
// person: each runs for the caller whose token came with the request. Tools
// without arguments have no parameters schema, because Gemini rejects an
// OBJECT schema with no properties.
func toolDeclarations() []*genai.Tool {
	minLimit, maxLimit := float64(1), float64(maxAppointments)
	return []*genai.Tool{{FunctionDeclarations: []*genai.FunctionDeclaration{
		{
			Name:        toolAppointments,
			Description: "Returns the user's upcoming booked appointments, soonest first, with start and end times in the user's time zone, the visit type (telehealth, in-person or group) and the provider.",
			Parameters: &genai.Schema{Type: genai.TypeObject, Properties: map[string]*genai.Schema{
				"limit": {Type: genai.TypeInteger, Description: "How many appointments to return, 1 to 10. Default 3.", Minimum: &minLimit, Maximum: &maxLimit},
			}},
		},
		{
			Name:        toolVitals,
			Description: "Returns the user's latest smoothed vital signs (heart rate, blood pressure, oxygen saturation, temperature, respiratory rate) with the time of each reading and whether it is fresh or stale, and the band of their health score: good, moderate, poor or unknown.",
		},
		{
			Name:        toolCareTeam,
			Description: "Returns the providers on the user's care team with specialty, contact details, languages and whether they offer telehealth. The primary provider comes first.",
		},
		{
			Name:        toolResources,
			Description: "Returns recent learning articles. Without a condition it chooses articles for the conditions the user reported in their health survey.",
			Parameters: &genai.Schema{Type: genai.TypeObject, Properties: map[string]*genai.Schema{
				"condition": {Type: genai.TypeString, Description: "Optional condition to find articles about.", Enum: catalogSlugs},
			}},
		},
	}}}
}

// toolError is the result sent to the model when a tool fails. It states
// only that the information is unavailable, so the model can tell the user.
var toolError = map[string]any{"error": "This information is unavailable right now."}

// runToolCall runs one function call of the model and returns the response
// part that goes back to it. Arguments other than the declared ones are
// ignored, so an id the model was talked into passing reaches no tool.
func (b *toolbox) runToolCall(ctx context.Context, call *genai.FunctionCall) *genai.Part {
	result, err := b.dispatch(ctx, call.Name, call.Args)
	var response map[string]any
	if err == nil {
		response, err = toMap(result)
	}
	if err != nil {
		logging.FromContext(ctx).Warn("chat tool failed", "tool", call.Name, logging.KeyError, err.Error())
		response = toolError
	}
	return &genai.Part{FunctionResponse: &genai.FunctionResponse{ID: call.ID, Name: call.Name, Response: map[string]any{"output": response}}}
}

func (b *toolbox) dispatch(ctx context.Context, name string, args map[string]any) (any, error) {
	switch name {
	case toolAppointments:
		return b.appointments(ctx, limitArgument(args["limit"]))
	case toolVitals:
		return b.vitals(ctx)
	case toolCareTeam:
		return b.careTeam(ctx)
	case toolResources:
		condition, _ := args["condition"].(string)
		if !slices.Contains(catalogSlugs, condition) {
			condition = ""
		}
		return b.resources(ctx, condition)
	default:
		return nil, fmt.Errorf("unknown tool %q", truncateName(name))
	}
}

// limitArgument reads the optional limit of get_upcoming_appointments,
// clamped to 1..maxAppointments. JSON numbers arrive as float64.
func limitArgument(v any) int {
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) {
		return defaultAppointments
	}
	return int(math.Max(1, math.Min(maxAppointments, f)))
}

func toMap(v any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode tool result: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("decode tool result: %w", err)
	}
	return out, nil
}

func truncateName(name string) string {
	if len(name) > 64 {
		return name[:64]
	}
	return name
}
