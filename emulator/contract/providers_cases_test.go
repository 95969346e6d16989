package contract

import (
	"net/http"
	"strings"

	"github.com/ihep/backend/shared/directory"
)

// providersCases create one provider, inactive so that no other test finds
// it in a search.
func providersCases() []apiCase {
	const path = "/providers"
	get, post, patch := http.MethodGet, http.MethodPost, http.MethodPatch
	provider := func(field string, value any) map[string]any {
		body := map[string]any{"name": "Dr. Contract Inactive", "specialty": "Contract Testing", "appointmentTypes": []string{"telehealth"},
			"languages": []string{"en"}, "address": "1 Test Plaza", "phone": "+1 312 555 0101", "email": "inactive@example.com",
			"location": map[string]float64{"lat": -45.1, "lng": 170.2}, "active": false}
		if field != "" {
			body[field] = value
		}
		return body
	}
	create := func(name string, body any, status int, code string, docRejects bool) apiCase {
		return apiCase{name: name, method: post, target: path, auth: tokenAdmin, body: body, status: status, code: code, docRejects: docRejects}
	}
	edit := func(name string, body any, status int, code string, docRejects bool) apiCase {
		return apiCase{name: name, method: patch, target: path + "?id={newProviderId}", auth: tokenAdmin, body: body, status: status, code: code, docRejects: docRejects}
	}
	created := create("create", provider("", nil), 201, "", false)
	created.after = deleteAtEnd(directory.ProvidersCollection, "id", "newProviderId")
	return []apiCase{
		created,
		{name: "create as patient", method: post, target: path, auth: tokenPatient, body: provider("", nil), status: 403, code: "admin_required"},
		create("create no name", provider("name", ""), 400, "invalid_name", true),
		create("create no specialty", provider("specialty", ""), 400, "invalid_specialty", true),
		create("create long address", provider("address", strings.Repeat("a", 501)), 400, "invalid_address", true),
		create("create bad phone", provider("phone", "call me"), 400, "invalid_phone", true),
		create("create bad e-mail", provider("email", "not an address"), 400, "invalid_email", false),
		create("create no location", provider("location", nil), 400, "missing_location", false),
		create("create far location", provider("location", map[string]float64{"lat": 91, "lng": 0}), 400, "invalid_location", true),
		create("create no types", provider("appointmentTypes", []string{}), 400, "missing_appointment_types", true),
		create("create unknown type", provider("appointmentTypes", []string{"house-call"}), 400, "invalid_appointment_type", true),
		create("create no languages", provider("languages", []string{}), 400, "invalid_languages", true),
		create("create bad language", provider("languages", []string{"not a tag"}), 400, "invalid_language", false),
		create("create empty body", "", 400, "empty_body", true),
		create("create invalid JSON", "{", 400, "invalid_json", true),
		create("create wrong type", `{"name":1}`, 400, "invalid_field", true),
		create("create unknown field", `{"rating":5}`, 400, "unknown_field", true),
		create("create too large", oversized, 413, "body_too_large", false),
		{name: "create not JSON", method: post, target: path, auth: tokenAdmin, contentType: "text/plain", body: "x", status: 415, code: "unsupported_media_type"},

		{name: "read", method: get, target: path + "?id={providerId}", auth: tokenPatient, status: 200},
		{name: "read inactive as admin", method: get, target: path + "?id={newProviderId}", auth: tokenAdmin, status: 200},
		{name: "read reserved id", method: get, target: path + "?id=__x__", auth: tokenPatient, status: 404, code: "provider_not_found"},
		{name: "read inactive", method: get, target: path + "?id={newProviderId}", auth: tokenPatient, status: 404, code: "provider_not_found"},
		{name: "search by name", method: get, target: path + "?q=dr.%20contract&specialty=contract%20testing&appointmentType=telehealth&language=en&pageSize=5", auth: tokenPatient, status: 200},
		{name: "search near", method: get, target: path + "?near=41.88,-87.63&radiusKm=10", auth: tokenPatient, status: 200},
		{name: "search other parameter", method: get, target: path + "?city=Chicago", auth: tokenPatient, status: 400, code: "unknown_parameter"},
		{name: "search page size", method: get, target: path + "?pageSize=x", auth: tokenPatient, status: 400, code: "invalid_page_size", docRejects: true},
		{name: "search bad near", method: get, target: path + "?near=north", auth: tokenPatient, status: 400, code: "invalid_near", docRejects: true},
		{name: "search bad radius", method: get, target: path + "?near=41.88,-87.63&radiusKm=500", auth: tokenPatient, status: 400, code: "invalid_radius", docRejects: true},
		{name: "search zero radius", method: get, target: path + "?near=41.88,-87.63&radiusKm=0", auth: tokenPatient, status: 400, code: "invalid_radius", docRejects: true},
		{name: "search zero page size", method: get, target: path + "?pageSize=0", auth: tokenPatient, status: 400, code: "invalid_page_size", docRejects: true},
		{name: "search radius alone", method: get, target: path + "?radiusKm=5", auth: tokenPatient, status: 400, code: "radius_without_near"},
		{name: "search long prefix", method: get, target: path + "?q=" + strings.Repeat("q", 101), auth: tokenPatient, status: 400, code: "invalid_name_prefix", docRejects: true},
		{name: "search long specialty", method: get, target: path + "?specialty=" + strings.Repeat("s", 201), auth: tokenPatient, status: 400, code: "invalid_specialty", docRejects: true},
		{name: "search unknown type", method: get, target: path + "?appointmentType=house-call", auth: tokenPatient, status: 400, code: "invalid_appointment_type", docRejects: true},
		{name: "search bad language", method: get, target: path + "?language=not%20a%20tag", auth: tokenPatient, status: 400, code: "invalid_language"},
		{name: "search bad page token", method: get, target: path + "?pageToken=bogus", auth: tokenPatient, status: 400, code: "invalid_page_token"},

		edit("update", map[string]any{"address": "2 Test Plaza"}, 200, "", false),
		edit("update no name", map[string]any{"name": " "}, 400, "invalid_name", false),
		edit("update no specialty", map[string]any{"specialty": ""}, 400, "invalid_specialty", true),
		edit("update long address", map[string]any{"address": strings.Repeat("a", 501)}, 400, "invalid_address", true),
		edit("update bad phone", map[string]any{"phone": "call me"}, 400, "invalid_phone", true),
		edit("update bad e-mail", map[string]any{"email": "nope"}, 400, "invalid_email", false),
		edit("update far location", map[string]any{"location": map[string]float64{"lat": 0, "lng": 181}}, 400, "invalid_location", true),
		edit("update no types", map[string]any{"appointmentTypes": []string{}}, 400, "missing_appointment_types", true),
		edit("update unknown type", map[string]any{"appointmentTypes": []string{"house-call"}}, 400, "invalid_appointment_type", true),
		edit("update no languages", map[string]any{"languages": []string{}}, 400, "invalid_languages", true),
		edit("update bad language", map[string]any{"languages": []string{"not a tag"}}, 400, "invalid_language", false),
		edit("update empty body", "", 400, "empty_body", true),
		edit("update invalid JSON", "{", 400, "invalid_json", true),
		edit("update wrong type", `{"active":"no"}`, 400, "invalid_field", true),
		edit("update unknown field", `{"rating":5}`, 400, "unknown_field", true),
		edit("update too large", oversized, 413, "body_too_large", false),
		{name: "update not JSON", method: patch, target: path + "?id={newProviderId}", auth: tokenAdmin, contentType: "text/plain", body: "x", status: 415, code: "unsupported_media_type"},
		{name: "update other parameter", method: patch, target: path + "?id={newProviderId}&force=1", auth: tokenAdmin, body: map[string]any{"active": false}, status: 400, code: "unknown_parameter"},
		{name: "update unknown", method: patch, target: path + "?id={run}-none", auth: tokenAdmin, body: map[string]any{"active": false}, status: 404, code: "provider_not_found"},
		{name: "update as patient", method: patch, target: path + "?id={newProviderId}", auth: tokenPatient, body: map[string]any{"active": false}, status: 403, code: "admin_required"},
	}
}
