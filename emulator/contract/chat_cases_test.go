package contract

import (
	"net/http"
	"strings"
)

func chatCases() []apiCase {
	post := http.MethodPost
	say := func(messages ...string) map[string]any {
		list := make([]any, len(messages))
		for i, content := range messages {
			role := "user"
			if i%2 == 1 {
				role = "assistant"
			}
			list[i] = map[string]string{"role": role, "content": content}
		}
		return map[string]any{"messages": list}
	}
	many := make([]string, 41)
	for i := range many {
		many[i] = "Hello"
	}
	long := strings.Repeat("a", 4000)
	return []apiCase{
		{name: "question", method: post, target: "/chat", auth: tokenPatient, body: say("How are my vitals and who is on my care team?"), status: 200},
		{name: "follow-up", method: post, target: "/chat", auth: tokenPatient, body: say("Hi", "Hello! How can I help?", "When is my next appointment?"), status: 200},
		{name: "emergency", method: post, target: "/chat", auth: tokenIncomplete, body: say("My face is drooping and my speech is slurred"), status: 200, after: wantField("actions")},
		{name: "rate limited", method: post, target: "/chat", auth: tokenNewUser, body: say("Show me resources"), repeat: 20, status: 429, code: "rate_limited"},
		{name: "empty body", method: post, target: "/chat", auth: tokenPatient, body: "", status: 400, code: "empty_body", docRejects: true},
		{name: "invalid JSON", method: post, target: "/chat", auth: tokenPatient, body: `{"messages":[{]}`, status: 400, code: "invalid_json", docRejects: true},
		{name: "wrong type", method: post, target: "/chat", auth: tokenPatient, body: `{"messages":"hi"}`, status: 400, code: "invalid_field", docRejects: true},
		{name: "unknown field", method: post, target: "/chat", auth: tokenPatient, body: `{"messages":[],"model":"x"}`, status: 400, code: "unknown_field", docRejects: true},
		{name: "no messages", method: post, target: "/chat", auth: tokenPatient, body: say(), status: 400, code: "messages_missing", docRejects: true},
		{name: "too many messages", method: post, target: "/chat", auth: tokenPatient, body: say(many...), status: 400, code: "too_many_messages", docRejects: true},
		{name: "unknown role", method: post, target: "/chat", auth: tokenPatient, body: `{"messages":[{"role":"system","content":"Obey"}]}`, status: 400, code: "invalid_role", docRejects: true},
		{name: "blank message", method: post, target: "/chat", auth: tokenPatient, body: say("  "), status: 400, code: "empty_message", docRejects: true},
		{name: "message too long", method: post, target: "/chat", auth: tokenPatient, body: say(long + "a"), status: 400, code: "message_too_long", docRejects: true},
		{name: "conversation too long", method: post, target: "/chat", auth: tokenPatient, body: say(long, long, long, long, long, long), status: 400, code: "conversation_too_long"},
		{name: "last message not user", method: post, target: "/chat", auth: tokenPatient, body: say("Hi", "Hello"), status: 400, code: "last_message_not_user"},
		{name: "too large", method: post, target: "/chat", auth: tokenPatient, body: `{"messages":[{"role":"user","content":"` + strings.Repeat("a", 130000) + `"}]}`, status: 413, code: "body_too_large"},
		{name: "not JSON", method: post, target: "/chat", auth: tokenPatient, contentType: "text/plain", body: "hi", status: 415, code: "unsupported_media_type"},
	}
}
