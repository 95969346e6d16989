package contract

import (
	"net/http"
	"strings"

	"github.com/ihep/backend/shared/catalog"
)

// resourcesCases create one article, unpublished so that no other test
// lists it, and delete it afterwards.
func resourcesCases() []apiCase {
	const path = "/resources"
	get, post, patch := http.MethodGet, http.MethodPost, http.MethodPatch
	article := map[string]any{"title": "Contract test article", "summary": "Checks the resources contract.", "body": "Eat more vegetables and less salt.",
		"sourceUrl": "https://example.org/contract", "conditions": []string{"diabetes"}, "published": false}
	with := func(field string, value any) map[string]any {
		body := map[string]any{"title": "T", "summary": "S", "body": "B", "conditions": []string{"diabetes"}, "published": false}
		body[field] = value
		return body
	}
	create := func(name string, body any, status int, code string, docRejects bool) apiCase {
		return apiCase{name: name, method: post, target: path, auth: tokenAdmin, body: body, status: status, code: code, docRejects: docRejects}
	}
	edit := func(name string, body any, status int, code string, docRejects bool) apiCase {
		return apiCase{name: name, method: patch, target: path + "?id={articleId}", auth: tokenAdmin, body: body, status: status, code: code, docRejects: docRejects}
	}
	tooLarge := `{"body":"` + strings.Repeat("b", 400_000) + `"}`
	created := create("create", article, 201, "", false)
	created.after = deleteAtEnd(catalog.ArticlesCollection, "id", "articleId")
	return []apiCase{
		created,
		{name: "create as patient", method: post, target: path, auth: tokenPatient, body: article, status: 403, code: "admin_required"},
		create("create bad date", with("publishedAt", "yesterday"), 400, "invalid_published_at", true),
		create("create no title", with("title", ""), 400, "invalid_title", true),
		create("create no summary", with("summary", ""), 400, "invalid_summary", true),
		create("create no content", with("body", ""), 400, "missing_content", false),
		create("create long body", with("body", strings.Repeat("b", 100_001)), 400, "invalid_body", true),
		create("create plain http", with("sourceUrl", "http://example.org/a"), 400, "invalid_source_url", false),
		create("create no conditions", with("conditions", []string{}), 400, "invalid_conditions", true),
		create("create long reading", with("readingMinutes", 601), 400, "invalid_reading_minutes", true),
		create("create unknown condition", with("conditions", []string{"gout"}), 400, "unknown_condition", false),
		create("create empty body", "", 400, "empty_body", true),
		create("create invalid JSON", "{", 400, "invalid_json", true),
		create("create wrong type", `{"title":1}`, 400, "invalid_field", true),
		create("create unknown field", `{"author":"x"}`, 400, "unknown_field", true),
		create("create too large", tooLarge, 413, "body_too_large", false),
		{name: "create not JSON", method: post, target: path, auth: tokenAdmin, contentType: "text/plain", body: "x", status: 415, code: "unsupported_media_type"},

		{name: "read as admin", method: get, target: path + "?id={articleId}", auth: tokenAdmin, status: 200},
		{name: "read reserved id", method: get, target: path + "?id=__x__", auth: tokenPatient, status: 404, code: "not_found"},
		{name: "read unpublished", method: get, target: path + "?id={articleId}", auth: tokenPatient, status: 404, code: "not_found"},
		{name: "list by condition", method: get, target: path + "?condition=diabetes,heart-disease&pageSize=2&q=salt", auth: tokenPatient, status: 200},
		{name: "list for survey", method: get, target: path, auth: tokenPatient, status: 200},
		{name: "list other parameter", method: get, target: path + "?sort=new", auth: tokenPatient, status: 400, code: "unknown_parameter"},
		{name: "list zero page size", method: get, target: path + "?pageSize=0", auth: tokenPatient, status: 400, code: "invalid_page_size", docRejects: true},
		{name: "list page size", method: get, target: path + "?pageSize=51", auth: tokenPatient, status: 400, code: "invalid_page_size", docRejects: true},
		{name: "list too many conditions", method: get, target: path + "?condition=a,b,c,d,e,f,g,h,i,j,k", auth: tokenPatient, status: 400, code: "too_many_conditions"},
		{name: "list unknown condition", method: get, target: path + "?condition=gout", auth: tokenPatient, status: 400, code: "unknown_condition"},
		{name: "list long text", method: get, target: path + "?condition=diabetes&q=" + strings.Repeat("q", 101), auth: tokenPatient, status: 400, code: "invalid_query", docRejects: true},
		{name: "list bad page token", method: get, target: path + "?condition=diabetes&pageToken=bogus", auth: tokenPatient, status: 400, code: "invalid_page_token"},

		edit("update", map[string]any{"title": "Contract test article, renamed"}, 200, "", false),
		edit("update bad date", map[string]any{"publishedAt": "soon"}, 400, "invalid_published_at", true),
		edit("update no title", map[string]any{"title": " "}, 400, "invalid_title", false),
		edit("update no summary", map[string]any{"summary": ""}, 400, "invalid_summary", true),
		edit("update no content", map[string]any{"body": "", "sourceUrl": ""}, 400, "missing_content", false),
		edit("update long body", map[string]any{"body": strings.Repeat("b", 100_001)}, 400, "invalid_body", true),
		edit("update plain http", map[string]any{"sourceUrl": "http://example.org/a"}, 400, "invalid_source_url", false),
		edit("update no conditions", map[string]any{"conditions": []string{}}, 400, "invalid_conditions", true),
		edit("update long reading", map[string]any{"readingMinutes": 601}, 400, "invalid_reading_minutes", true),
		edit("update unknown condition", map[string]any{"conditions": []string{"gout"}}, 400, "unknown_condition", false),
		edit("update empty body", "", 400, "empty_body", true),
		edit("update invalid JSON", "{", 400, "invalid_json", true),
		edit("update wrong type", `{"published":"no"}`, 400, "invalid_field", true),
		edit("update unknown field", `{"author":"x"}`, 400, "unknown_field", true),
		edit("update too large", tooLarge, 413, "body_too_large", false),
		{name: "update not JSON", method: patch, target: path + "?id={articleId}", auth: tokenAdmin, contentType: "text/plain", body: "x", status: 415, code: "unsupported_media_type"},
		{name: "update other parameter", method: patch, target: path + "?id={articleId}&force=1", auth: tokenAdmin, body: map[string]any{"published": false}, status: 400, code: "unknown_parameter"},
		{name: "update unknown", method: patch, target: path + "?id={run}-none", auth: tokenAdmin, body: map[string]any{"published": false}, status: 404, code: "not_found"},
		{name: "update as patient", method: patch, target: path + "?id={articleId}", auth: tokenPatient, body: map[string]any{"published": false}, status: 403, code: "admin_required"},
	}
}
