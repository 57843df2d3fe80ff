package is

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/kmconform/kmconform/sim/faults"
)

// identity-server-7.md §10: a user token gets an API-resource scope only through a role holding it; under
// is-grants-scope-without-role it gets it anyway (application tokens are unchanged).
func TestFaultGrantsScopeWithoutRole(t *testing.T) {
	for _, fault := range []bool{false, true} {
		opt := Options{}
		if fault {
			opt.Faults = faults.Set{"is-grants-scope-without-role": true}
		}
		s := start(t, "7.1.0", newHome(t, "7.1.0", authorizeAll), opt)
		s.apiResource(t, "User-defined-oauth2-resource", "read")
		s.scimUser(t, "carol", "carol-pw")
		id, secret := s.app("pw", "", "password")
		r := s.token(id, secret, url.Values{"grant_type": {"password"}, "username": {"carol"}, "password": {"carol-pw"}, "scope": {"read"}})
		if r.status != 200 {
			t.Fatalf("token: %d %s", r.status, r.body)
		}
		want := ""
		if fault {
			want = "read"
		}
		if got, _ := r.json(t)["scope"].(string); got != want {
			t.Errorf("fault %t: scope %q, want %q", fault, got, want)
		}
	}
}

// identity-server-7.md §8 lists description among a scope's keys; a scope created without one comes back
// without the member (ScopeGetModel does not require it; wso2/api-manager#4064 shows API-M's connector
// meeting a missing description from IS 7.1.0).
func TestAPIResourceScopeWithoutDescription(t *testing.T) {
	s := startDefault(t, "7.1.0")
	r := s.adminJSON("POST", apiResourcesPath, map[string]any{"name": "R", "identifier": "r", "requiresAuthorization": true,
		"scopes": []map[string]string{{"name": "nodesc", "displayName": "N"}, {"name": "withdesc", "displayName": "W", "description": "d"}}})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	id := r.json(t)["id"].(string)
	var list []map[string]any
	got := s.adminJSON("GET", apiResourcesPath+"/"+id+"/scopes", nil)
	if err := json.Unmarshal([]byte(got.body), &list); err != nil || len(list) != 2 {
		t.Fatalf("scopes %s: %v", got.body, err)
	}
	for _, sc := range list {
		_, has := sc["description"]
		if has != (sc["name"] == "withdesc") {
			t.Errorf("scope %v: description present = %t", sc, has)
		}
	}
}
