package contract

import (
	"net/http"
	"strings"
)

// oversized is a JSON object just over the 64 KiB default body limit.
var oversized = `{"email":"` + strings.Repeat("a", 64<<10) + `"}`

func authCases() []apiCase {
	const (
		signup = "/auth-signup"
		login  = "/auth-login"
	)
	newAccount := map[string]string{"email": "{run}-new@example.com", "password": "purple-river-stone", "fullName": "Alex Morgan"}
	withField := func(field, value string) map[string]string {
		body := map[string]string{"email": "{run}-other@example.com", "password": "purple-river-stone", "fullName": "Alex Morgan"}
		body[field] = value
		return body
	}
	post := http.MethodPost
	return []apiCase{
		{name: "signup", method: post, target: signup, body: newAccount, status: 201, save: map[string]string{"token": "signupToken", "refreshToken": "signupRefresh"}},
		{name: "signup existing e-mail", method: post, target: signup, body: newAccount, status: 409, code: "email_exists"},
		{name: "signup rate limited", method: post, target: signup, body: withField("email", "{run}-limit@example.com"), repeat: 3, status: 429, code: "rate_limited"},
		{name: "signup empty body", method: post, target: signup, body: "", status: 400, code: "empty_body", docRejects: true},
		{name: "signup invalid JSON", method: post, target: signup, body: "{", status: 400, code: "invalid_json", docRejects: true},
		{name: "signup wrong type", method: post, target: signup, body: `{"email":5}`, status: 400, code: "invalid_field", docRejects: true},
		{name: "signup unknown field", method: post, target: signup, body: `{"email":"a@example.com","role":"admin"}`, status: 400, code: "unknown_field", docRejects: true},
		{name: "signup no e-mail", method: post, target: signup, body: withField("email", " "), status: 400, code: "email_required"},
		{name: "signup invalid e-mail", method: post, target: signup, body: withField("email", "Alex <alex@example.com>"), status: 400, code: "invalid_email"},
		{name: "signup no password", method: post, target: signup, body: withField("password", ""), status: 400, code: "password_required", docRejects: true},
		{name: "signup short password", method: post, target: signup, body: withField("password", "short"), status: 400, code: "weak_password", docRejects: true},
		{name: "signup common password", method: post, target: signup, body: withField("password", "password123"), status: 400, code: "weak_password"},
		{name: "signup long password", method: post, target: signup, body: withField("password", strings.Repeat("p", 257)), status: 400, code: "invalid_password", docRejects: true},
		{name: "signup no name", method: post, target: signup, body: withField("fullName", ""), status: 400, code: "full_name_required", docRejects: true},
		{name: "signup long name", method: post, target: signup, body: withField("fullName", strings.Repeat("n", 201)), status: 400, code: "invalid_full_name", docRejects: true},
		{name: "signup too large", method: post, target: signup, body: oversized, status: 413, code: "body_too_large"},
		{name: "signup not JSON", method: post, target: signup, contentType: "text/plain", body: "email=a", status: 415, code: "unsupported_media_type"},

		{name: "login", method: post, target: login, body: map[string]string{"email": "{patientEmail}", "password": "{password}"}, status: 200, save: map[string]string{"refreshToken": "loginRefresh"}},
		{name: "login wrong password", method: post, target: login, body: map[string]string{"email": "{patientEmail}", "password": "not-the-password"}, status: 401, code: "invalid_credentials"},
		{name: "login rate limited", method: post, target: login, body: map[string]string{"email": "{run}-nobody@example.com", "password": "guess-guess"}, repeat: 5, status: 429, code: "rate_limited"},
		{name: "login empty body", method: post, target: login, body: "", status: 400, code: "empty_body", docRejects: true},
		{name: "login invalid JSON", method: post, target: login, body: "[", status: 400, code: "invalid_json", docRejects: true},
		{name: "login wrong type", method: post, target: login, body: `{"password":true}`, status: 400, code: "invalid_field", docRejects: true},
		{name: "login unknown field", method: post, target: login, body: `{"username":"alex"}`, status: 400, code: "unknown_field", docRejects: true},
		{name: "login no e-mail", method: post, target: login, body: map[string]string{"email": "", "password": "x"}, status: 400, code: "email_required"},
		{name: "login invalid e-mail", method: post, target: login, body: map[string]string{"email": "alex@localhost", "password": "x"}, status: 400, code: "invalid_email"},
		{name: "login no password", method: post, target: login, body: map[string]string{"email": "{patientEmail}", "password": ""}, status: 400, code: "password_required", docRejects: true},
		{name: "login too large", method: post, target: login, body: oversized, status: 413, code: "body_too_large"},
		{name: "login not JSON", method: post, target: login, contentType: "application/x-www-form-urlencoded", body: "email=a", status: 415, code: "unsupported_media_type"},

		{name: "refresh", method: post, target: "/auth-refresh", body: map[string]string{"refreshToken": "{signupRefresh}"}, status: 200},
		{name: "refresh rate limited", method: post, target: "/auth-refresh", body: map[string]string{"refreshToken": "{loginRefresh}"}, repeat: 10, status: 429, code: "rate_limited"},
		{name: "refresh unknown token", method: post, target: "/auth-refresh", body: map[string]string{"refreshToken": "not-a-token-we-issued"}, status: 401, code: "invalid_refresh_token"},
		{name: "refresh after logout", method: post, target: "/auth-refresh", body: map[string]string{"refreshToken": "{revokedRefresh}"}, status: 401, code: "token_revoked"},
		{name: "refresh empty body", method: post, target: "/auth-refresh", body: "", status: 400, code: "empty_body", docRejects: true},
		{name: "refresh invalid JSON", method: post, target: "/auth-refresh", body: `{"refreshToken":`, status: 400, code: "invalid_json", docRejects: true},
		{name: "refresh wrong type", method: post, target: "/auth-refresh", body: `{"refreshToken":1}`, status: 400, code: "invalid_field", docRejects: true},
		{name: "refresh unknown field", method: post, target: "/auth-refresh", body: `{"token":"x"}`, status: 400, code: "unknown_field", docRejects: true},
		{name: "refresh no token", method: post, target: "/auth-refresh", body: map[string]string{"refreshToken": ""}, status: 400, code: "refresh_token_required", docRejects: true},
		{name: "refresh too large", method: post, target: "/auth-refresh", body: oversized, status: 413, code: "body_too_large"},
		{name: "refresh not JSON", method: post, target: "/auth-refresh", contentType: "text/plain", body: "x", status: 415, code: "unsupported_media_type"},

		{name: "validate", method: http.MethodGet, target: "/auth-validate", auth: tokenPatient, status: 200},
		{name: "logout", method: post, target: "/auth-logout", auth: "signupToken", status: 200},
	}
}
