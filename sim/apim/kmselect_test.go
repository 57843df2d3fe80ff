package apim

import (
	"net/http"
	"strings"
	"testing"
)

func TestGatewayKMSelectionByIssuer(t *testing.T) {
	// api-manager-4.md §6 step 1: the gateway picks the KM by the token's iss among enabled KMs with
	// tokenType ≠ EXCHANGED and a validator; a disabled KM's tokens are then 900901.
	for _, ver := range []string{"4.3.0", "4.5.0", "4.6.0"} {
		t.Run(ver, func(t *testing.T) {
			g := newGatewaySetup(t, ver, nil, nil)
			gw := g.sm.gw.URL + "/pets/1.0.0/x"
			// A second WSO2-IS-7 KM with its own issuer (same JWKS, so only the issuer tells them apart).
			other := g.is.is7KM("IS7-other")
			other["issuer"] = "https://other-is:9443/oauth2/token"
			g.sm.createKM(other)
			expect(t, call(t, "GET", gw, nil, bearer(g.isToken(t, nil))), http.StatusOK)
			// The same client id under the other issuer is validated by IS7-other, where the app has no keys.
			viaOther := g.isToken(t, func(c claims) { c["iss"] = "https://other-is:9443/oauth2/token" })
			gwBody(t, call(t, "GET", gw, nil, bearer(viaOther)), http.StatusForbidden, "900908", msgForbidden, descNoSubscription)

			// An EXCHANGED KM registered later with IS7's issuer has no validator, so it does not take over
			// (a DIRECT one would: TestGatewayKMNotAllowedAndIssuerCollision). Its JWKS URL is dead, so being
			// picked would surface as 900900.
			exch := g.is.is7KM("IS7-exchanged")
			exch["tokenType"] = "EXCHANGED"
			exch["certificates"] = map[string]any{"type": "JWKS", "value": "https://wso2is:1/oauth2/jwks"}
			g.sm.createKM(exch)
			expect(t, call(t, "GET", gw, nil, bearer(g.isToken(t, nil))), http.StatusOK)

			// Disabling IS7: its issuer no longer resolves, the token takes the key-validation path, where no
			// KM accepts it → 401 900901.
			id := kmID(t, g.sm, "IS7")
			km := call(t, "GET", g.sm.admin("/key-managers/"+id), nil).json(t)
			km["enabled"] = false
			expect(t, call(t, "PUT", g.sm.admin("/key-managers/"+id), km), http.StatusOK)
			r := call(t, "GET", gw, nil, bearer(g.isToken(t, nil)))
			gwBody(t, r, http.StatusUnauthorized, "900901", msgInvalidCredentials, "")
			if !strings.Contains(str(r.json(t)["description"]), "Invalid Credentials") {
				t.Fatalf("description %s", r.raw)
			}
		})
	}
}

func kmID(t *testing.T, sm *sim, name string) string {
	t.Helper()
	for _, it := range call(t, "GET", sm.admin("/key-managers"), nil).json(t)["list"].([]any) {
		if m := it.(map[string]any); m["name"] == name {
			return str(m["id"])
		}
	}
	t.Fatalf("no KM %s", name)
	return ""
}
