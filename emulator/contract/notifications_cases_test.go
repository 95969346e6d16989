package contract

import (
	"net/http"
	"strings"
)

func notificationsCases() []apiCase {
	post, del, get := http.MethodPost, http.MethodDelete, http.MethodGet
	device := map[string]string{"token": "contract-{run}:APA91bToken", "platform": "android"}
	devices := func(name, method string, body any, status int, code string, docRejects bool) apiCase {
		return apiCase{name: name, method: method, target: "/devices", auth: tokenPatient, body: body, status: status, code: code, docRejects: docRejects}
	}
	mark := func(name string, body any, status int, code string, docRejects bool) apiCase {
		return apiCase{name: name, method: post, target: "/notifications", auth: tokenPatient, body: body, status: status, code: code, docRejects: docRejects}
	}
	tooLarge := func(n int) string { return `{"token":"` + strings.Repeat("t", n) + `"}` }
	return []apiCase{
		devices("register", post, device, 201, "", false),
		devices("register again", post, device, 200, "", false),
		devices("unregister", del, device, 200, "", false),
		devices("register bad token", post, map[string]string{"token": "has spaces"}, 400, "invalid_token", true),
		devices("register bad platform", post, map[string]string{"token": "t", "platform": "symbian"}, 400, "invalid_platform", true),
		devices("register empty body", post, "", 400, "empty_body", true),
		{name: "register without token", method: post, target: "/devices", body: "", status: 401, code: "token_missing"},
		devices("register invalid JSON", post, "{", 400, "invalid_json", true),
		devices("register wrong type", post, `{"token":1}`, 400, "invalid_field", true),
		devices("register unknown field", post, `{"token":"t","model":"x"}`, 400, "unknown_field", true),
		devices("register too large", post, tooLarge(8<<10), 413, "body_too_large", false),
		{name: "register not JSON", method: post, target: "/devices", auth: tokenPatient, contentType: "text/plain", body: "t", status: 415, code: "unsupported_media_type"},
		devices("unregister bad token", del, map[string]string{"token": ""}, 400, "invalid_token", true),
		devices("unregister bad platform", del, map[string]string{"token": "t", "platform": "symbian"}, 400, "invalid_platform", true),
		devices("unregister empty body", del, "", 400, "empty_body", true),
		devices("unregister invalid JSON", del, "{", 400, "invalid_json", true),
		devices("unregister wrong type", del, `{"token":1}`, 400, "invalid_field", true),
		devices("unregister unknown field", del, `{"token":"t","model":"x"}`, 400, "unknown_field", true),
		devices("unregister too large", del, tooLarge(8<<10), 413, "body_too_large", false),
		{name: "unregister not JSON", method: del, target: "/devices", auth: tokenPatient, contentType: "text/plain", body: "t", status: 415, code: "unsupported_media_type"},

		{name: "inbox", method: get, target: "/notifications", auth: tokenPatient, status: 200, after: wantItems("notifications", 2)},
		{name: "inbox first page", method: get, target: "/notifications?limit=1", auth: tokenPatient, status: 200, save: map[string]string{"nextCursor": "inboxCursor"}},
		{name: "inbox next page", method: get, target: "/notifications?limit=1&cursor={inboxCursor}", auth: tokenPatient, status: 200, after: wantItems("notifications", 1)},
		{name: "inbox bad encoding", method: get, target: "/notifications?limit=%zz", auth: tokenPatient, status: 400, code: "invalid_query"},
		{name: "inbox unknown parameter", method: get, target: "/notifications?unread=1", auth: tokenPatient, status: 400, code: "unknown_parameter"},
		{name: "inbox limit too large", method: get, target: "/notifications?limit=101", auth: tokenPatient, status: 400, code: "invalid_limit", docRejects: true},
		{name: "inbox invalid cursor", method: get, target: "/notifications?cursor=bm90LWEtY3Vyc29y", auth: tokenPatient, status: 400, code: "invalid_cursor"},
		mark("mark read", map[string]any{"ids": []string{"contract-1", "someone-elses"}}, 200, "", false),
		mark("mark no ids", map[string]any{"ids": []string{}}, 400, "invalid_ids", true),
		mark("mark reserved id", map[string]any{"ids": []string{"__x__"}}, 400, "invalid_ids", false),
		mark("mark dot dot id", map[string]any{"ids": []string{".."}}, 400, "invalid_ids", false),
		mark("mark empty body", "", 400, "empty_body", true),
		{name: "mark without token", method: post, target: "/notifications", body: "", status: 401, code: "token_missing"},
		mark("mark invalid JSON", "{", 400, "invalid_json", true),
		mark("mark wrong type", `{"ids":"a"}`, 400, "invalid_field", true),
		mark("mark unknown field", `{"ids":["a"],"all":true}`, 400, "unknown_field", true),
		mark("mark too large", `{"ids":["`+strings.Repeat("i", 16<<10)+`"]}`, 413, "body_too_large", false),
		{name: "mark not JSON", method: post, target: "/notifications", auth: tokenPatient, contentType: "text/plain", body: "x", status: 415, code: "unsupported_media_type"},
	}
}
