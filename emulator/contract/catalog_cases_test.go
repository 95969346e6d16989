package contract

import (
	"net/http"
	"strings"

	"github.com/ihep/backend/shared/catalog"
)

// catalogCases create one condition, inactive so that no other test finds
// it in the catalog, and delete it afterwards.
func catalogCases() []apiCase {
	const path = "/conditions"
	get, post, patch := http.MethodGet, http.MethodPost, http.MethodPatch
	condition := map[string]any{"slug": "contract-{run}", "name": "Contract Test", "description": "A condition of the contract test.", "order": 9000, "active": false}
	edit := func(name string, body any, status int, code string, docRejects bool) apiCase {
		return apiCase{name: name, method: patch, target: path + "?slug=contract-{run}", auth: tokenAdmin, body: body, status: status, code: code, docRejects: docRejects}
	}
	return []apiCase{
		{name: "list", method: get, target: path, status: 200},
		{name: "list with parameter", method: get, target: path + "?active=false", status: 400, code: "unknown_parameter"},
		{name: "create", method: post, target: path, auth: tokenAdmin, body: condition, status: 201, after: deleteAtEnd(catalog.ConditionsCollection, "slug", "")},
		{name: "create again", method: post, target: path, auth: tokenAdmin, body: condition, status: 409, code: "already_exists"},
		{name: "create as patient", method: post, target: path, auth: tokenPatient, body: condition, status: 403, code: "admin_required"},
		{name: "create bad slug", method: post, target: path, auth: tokenAdmin, body: map[string]any{"slug": "Bad Slug", "name": "X"}, status: 400, code: "invalid_slug", docRejects: true},
		{name: "create no name", method: post, target: path, auth: tokenAdmin, body: map[string]any{"slug": "contract-{run}-x", "name": ""}, status: 400, code: "invalid_name", docRejects: true},
		{name: "create long description", method: post, target: path, auth: tokenAdmin, body: map[string]any{"slug": "contract-{run}-x", "name": "X", "description": strings.Repeat("d", 1001)}, status: 400, code: "invalid_description", docRejects: true},
		{name: "create bad order", method: post, target: path, auth: tokenAdmin, body: map[string]any{"slug": "contract-{run}-x", "name": "X", "order": -1}, status: 400, code: "invalid_order", docRejects: true},
		{name: "create empty body", method: post, target: path, auth: tokenAdmin, body: "", status: 400, code: "empty_body", docRejects: true},
		{name: "create invalid JSON", method: post, target: path, auth: tokenAdmin, body: "{", status: 400, code: "invalid_json", docRejects: true},
		{name: "create wrong type", method: post, target: path, auth: tokenAdmin, body: `{"order":"first"}`, status: 400, code: "invalid_field", docRejects: true},
		{name: "create unknown field", method: post, target: path, auth: tokenAdmin, body: `{"icon":"heart"}`, status: 400, code: "unknown_field", docRejects: true},
		{name: "create too large", method: post, target: path, auth: tokenAdmin, body: oversized, status: 413, code: "body_too_large"},
		{name: "create not JSON", method: post, target: path, auth: tokenAdmin, contentType: "text/plain", body: "x", status: 415, code: "unsupported_media_type"},

		edit("update", map[string]any{"name": "Contract Test, renamed", "order": 9001}, 200, "", false),
		edit("update slug", map[string]any{"slug": "other"}, 400, "slug_read_only", false),
		edit("update no name", map[string]any{"name": " "}, 400, "invalid_name", false),
		edit("update long description", map[string]any{"description": strings.Repeat("d", 1001)}, 400, "invalid_description", true),
		edit("update bad order", map[string]any{"order": 10001}, 400, "invalid_order", true),
		edit("update empty body", "", 400, "empty_body", true),
		edit("update invalid JSON", "{", 400, "invalid_json", true),
		edit("update wrong type", `{"active":"no"}`, 400, "invalid_field", true),
		edit("update unknown field", `{"icon":"heart"}`, 400, "unknown_field", true),
		edit("update too large", oversized, 413, "body_too_large", false),
		{name: "update not JSON", method: patch, target: path + "?slug=contract-{run}", auth: tokenAdmin, contentType: "text/plain", body: "x", status: 415, code: "unsupported_media_type"},
		{name: "update other parameter", method: patch, target: path + "?slug=contract-{run}&force=1", auth: tokenAdmin, body: map[string]any{"order": 1}, status: 400, code: "unknown_parameter"},
		{name: "update unknown", method: patch, target: path + "?slug=contract-{run}-none", auth: tokenAdmin, body: map[string]any{"order": 1}, status: 404, code: "not_found"},
		{name: "update as patient", method: patch, target: path + "?slug=contract-{run}", auth: tokenPatient, body: map[string]any{"order": 1}, status: 403, code: "admin_required"},
	}
}
