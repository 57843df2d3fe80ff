package is

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"sort"
	"strings"
	"testing"
)

// step is one call of a contract scenario: the status code and, for JSON answers, the schema of the
// body (or of each element when list is set). Paths may hold {var} placeholders filled by capture.
type step struct {
	name         string
	method, path string
	body         any // JSON-marshalled; a string is sent as is
	noAuth       bool
	status       int
	schema       *schema
	list         bool
	emptyBody    bool
	capture      func(m map[string]any, vars map[string]string)
}

func runSteps(t *testing.T, s *sim, steps []step) {
	t.Helper()
	vars := map[string]string{}
	for _, st := range steps {
		path := st.path
		for k, v := range vars {
			path = strings.ReplaceAll(path, "{"+k+"}", v)
		}
		var rd io.Reader
		switch b := st.body.(type) {
		case nil:
		case string:
			rd = strings.NewReader(b)
		default:
			raw, err := json.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			rd = bytes.NewReader(raw)
		}
		hdr := map[string]string{"Content-Type": "application/json"}
		if !st.noAuth {
			hdr["Authorization"] = basic("admin", "admin")
		}
		r := s.do(st.method, path, rd, hdr)
		if r.status != st.status {
			t.Errorf("%s: %s %s → %d %s, want %d", st.name, st.method, path, r.status, r.body, st.status)
			continue
		}
		if st.emptyBody && r.body != "" {
			t.Errorf("%s: body %q, want none", st.name, r.body)
		}
		if st.schema == nil {
			continue
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: Content-Type %q", st.name, ct)
		}
		var v any
		if err := json.Unmarshal([]byte(r.body), &v); err != nil {
			t.Errorf("%s: body %q: %v", st.name, r.body, err)
			continue
		}
		var errs []string
		if st.list {
			arr, ok := v.([]any)
			if !ok {
				t.Errorf("%s: want a JSON array, got %s", st.name, r.body)
				continue
			}
			for _, e := range arr {
				errs = append(errs, checkSchema(st.name, e, st.schema)...)
			}
		} else {
			errs = checkSchema(st.name, v, st.schema)
		}
		for _, e := range errs {
			t.Error(e)
		}
		if m, ok := v.(map[string]any); ok && st.capture != nil {
			st.capture(m, vars)
		}
	}
}

func captureAs(field, as string) func(map[string]any, map[string]string) {
	return func(m map[string]any, vars map[string]string) { vars[as], _ = m[field].(string) }
}

