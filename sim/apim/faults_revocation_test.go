package apim

import (
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/kmconform/kmconform/sim/faults"
)

// The revocation and validation faults, each with and without it.

// api-manager-4.md §7: a revoked opaque token (event carries the full token, tokenType Default) leaves the
// gateway's key-validation cache; the fault keeps it there until the IntrospectionCache entry expires.
func TestFaultNotifyKeepsOpaqueToken(t *testing.T) {
	for _, fault := range []bool{false, true} {
		is, hosts := newFakeIS(t, isCert)
		backend, _ := echoBackend(t)
		sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
		if fault {
			sm.s.opt.Faults = faults.Set{"apim-notify-keeps-opaque-token": true}
		}
		sm.createKM(is.is7KM("IS7"))
		apiID := sm.publishAPI("Pets", "pets", []string{"IS7"}, backend.URL)
		keys := sm.genKeys(sm.subscribedApp("App", apiID), "IS7")
		is.mu.Lock()
		is.active["opaque-f"] = str(keys.json(t)["consumerKey"])
		is.mu.Unlock()
		gw := sm.gw.URL + "/pets/1.0.0/x"
		expect(t, call(t, "GET", gw, nil, bearer("opaque-f")), http.StatusOK)
		is.mu.Lock()
		delete(is.active, "opaque-f")
		is.mu.Unlock()
		expect(t, notifyCall(t, sm, "WSO2-IS", revocationEvent("opaque-f", "Default")), http.StatusOK)
		want := http.StatusUnauthorized
		if fault {
			want = http.StatusOK
		}
		expect(t, call(t, "GET", gw, nil, bearer("opaque-f")), want)
		// A JWT revocation still works under the fault: only the opaque eviction is gone.
		if fault {
			jwt := is.token(t, claims{"iss": is.base + "/oauth2/token", "azp": str(keys.json(t)["consumerKey"]), "jti": "jti-f",
				"exp": time.Now().Add(time.Hour).Unix()})
			expect(t, call(t, "GET", gw, nil, bearer(jwt)), http.StatusOK)
			expect(t, notifyCall(t, sm, "WSO2-IS", revocationEvent("jti-f", "JWT")), http.StatusOK)
			gwBody(t, call(t, "GET", gw, nil, bearer(jwt)), 401, "900901", "Invalid Credentials", descInvalidJWT)
		}
	}
}

// api-manager-4.md §2.2: the connector's getTokenMetaData takes active:false as invalid (900901); the fault
// goes on with the inactive answer, whose missing client_id then fails subscription validation (900908).
func TestFaultIntrospectionIgnoresInactive(t *testing.T) {
	for _, fault := range []bool{false, true} {
		is, hosts := newFakeIS(t, isCert)
		backend, _ := echoBackend(t)
		sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
		if fault {
			sm.s.opt.Faults = faults.Set{"gateway-introspection-ignores-inactive": true}
		}
		sm.createKM(is.is7KM("IS7"))
		apiID := sm.publishAPI("Pets", "pets", []string{"IS7"}, backend.URL)
		sm.genKeys(sm.subscribedApp("App", apiID), "IS7")
		r := call(t, "GET", sm.gw.URL+"/pets/1.0.0/x", nil, bearer("opaque-never-active"))
		if !fault {
			gwBody(t, r, 401, "900901", "Invalid Credentials", "")
			continue
		}
		gwBody(t, r, 403, "900908", msgForbidden, "")
	}
}

// api-manager-4.md §2.1, §6: a PEM Key Manager verifies signatures with the registered certificate; the
// fault skips the check for PEM Key Managers only (a JWKS one still refuses a forged token).
func TestFaultPEMAcceptsAnySignature(t *testing.T) {
	pemText := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: isCert.Raw})
	value := url.QueryEscape(base64.StdEncoding.EncodeToString(pemText))
	for _, mode := range []string{"PEM", "JWKS"} {
		for _, fault := range []bool{false, true} {
			g := newGatewaySetup(t, "4.5.0", func(m map[string]any) {
				if mode == "PEM" {
					m["certificates"] = map[string]any{"type": "PEM", "value": value}
				}
			}, nil)
			if fault {
				g.sm.s.opt.Faults = faults.Set{"gateway-pem-accepts-any-signature": true}
			}
			gw := g.sm.gw.URL + "/pets/1.0.0/x"
			expect(t, call(t, "GET", gw, nil, bearer(g.isToken(t, nil))), http.StatusOK)
			forged, err := signRS256(apimKey, map[string]any{"alg": "RS256", "kid": "is-kid-1"},
				claims{"iss": g.is.base + "/oauth2/token", "azp": g.ck, "exp": time.Now().Add(time.Hour).Unix(), "jti": "forged"})
			if err != nil {
				t.Fatal(err)
			}
			want := http.StatusUnauthorized
			if fault && mode == "PEM" {
				want = http.StatusOK
			}
			expect(t, call(t, "GET", gw, nil, bearer(forged)), want)
		}
	}
}
