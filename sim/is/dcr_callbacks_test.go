package is

import "testing"

// field-failures #21 (wso2/api-manager#4679): IS 7.1+ DCR refuses API-M's regexp=(a|b) form of several
// callback URLs with 400 invalid_redirect_uri (UNCONFIRMED answer, §7's bad-redirect one); 7.0.0 keeps it;
// separate URIs register everywhere.
func TestDCRRegexpCallback(t *testing.T) {
	regexp := "regexp=(https://a.example/cb|https://b.example/cb)"
	for _, v := range []string{"7.0.0", "7.1.0", "7.3.0"} {
		s := startDefault(t, v)
		r := s.adminJSON("POST", dcrPath, map[string]any{"client_name": "cb-" + v, "grant_types": []string{"authorization_code"},
			"redirect_uris": []string{regexp}})
		if v == "7.0.0" {
			if r.status != 201 {
				t.Errorf("%s: %d %s", v, r.status, r.body)
			}
		} else if r.status != 400 || r.json(t)["error"] != "invalid_redirect_uri" || r.json(t)["error_description"] != "Invalid redirect URI: "+regexp {
			t.Errorf("%s: %d %s", v, r.status, r.body)
		}
		id, _ := s.register(map[string]any{"client_name": "two-" + v, "grant_types": []string{"authorization_code"},
			"redirect_uris": []string{"https://a.example/cb", "https://b.example/cb"}})
		if u := s.adminJSON("PUT", dcrPath+"/"+id, map[string]any{"redirect_uris": []string{regexp}}); (u.status == 200) != (v == "7.0.0") {
			t.Errorf("%s update: %d %s", v, u.status, u.body)
		}
	}
}
