package contract

import (
	"net/http"
	"strings"
)

func accountCases() []apiCase {
	get, post, patch := http.MethodGet, http.MethodPost, http.MethodPatch
	return []apiCase{
		{name: "profile", method: get, target: "/profile", auth: tokenPatient, status: 200},
		{name: "profile change", method: patch, target: "/profile", auth: tokenPatient, body: map[string]any{"fullName": "Alex Morgan", "preferredLanguage": "es-mx", "timeZone": "America/Chicago", "notifications": map[string]bool{"email": true}}, status: 200},
		{name: "profile e-mail", method: patch, target: "/profile", auth: tokenPatient, body: map[string]string{"email": "new@example.com"}, status: 400, code: "email_read_only", docRejects: true},
		{name: "profile blank name", method: patch, target: "/profile", auth: tokenPatient, body: map[string]string{"fullName": "  "}, status: 400, code: "invalid_full_name"},
		{name: "profile language", method: patch, target: "/profile", auth: tokenPatient, body: map[string]string{"preferredLanguage": "not a tag"}, status: 400, code: "invalid_language"},
		{name: "profile time zone", method: patch, target: "/profile", auth: tokenPatient, body: map[string]string{"timeZone": "Mars/Olympus_Mons"}, status: 400, code: "invalid_time_zone"},
		{name: "profile temperature unit", method: patch, target: "/profile", auth: tokenPatient, body: map[string]string{"temperatureUnit": "K"}, status: 400, code: "invalid_temperature_unit", docRejects: true},
		{name: "profile empty body", method: patch, target: "/profile", auth: tokenPatient, body: "", status: 400, code: "empty_body", docRejects: true},
		{name: "profile invalid JSON", method: patch, target: "/profile", auth: tokenPatient, body: "{", status: 400, code: "invalid_json", docRejects: true},
		{name: "profile wrong type", method: patch, target: "/profile", auth: tokenPatient, body: `{"profileCompleted":"yes"}`, status: 400, code: "invalid_field", docRejects: true},
		{name: "profile unknown field", method: patch, target: "/profile", auth: tokenPatient, body: `{"role":"admin"}`, status: 400, code: "unknown_field", docRejects: true},
		{name: "profile too large", method: patch, target: "/profile", auth: tokenPatient, body: oversized, status: 413, code: "body_too_large"},
		{name: "profile not JSON", method: patch, target: "/profile", auth: tokenPatient, contentType: "text/plain", body: "x", status: 415, code: "unsupported_media_type"},

		{name: "survey answer", method: post, target: "/survey", auth: tokenPatient, body: map[string]any{"conditions": []string{"diabetes", "heart-disease"}}, status: 200, after: wantItems("conditions", 2)},
		{name: "survey", method: get, target: "/survey", auth: tokenPatient, status: 200, after: wantItems("conditions", 2)},
		{name: "survey no field", method: post, target: "/survey", auth: tokenPatient, body: `{}`, status: 400, code: "missing_conditions", docRejects: true},
		{name: "survey too many", method: post, target: "/survey", auth: tokenPatient, body: map[string]any{"conditions": strings.Split(strings.Repeat("diabetes,", 21), ",")[:21]}, status: 400, code: "too_many_conditions", docRejects: true},
		{name: "survey unknown slug", method: post, target: "/survey", auth: tokenPatient, body: map[string]any{"conditions": []string{"gout"}}, status: 400, code: "unknown_condition"},
		{name: "survey empty body", method: post, target: "/survey", auth: tokenPatient, body: "", status: 400, code: "empty_body", docRejects: true},
		{name: "survey invalid JSON", method: post, target: "/survey", auth: tokenPatient, body: "[", status: 400, code: "invalid_json", docRejects: true},
		{name: "survey wrong type", method: post, target: "/survey", auth: tokenPatient, body: `{"conditions":"diabetes"}`, status: 400, code: "invalid_field", docRejects: true},
		{name: "survey unknown field", method: post, target: "/survey", auth: tokenPatient, body: `{"conditions":[],"patient":"p"}`, status: 400, code: "unknown_field", docRejects: true},
		{name: "survey too large", method: post, target: "/survey", auth: tokenPatient, body: oversized, status: 413, code: "body_too_large"},
		{name: "survey not JSON", method: post, target: "/survey", auth: tokenPatient, contentType: "text/plain", body: "x", status: 415, code: "unsupported_media_type"},
	}
}

func careTeamCases() []apiCase {
	const path = "/care-team"
	get, post, del := http.MethodGet, http.MethodPost, http.MethodDelete
	link := map[string]any{"providerId": "{providerId}", "primary": true}
	return []apiCase{
		{name: "link", method: post, target: path, auth: tokenPatient, body: link, status: 201},
		{name: "link again", method: post, target: path, auth: tokenPatient, body: link, status: 200},
		{name: "list", method: get, target: path, auth: tokenPatient, status: 200, after: wantItems("members", 1)},
		{name: "list with parameter", method: get, target: path + "?uid=u1", auth: tokenPatient, status: 400, code: "unknown_parameter"},
		{name: "link unknown provider", method: post, target: path, auth: tokenPatient, body: map[string]string{"providerId": "{run}-nobody"}, status: 404, code: "provider_not_found"},
		{name: "link reserved id", method: post, target: path, auth: tokenPatient, body: map[string]string{"providerId": "__x__"}, status: 404, code: "provider_not_found"},
		{name: "link no provider", method: post, target: path, auth: tokenPatient, body: map[string]string{"providerId": ""}, status: 400, code: "missing_provider_id", docRejects: true},
		{name: "link team full", method: post, target: path, auth: tokenFullTeam, body: link, status: 400, code: "care_team_full"},
		{name: "link empty body", method: post, target: path, auth: tokenPatient, body: "", status: 400, code: "empty_body", docRejects: true},
		{name: "link invalid JSON", method: post, target: path, auth: tokenPatient, body: "{", status: 400, code: "invalid_json", docRejects: true},
		{name: "link wrong type", method: post, target: path, auth: tokenPatient, body: `{"providerId":1}`, status: 400, code: "invalid_field", docRejects: true},
		{name: "link unknown field", method: post, target: path, auth: tokenPatient, body: `{"providerId":"p","uid":"u"}`, status: 400, code: "unknown_field", docRejects: true},
		{name: "link too large", method: post, target: path, auth: tokenPatient, body: oversized, status: 413, code: "body_too_large"},
		{name: "link not JSON", method: post, target: path, auth: tokenPatient, contentType: "text/plain", body: "x", status: 415, code: "unsupported_media_type"},
		{name: "unlink", method: del, target: path + "?providerId={providerId}", auth: tokenPatient, status: 204},
		{name: "unlink again", method: del, target: path + "?providerId={providerId}", auth: tokenPatient, status: 404, code: "not_linked"},
		{name: "unlink no provider", method: del, target: path, auth: tokenPatient, status: 400, code: "missing_provider_id", docRejects: true},
		{name: "unlink reserved id", method: del, target: path + "?providerId=__x__", auth: tokenPatient, status: 404, code: "not_linked"},
		{name: "unlink other parameter", method: del, target: path + "?providerId={providerId}&uid=u1", auth: tokenPatient, status: 400, code: "unknown_parameter"},
	}
}
