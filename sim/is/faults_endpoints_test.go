package is

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kmconform/kmconform/sim/faults"
)

// The faults of the endpoints and issuer areas (sim/faults/faults_endpoints.go): each test shows the
// documented behaviour without the fault and the one changed behaviour with it. Sections are those of
// identity-server-7.md.

// withFault starts a default 7.1.0 IS (plus extra TOML) playing one fault.
func withFault(t *testing.T, fault, extraTOML string) *sim {
	t.Helper()
	return start(t, "7.1.0", newHome(t, "7.1.0", extraTOML), Options{Faults: faults.Set{fault: true}})
}

// both runs check against a faithful IS and one playing fault.
func both(t *testing.T, fault, extraTOML string, check func(t *testing.T, s *sim, faulty bool)) {
	t.Helper()
	t.Run("documented", func(t *testing.T) { check(t, start(t, "7.1.0", newHome(t, "7.1.0", extraTOML), Options{}), false) })
	t.Run(fault, func(t *testing.T) { check(t, withFault(t, fault, extraTOML), true) })
}

func discoveryGrants(t *testing.T, s *sim) []string {
	t.Helper()
	var out []string
	for _, g := range s.do("GET", "/oauth2/token/.well-known/openid-configuration", nil, nil).json(t)["grant_types_supported"].([]any) {
		out = append(out, g.(string))
	}
	return out
}

// §3: grant_types_supported lists jwt-bearer; the fault drops it from the document, not from the server.
func TestFaultDiscoveryOmitsGrant(t *testing.T) {
	both(t, "is-discovery-omits-grant", "", func(t *testing.T, s *sim, faulty bool) {
		if got := slices.Contains(discoveryGrants(t, s), grantJWTBearer); got == faulty {
			t.Errorf("jwt-bearer listed = %t", got)
		}
		if _, ok := grants[grantJWTBearer]; !ok {
			t.Error("the grant itself must stay registered")
		}
	})
}

// §3: the document carries jwks_uri; the fault drops the key, not the JWKS endpoint.
func TestFaultDiscoveryOmitsJWKSURI(t *testing.T) {
	both(t, "is-discovery-omits-jwks-uri", "", func(t *testing.T, s *sim, faulty bool) {
		_, listed := s.do("GET", "/oauth2/token/.well-known/openid-configuration", nil, nil).json(t)["jwks_uri"]
		if listed == faulty {
			t.Errorf("jwks_uri listed = %t", listed)
		}
		if r := s.do("GET", "/oauth2/jwks", nil, nil); r.status != 200 {
			t.Errorf("the JWKS endpoint must still answer: %d", r.status)
		}
	})
}

// §4: a token answer carries Cache-Control: no-store and Pragma: no-cache.
func TestFaultTokenResponseCacheable(t *testing.T) {
	both(t, "is-token-response-cacheable", "", func(t *testing.T, s *sim, faulty bool) {
		id, secret := s.app("cache", "JWT", "client_credentials")
		r := s.token(id, secret, url.Values{"grant_type": {"client_credentials"}})
		if r.status != 200 {
			t.Fatalf("token: %d %s", r.status, r.body)
		}
		if got := r.header.Get("Cache-Control") == "no-store" && r.header.Get("Pragma") == "no-cache"; got == faulty {
			t.Errorf("Cache-Control %q Pragma %q", r.header.Get("Cache-Control"), r.header.Get("Pragma"))
		}
	})
}

// §4 error table: a grant the app is not registered with → 400 unauthorized_client.
func TestFaultTokenIgnoresAppGrants(t *testing.T) {
	both(t, "is-token-ignores-app-grants", "", func(t *testing.T, s *sim, faulty bool) {
		id, secret := s.app("cc-only", "JWT", "client_credentials")
		r := s.token(id, secret, url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}})
		if faulty {
			if r.status != 200 {
				t.Errorf("under the fault the password grant must be issued: %d %s", r.status, r.body)
			}
			return
		}
		expectGrantErr(t, "grant not allowed", r, 400, "unauthorized_client", "The authenticated client is not authorized to use this authorization grant type")
	})
}

// §5: a redirect_uri the client did not register goes to oauth2_error.do, never to the URI.
func TestFaultAuthorizeOpenRedirect(t *testing.T) {
	both(t, "is-authorize-open-redirect", "", func(t *testing.T, s *sim, faulty bool) {
		id, _ := s.register(map[string]any{"client_name": "redir", "grant_types": []string{"authorization_code"},
			"redirect_uris": []string{"https://app.example/cb"}})
		b := s.browser()
		r := b.get(authorizeURL(id, "https://evil.example/cb", url.Values{"scope": {"openid"}}))
		loc := r.header.Get("Location")
		if !faulty {
			if r.status != 302 || !strings.Contains(loc, "/authenticationendpoint/oauth2_error.do") {
				t.Errorf("unregistered redirect_uri: %d %q", r.status, loc)
			}
			return
		}
		consent := b.login(authorizeURL(id, "https://evil.example/cb", url.Values{"scope": {"openid"}}))
		final := b.approve(consent, "approve")
		if !strings.HasPrefix(final, "https://evil.example/cb?") || query(t, final).Get("code") == "" {
			t.Errorf("under the fault the code must go to the unregistered URI: %q", final)
		}
	})
}

