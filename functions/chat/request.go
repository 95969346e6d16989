package chat

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/ihep/backend/shared/httpapi"
)

// Limits of one request, counted in characters (Unicode code points).
const (
	maxMessages          = 40
	maxMessageChars      = 4000
	maxConversationChars = 20000
	// maxBodyBytes leaves room for the largest valid conversation written
	// with JSON escapes (up to 6 bytes a character) and its field names.
	maxBodyBytes = 6*maxConversationChars + maxMessages*64 + 1024
)

// Message roles as the web client sends them.
const (
	roleUser      = "user"
	roleAssistant = "assistant"
)

// chatRequest is the body of POST /chat: the conversation so far, oldest
// first, ending with the user's new message.
type chatRequest struct {
	Messages []chatMessage `json:"messages"`
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// chatResponse is the assistant's reply.
type chatResponse struct {
	Message   string     `json:"message"`
	Citations []citation `json:"citations,omitempty"`
	Actions   []action   `json:"actions,omitempty"`
}

// citation names a learning resource the reply drew on.
type citation struct {
	ArticleID string `json:"articleId"`
	Title     string `json:"title"`
	URL       string `json:"url,omitempty"`
}

// action is something the client can offer as a button: a phone number to
// call ("call", target tel:...) or a screen of the app ("open", target
// care-team or appointments).
type action struct {
	Type   string `json:"type"`
	Label  string `json:"label"`
	Target string `json:"target"`
}

// validate checks the request limits. Every failure is a 400 with a stable
// code and never quotes the conversation.
func (req chatRequest) validate() error {
	if len(req.Messages) == 0 {
		return invalid("messages_missing", "Send at least one message in messages.")
	}
	if len(req.Messages) > maxMessages {
		return invalid("too_many_messages", fmt.Sprintf("The conversation has %d messages; the maximum is %d. Start a new conversation.", len(req.Messages), maxMessages))
	}
	total := 0
	for i, m := range req.Messages {
		if m.Role != roleUser && m.Role != roleAssistant {
			return invalid("invalid_role", fmt.Sprintf("messages[%d].role must be user or assistant.", i))
		}
		if !utf8.ValidString(m.Content) {
			return invalid("invalid_message", fmt.Sprintf("messages[%d].content is not valid UTF-8 text.", i))
		}
		if strings.TrimSpace(m.Content) == "" {
			return invalid("empty_message", fmt.Sprintf("messages[%d].content is empty.", i))
		}
		n := utf8.RuneCountInString(m.Content)
		if n > maxMessageChars {
			return invalid("message_too_long", fmt.Sprintf("messages[%d] has %d characters; the maximum is %d.", i, n, maxMessageChars))
		}
		total += n
	}
	if total > maxConversationChars {
		return invalid("conversation_too_long", fmt.Sprintf("The conversation has %d characters; the maximum is %d. Start a new conversation.", total, maxConversationChars))
	}
	if req.Messages[len(req.Messages)-1].Role != roleUser {
		return invalid("last_message_not_user", "The last message must be the user's (role user).")
	}
	return nil
}

// latest returns the user's new message.
func (req chatRequest) latest() string {
	return req.Messages[len(req.Messages)-1].Content
}

func invalid(code, message string) error {
	return httpapi.NewError(http.StatusBadRequest, code, message)
}
