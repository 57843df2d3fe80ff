package is

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func (s *sim) dcr(method, path string, body any, auth string) resp {
	s.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	return s.do(method, dcrPath+path, rd, map[string]string{"Content-Type": "application/json", "Authorization": auth})
}

// TestDCRLifecycle: §7 — POST 201, GET 200, GET ?client_name= 200, PUT 200, DELETE 204; unknown client
// 401 with no body; duplicate name 400 invalid_client_metadata; unauthenticated 401.
func TestDCRLifecycle(t *testing.T) {
	s := startDefault(t, "7.1.0")
	admin := basic("admin", "admin")
	r := s.dcr("POST", "", map[string]any{"client_name": "admin_app_PRODUCTION", "grant_types": []string{"client_credentials"},
		"redirect_uris": []string{}, "token_type_extension": "JWT", "ext_allowed_audience": "organization"}, admin)
	if r.status != 201 {
		t.Fatalf("create %d %s", r.status, r.body)
	}
	app := r.json(t)
	id := app["client_id"].(string)
	if app["client_secret_expires_at"] != float64(0) || app["token_type_extension"] != "JWT" || app["ext_token_type"] != "JWT" ||
		app["ext_application_owner"] != "admin" || app["ext_allowed_audience"] != "organization" {
		t.Errorf("response %v", app)
	}
	for _, k := range []string{"ext_application_version", "token_endpoint_allow_reuse_pvt_key_jwt"} {
		if _, ok := app[k]; !ok {
			t.Errorf("7.1.0 response lacks %s", k)
		}
	}
	if !strings.HasPrefix(r.body, `{"client_id":"`) {
		t.Errorf("ApplicationDTO order: %s", r.body)
	}
	dup := s.dcr("POST", "", map[string]any{"client_name": "admin_app_PRODUCTION", "redirect_uris": []string{}}, admin)
	if dup.status != 400 || dup.json(t)["error"] != "invalid_client_metadata" ||
		dup.json(t)["error_description"] != "Application with the name admin_app_PRODUCTION already exist in the system" {
		t.Errorf("duplicate: %d %s", dup.status, dup.body)
	}
	if g := s.dcr("GET", "/"+id, nil, admin); g.status != 200 || g.json(t)["client_id"] != id {
		t.Errorf("get %d %s", g.status, g.body)
	}
	if g := s.dcr("GET", "?client_name=admin_app_PRODUCTION", nil, admin); g.status != 200 || g.json(t)["client_id"] != id {
		t.Errorf("get by name %d %s", g.status, g.body)
	}
	u := s.dcr("PUT", "/"+id, map[string]any{"client_name": "admin_app_PRODUCTION", "grant_types": []string{"client_credentials", "password"},
		"redirect_uris": []string{}, "client_id": id, "client_secret": app["client_secret"]}, admin)
	if u.status != 200 || len(u.json(t)["grant_types"].([]any)) != 2 {
		t.Errorf("update %d %s", u.status, u.body)
	}
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		if x := s.dcr(m, "/nope", map[string]any{}, admin); x.status != 401 || x.body != "" {
			t.Errorf("%s unknown client: %d %q", m, x.status, x.body)
		}
	}
	// §7: PUT binds the body first — an unknown field is 400 even for an unknown client.
	if x := s.dcr("PUT", "/nope", map[string]any{"no_such_field": 1}, admin); x.status != 400 ||
		x.json(t)["error_description"] != "Unrecognized field : no_such_field" {
		t.Errorf("PUT unknown client with an unknown field: %d %q", x.status, x.body)
	}
	if x := s.dcr("GET", "/"+id, nil, basic("admin", "wrong")); x.status != 401 {
		t.Errorf("bad admin password: %d", x.status)
	}
	if d := s.dcr("DELETE", "/"+id, nil, admin); d.status != 204 {
		t.Errorf("delete %d", d.status)
	}
	if g := s.dcr("GET", "/"+id, nil, admin); g.status != 401 {
		t.Errorf("get after delete %d", g.status)
	}
}

// TestDCRUnknownFields: §7 — Jackson rejects unknown fields with "Unrecognized field : <name>"; 7.0.0
// knows application_type/response_types but not ext_allowed_audience (so recent API-M connectors fail
// against 7.0.0 GA, derived), 7.1.0+ the reverse.
func TestDCRUnknownFields(t *testing.T) {
	cases := []struct {
		version, field string
		ok             bool
	}{
		{"7.0.0", "ext_allowed_audience", false},
		{"7.0.0", "token_endpoint_allow_reuse_pvt_key_jwt", false},
		{"7.0.0", "application_type", true},
		{"7.0.0", "response_types", true},
		{"7.1.0", "ext_allowed_audience", true},
		{"7.1.0", "application_type", false},
		{"7.3.0", "response_types", false},
		{"7.2.0", "no_such_field", false},
	}
	for _, c := range cases {
		s := startDefault(t, c.version)
		var v any = "organization"
		if c.field == "response_types" {
			v = []string{"code"}
		} else if c.field == "token_endpoint_allow_reuse_pvt_key_jwt" {
			v = false
		}
		r := s.dcr("POST", "", map[string]any{"client_name": "u", "redirect_uris": []string{}, c.field: v}, basic("admin", "admin"))
		if c.ok != (r.status == 201) {
			t.Errorf("%s %s: %d %s", c.version, c.field, r.status, r.body)
		}
		if !c.ok {
			m := r.json(t)
			if r.status != 400 || m["error"] != "invalid_client_metadata" || m["error_description"] != "Unrecognized field : "+c.field || m["traceId"] == nil {
				t.Errorf("%s %s: %s", c.version, c.field, r.body)
			}
		}
	}
	// 7.0.0 responses lack the 7.1 fields.
	s := startDefault(t, "7.0.0")
	r := s.dcr("POST", "", map[string]any{"client_name": "old", "redirect_uris": []string{}}, basic("admin", "admin")).json(t)
	if _, ok := r["ext_allowed_audience"]; ok {
		t.Errorf("7.0.0 response has ext_allowed_audience")
	}
}
