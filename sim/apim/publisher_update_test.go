package apim

import (
	"net/http"
	"testing"
)

func TestAPIUpdateKeyManagersAppliesAtRedeploy(t *testing.T) {
	// api-manager-4.md §4 (keyManagers honoured on update; gateways serve deployed revisions) and §6 (a KM
	// not allowed for the API → 900901).
	g := newGatewaySetup(t, "4.6.0", nil, []string{residentKMName})
	gw := g.sm.gw.URL + "/pets/1.0.0/x"
	tok := bearer(g.isToken(t, nil))
	gwBody(t, call(t, "GET", gw, nil, tok), 401, "900901", msgInvalidCredentials, descInvalidCreds)

	r := call(t, "GET", g.sm.pub("/apis/"+g.apiID), nil)
	expect(t, r, http.StatusOK)
	body := r.json(t)
	body["keyManagers"] = []string{"IS7"}
	r = call(t, "PUT", g.sm.pub("/apis/"+g.apiID), body)
	expect(t, r, http.StatusOK)
	if kms, _ := r.json(t)["keyManagers"].([]any); len(kms) != 1 || kms[0] != "IS7" {
		t.Fatalf("PUT answered keyManagers %v", r.json(t)["keyManagers"])
	}
	// The deployed revision still names only the Resident KM.
	gwBody(t, call(t, "GET", gw, nil, tok), 401, "900901", msgInvalidCredentials, descInvalidCreds)
	g.sm.redeploy(g.apiID)
	expect(t, call(t, "GET", gw, nil, tok), http.StatusOK)

	// A non-array keyManagers is 400 903203; an unknown API is 404.
	body["keyManagers"] = "IS7"
	r = call(t, "PUT", g.sm.pub("/apis/"+g.apiID), body)
	expect(t, r, http.StatusBadRequest)
	if r.json(t)["code"] != float64(903203) {
		t.Fatalf("body %s", r.raw)
	}
	expect(t, call(t, "PUT", g.sm.pub("/apis/nope"), map[string]any{}), http.StatusNotFound)
}
