package is

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/kmconform/kmconform/sim/faults"
)

func jwtPart(t *testing.T, tok string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func appToken(t *testing.T, s *sim) string {
	t.Helper()
	id, secret := s.app("fault-app", "JWT", "client_credentials")
	r := s.token(id, secret, url.Values{"grant_type": {"client_credentials"}})
	if r.status != 200 {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	return r.json(t)["access_token"].(string)
}

func jwksKids(t *testing.T, s *sim) []string {
	t.Helper()
	var doc struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal([]byte(s.do("GET", "/oauth2/jwks", nil, nil).body), &doc); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range doc.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}

func TestFaultSignWithUnpublishedKey(t *testing.T) {
	plain := startDefault(t, "7.1.0")
	if kid := jwtPart(t, appToken(t, plain), 0)["kid"].(string); !strings.Contains(strings.Join(jwksKids(t, plain), " "), kid) {
		t.Fatalf("without the fault the kid %s must be published", kid)
	}
	s := start(t, "7.1.0", newHome(t, "7.1.0", ""), Options{Faults: faults.Set{"is-sign-with-unpublished-key": true}})
	tok := appToken(t, s)
	kid := jwtPart(t, tok, 0)["kid"].(string)
	if strings.Contains(strings.Join(jwksKids(t, s), " "), kid) {
		t.Errorf("under the fault the signing kid %s is published", kid)
	}
	if iss := jwtPart(t, tok, 1)["iss"]; iss != s.s.issuer() {
		t.Errorf("the fault changed more than the key: iss %v", iss)
	}
}

func TestFaultTokenIssuerMismatch(t *testing.T) {
	s := start(t, "7.1.0", newHome(t, "7.1.0", ""), Options{Faults: faults.Set{"is-token-iss-mismatch": true}})
	iss := jwtPart(t, appToken(t, s), 1)["iss"].(string)
	var disc map[string]any
	_ = json.Unmarshal([]byte(s.do("GET", "/oauth2/token/.well-known/openid-configuration", nil, nil).body), &disc)
	if iss == disc["issuer"] || !strings.HasSuffix(iss, "/t/carbon.super/oauth2/token") {
		t.Errorf("token iss %q, discovery issuer %v", iss, disc["issuer"])
	}
	plain := startDefault(t, "7.1.0")
	if got := jwtPart(t, appToken(t, plain), 1)["iss"]; got != plain.s.issuer() {
		t.Errorf("without the fault iss = %v", got)
	}
}

func TestFaultDCRDeleteKeepsTokens(t *testing.T) {
	// §7 DELETE /register/{client_id} → 204; §6 introspection of a token that no longer exists → active false.
	for _, on := range []bool{false, true} {
		s := startDefault(t, "7.1.0")
		if on {
			s = start(t, "7.1.0", newHome(t, "7.1.0", ""), Options{Faults: faults.Set{"is-dcr-delete-keeps-tokens": true}})
		}
		id, secret := s.app("deleted-app", "JWT", "client_credentials")
		r := s.token(id, secret, url.Values{"grant_type": {"client_credentials"}})
		if r.status != 200 {
			t.Fatalf("token: %d %s", r.status, r.body)
		}
		tok := r.json(t)["access_token"].(string)
		if d := s.dcr("DELETE", "/"+id, nil, basic("admin", "admin")); d.status != 204 {
			t.Fatalf("delete %d", d.status)
		}
		if g := s.dcr("GET", "/"+id, nil, basic("admin", "admin")); g.status != 401 {
			t.Fatalf("fault %t: the client is still readable: %d", on, g.status)
		}
		active := s.introspect(tok).json(t)["active"]
		if active != on {
			t.Fatalf("fault %t: introspection active=%v after the client was deleted", on, active)
		}
	}
}