// §6: a revoked token introspects as the literal {"active":false}.
func TestFaultIntrospectRevokedActive(t *testing.T) {
	both(t, "is-introspect-revoked-active", "", func(t *testing.T, s *sim, faulty bool) {
		id, secret := s.app("intro", "JWT", "client_credentials")
		tok := s.token(id, secret, url.Values{"grant_type": {"client_credentials"}}).json(t)["access_token"].(string)
		if r := s.form("/oauth2/revoke", url.Values{"token": {tok}}, basic(id, secret)); r.status != 200 {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		r := s.form("/oauth2/introspect", url.Values{"token": {tok}}, basic("admin", "admin"))
		if got := r.body == `{"active":false}`; got == faulty {
			t.Errorf("introspection of a revoked token: %s", r.body)
		}
		if faulty && r.json(t)["active"] != true {
			t.Errorf("under the fault the revoked token must be active: %s", r.body)
		}
		// The fault changes introspection only: an unknown token stays inactive.
		if u := s.form("/oauth2/introspect", url.Values{"token": {"nope"}}, basic("admin", "admin")); u.body != `{"active":false}` {
			t.Errorf("unknown token: %s", u.body)
		}
	})
}

// §6: an unknown token is revoked with 200; the fault answers 400 invalid_request.
func TestFaultRevokeUnknownTokenError(t *testing.T) {
	both(t, "is-revoke-unknown-token-error", "", func(t *testing.T, s *sim, faulty bool) {
		id, secret := s.app("rev", "JWT", "client_credentials")
		r := s.form("/oauth2/revoke", url.Values{"token": {"unknown-token"}}, basic(id, secret))
		want := 200
		if faulty {
			want = 400
		}
		if r.status != want {
			t.Errorf("unknown token: %d %s, want %d", r.status, r.body, want)
		}
		tok := s.token(id, secret, url.Values{"grant_type": {"client_credentials"}}).json(t)["access_token"].(string)
		if r := s.form("/oauth2/revoke", url.Values{"token": {tok}}, basic(id, secret)); r.status != 200 {
			t.Errorf("a known token must still be revoked with 200: %d", r.status)
		}
	})
}

// §6: with the DOCS-APIM rule a user token reads /scim2/Me; the fault applies the default rule anyway.
func TestFaultScimMeIgnoresRule(t *testing.T) {
	both(t, "is-scim-me-ignores-rule", meRule, func(t *testing.T, s *sim, faulty bool) {
		id, secret := s.app("me", "", "password")
		user := s.token(id, secret, url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}}).json(t)["access_token"].(string)
		r := s.do("GET", "/scim2/Me", nil, map[string]string{"Authorization": "Bearer " + user})
		want := 200
		if faulty {
			want = 403
		}
		if r.status != want {
			t.Errorf("/scim2/Me: %d %s, want %d", r.status, r.body, want)
		}
	})
}

// §4: every JWKS entry carries its kid; the fault drops the member.
func TestFaultJWKSDropsKid(t *testing.T) {
	both(t, "is-jwks-drops-kid", "", func(t *testing.T, s *sim, faulty bool) {
		kids := jwksKids(t, s)
		if len(kids) != 1 {
			t.Fatalf("keys: %v", kids)
		}
		if got := kids[0] == s.s.keys[0].kid; got == faulty {
			t.Errorf("kid %q (signing kid %q)", kids[0], s.s.keys[0].kid)
		}
		if kid := jwtPart(t, appToken(t, s), 0)["kid"]; kid != s.s.keys[0].kid {
			t.Errorf("the fault changed the token header: kid %v", kid)
		}
	})
}

// §7: a duplicate client_name is 400 invalid_client_metadata (CONFLICT_EXISTING_APPLICATION maps to 400).
func TestFaultDCRDuplicate409(t *testing.T) {
	both(t, "is-dcr-duplicate-409", "", func(t *testing.T, s *sim, faulty bool) {
		s.app("dup", "JWT", "client_credentials")
		r := s.adminJSON("POST", dcrPath, map[string]any{"client_name": "dup", "grant_types": []string{"client_credentials"}})
		want := 400
		if faulty {
			want = 409
		}
		m := r.json(t)
		if r.status != want || m["error"] != "invalid_client_metadata" || m["error_description"] != "Application with the name dup already exist in the system" {
			t.Errorf("duplicate: %d %s, want %d", r.status, r.body, want)
		}
	})
}

