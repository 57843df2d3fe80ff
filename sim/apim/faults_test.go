package apim

import (
	"net/http"
	"testing"

	"github.com/kmconform/kmconform/sim/faults"
)

// Each product fault changes exactly one behaviour; without it the same calls behave as the product does.

func TestFaultNotifyIgnoresRevocation(t *testing.T) {
	g := newGatewaySetup(t, "4.5.0", nil, nil)
	g.sm.s.opt.Faults = faults.Set{"apim-notify-ignores-revocation": true}
	gw := g.sm.gw.URL + "/pets/1.0.0/x"
	tok := g.isToken(t, func(c claims) { c["jti"] = "jti-ignored" })
	expect(t, notifyCall(t, g.sm, "WSO2-IS", revocationEvent("jti-ignored", "JWT")), http.StatusOK)
	expect(t, call(t, "GET", gw, nil, bearer(tok)), http.StatusOK)
	g.sm.s.opt.Faults = nil
	expect(t, notifyCall(t, g.sm, "WSO2-IS", revocationEvent("jti-ignored", "JWT")), http.StatusOK)
	gwBody(t, call(t, "GET", gw, nil, bearer(tok)), 401, "900901", "Invalid Credentials", descInvalidJWT)
}

func TestFaultGatewayIgnoresKMRestriction(t *testing.T) {
	g := newGatewaySetup(t, "4.5.0", nil, []string{"Resident Key Manager"})
	gw := g.sm.gw.URL + "/pets/1.0.0/x"
	gwBody(t, call(t, "GET", gw, nil, bearer(g.isToken(t, nil))), 401, "900901", "Invalid Credentials", descInvalidCreds)
	g.sm.s.opt.Faults = faults.Set{"gateway-ignores-km-restriction": true}
	expect(t, call(t, "GET", gw, nil, bearer(g.isToken(t, nil))), http.StatusOK)
	// Only the restriction goes: a tampered token is still refused.
	tampered := g.isToken(t, nil)
	tampered = tampered[:len(tampered)-4] + "AAAA"
	if r := call(t, "GET", gw, nil, bearer(tampered)); r.status != http.StatusUnauthorized {
		t.Errorf("a tampered token got %d under the fault", r.status)
	}
}
