package is

import (
	"bytes"
	"encoding/json"
	"testing"
)

func (s *sim) idpPost(body map[string]any) resp {
	b, _ := json.Marshal(body)
	return s.do("POST", idpPath, bytes.NewReader(b), map[string]string{"Content-Type": "application/json", "Authorization": basic("admin", "admin")})
}

// TestIdentityProvidersAPI: identity-providers-v1.yaml — POST 201 + Location, 409 on a duplicate name,
// GET by id and list, DELETE 204 then 404 with the {code,message,description,traceId} body.
// UNCONFIRMED: the IDP-6000x codes and texts.
func TestIdentityProvidersAPI(t *testing.T) {
	s := startDefault(t, "7.1.0")
	cert, _ := testSigner(t)
	r := s.idpPost(map[string]any{"name": "ext", "alias": "https://localhost:9443/oauth2/token", "idpIssuerName": "https://ext.example",
		"certificate": map[string]any{"certificates": []string{certB64(cert)}}})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	m := r.json(t)
	id := m["id"].(string)
	if r.header.Get("Location") != "https://localhost:9443"+idpPath+"/"+id || m["idpIssuerName"] != "https://ext.example" || m["isEnabled"] != true {
		t.Errorf("create response %v %v", r.header, m)
	}
	if d := s.idpPost(map[string]any{"name": "ext"}); d.status != 409 || d.json(t)["code"] == nil || d.json(t)["traceId"] == nil {
		t.Errorf("duplicate: %d %s", d.status, d.body)
	}
	if bad := s.idpPost(map[string]any{"name": "x", "certificate": map[string]any{"certificates": []string{"!!"}}}); bad.status != 400 {
		t.Errorf("bad certificate: %d", bad.status)
	}
	auth := map[string]string{"Authorization": basic("admin", "admin")}
	if g := s.do("GET", idpPath+"/"+id, nil, auth); g.status != 200 || g.json(t)["name"] != "ext" {
		t.Errorf("get: %d %s", g.status, g.body)
	}
	if l := s.do("GET", idpPath, nil, auth).json(t); l["totalResults"] != float64(1) {
		t.Errorf("list %v", l)
	}
	if d := s.do("DELETE", idpPath+"/"+id, nil, auth); d.status != 204 {
		t.Errorf("delete: %d", d.status)
	}
	if g := s.do("GET", idpPath+"/"+id, nil, auth); g.status != 404 {
		t.Errorf("get deleted: %d", g.status)
	}
	if u := s.do("GET", idpPath, nil, nil); u.status != 401 {
		t.Errorf("no credentials: %d", u.status)
	}
}
