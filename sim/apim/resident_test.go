package apim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
)

// residentToken calls the Resident KM's /oauth2/token with Basic client credentials.
func residentToken(t *testing.T, sm *sim, id, secret, form string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", sm.servlet.URL+"/oauth2/token", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	if err := jsonDecode(res.Body, &body); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("token endpoint: %d %v %v", res.StatusCode, body, err)
	}
	return str(body["access_token"])
}

func TestResidentKeyManagerTokens(t *testing.T) {
	// api-manager-4.md §2 (issuer follows [server] hostname, UNCONFIRMED item 15), identity-server-7.md §4 (kid).
	toml := strings.Replace(defaultTOML, `hostname = "localhost"`, `hostname = "wso2am"`, 1)
	sm := newSim(t, "4.5.0", toml, nil)
	r := call(t, "POST", sm.dev("/applications"), map[string]any{"name": "App", "throttlingPolicy": "Unlimited"})
	keys := sm.genKeys(str(r.json(t)["applicationId"]), "")
	expect(t, keys, http.StatusOK)
	k := keys.json(t)
	if k["keyManager"] != "Resident Key Manager" {
		t.Fatalf("default KM: %v", k["keyManager"])
	}
	ck, cs := str(k["consumerKey"]), str(k["consumerSecret"])
	tok := residentToken(t, sm, ck, cs, "grant_type=client_credentials")
	p, err := parseJWT(tok)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(apimCert.Raw)
	wantKid := base64.RawURLEncoding.EncodeToString([]byte(hex.EncodeToString(sum[:]))) + "_RS256"
	if p.header["kid"] != wantKid || p.header["alg"] != "RS256" {
		t.Fatalf("header %v, want kid %s", p.header, wantKid)
	}
	if p.claims.str("iss") != "https://wso2am:9443/oauth2/token" || p.claims.str("azp") != ck || p.claims.str("client_id") != ck {
		t.Fatalf("claims %v", p.claims)
	}
	// derived (identity-server-7.md §4, Nimbus): the one-element audience [client_id] is a plain string.
	if aud, ok := p.claims["aud"].(string); !ok || aud != ck {
		t.Fatalf("aud %#v, want the string %q", p.claims["aud"], ck)
	}
	// UNCONFIRMED choices (api-manager-4.md has no Resident-KM token format): typ at+jwt, IS 7's kid
	// formula, no x5t, a keytype claim for devportal apps, scope "default" when none was requested.
	if _, x5t := p.header["x5t"]; x5t || p.header["typ"] != "at+jwt" || p.claims.str("keytype") != "PRODUCTION" || p.claims.str("scope") != "default" {
		t.Fatalf("header %v claims %v", p.header, p.claims)
	}
	// The JWKS publishes the signing key under the same kid.
	jr := call(t, "GET", sm.servlet.URL+"/oauth2/jwks", nil, "")
	expect(t, jr, http.StatusOK)
	ks, err := parseJWKS(jr.raw)
	if err != nil || findJWK(ks, wantKid) == nil {
		t.Fatalf("JWKS %s", jr.raw)
	}
	if err := p.verify(findJWK(ks, wantKid)); err != nil {
		t.Fatalf("token does not verify with the JWKS key: %v", err)
	}
	// Password grant for the super admin only; grants not registered are refused.
	tok = residentToken(t, sm, ck, cs, "grant_type=password&username=admin&password=admin")
	if c, _ := parseJWT(tok); c.claims.str("sub") != "admin" || c.claims.str("aut") != "APPLICATION_USER" {
		t.Fatalf("password token claims %v", c.claims)
	}
	bad := call(t, "POST", sm.servlet.URL+"/oauth2/token", nil, basicAuth(ck, cs))
	if bad.status != http.StatusBadRequest {
		t.Fatalf("missing grant: %d", bad.status)
	}
	req, _ := http.NewRequest("POST", sm.servlet.URL+"/oauth2/token", strings.NewReader("grant_type=password&username=admin&password=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(ck, cs)
	res, _ := http.DefaultClient.Do(req)
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	req, _ = http.NewRequest("POST", sm.servlet.URL+"/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(ck, "wrong")
	res, _ = http.DefaultClient.Do(req)
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", res.StatusCode)
	}
}
