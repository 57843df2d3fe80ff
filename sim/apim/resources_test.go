package apim

import (
	"net/http"
	"testing"
)

// scopedSetup publishes an API with explicit operations, subscribed and keyed against a fake IS 7.
func scopedSetup(t *testing.T, ops []any) *gatewaySetup {
	t.Helper()
	is, hosts := newFakeIS(t, isCert)
	backend, seen := echoBackend(t)
	sm := newSim(t, "4.4.0", defaultTOML, hosts, isCert)
	sm.createKM(is.is7KM("IS7"))
	apiID := sm.publishAPIWith("Customers", "customers", nil, backend.URL+"/svc", func(b map[string]any) { b["operations"] = ops })
	appID := sm.subscribedApp("App", apiID)
	r := sm.genKeys(appID, "IS7")
	expect(t, r, http.StatusOK)
	return &gatewaySetup{sm: sm, is: is, apiID: apiID, appID: appID, ck: str(r.json(t)["consumerKey"]), seen: seen, backend: backend.URL}
}

func dispatchBody(t *testing.T, r resp, status int, code, desc string) {
	t.Helper()
	expect(t, r, status)
	j := r.json(t)
	// UNCONFIRMED body shape (see resources.go); the description texts are IV2's.
	if j["code"] != code || j["type"] != "Status report" || j["message"] != "Runtime Error" || j["description"] != desc {
		t.Fatalf("dispatch failure body %s", r.raw)
	}
}

func TestGatewayResourceDispatch(t *testing.T) {
	// api-manager-4.md §6 (gateway URL …/<context>/<version>/<resource>), with IV2's rest-invocation
	// feature for the 405/404 split: POST on a GET-only path → 405, an undefined path → 404.
	g := scopedSetup(t, []any{
		map[string]any{"verb": "GET", "target": "/customers/{id}"},
		map[string]any{"verb": "DELETE", "target": "/customers/{id}"},
		map[string]any{"verb": "GET", "target": "/files/*"},
	})
	tok := bearer(g.isToken(t, nil))
	base := g.sm.gw.URL + "/customers/1.0.0"
	for _, p := range []string{"/customers/123", "/customers/123/", "/files", "/files/a/b"} {
		r := call(t, "GET", base+p, nil, tok)
		expect(t, r, http.StatusOK)
		if j := r.json(t); j["path"] != "/svc"+p {
			t.Fatalf("%s reached the backend as %v", p, j["path"])
		}
	}
	expect(t, call(t, "DELETE", base+"/customers/9", nil, tok), http.StatusOK)
	dispatchBody(t, call(t, "POST", base+"/customers/name", nil, tok), http.StatusMethodNotAllowed, "405", descMethodNotAllowed)
	dispatchBody(t, call(t, "GET", base+"/customers/123/invalid", nil, tok), http.StatusNotFound, "404", descNoResource)
	dispatchBody(t, call(t, "GET", base+"/customers", nil, tok), http.StatusNotFound, "404", descNoResource)
	// Dispatch precedes authentication (UNCONFIRMED order): no credentials still gets the 404.
	dispatchBody(t, call(t, "GET", base+"/nowhere", nil, ""), http.StatusNotFound, "404", descNoResource)
	// A matched resource without credentials is the authenticator's 900902.
	gwBody(t, call(t, "GET", base+"/customers/1", nil, ""), 401, "900902", "Missing Credentials", "")
}

func TestTemplateMatch(t *testing.T) {
	cases := []struct {
		target, path string
		ok           bool
	}{
		{"/*", "/", true}, {"/*", "/a/b", true}, {"/a/*", "/a", true}, {"/a/*", "/a/b/c", true}, {"/a/*", "/ab", false},
		{"/a/{id}", "/a/1", true}, {"/a/{id}", "/a", false}, {"/a/{id}", "/a/1/2", false}, {"/a/{id}/b", "/a/1/b", true},
		{"/a", "/a", true}, {"/a", "/b", false},
	}
	for _, c := range cases {
		if _, ok := templateMatch(c.target, normalisePath(c.path)); ok != c.ok {
			t.Errorf("templateMatch(%q, %q) = %v", c.target, c.path, ok)
		}
	}
	// A template beats a wildcard for the same verb.
	a := &apiSpec{Operations: []any{map[string]any{"verb": "GET", "target": "/*"}, map[string]any{"verb": "GET", "target": "/a/{id}", "scopes": []any{"s"}}}}
	if op, _ := a.matchOperation("GET", "/a/1"); op == nil || op.target != "/a/{id}" {
		t.Fatalf("matched %+v", op)
	}
}

func TestGatewayScopeValidation(t *testing.T) {
	// api-manager-4.md §6: scope validation after subscription validation → 900910 / 403 with the exact body;
	// <resource> is the operation's template (UNCONFIRMED).
	g := scopedSetup(t, []any{
		map[string]any{"verb": "GET", "target": "/orders/{id}", "scopes": []any{"orders_read", "orders_admin"}},
		map[string]any{"verb": "GET", "target": "/open", "scopes": []any{}},
	})
	base := g.sm.gw.URL + "/customers/1.0.0"
	plain := bearer(g.isToken(t, nil)) // scope "default"
	r := call(t, "GET", base+"/orders/7", nil, plain)
	gwBody(t, r, http.StatusForbidden, "900910", "The access token does not allow you to access the requested resource",
		"User is NOT authorized to access the Resource: /orders/{id}. Scope validation failed.")
	if r.header.Get("WWW-Authenticate") != "" {
		t.Fatalf("403 carries a challenge: %q", r.header.Get("WWW-Authenticate"))
	}
	expect(t, call(t, "GET", base+"/open", nil, plain), http.StatusOK)
	// One of the operation's scopes is enough.
	scoped := bearer(g.isToken(t, func(c claims) { c["scope"] = "default orders_admin" }))
	expect(t, call(t, "GET", base+"/orders/7", nil, scoped), http.StatusOK)
	// Subscription is checked before scopes: an unsubscribed client gets 900908, not 900910.
	other := bearer(g.isToken(t, func(c claims) { c["azp"] = "someone-else" }))
	gwBody(t, call(t, "GET", base+"/orders/7", nil, other), http.StatusForbidden, "900908", msgForbidden, descNoSubscription)
}
