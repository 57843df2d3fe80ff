package apim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kmconform/kmconform/sim/faults"
)

// withPayload re-encodes a JWT's payload with one claim changed, keeping header and signature.
func withPayload(t *testing.T, tok string, k string, v any) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	c[k] = v
	b, _ := json.Marshal(c)
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
}

// withFlippedSignature flips one bit of the signature, keeping it valid base64url.
func withFlippedSignature(t *testing.T, tok string) string {
	t.Helper()
	i := strings.LastIndex(tok, ".")
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	sig[len(sig)/2] ^= 0x01
	return tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

func TestGatewayTokenCacheAnswersOnlyForTheSameToken(t *testing.T) {
	// api-manager-4.md §6 step 2 (signature check) with the gateway token cache on (field-failures
	// "Timings and caches": [apim.cache.gateway_token] enable=true): the cache is keyed by jti but consulted
	// only for the very token validated before (carbon-apimgt OAuthAuthenticator.getSignedJwt compares the
	// token string), so a token modified after the gateway accepted it is validated in full and refused
	// (IV2 is7_token_validation.feature, WSO2 suite row 16).
	g := newGatewaySetup(t, "4.5.0", nil, nil)
	gw := g.sm.gw.URL + "/pets/1.0.0/x"
	tok := g.isToken(t, nil)
	expect(t, call(t, "GET", gw, nil, bearer(tok)), http.StatusOK)
	gwBody(t, call(t, "GET", gw, nil, bearer(withPayload(t, tok, "sub", "someone-else"))), 401, "900901", "Invalid Credentials", descInvalidCreds)
	gwBody(t, call(t, "GET", gw, nil, bearer(withFlippedSignature(t, tok))), 401, "900901", "Invalid Credentials", descInvalidCreds)
	expect(t, call(t, "GET", gw, nil, bearer(tok)), http.StatusOK)

	g.sm.s.opt.Faults = faults.Set{"gateway-token-cache-by-jti": true}
	expect(t, call(t, "GET", gw, nil, bearer(withPayload(t, tok, "sub", "someone-else"))), http.StatusOK)
	// Only the cache lookup changes: a modified token the gateway never accepted is still refused.
	fresh := g.isToken(t, func(c claims) { c["jti"] = "never-seen" })
	gwBody(t, call(t, "GET", gw, nil, bearer(withPayload(t, fresh, "sub", "x"))), 401, "900901", "Invalid Credentials", descInvalidCreds)
}

func TestFaultGatewaySkipsJWTSignature(t *testing.T) {
	g := newGatewaySetup(t, "4.5.0", nil, nil)
	gw := g.sm.gw.URL + "/pets/1.0.0/x"
	// A token IS never signed: the kid IS publishes, another key (api-manager-4.md §6 step 2).
	forged, err := signRS256(apimKey, map[string]any{"alg": "RS256", "kid": "is-kid-1"},
		claims{"iss": g.is.base + "/oauth2/token", "azp": g.ck, "exp": time.Now().Add(time.Hour).Unix(), "jti": "forged"})
	if err != nil {
		t.Fatal(err)
	}
	gwBody(t, call(t, "GET", gw, nil, bearer(forged)), 401, "900901", "Invalid Credentials", descInvalidCreds)
	g.sm.s.opt.Faults = faults.Set{"gateway-skips-jwt-signature": true}
	expect(t, call(t, "GET", gw, nil, bearer(forged)), http.StatusOK)
	expired := g.isToken(t, func(c claims) { c["exp"] = time.Now().Add(-time.Hour).Unix() })
	gwBody(t, call(t, "GET", gw, nil, bearer(expired)), 401, "900901", "Invalid Credentials", descInvalidCreds)
}

func TestFaultGatewayIgnoresTokenExpiry(t *testing.T) {
	// §6 step 2: expired → 900901 (not 900903), after the timestamp skew.
	g := newGatewaySetup(t, "4.5.0", nil, nil)
	gw := g.sm.gw.URL + "/pets/1.0.0/x"
	tok := g.isToken(t, func(c claims) { c["exp"] = time.Now().Add(2 * time.Second).Unix() })
	expect(t, call(t, "GET", gw, nil, bearer(tok)), http.StatusOK)
	g.sm.clock.Advance(2*time.Second + jwtSkew + time.Second)
	gwBody(t, call(t, "GET", gw, nil, bearer(tok)), 401, "900901", "Invalid Credentials", descInvalidCreds)
	g.sm.s.opt.Faults = faults.Set{"gateway-ignores-token-expiry": true}
	expect(t, call(t, "GET", gw, nil, bearer(tok)), http.StatusOK)
	old := g.isToken(t, func(c claims) { c["exp"] = time.Now().Add(-time.Hour).Unix(); c["jti"] = "old" })
	expect(t, call(t, "GET", gw, nil, bearer(old)), http.StatusOK)
}

func TestFaultGatewayTrustsUnknownIssuer(t *testing.T) {
	// §6 step 3: a JWT whose iss no KM has goes to the key-validation path; IS's introspection does not know
	// it → 401 900901 with the "Access failure" description.
	g := newGatewaySetup(t, "4.5.0", nil, nil)
	gw := g.sm.gw.URL + "/pets/1.0.0/x"
	foreign, err := signRS256(apimKey, map[string]any{"alg": "RS256", "kid": "k"},
		claims{"iss": "https://unknown.example/oauth2/token", "azp": g.ck, "exp": time.Now().Add(time.Hour).Unix(), "jti": "u"})
	if err != nil {
		t.Fatal(err)
	}
	r := call(t, "GET", gw, nil, bearer(foreign))
	gwBody(t, r, 401, "900901", "Invalid Credentials", "")
	if d := str(r.json(t)["description"]); !strings.HasPrefix(d, "Access failure for API: ") {
		t.Fatalf("description %q", d)
	}
	g.sm.s.opt.Faults = faults.Set{"gateway-trusts-unknown-issuer": true}
	expect(t, call(t, "GET", gw, nil, bearer(foreign)), http.StatusOK)
	// A known issuer still goes through its validator: a forged signature is refused.
	forged := withFlippedSignature(t, g.isToken(t, nil))
	gwBody(t, call(t, "GET", gw, nil, bearer(forged)), 401, "900901", "Invalid Credentials", descInvalidCreds)
}

func TestFaultGatewaySkipsSubscriptionCheck(t *testing.T) {
	// §6 step 2: a key mapping without a subscription → 403 900908 "Resource forbidden ".
	g := newGatewaySetup(t, "4.5.0", nil, nil)
	gw := g.sm.gw.URL + "/pets/1.0.0/x"
	r := call(t, "POST", g.sm.dev("/applications"), map[string]any{"name": "Lone", "throttlingPolicy": "Unlimited"})
	expect(t, r, http.StatusCreated)
	k := g.sm.genKeys(str(r.json(t)["applicationId"]), "IS7")
	expect(t, k, http.StatusOK)
	tok := g.isToken(t, func(c claims) { c["azp"] = str(k.json(t)["consumerKey"]) })
	gwBody(t, call(t, "GET", gw, nil, bearer(tok)), 403, "900908", "Resource forbidden ", descNoSubscription)
	g.sm.s.opt.Faults = faults.Set{"gateway-skips-subscription-check": true}
	expect(t, call(t, "GET", gw, nil, bearer(tok)), http.StatusOK)
}

func TestFaultGatewayOpaqueIgnoresKMRestriction(t *testing.T) {
	// §6 step 3: for an API restricted to the IS KM the IS KM is elected and introspects the opaque token.
	g := newGatewaySetup(t, "4.5.0", nil, []string{"IS7"})
	gw := g.sm.gw.URL + "/pets/1.0.0/x"
	g.is.mu.Lock()
	g.is.active["opaque-1"] = g.ck
	g.is.mu.Unlock()
	expect(t, call(t, "GET", gw, nil, bearer("opaque-1")), http.StatusOK)
	g.sm.s.opt.Faults = faults.Set{"gateway-opaque-ignores-km-restriction": true}
	// The Resident KM comes first in the gateway's map and cannot validate IS's token.
	gwBody(t, call(t, "GET", gw, nil, bearer("opaque-2")), 401, "900901", "Invalid Credentials", "")
}

func TestFaultGatewayIgnoresConsumerKeyClaim(t *testing.T) {
	// §6 step 2: the consumer key is the KM's consumer_key_claim; a token without that claim has no key
	// mapping → 403 900908 (field-failures #13).
	g := newGatewaySetup(t, "4.5.0", func(m map[string]any) { m["consumerKeyClaim"] = "custom_ck" }, nil)
	gw := g.sm.gw.URL + "/pets/1.0.0/x"
	expect(t, call(t, "GET", gw, nil, bearer(g.isToken(t, func(c claims) { c["custom_ck"] = g.ck }))), http.StatusOK)
	gwBody(t, call(t, "GET", gw, nil, bearer(g.isToken(t, nil))), 403, "900908", "Resource forbidden ", descNoSubscription)
	g.sm.s.opt.Faults = faults.Set{"gateway-ignores-consumer-key-claim": true}
	expect(t, call(t, "GET", gw, nil, bearer(g.isToken(t, func(c claims) { c["jti"] = "other" }))), http.StatusOK)
}