// §8: DELETE /scopes/name/{n} → 204, then 404; the fault keeps the scope.
func TestFaultScopeDeleteIgnored(t *testing.T) {
	both(t, "is-scope-delete-ignored", "", func(t *testing.T, s *sim, faulty bool) {
		if r := s.adminJSON("POST", scopesPath, map[string]any{"name": "sc1", "displayName": "sc1"}); r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		if r := s.adminJSON("DELETE", scopesPath+"/name/sc1", nil); r.status != 204 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		want := 404
		if faulty {
			want = 200
		}
		if r := s.adminJSON("GET", scopesPath+"/name/sc1", nil); r.status != want {
			t.Errorf("read after delete: %d, want %d", r.status, want)
		}
	})
}

// §8: .search with displayName eq X answers that role only; the fault lists every role.
func TestFaultRolesSearchIgnoresFilter(t *testing.T) {
	both(t, "is-roles-search-ignores-filter", "", func(t *testing.T, s *sim, faulty bool) {
		a := s.role(t, "role-a", nil)
		s.role(t, "role-b", nil)
		r := s.adminSCIM("POST", rolesPath+"/.search", map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": "displayName eq role-a"})
		m := r.json(t)
		total := int(m["totalResults"].(float64))
		if faulty {
			if total < 2 {
				t.Errorf("under the fault every role must be listed: %s", r.body)
			}
			return
		}
		res := m["Resources"].([]any)
		if total != 1 || res[0].(map[string]any)["id"] != a {
			t.Errorf(".search: %s", r.body)
		}
		// GET ?filter is not changed by the fault (it is a different operation of the API).
	})
}

// §8: PATCH /{id} with addedScopes → 204 and the scope is added; the fault answers 204 and adds nothing.
func TestFaultAPIResourcePatchDropsScopes(t *testing.T) {
	both(t, "is-apiresource-patch-drops-scopes", "", func(t *testing.T, s *sim, faulty bool) {
		id := s.apiResource(t, "res-patch", "res_read")
		r := s.adminJSON("PATCH", apiResourcesPath+"/"+id, map[string]any{"addedScopes": []map[string]string{{"name": "res_write", "displayName": "w"}}})
		if r.status != 204 {
			t.Fatalf("patch: %d %s", r.status, r.body)
		}
		scopes := s.adminJSON("GET", apiResourcesPath+"/"+id+"/scopes", nil).body
		if got := strings.Contains(scopes, `"res_write"`); got == faulty {
			t.Errorf("scopes after PATCH: %s", scopes)
		}
	})
}

// §8 (7.1.0+): PATCH /{id}/scopes/{name} changes displayName and description; the fault changes nothing.
func TestFaultAPIResourceScopePatchIgnored(t *testing.T) {
	both(t, "is-apiresource-scope-patch-ignored", "", func(t *testing.T, s *sim, faulty bool) {
		id := s.apiResource(t, "res-sp", "sp_read")
		r := s.adminJSON("PATCH", apiResourcesPath+"/"+id+"/scopes/sp_read", map[string]any{"displayName": "changed", "description": "d"})
		if r.status != 204 {
			t.Fatalf("patch scope: %d %s", r.status, r.body)
		}
		scopes := s.adminJSON("GET", apiResourcesPath+"/"+id+"/scopes", nil).body
		if got := strings.Contains(scopes, `"changed"`); got == faulty {
			t.Errorf("scopes after PATCH: %s", scopes)
		}
	})
}

// §3, §4: every JWT access token's iss is the discovery issuer; under is-token-iss-flips every other
// token carries the tenant-qualified form (product-is#26522), the first the plain one.
func TestFaultTokenIssuerFlips(t *testing.T) {
	both(t, "is-token-iss-flips", "", func(t *testing.T, s *sim, faulty bool) {
		seen := map[string]int{}
		id, secret := s.app("flips", "JWT", "client_credentials")
		for range 6 {
			tok := s.token(id, secret, url.Values{"grant_type": {"client_credentials"}}).json(t)["access_token"].(string)
			seen[jwtPart(t, tok, 1)["iss"].(string)]++
		}
		plain := s.s.issuer()
		if !faulty {
			if len(seen) != 1 || seen[plain] != 6 {
				t.Errorf("iss values: %v", seen)
			}
			return
		}
		if len(seen) != 2 || seen[plain] != 3 || seen[strings.TrimSuffix(s.s.baseURL(), "/")+"/t/carbon.super/oauth2/token"] != 3 {
			t.Errorf("under the fault the iss must alternate: %v", seen)
		}
		if iss := s.do("GET", "/oauth2/token/.well-known/openid-configuration", nil, nil).json(t)["issuer"]; iss != plain {
			t.Errorf("the fault changed discovery: %v", iss)
		}
	})
}