// TestContractDCR: dcr-v1.1 operations with identity-server-7.md §7 status codes (reference wins:
// duplicate name 400 not 409, unknown client_id 401 with no body, DELETE 204) and the ApplicationDTO
// field list per version. UNCONFIRMED (§7): Jackson's scalar coercion and the text of the mapped error;
// chose to refuse every mismatch with the malformed-body text.
func TestContractDCR(t *testing.T) {
	for _, v := range []struct {
		version string
		app     *schema
	}{{"7.0.0", dcrApplication70}, {"7.1.0", dcrApplication71}, {"7.2.0", dcrApplication71}} {
		t.Run(v.version, func(t *testing.T) {
			s := startDefault(t, v.version)
			full := map[string]any{"client_name": "c1", "grant_types": []string{"client_credentials", "password"},
				"redirect_uris": []string{"https://cb.example/cb"}, "token_type_extension": "JWT",
				"ext_application_display_name": "App", "ext_pkce_mandatory": true, "ext_refresh_token_lifetime": 7200,
				"jwks_uri": "https://jwks.example/keys"}
			runSteps(t, s, []step{
				{name: "register", method: "POST", path: dcrPath, body: full, status: 201, schema: v.app,
					capture: captureAs("client_id", "cid")},
				{name: "register minimal", method: "POST", path: dcrPath, body: map[string]any{"client_name": "c2"}, status: 201, schema: v.app},
				{name: "duplicate name", method: "POST", path: dcrPath, body: map[string]any{"client_name": "c1"}, status: 400, schema: dcrErrorSchema},
				{name: "unknown field", method: "POST", path: dcrPath, body: map[string]any{"client_name": "c3", "nope": 1}, status: 400, schema: dcrErrorSchema},
				{name: "wrong type", method: "POST", path: dcrPath, body: map[string]any{"client_name": "c3", "ext_public_client": "yes"}, status: 400, schema: dcrErrorSchema},
				{name: "wrong array element", method: "POST", path: dcrPath, body: map[string]any{"client_name": "c3", "contacts": []any{1}}, status: 400, schema: dcrErrorSchema},
				{name: "unauthenticated", method: "POST", path: dcrPath, body: map[string]any{"client_name": "c4"}, noAuth: true, status: 401, emptyBody: true},
				{name: "get", method: "GET", path: dcrPath + "/{cid}", status: 200, schema: v.app},
				{name: "get by name", method: "GET", path: dcrPath + "?client_name=c1", status: 200, schema: v.app},
				{name: "get unknown", method: "GET", path: dcrPath + "/nope", status: 401, emptyBody: true},
				{name: "update", method: "PUT", path: dcrPath + "/{cid}", body: map[string]any{"client_name": "c1", "grant_types": []string{"password"}}, status: 200, schema: v.app},
				{name: "update unknown", method: "PUT", path: dcrPath + "/nope", body: map[string]any{"client_name": "x"}, status: 401, emptyBody: true},
				{name: "delete", method: "DELETE", path: dcrPath + "/{cid}", status: 204, emptyBody: true},
				{name: "delete again", method: "DELETE", path: dcrPath + "/{cid}", status: 401, emptyBody: true},
			})
		})
	}
}

// TestContractDCRFieldValues: the values behind the types — echoed fields keep the posted JSON type,
// client_secret_expires_at is always 0 (§7).
func TestContractDCRFieldValues(t *testing.T) {
	s := startDefault(t, "7.1.0")
	r := s.adminJSON("POST", dcrPath, map[string]any{"client_name": "v", "ext_allowed_audience": "organization",
		"ext_application_token_lifetime": 60, "ext_public_client": true})
	m := r.json(t)
	if m["client_secret_expires_at"] != 0.0 || m["ext_allowed_audience"] != "organization" ||
		m["ext_application_token_lifetime"] != 60.0 || m["ext_public_client"] != true || m["ext_application_owner"] != "admin" {
		t.Fatalf("%s", r.body)
	}
}

// TestContractLegacyScopes: oauth2-scopes-v1.0 operations, schema "scope" and "error"; 409 on conflict,
// 404 unknown (identity-server-7.md §8).
func TestContractLegacyScopes(t *testing.T) {
	s := startDefault(t, "7.1.0")
	sc := map[string]any{"name": "read", "displayName": "Read", "description": "d", "bindings": []string{"r1"}}
	runSteps(t, s, []step{
		{name: "create", method: "POST", path: scopesPath, body: sc, status: 201, schema: legacyScopeSchema},
		{name: "create minimal", method: "POST", path: scopesPath, body: map[string]any{"name": "w", "displayName": "W"}, status: 201, schema: legacyScopeSchema},
		{name: "conflict", method: "POST", path: scopesPath, body: sc, status: 409, schema: restErrorSchema},
		{name: "missing displayName", method: "POST", path: scopesPath, body: map[string]any{"name": "x"}, status: 400, schema: restErrorSchema},
		{name: "unauthenticated", method: "GET", path: scopesPath, noAuth: true, status: 401},
		{name: "list", method: "GET", path: scopesPath + "?startIndex=0&count=10", status: 200, schema: legacyScopeSchema, list: true},
		{name: "get", method: "GET", path: scopesPath + "/name/read", status: 200, schema: legacyScopeSchema},
		{name: "get unknown", method: "GET", path: scopesPath + "/name/nope", status: 404, schema: restErrorSchema},
		{name: "head", method: "HEAD", path: scopesPath + "/name/read", status: 200},
		{name: "head unknown", method: "HEAD", path: scopesPath + "/name/nope", status: 404},
		{name: "update", method: "PUT", path: scopesPath + "/name/read", body: map[string]any{"displayName": "R2",
			"scopeBindings": []any{map[string]any{"bindingType": "DEFAULT", "binding": []string{"r2"}}}}, status: 200, schema: legacyScopeSchema},
		{name: "update unknown", method: "PUT", path: scopesPath + "/name/nope", body: map[string]any{"displayName": "N"}, status: 404, schema: restErrorSchema},
		{name: "delete", method: "DELETE", path: scopesPath + "/name/read", status: 204, emptyBody: true},
		{name: "delete unknown", method: "DELETE", path: scopesPath + "/name/read", status: 404, schema: restErrorSchema},
	})
}

