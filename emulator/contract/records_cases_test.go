package contract

import "net/http"

func enrollmentCases() []apiCase {
	const path = "/twin-enrollment"
	get, post, patch, del := http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete
	sign := map[string]any{"consentVersion": "2026-01", "agree": true}
	review := func(name, status string, want int, code string) apiCase {
		return apiCase{name: name, method: patch, target: path, auth: tokenAdmin, body: map[string]string{"uid": "{patientUid}", "status": status}, status: want, code: code}
	}
	return []apiCase{
		{name: "show before signing", method: get, target: path, auth: tokenPatient, status: 200},
		{name: "sign", method: post, target: path, auth: tokenPatient, body: sign, status: 201},
		{name: "sign again", method: post, target: path, auth: tokenPatient, body: sign, status: 200},
		{name: "show", method: get, target: path, auth: tokenPatient, status: 200, after: wantField("enrollment")},
		{name: "sign old version", method: post, target: path, auth: tokenPatient, body: map[string]any{"consentVersion": "2025-01", "agree": true}, status: 409, code: "consent_outdated"},
		{name: "sign no version", method: post, target: path, auth: tokenPatient, body: map[string]any{"consentVersion": "", "agree": true}, status: 400, code: "consent_version_missing", docRejects: true},
		{name: "sign not agreed", method: post, target: path, auth: tokenPatient, body: map[string]any{"consentVersion": "2026-01", "agree": false}, status: 400, code: "consent_not_agreed", docRejects: true},
		{name: "sign empty body", method: post, target: path, auth: tokenPatient, body: "", status: 400, code: "empty_body", docRejects: true},
		{name: "sign invalid JSON", method: post, target: path, auth: tokenPatient, body: "{", status: 400, code: "invalid_json", docRejects: true},
		{name: "sign wrong type", method: post, target: path, auth: tokenPatient, body: `{"agree":"yes"}`, status: 400, code: "invalid_field", docRejects: true},
		{name: "sign unknown field", method: post, target: path, auth: tokenPatient, body: `{"study":"x"}`, status: 400, code: "unknown_field", docRejects: true},
		{name: "sign too large", method: post, target: path, auth: tokenPatient, body: oversized, status: 413, code: "body_too_large"},
		{name: "sign not JSON", method: post, target: path, auth: tokenPatient, contentType: "text/plain", body: "x", status: 415, code: "unsupported_media_type"},

		review("approve", "approved", 200, ""),
		review("activate", "active", 200, ""),
		review("approve active", "approved", 409, "invalid_transition"),
		{name: "review unknown user", method: patch, target: path, auth: tokenAdmin, body: map[string]string{"uid": "{run}-nobody", "status": "approved"}, status: 404, code: "not_found"},
		{name: "review as patient", method: patch, target: path, auth: tokenPatient, body: map[string]string{"uid": "{patientUid}", "status": "approved"}, status: 403, code: "admin_only"},
		{name: "review no user", method: patch, target: path, auth: tokenAdmin, body: map[string]string{"uid": "", "status": "approved"}, status: 400, code: "uid_missing", docRejects: true},
		{name: "review unknown status", method: patch, target: path, auth: tokenAdmin, body: map[string]string{"uid": "{patientUid}", "status": "withdrawn"}, status: 400, code: "invalid_status", docRejects: true},
		{name: "review empty body", method: patch, target: path, auth: tokenAdmin, body: "", status: 400, code: "empty_body", docRejects: true},
		{name: "review invalid JSON", method: patch, target: path, auth: tokenAdmin, body: "{", status: 400, code: "invalid_json", docRejects: true},
		{name: "review wrong type", method: patch, target: path, auth: tokenAdmin, body: `{"uid":1}`, status: 400, code: "invalid_field", docRejects: true},
		{name: "review unknown field", method: patch, target: path, auth: tokenAdmin, body: `{"note":"x"}`, status: 400, code: "unknown_field", docRejects: true},
		{name: "review too large", method: patch, target: path, auth: tokenAdmin, body: oversized, status: 413, code: "body_too_large"},
		{name: "review not JSON", method: patch, target: path, auth: tokenAdmin, contentType: "text/plain", body: "x", status: 415, code: "unsupported_media_type"},

		{name: "withdraw", method: del, target: path, auth: tokenPatient, status: 200},
		{name: "withdraw again", method: del, target: path, auth: tokenPatient, status: 200},
		{name: "withdraw never enrolled", method: del, target: path, auth: tokenEmpty, status: 404, code: "not_enrolled"},
	}
}

func recordsCases() []apiCase {
	get := http.MethodGet
	return []apiCase{
		{name: "audit", method: get, target: "/audit", auth: tokenPatient, status: 200},
		{name: "audit first page", method: get, target: "/audit?limit=1", auth: tokenPatient, status: 200, save: map[string]string{"nextCursor": "auditCursor"}},
		{name: "audit next page", method: get, target: "/audit?limit=1&cursor={auditCursor}", auth: tokenPatient, status: 200, after: wantItems("entries", 1)},
		{name: "audit bad encoding", method: get, target: "/audit?limit=%zz", auth: tokenPatient, status: 400, code: "invalid_query"},
		{name: "audit unknown parameter", method: get, target: "/audit?actor=x", auth: tokenPatient, status: 400, code: "unknown_parameter"},
		{name: "audit repeated parameter", method: get, target: "/audit?limit=1&limit=2", auth: tokenPatient, status: 400, code: "repeated_parameter"},
		{name: "audit limit too large", method: get, target: "/audit?limit=201", auth: tokenPatient, status: 400, code: "invalid_limit", docRejects: true},
		{name: "audit invalid cursor", method: get, target: "/audit?cursor=bm90LWEtY3Vyc29y", auth: tokenPatient, status: 400, code: "invalid_cursor"},

		{name: "export", method: get, target: "/export", auth: tokenPatient, status: 200},
		{name: "export with parameter", method: get, target: "/export?format=csv", auth: tokenPatient, status: 400, code: "unknown_parameter"},

		{name: "delete account", method: http.MethodDelete, target: "/account-delete", auth: tokenNewUser, status: 200},
		{name: "delete account old sign-in", method: http.MethodDelete, target: "/account-delete", auth: tokenOldSignIn, status: 401, code: "login_not_fresh"},
	}
}
