package apim

import (
	"net/http"
	"slices"
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

// keyValidationFailure asserts the key-validation (introspection) path's 900901, which differs from the
// JWT path's by its "Access failure for API" description.
func keyValidationFailure(t *testing.T, r resp) {
	t.Helper()
	gwBody(t, r, http.StatusUnauthorized, "900901", msgInvalidCredentials, "")
	if !strings.HasPrefix(str(r.json(t)["description"]), "Access failure for API: ") {
		t.Fatalf("want the key-validation path, got %s", r.raw)
	}
}

func TestIssuerMapLastPutWinsWithoutFallback(t *testing.T) {
	// api-manager-4.md §2 "Issuer collision" and §6 step 1: the issuer map is a plain put for every enabled,
	// non-EXCHANGED KM (last wins) before any validator is looked at. A winner without a validator sends
	// the JWT to the key-validation path; there is no fall-back to the earlier KM of the same issuer.
	// Removal (delete, disable, and the first half of every update) is Map.remove(issuer): derived from
	// carbon-apimgt sources outside the reference (UNCONFIRMED for the GA packs).
	g := newGatewaySetup(t, "4.4.0", nil, nil)
	gw := g.sm.gw.URL + "/pets/1.0.0/x"
	tok := g.isToken(t, nil)
	expect(t, call(t, "GET", gw, nil, bearer(tok)), http.StatusOK)

	// A later KM of the same issuer with self-validation off takes the issuer entry.
	intro := g.is.is7KM("IS7-introspect")
	intro["enableSelfValidationJWT"] = false
	introID := g.sm.createKM(intro)
	keyValidationFailure(t, call(t, "GET", gw, nil, bearer(tok)))

	// Deleting it removes the issuer entry: IS7 does not resolve again by itself.
	expect(t, call(t, "DELETE", g.sm.admin("/key-managers/"+introID), nil), http.StatusOK)
	keyValidationFailure(t, call(t, "GET", gw, nil, bearer(tok)))

	// Updating IS7 re-puts it.
	is7 := kmID(t, g.sm, "IS7")
	body := call(t, "GET", g.sm.admin("/key-managers/"+is7), nil).json(t)
	expect(t, call(t, "PUT", g.sm.admin("/key-managers/"+is7), body), http.StatusOK)
	expect(t, call(t, "GET", gw, nil, bearer(tok)), http.StatusOK)

	// Disabling a later KM of the same issuer removes the entry too.
	laterID := g.sm.createKM(g.is.is7KM("IS7-later"))
	gwBody(t, call(t, "GET", gw, nil, bearer(tok)), http.StatusForbidden, "900908", msgForbidden, descNoSubscription)
	later := call(t, "GET", g.sm.admin("/key-managers/"+laterID), nil).json(t)
	later["enabled"] = false
	expect(t, call(t, "PUT", g.sm.admin("/key-managers/"+laterID), later), http.StatusOK)
	keyValidationFailure(t, call(t, "GET", gw, nil, bearer(tok)))

	// Removal is by issuer alone: deleting an earlier KM drops the entry a later KM of the same issuer holds.
	expect(t, call(t, "PUT", g.sm.admin("/key-managers/"+is7), body), http.StatusOK)
	expect(t, call(t, "GET", gw, nil, bearer(tok)), http.StatusOK)
	expect(t, call(t, "DELETE", g.sm.admin("/key-managers/"+laterID), nil), http.StatusOK) // disabled: not held, no effect
	expect(t, call(t, "GET", gw, nil, bearer(tok)), http.StatusOK)
	earlierID := g.sm.createKM(g.is.is7KM("IS7-earlier"))
	expect(t, call(t, "PUT", g.sm.admin("/key-managers/"+is7), body), http.StatusOK) // IS7 now put last
	expect(t, call(t, "GET", gw, nil, bearer(tok)), http.StatusOK)
	expect(t, call(t, "DELETE", g.sm.admin("/key-managers/"+earlierID), nil), http.StatusOK)
	keyValidationFailure(t, call(t, "GET", gw, nil, bearer(tok)))
}

func TestGatewayKMOrderResidentFirst(t *testing.T) {
	// api-manager-4.md §6 step 3 "first KM in map iteration order": keyManagerMap is a LinkedHashMap in put
	// order; derived (carbon-apimgt OrganizationKeyManagerDto, outside the reference) that a put of the
	// Resident KM moves it to the front and that an update (remove + put) moves a KM to the end; EXCHANGED
	// and disabled KMs are not held. UNCONFIRMED for the GA packs.
	g := gatewayKMs{issuers: map[string]string{}}
	km := func(id, name, typ string) *keyManager {
		return &keyManager{ID: id, Name: name, Type: typ, Enabled: true, TokenType: "DIRECT", Props: map[string]any{"issuer": "iss-" + id}}
	}
	a, b, res := km("a", "A", typeIS7), km("b", "B", typeIS7), km("r", residentKMName, typeDefault)
	exch := km("x", "X", typeIS7)
	exch.TokenType = "EXCHANGED"
	off := km("o", "O", typeIS7)
	off.Enabled = false
	for _, k := range []*keyManager{a, b, exch, off, res} {
		g.add(k)
	}
	if !slices.Equal(g.order, []string{"r", "a", "b"}) {
		t.Fatalf("order %v, want the Resident KM first, then put order", g.order)
	}
	g.remove(a)
	g.add(a)
	if !slices.Equal(g.order, []string{"r", "b", "a"}) {
		t.Fatalf("order after updating A %v", g.order)
	}
	if _, held := g.issuers["iss-x"]; held {
		t.Fatal("an EXCHANGED KM's issuer was put")
	}
}
