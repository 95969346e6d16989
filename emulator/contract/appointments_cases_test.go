package contract

import (
	"net/http"
	"strings"
)

func appointmentsCases() []apiCase {
	const path = "/appointments"
	get, post, patch := http.MethodGet, http.MethodPost, http.MethodPatch
	book := func(start, end, kind string) map[string]string {
		body := map[string]string{"providerId": "{providerId}", "type": kind, "start": start, "location": "Room 4", "notes": "Follow-up"}
		if end != "" {
			body["end"] = end
		}
		return body
	}
	withKey := func(key string) map[string]string { return map[string]string{"Idempotency-Key": key} }
	match := func(version string) map[string]string { return map[string]string{"If-Match": version} }
	bookA := book("{dayAfter}", "{dayAfterEnd}", "telehealth")
	change := func(body any, status int, code string, docRejects bool) apiCase {
		return apiCase{method: patch, target: path + "?id={bookedB}", auth: tokenPatient, header: match("{versionB}"), body: body, status: status, code: code, docRejects: docRejects}
	}
	named := func(name string, c apiCase) apiCase { c.name = name; return c }
	return []apiCase{
		{name: "book", method: post, target: path, auth: tokenPatient, header: withKey("{run}-a"), body: bookA, status: 201, save: map[string]string{"id": "bookedA", "version": "versionA"}},
		{name: "book retried", method: post, target: path, auth: tokenPatient, header: withKey("{run}-a"), body: bookA, status: 200},
		{name: "book key reused", method: post, target: path, auth: tokenPatient, header: withKey("{run}-a"), body: book("{fourDays}", "", "telehealth"), status: 422, code: "idempotency_key_reused"},
		{name: "book overlapping", method: post, target: path, auth: tokenPatient, body: book("{dayAfter}", "", "in-person"), status: 409, code: "overlap"},
		{name: "book second", method: post, target: path, auth: tokenPatient, body: book("{threeDays}", "", "in-person"), status: 201, save: map[string]string{"id": "bookedB", "version": "versionB"}},
		{name: "book unknown provider", method: post, target: path, auth: tokenPatient, body: map[string]string{"providerId": "{run}-nobody", "type": "telehealth", "start": "{dayAfter}"}, status: 404, code: "provider_not_found"},
		{name: "book reserved provider id", method: post, target: path, auth: tokenPatient, body: map[string]string{"providerId": "__x__", "type": "telehealth", "start": "{dayAfter}"}, status: 404, code: "provider_not_found"},
		{name: "book without token", method: post, target: path, body: "", status: 401, code: "token_missing"},
		{name: "book type not offered", method: post, target: path, auth: tokenPatient, body: book("{fourDays}", "", "group"), status: 400, code: "type_not_offered"},
		{name: "book no provider", method: post, target: path, auth: tokenPatient, body: map[string]string{"type": "telehealth", "start": "{dayAfter}"}, status: 400, code: "provider_required", docRejects: true},
		{name: "book unknown type", method: post, target: path, auth: tokenPatient, body: book("{fourDays}", "", "house-call"), status: 400, code: "invalid_type", docRejects: true},
		{name: "book long location", method: post, target: path, auth: tokenPatient, body: map[string]string{"providerId": "{providerId}", "type": "telehealth", "start": "{fourDays}", "location": strings.Repeat("l", 201)}, status: 400, code: "location_too_long", docRejects: true},
		{name: "book long notes", method: post, target: path, auth: tokenPatient, body: map[string]string{"providerId": "{providerId}", "type": "telehealth", "start": "{fourDays}", "notes": strings.Repeat("n", 2001)}, status: 400, code: "notes_too_long", docRejects: true},
		{name: "book no start", method: post, target: path, auth: tokenPatient, body: map[string]string{"providerId": "{providerId}", "type": "telehealth"}, status: 400, code: "start_required", docRejects: true},
		{name: "book invalid start", method: post, target: path, auth: tokenPatient, body: book("next week", "", "telehealth"), status: 400, code: "invalid_start", docRejects: true},
		{name: "book invalid end", method: post, target: path, auth: tokenPatient, body: book("{fourDays}", "later", "telehealth"), status: 400, code: "invalid_end", docRejects: true},
		{name: "book in the past", method: post, target: path, auth: tokenPatient, body: book("{earlier}", "", "telehealth"), status: 400, code: "start_in_past"},
		{name: "book too far ahead", method: post, target: path, auth: tokenPatient, body: book("{threeYears}", "", "telehealth"), status: 400, code: "start_too_far"},
		{name: "book end before start", method: post, target: path, auth: tokenPatient, body: book("{fourDays}", "{dayAfter}", "telehealth"), status: 400, code: "invalid_period"},
		{name: "book long key", method: post, target: path, auth: tokenPatient, header: withKey(strings.Repeat("k", 129)), body: book("{fourDays}", "", "telehealth"), status: 400, code: "invalid_idempotency_key", docRejects: true},
		{name: "book empty body", method: post, target: path, auth: tokenPatient, body: "", status: 400, code: "empty_body", docRejects: true},
		{name: "book invalid JSON", method: post, target: path, auth: tokenPatient, body: "{", status: 400, code: "invalid_json", docRejects: true},
		{name: "book wrong type", method: post, target: path, auth: tokenPatient, body: `{"providerId":7}`, status: 400, code: "invalid_field", docRejects: true},
		{name: "book unknown field", method: post, target: path, auth: tokenPatient, body: `{"patientId":"p1"}`, status: 400, code: "unknown_field", docRejects: true},
		{name: "book too large", method: post, target: path, auth: tokenPatient, body: `{"notes":"` + strings.Repeat("n", 8<<10) + `"}`, status: 413, code: "body_too_large"},
		{name: "book not JSON", method: post, target: path, auth: tokenPatient, contentType: "text/plain", body: "x", status: 415, code: "unsupported_media_type"},

		named("complete before start", change(map[string]string{"status": "completed"}, 409, "invalid_transition", false)),
		{name: "list", method: get, target: path, auth: tokenPatient, status: 200, after: wantItems("appointments", 2)},
		{name: "list first page", method: get, target: path + "?limit=1", auth: tokenPatient, status: 200, save: map[string]string{"nextCursor": "appointmentCursor"}},
		{name: "list next page", method: get, target: path + "?limit=1&cursor={appointmentCursor}", auth: tokenPatient, status: 200, after: wantItems("appointments", 1)},
		{name: "list filtered", method: get, target: path + "?status=scheduled&from={dayAgo}&to={fourDays}", auth: tokenPatient, status: 200, after: wantItems("appointments", 2)},
		{name: "read", method: get, target: path + "?id={bookedA}", auth: tokenPatient, status: 200},
		{name: "read unknown", method: get, target: path + "?id={run}", auth: tokenPatient, status: 404, code: "not_found"},
		{name: "read other patient's", method: get, target: path + "?id={bookedA}", auth: tokenEmpty, status: 404, code: "not_found"},
		{name: "read dot dot id", method: get, target: path + "?id=..", auth: tokenPatient, status: 404, code: "not_found"},
		{name: "read escaped dot dot id", method: get, target: path + "?id=%2E%2E", auth: tokenPatient, status: 404, code: "not_found"},
		{name: "read dot id", method: get, target: path + "?id=.", auth: tokenPatient, status: 404, code: "not_found"},
		{name: "change dot dot id", method: patch, target: path + "?id=..", auth: tokenPatient, header: match("{versionB}"), body: map[string]string{"status": "cancelled"}, status: 404, code: "not_found"},
		{name: "read empty id", method: get, target: path + "?id=", auth: tokenPatient, status: 400, code: "id_required", docRejects: true},
		{name: "list bad encoding", method: get, target: path + "?from=%zz", auth: tokenPatient, status: 400, code: "invalid_query"},
		{name: "list unknown parameter", method: get, target: path + "?patient=p1", auth: tokenPatient, status: 400, code: "unknown_parameter"},
		{name: "list repeated parameter", method: get, target: path + "?limit=1&limit=2", auth: tokenPatient, status: 400, code: "repeated_parameter"},
		{name: "list invalid from", method: get, target: path + "?from=today", auth: tokenPatient, status: 400, code: "invalid_from", docRejects: true},
		{name: "list invalid to", method: get, target: path + "?to=today", auth: tokenPatient, status: 400, code: "invalid_to", docRejects: true},
		{name: "list empty range", method: get, target: path + "?from={fourDays}&to={dayAgo}", auth: tokenPatient, status: 400, code: "invalid_range"},
		{name: "list unknown status", method: get, target: path + "?status=booked", auth: tokenPatient, status: 400, code: "invalid_status", docRejects: true},
		{name: "list limit too large", method: get, target: path + "?limit=101", auth: tokenPatient, status: 400, code: "invalid_limit", docRejects: true},
		{name: "list invalid cursor", method: get, target: path + "?cursor=bm90LWEtY3Vyc29y", auth: tokenPatient, status: 400, code: "invalid_cursor"},

		named("reschedule onto another", change(map[string]string{"start": "{dayAfter}"}, 409, "overlap", false)),
		named("change status and time", change(map[string]string{"status": "cancelled", "start": "{fourDays}"}, 400, "invalid_change", true)),
		named("change unknown status", change(map[string]string{"status": "postponed"}, 400, "invalid_status", true)),
		named("change nothing", change(map[string]string{"end": "{fourDays}"}, 400, "empty_change", true)),
		named("reschedule invalid start", change(map[string]string{"start": "soon"}, 400, "invalid_start", true)),
		named("reschedule invalid end", change(map[string]string{"start": "{fourDays}", "end": "soon"}, 400, "invalid_end", true)),
		named("reschedule into the past", change(map[string]string{"start": "{earlier}"}, 400, "start_in_past", false)),
		named("reschedule too far", change(map[string]string{"start": "{threeYears}"}, 400, "start_too_far", false)),
		named("reschedule end first", change(map[string]string{"start": "{fourDays}", "end": "{dayAfter}"}, 400, "invalid_period", false)),
		named("change empty body", change("", 400, "empty_body", true)),
		named("change invalid JSON", change("{", 400, "invalid_json", true)),
		named("change wrong type", change(`{"status":1}`, 400, "invalid_field", true)),
		named("change unknown field", change(`{"providerId":"x"}`, 400, "unknown_field", true)),
		named("change too large", change(`{"status":"`+strings.Repeat("s", 8<<10)+`"}`, 413, "body_too_large", false)),
		{name: "change not JSON", method: patch, target: path + "?id={bookedB}", auth: tokenPatient, header: match("{versionB}"), contentType: "text/plain", body: "x", status: 415, code: "unsupported_media_type"},
		{name: "change without id", method: patch, target: path, auth: tokenPatient, header: match("{versionB}"), body: map[string]string{"status": "cancelled"}, status: 400, code: "id_required", docRejects: true},
		{name: "change unknown", method: patch, target: path + "?id={run}", auth: tokenPatient, header: match("{versionB}"), body: map[string]string{"status": "cancelled"}, status: 404, code: "not_found"},
		{name: "change without If-Match", method: patch, target: path + "?id={bookedB}", auth: tokenPatient, body: map[string]string{"status": "cancelled"}, status: 428, code: "precondition_required", docRejects: true},
		{name: "reschedule", method: patch, target: path + "?id={bookedA}", auth: tokenPatient, header: match("{versionA}"), body: map[string]string{"start": "{fiveDays}"}, status: 200, save: map[string]string{"version": "versionA2"}},
		{name: "change stale version", method: patch, target: path + "?id={bookedA}", auth: tokenPatient, header: match("{versionA}"), body: map[string]string{"status": "cancelled"}, status: 409, code: "conflict"},
		{name: "cancel", method: patch, target: path + "?id={bookedA}", auth: tokenPatient, header: match("{versionA2}"), body: map[string]string{"status": "cancelled"}, status: 200, save: map[string]string{"version": "versionA3"}},
		{name: "complete cancelled", method: patch, target: path + "?id={bookedA}", auth: tokenPatient, header: match("{versionA3}"), body: map[string]string{"status": "completed"}, status: 409, code: "invalid_transition"},
	}
}
