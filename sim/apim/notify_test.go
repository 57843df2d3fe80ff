package apim

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func revocationEvent(jti, tokenType string) string {
	tt := ""
	if tokenType != "" {
		tt = fmt.Sprintf(`,"tokenType":%q`, tokenType)
	}
	return fmt.Sprintf(`{"accessToken":%q,"expiryTime":%d,"user":"admin","consumerKey":"ck"%s,"eventId":"e1","timeStamp":1,"type":"token_revocation","tenantId":-1234,"tenantDomain":"carbon.super"}`,
		jti, time.Now().Add(time.Hour).UnixMilli(), tt)
}

func notifyCall(t *testing.T, sm *sim, header, body string) resp {
	t.Helper()
	req, _ := http.NewRequest("POST", sm.servlet.URL+"/internal/data/v1/notify", strings.NewReader(body))
	req.SetBasicAuth("admin", "admin")
	req.Header.Set("Content-Type", "application/json")
	if header != "" {
		req.Header.Set("X-WSO2-KEY-MANAGER", header)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return resp{status: res.StatusCode}
}

func TestNotifyRevokesSelfValidatedJWT(t *testing.T) {
	// api-manager-4.md §7: header dispatch, substring match, JWT → revoked map keyed by jti → 900901 "Invalid JWT token".
	g := newGatewaySetup(t, "4.5.0", nil, nil)
	gw := g.sm.gw.URL + "/pets/1.0.0/x"
	tok := g.isToken(t, func(c claims) { c["jti"] = "jti-revoke-me" })
	expect(t, call(t, "GET", gw, nil, bearer(tok)), http.StatusOK)
	// Unknown handler type: silent 200 no-op (WSO2-IS-7 has no handler).
	expect(t, notifyCall(t, g.sm, "WSO2-IS-7", revocationEvent("jti-revoke-me", "JWT")), http.StatusOK)
	expect(t, call(t, "GET", gw, nil, bearer(tok)), http.StatusOK)
	// Blank tokenType means Default: not a JWT revocation, so the self-validated JWT still passes.
	expect(t, notifyCall(t, g.sm, "WSO2-IS", revocationEvent("jti-revoke-me", "")), http.StatusOK)
	expect(t, call(t, "GET", gw, nil, bearer(tok)), http.StatusOK)
	expect(t, notifyCall(t, g.sm, "WSO2-IS", revocationEvent("jti-revoke-me", "JWT")), http.StatusOK)
	gwBody(t, call(t, "GET", gw, nil, bearer(tok)), 401, "900901", "Invalid Credentials", descInvalidJWT)
	log := g.sm.logBuf.String()
	if !strings.Contains(log, "jti-revoke-me") || strings.Contains(log, tok) {
		t.Fatalf("want the jti logged and never the token:\n%s", log)
	}
	// Empty header means "default", which handles it too.
	tok2 := g.isToken(t, func(c claims) { c["jti"] = "jti-two" })
	expect(t, notifyCall(t, g.sm, "", revocationEvent("jti-two", "JWT")), http.StatusOK)
	gwBody(t, call(t, "GET", gw, nil, bearer(tok2)), 401, "900901", "Invalid Credentials", descInvalidJWT)
	// Unauthenticated notify → 401 (UNCONFIRMED, §11 item 7).
	expect(t, call(t, "POST", g.sm.servlet.URL+"/internal/data/v1/notify", revocationEvent("x", "JWT"), ""), http.StatusUnauthorized)
}

func TestNotifyEventOrder(t *testing.T) {
	// §7: consumer_app_revocation_event is matched before token_revocation, even when both appear.
	sm := newSim(t, "4.4.0", defaultTOML, nil)
	body := `{"type":"consumer_app_revocation_event","consumerKey":"ck1","revocationTime":5,"note":"token_revocation"}`
	expect(t, notifyCall(t, sm, "default", body), http.StatusOK)
	sm.s.mu.Lock()
	at, ok := sm.s.st.revokedConsumers["ck1"]
	n := len(sm.s.st.revoked)
	sm.s.mu.Unlock()
	if !ok || at != 5 || n != 0 {
		t.Fatalf("consumer revocation %v %v, revoked map %d", ok, at, n)
	}
}

func TestIntrospectionModeCache(t *testing.T) {
	// api-manager-4.md §6 step 3 and §7 "Introspection mode does not converge through notify": the only
	// cache on the key-validation path is the IntrospectionCache (TTL apim.cache.token_expiry_time), keyed
	// by the full token, while IS notifies a JWT app's jti. The gateway token cache is left enabled with
	// its default 900 s TTL: it must not hold the token past the 15 s IntrospectionCache entry.
	toml := defaultTOML + "\n[apim.cache]\ntoken_expiry_time = 15\n"
	is, hosts := newFakeIS(t, isCert)
	backend, _ := echoBackend(t)
	sm := newSim(t, "4.5.0", toml, hosts, isCert)
	if !sm.s.cfg.gatewayCacheEnabled || sm.s.cfg.gatewayCacheTTL != 900*time.Second {
		t.Fatalf("gateway token cache %v %v; want the defaults", sm.s.cfg.gatewayCacheEnabled, sm.s.cfg.gatewayCacheTTL)
	}
	km := is.is7KM("IS7")
	km["enableSelfValidationJWT"] = false
	sm.createKM(km)
	apiID := sm.publishAPI("Pets", "pets", []string{"IS7"}, backend.URL)
	appID := sm.subscribedApp("App", apiID)
	keys := sm.genKeys(appID, "IS7")
	expect(t, keys, http.StatusOK)
	ck := str(keys.json(t)["consumerKey"])
	gw := sm.gw.URL + "/pets/1.0.0/x"
	now := time.Now()
	jwt := is.token(t, claims{"iss": is.base + "/oauth2/token", "azp": ck, "client_id": ck, "jti": "jti-intro-1",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	is.mu.Lock()
	is.active[jwt] = ck
	is.mu.Unlock()
	expect(t, call(t, "GET", gw, nil, bearer(jwt)), http.StatusOK)
	// Revoked at IS, notified to API-M with the jti: still accepted from the IntrospectionCache.
	is.mu.Lock()
	delete(is.active, jwt)
	is.mu.Unlock()
	expect(t, notifyCall(t, sm, "WSO2-IS", revocationEvent("jti-intro-1", "JWT")), http.StatusOK)
	expect(t, call(t, "GET", gw, nil, bearer(jwt)), http.StatusOK)
	sm.clock.Advance(14 * time.Second)
	expect(t, call(t, "GET", gw, nil, bearer(jwt)), http.StatusOK)
	// Past token_expiry_time the KM is asked again, well before the gateway token cache's 900 s.
	sm.clock.Advance(2 * time.Second)
	r := call(t, "GET", gw, nil, bearer(jwt))
	gwBody(t, r, 401, "900901", "Invalid Credentials",
		"Access failure for API: /pets/1.0.0, version: 1.0.0 status: (900901) - Invalid Credentials. Make sure you have provided the correct security credentials")
	// An API open to all KMs elects the first KM (the Resident one) for opaque tokens (derived order).
	is.mu.Lock()
	is.active["opaque-2"] = ck
	is.mu.Unlock()
	all := sm.publishAPI("All", "all", nil, backend.URL)
	sm.subscribedApp("App2", all)
	expect(t, call(t, "GET", sm.gw.URL+"/all/1.0.0/x", nil, bearer("opaque-2")), http.StatusUnauthorized)
}

func TestIntrospectionCacheDefaultTTL(t *testing.T) {
	// §7: apim.cache.token_expiry_time defaults to 900 s, whatever [apim.cache.gateway_token] says.
	toml := defaultTOML + "\n[apim.cache.gateway_token]\nexpiry_time = 60\n"
	sm := newSim(t, "4.4.0", toml, nil)
	if sm.s.cfg.introspectCacheTTL != 900*time.Second {
		t.Fatalf("IntrospectionCache TTL %v, want 900s", sm.s.cfg.introspectCacheTTL)
	}
}

func TestNotifyOpaqueTokenLeavesGatewayCache(t *testing.T) {
	// §7: every revoked token is removed from the gateway token cache and, if it was cached, marked invalid.
	is, hosts := newFakeIS(t, isCert)
	backend, _ := echoBackend(t)
	sm := newSim(t, "4.6.0", defaultTOML, hosts, isCert)
	km := is.is7KM("IS7")
	km["enableSelfValidationJWT"] = false
	sm.createKM(km)
	apiID := sm.publishAPI("Pets", "pets", []string{"IS7"}, backend.URL)
	keys := sm.genKeys(sm.subscribedApp("App", apiID), "IS7")
	is.mu.Lock()
	is.active["opaque-9"] = str(keys.json(t)["consumerKey"])
	is.mu.Unlock()
	gw := sm.gw.URL + "/pets/1.0.0/x"
	expect(t, call(t, "GET", gw, nil, bearer("opaque-9")), http.StatusOK)
	expect(t, notifyCall(t, sm, "WSO2-IS", revocationEvent("opaque-9", "Default")), http.StatusOK)
	expect(t, call(t, "GET", gw, nil, bearer("opaque-9")), http.StatusUnauthorized)
	if strings.Contains(sm.logBuf.String(), "opaque-9") {
		t.Fatal("an opaque token was logged")
	}
}
