package apim

import (
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// gatewaySetup: fake IS with a WSO2-IS-7 KM, a published API and a subscribed app with IS keys.
type gatewaySetup struct {
	sm      *sim
	is      *fakeIS
	apiID   string
	appID   string
	ck      string
	seen    *[]string
	backend string
}

func newGatewaySetup(t *testing.T, ver string, km func(map[string]any), apiKMs []string) *gatewaySetup {
	t.Helper()
	is, hosts := newFakeIS(t, isCert)
	backend, seen := echoBackend(t)
	sm := newSim(t, ver, defaultTOML, hosts, isCert)
	body := is.is7KM("IS7")
	if km != nil {
		km(body)
	}
	sm.createKM(body)
	apiID := sm.publishAPI("Pets", "pets", apiKMs, backend.URL+"/svc")
	appID := sm.subscribedApp("App", apiID)
	r := sm.genKeys(appID, "IS7")
	expect(t, r, http.StatusOK)
	return &gatewaySetup{sm: sm, is: is, apiID: apiID, appID: appID, ck: str(r.json(t)["consumerKey"]), seen: seen, backend: backend.URL}
}

func (g *gatewaySetup) isToken(t *testing.T, mutate func(claims)) string {
	t.Helper()
	now := time.Now()
	c := claims{"iss": g.is.base + "/oauth2/token", "sub": g.ck, "azp": g.ck, "client_id": g.ck, "aut": "APPLICATION",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "jti-" + now.Format("150405.000000"), "scope": "default"}
	if mutate != nil {
		mutate(c)
	}
	return g.is.token(t, c)
}

func gwBody(t *testing.T, r resp, status int, code, message, description string) {
	t.Helper()
	expect(t, r, status)
	j := r.json(t)
	if j["code"] != code || j["message"] != message || (description != "" && j["description"] != description) {
		t.Fatalf("gateway body %s; want code %q message %q description %q", r.raw, code, message, description)
	}
}

func TestGatewayIS7JWTSelfValidation(t *testing.T) {
	// api-manager-4.md §6 validation flow and exact bodies.
	g := newGatewaySetup(t, "4.5.0", nil, nil)
	gw := g.sm.gw.URL + "/pets/1.0.0/items/1?q=1"
	r := call(t, "GET", gw, nil, bearer(g.isToken(t, nil)))
	expect(t, r, http.StatusOK)
	if j := r.json(t); j["path"] != "/svc/items/1" {
		t.Fatalf("backend saw %v", j)
	}
	if (*g.seen)[0] != "" {
		t.Fatalf("Authorization header forwarded to the backend: %q", (*g.seen)[0])
	}
	// Unknown context: main sequence 404 "Status report".
	r = call(t, "GET", g.sm.gw.URL+"/nothing/1.0.0", nil, "")
	expect(t, r, http.StatusNotFound)
	if j := r.json(t); j["code"] != "404" || j["type"] != "Status report" || j["description"] != "The requested resource is not available." {
		t.Fatalf("404 body %s", r.raw)
	}
	r = call(t, "GET", gw, nil, "")
	gwBody(t, r, 401, "900902", "Missing Credentials", "Invalid Credentials. Make sure your API invocation call has a header: 'Authorization : Bearer ACCESS_TOKEN' or 'Authorization : Basic ACCESS_TOKEN' or 'ApiKey : API_KEY'")
	// §6: "<challenges> error=…" with no comma after the challenge list; the list itself is UNCONFIRMED
	// (§11 item 10): chose the OAuth authenticator's `Bearer realm="WSO2 API Manager"` alone.
	if r.header.Get("WWW-Authenticate") != `Bearer realm="WSO2 API Manager" error="invalid_token", error_description="The provided token is invalid"` {
		t.Fatalf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
	}
	gwBody(t, call(t, "GET", gw, nil, bearer("a.b")), 401, "900901", "Invalid Credentials", descInvalidJWT)
	expired := g.isToken(t, func(c claims) { c["exp"] = time.Now().Add(-time.Hour).Unix() })
	gwBody(t, call(t, "GET", gw, nil, bearer(expired)), 401, "900901", "Invalid Credentials", descInvalidCreds)
	good := g.isToken(t, nil)
	tampered := good[:strings.LastIndex(good, ".")+1] + base64.RawURLEncoding.EncodeToString([]byte("not a signature"))
	gwBody(t, call(t, "GET", gw, nil, bearer(tampered)), 401, "900901", "Invalid Credentials", descInvalidCreds)
	// A token of a client without a subscription: 900908 with the trailing space.
	other := g.isToken(t, func(c claims) { c["azp"] = "someone-else" })
	gwBody(t, call(t, "GET", gw, nil, bearer(other)), 403, "900908", "Resource forbidden ", descNoSubscription)
	// Default version route only with isDefaultVersion.
	expect(t, call(t, "GET", g.sm.gw.URL+"/pets/items", nil, bearer(good)), http.StatusNotFound)
}

func TestGatewayKMNotAllowedAndIssuerCollision(t *testing.T) {
	// §6 step 1 (KM not in keyManagers → 900901) and §2 issuer collision: last registered wins.
	g := newGatewaySetup(t, "4.4.0", nil, []string{"Resident Key Manager"})
	gw := g.sm.gw.URL + "/pets/1.0.0/x"
	gwBody(t, call(t, "GET", gw, nil, bearer(g.isToken(t, nil))), 401, "900901", "Invalid Credentials", descInvalidCreds)

	g2 := newGatewaySetup(t, "4.4.0", nil, nil)
	gw = g2.sm.gw.URL + "/pets/1.0.0/x"
	expect(t, call(t, "GET", gw, nil, bearer(g2.isToken(t, nil))), http.StatusOK)
	// A second KM with the same issuer registered later takes over: the app's key mapping is with the
	// first KM, so subscription validation against the second one fails.
	second := g2.is.is7KM("IS7-bis")
	g2.sm.createKM(second)
	gwBody(t, call(t, "GET", gw, nil, bearer(g2.isToken(t, nil))), 403, "900908", "Resource forbidden ", descNoSubscription)
}

func TestGatewayJWKSRefetchAndFailure(t *testing.T) {
	// §6: kid lookup with a refetch on an unknown kid; a JWKS that cannot be fetched → 900900 / 500.
	g := newGatewaySetup(t, "4.6.0", nil, nil)
	gw := g.sm.gw.URL + "/pets/1.0.0/x"
	expect(t, call(t, "GET", gw, nil, bearer(g.isToken(t, nil))), http.StatusOK)
	g.is.mu.Lock()
	g.is.kid = "is-kid-2"
	hits := g.is.jwksHits
	g.is.mu.Unlock()
	expect(t, call(t, "GET", gw, nil, bearer(g.isToken(t, nil))), http.StatusOK)
	if g.is.hits() != hits+1 {
		t.Fatalf("unknown kid did not refetch the JWKS (%d → %d)", hits, g.is.hits())
	}
	g.is.srv.Close()
	g.is.mu.Lock()
	g.is.kid = "is-kid-3"
	g.is.mu.Unlock()
	r := call(t, "GET", gw, nil, bearer(g.isToken(t, nil)))
	// UNCONFIRMED (§6 gives code, status and message only): chose the description "Error while retrieving JWKS".
	gwBody(t, r, 500, "900900", "Unclassified Authentication Failure", "Error while retrieving JWKS")
	if !strings.Contains(g.sm.logBuf.String(), "java.net.ConnectException") {
		t.Fatalf("JWKS failure not logged like Java:\n%s", g.sm.logBuf.String())
	}
}

func TestGatewayPEMCertificate(t *testing.T) {
	// §2.1 PEM: URL-decoded, markers stripped, Base64-decoded; IV2 sends base64(<whole PEM>).
	pemText := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: isCert.Raw})
	value := url.QueryEscape(base64.StdEncoding.EncodeToString(pemText))
	g := newGatewaySetup(t, "4.5.0", func(m map[string]any) {
		m["certificates"] = map[string]any{"type": "PEM", "value": value}
	}, nil)
	gw := g.sm.gw.URL + "/pets/1.0.0/x"
	expect(t, call(t, "GET", gw, nil, bearer(g.isToken(t, nil))), http.StatusOK)
	if g.is.hits() != 0 {
		t.Fatal("PEM mode fetched the JWKS")
	}
	forged, err := signRS256(apimKey, map[string]any{"alg": "RS256", "kid": "is-kid-1"},
		claims{"iss": g.is.base + "/oauth2/token", "azp": g.ck, "exp": time.Now().Add(time.Hour).Unix(), "jti": "f"})
	if err != nil {
		t.Fatal(err)
	}
	gwBody(t, call(t, "GET", gw, nil, bearer(forged)), 401, "900901", "Invalid Credentials", descInvalidCreds)
}

func TestGatewayResidentKeyManagerFlow(t *testing.T) {
	// §2 Resident KM: API-M issues and validates its own JWTs.
	backend, _ := echoBackend(t)
	sm := newSim(t, "4.3.0", defaultTOML, nil)
	apiID := sm.publishAPI("Pets", "pets", nil, backend.URL)
	appID := sm.subscribedApp("App", apiID)
	k := sm.genKeys(appID, "").json(t)
	tok := residentToken(t, sm, str(k["consumerKey"]), str(k["consumerSecret"]), "grant_type=client_credentials")
	expect(t, call(t, "GET", sm.gw.URL+"/pets/1.0.0/x", nil, bearer(tok)), http.StatusOK)
	// generate-token through the devportal yields a working token too.
	r := call(t, "POST", sm.dev("/applications/"+appID+"/oauth-keys/"+str(k["keyMappingId"])+"/generate-token"),
		map[string]any{"consumerSecret": k["consumerSecret"], "validityPeriod": 3600})
	expect(t, r, http.StatusOK)
	expect(t, call(t, "GET", sm.gw.URL+"/pets/1.0.0/x", nil, bearer(str(r.json(t)["accessToken"]))), http.StatusOK)
}
