package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDecodeFieldTypeMessages(t *testing.T) {
	t.Parallel()
	type body struct {
		Value float64  `json:"value"`
		Count int      `json:"count"`
		Small *int8    `json:"small"`
		Name  string   `json:"name"`
		Tags  []string `json:"tags"`
	}
	cases := []struct {
		name, body, want string
	}{
		{"float overflow", `{"value":1e400}`, `Field "value" is a number out of range.`},
		{"int overflow", `{"count":99999999999999999999}`, `Field "count" is a number out of range.`},
		{"int8 overflow", `{"small":300}`, `Field "small" is a number out of range.`},
		{"fraction for int", `{"count":1.5}`, `Field "count" must be a whole number.`},
		{"string for number", `{"value":"x"}`, `Field "value" has the wrong type: expected a number.`},
		{"string for int", `{"count":"x"}`, `Field "count" has the wrong type: expected a whole number.`},
		{"number for string", `{"name":1}`, `Field "name" has the wrong type: expected a string.`},
		{"object for array", `{"tags":{}}`, `Field "tags" has the wrong type: expected an array.`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", "application/json")
			var dst body
			err := Decode(httptest.NewRecorder(), r, 1024, &dst)
			var apiErr *Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("Decode error = %v, want *Error", err)
			}
			if apiErr.Status != http.StatusBadRequest || apiErr.Code != "invalid_field" {
				t.Errorf("status, code = %d, %s, want 400, invalid_field", apiErr.Status, apiErr.Code)
			}
			if apiErr.Message != tc.want {
				t.Errorf("message = %q, want %q", apiErr.Message, tc.want)
			}
		})
	}
}

func TestCheckQueryMessages(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, target string
		allowed      []string
		want         string
	}{
		{"no parameters allowed", "/?uid=x", nil, `Query parameter "uid" is not allowed here: this endpoint takes no query parameters.`},
		{"some allowed", "/?uid=x", []string{"id", "q"}, `Query parameter "uid" is not allowed here: use id, q.`},
		{"allowed only", "/?id=x", []string{"id"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := CheckQuery(httptest.NewRequest(http.MethodGet, tc.target, nil), tc.allowed...)
			got := ""
			var apiErr *Error
			if errors.As(err, &apiErr) {
				got = apiErr.Message
			}
			if got != tc.want {
				t.Errorf("error = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestQueryPageSize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, target string
		want         int
		wantErr      bool
	}{
		{"absent", "/", 0, false},
		{"in range", "/?pageSize=7", 7, false},
		{"maximum", "/?pageSize=50", 50, false},
		{"zero", "/?pageSize=0", 0, true},
		{"empty", "/?pageSize=", 0, true},
		{"negative", "/?pageSize=-1", 0, true},
		{"above maximum", "/?pageSize=51", 0, true},
		{"not a number", "/?pageSize=x", 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := QueryPageSize(httptest.NewRequest(http.MethodGet, tc.target, nil), 50)
			var apiErr *Error
			switch {
			case tc.wantErr && !(errors.As(err, &apiErr) && apiErr.Code == "invalid_page_size"):
				t.Errorf("error = %v, want invalid_page_size", err)
			case !tc.wantErr && err != nil:
				t.Errorf("error = %v, want none", err)
			case got != tc.want:
				t.Errorf("page size = %d, want %d", got, tc.want)
			}
		})
	}
}