// TestContractIdentityProviders: identity-providers-v1 addIDP (201 + Location), getIDPs, getIDP,
// deleteIDP (204), 409 duplicate, 404 unknown, 400 missing name. UNCONFIRMED (spec gives no defaults):
// chose every IdP when limit is absent, startIndex = offset+1 and no pagination links.
func TestContractIdentityProviders(t *testing.T) {
	s := startDefault(t, "7.1.0")
	cert := base64PEM(t, s.s.keys[0].chain[0].Raw)
	runSteps(t, s, []step{
		{name: "create", method: "POST", path: idpPath, body: map[string]any{"name": "ext", "alias": "a", "idpIssuerName": "iss",
			"image": "https://img.example/i.png", "isPrimary": false, "homeRealmIdentifier": "hr",
			"certificate": map[string]any{"certificates": []string{cert}}}, status: 201, schema: idpResponseSchema,
			capture: captureAs("id", "id")},
		{name: "create jwks", method: "POST", path: idpPath, body: map[string]any{"name": "ext2", "certificate": map[string]any{"jwksUri": "https://x/jwks"}},
			status: 201, schema: idpResponseSchema},
		{name: "duplicate", method: "POST", path: idpPath, body: map[string]any{"name": "ext"}, status: 409, schema: restErrorSchema},
		{name: "no name", method: "POST", path: idpPath, body: map[string]any{"alias": "x"}, status: 400, schema: restErrorSchema},
		{name: "unauthenticated", method: "GET", path: idpPath, noAuth: true, status: 401},
		{name: "list", method: "GET", path: idpPath, status: 200, schema: idpListSchema},
		{name: "list page", method: "GET", path: idpPath + "?limit=1&offset=1", status: 200, schema: idpListSchema,
			capture: func(m map[string]any, _ map[string]string) {
				if m["totalResults"] != 2.0 || m["count"] != 1.0 || m["startIndex"] != 2.0 {
					t.Errorf("page: %v", m)
				}
			}},
		{name: "get", method: "GET", path: idpPath + "/{id}", status: 200, schema: idpResponseSchema,
			capture: func(m map[string]any, _ map[string]string) {
				if m["image"] != "https://img.example/i.png" || m["homeRealmIdentifier"] != "hr" || m["alias"] != "a" {
					t.Errorf("posted fields not returned: %v", m)
				}
			}},
		{name: "get unknown", method: "GET", path: idpPath + "/nope", status: 404, schema: restErrorSchema},
		{name: "delete", method: "DELETE", path: idpPath + "/{id}", status: 204, emptyBody: true},
		{name: "delete unknown", method: "DELETE", path: idpPath + "/{id}", status: 404, schema: restErrorSchema},
	})
}

// TestContractAPIResources: api-resources-v1 with identity-server-7.md §8 (reference wins: POST 201,
// list property apiResources, PATCH 204 / removedScopes 501, DELETE scope 204).
func TestContractAPIResources(t *testing.T) {
	for _, version := range []string{"7.0.0", "7.1.0"} {
		t.Run(version, func(t *testing.T) {
			s := startDefault(t, version)
			patchScope := 204
			if version == "7.0.0" {
				patchScope = 405 // §8: PATCH /{id}/scopes/{scopeName} only from 7.1.0
			}
			res := map[string]any{"name": "User-defined OAuth2 Resource", "identifier": "User-defined-oauth2-resource",
				"requiresAuthorization": true, "scopes": []any{map[string]any{"name": "s1", "displayName": "S1", "description": "d"},
					map[string]any{"name": "s2"}}}
			runSteps(t, s, []step{
				{name: "create", method: "POST", path: apiResourcesPath, body: res, status: 201, schema: apiResourceResponse,
					capture: captureAs("id", "id")},
				{name: "duplicate identifier", method: "POST", path: apiResourcesPath, body: res, status: 409, schema: restErrorSchema},
				{name: "missing identifier", method: "POST", path: apiResourcesPath, body: map[string]any{"name": "n"}, status: 400, schema: restErrorSchema},
				{name: "unauthenticated", method: "GET", path: apiResourcesPath, noAuth: true, status: 401},
				{name: "list", method: "GET", path: apiResourcesPath, status: 200, schema: apiResourceList},
				{name: "filter", method: "GET", path: apiResourcesPath + "?filter=identifier+eq+User-defined-oauth2-resource&limit=10",
					status: 200, schema: apiResourceList, capture: func(m map[string]any, _ map[string]string) {
						if l, _ := m["apiResources"].([]any); len(l) != 1 {
							t.Errorf("filter: %v", m)
						}
					}},
				{name: "bad filter", method: "GET", path: apiResourcesPath + "?filter=bogus", status: 400, schema: restErrorSchema},
				{name: "get", method: "GET", path: apiResourcesPath + "/{id}", status: 200, schema: apiResourceResponse},
				{name: "get unknown", method: "GET", path: apiResourcesPath + "/nope", status: 404, schema: restErrorSchema},
				{name: "patch", method: "PATCH", path: apiResourcesPath + "/{id}", body: map[string]any{"addedScopes": []any{map[string]any{"name": "s3"}}},
					status: 204, emptyBody: true},
				{name: "patch removed", method: "PATCH", path: apiResourcesPath + "/{id}", body: map[string]any{"removedScopes": []string{"s3"}},
					status: 501, schema: restErrorSchema},
				{name: "patch duplicate scope", method: "PATCH", path: apiResourcesPath + "/{id}", body: map[string]any{"addedScopes": []any{map[string]any{"name": "s1"}}},
					status: 409, schema: restErrorSchema},
				{name: "scopes", method: "GET", path: apiResourcesPath + "/{id}/scopes", status: 200, schema: scopeGetModel, list: true},
				{name: "put scopes", method: "PUT", path: apiResourcesPath + "/{id}/scopes", body: []any{map[string]any{"name": "s1"}, map[string]any{"name": "s4"}},
					status: 204, emptyBody: true},
				{name: "patch scope", method: "PATCH", path: apiResourcesPath + "/{id}/scopes/s1", body: map[string]any{"displayName": "One"}, status: patchScope},
				{name: "tenant scopes", method: "GET", path: tenantScopesPath + "?filter=name+eq+s4", status: 200, schema: scopeGetModel, list: true},
				{name: "delete scope", method: "DELETE", path: apiResourcesPath + "/{id}/scopes/s4", status: 204, emptyBody: true},
				{name: "delete", method: "DELETE", path: apiResourcesPath + "/{id}", status: 204, emptyBody: true},
			})
		})
	}
}

// keysOf returns the sorted keys of m.
func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// base64PEM is an IdP certificate as the console posts it: base64 of the PEM block.
func base64PEM(t *testing.T, der []byte) string {
	t.Helper()
	return base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
