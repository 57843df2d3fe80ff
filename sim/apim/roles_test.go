package apim

import (
	"net/http"
	"slices"
	"testing"

	"github.com/kmconform/kmconform/sim/faults"
)

func TestFaultGatewaySkipsScopeValidation(t *testing.T) {
	// api-manager-4.md §6: a token without the resource's scope → 403 900910.
	g := scopedSetup(t, []any{map[string]any{"verb": "GET", "target": "/orders", "scopes": []any{"orders_read"}}})
	gw := g.sm.gw.URL + "/customers/1.0.0/orders"
	gwBody(t, call(t, "GET", gw, nil, bearer(g.isToken(t, nil))), 403, "900910", "The access token does not allow you to access the requested resource", "")
	g.sm.s.opt.Faults = faults.Set{"gateway-skips-scope-validation": true}
	expect(t, call(t, "GET", gw, nil, bearer(g.isToken(t, nil))), http.StatusOK)
	// Only the scope check goes: a token without a subscription is still refused.
	gwBody(t, call(t, "GET", gw, nil, bearer(g.isToken(t, func(c claims) { c["azp"] = "nobody" }))), 403, "900908", "Resource forbidden ", "")
}

func TestFaultConnectorRolesUnderAPIMName(t *testing.T) {
	// api-manager-4.md §8 (KM@v2.0.4 getWSO2IS7RoleName): with enable_roles_creation, Internal/X → X and a
	// primary role X → system_primary_X.
	for _, fault := range []bool{false, true} {
		sm, _, fs := scopeSim(t, "4.5.0", withRolesFlag(true))
		if fault {
			sm.s.opt.Faults = faults.Set{"connector-roles-under-apim-name": true}
		}
		expect(t, call(t, "POST", sm.pub("/scopes"), map[string]any{"name": "s1", "displayName": "S1",
			"bindings": []string{"Internal/reader", "admin"}}), http.StatusCreated)
		want := []string{"reader", "system_primary_admin"}
		if fault {
			want = []string{"Internal/reader", "admin"}
		}
		got := fs.roleNames()
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("fault %t: roles %v, want %v", fault, got, want)
		}
	}
}

func TestFaultConnectorSkipsScopeRegistration(t *testing.T) {
	// api-manager-4.md §2.2 "Scopes": an API's local scope goes to the API resource at IS (2.0.3+).
	sm, _, fs := scopeSim(t, "4.5.0", nil)
	expect(t, call(t, "POST", sm.pub("/apis"), scopedAPI("A", "a", "orders_read")), http.StatusCreated)
	if len(fs.find("POST", "/api/server/v1/api-resources")) != 1 {
		t.Fatalf("scope not registered: %v", fs.calls)
	}
	sm, _, fs = scopeSim(t, "4.5.0", nil)
	sm.s.opt.Faults = faults.Set{"connector-skips-scope-registration": true}
	expect(t, call(t, "POST", sm.pub("/apis"), scopedAPI("A", "a", "orders_read")), http.StatusCreated)
	expect(t, call(t, "POST", sm.pub("/scopes"), map[string]any{"name": "s2", "description": "d"}), http.StatusCreated)
	if n := fs.count(); n != 0 {
		t.Fatalf("IS called %d times under the fault: %v", n, fs.calls)
	}
}

func TestFaultSharedScopeRequiresDescription(t *testing.T) {
	// publisher-api-v4.yaml Scope: only name is required (field-failures #18: no description → 201).
	sm, _, _ := scopeSim(t, "4.6.0", nil)
	expect(t, call(t, "POST", sm.pub("/scopes"), map[string]any{"name": "nodesc", "bindings": []string{}}), http.StatusCreated)
	sm.s.opt.Faults = faults.Set{"apim-shared-scope-requires-description": true}
	r := call(t, "POST", sm.pub("/scopes"), map[string]any{"name": "nodesc2", "bindings": []string{}})
	expect(t, r, http.StatusBadRequest)
	expect(t, call(t, "POST", sm.pub("/scopes"), map[string]any{"name": "withdesc", "description": "d"}), http.StatusCreated)
}

func TestSharedScopeWithoutDescriptionInAnAPI(t *testing.T) {
	// wso2/api-manager#4064 (4.5.0 + IS 7.1.0): validateSharedScopes → WSO2IS7KeyManager.getScopeByName
	// reads the scope's description with getAsString() and throws when IS sends none → 500 from the
	// GlobalThrowableMapper; connectors 2.0.3 (4.4.0) and 2.0.4 (4.5.0); fixed in 2.0.8 (4.6.0, 89b0b4c);
	// 2.0.2 (4.3.0) reads the legacy scope.
	for ver, want := range map[string]int{"4.3.0": 201, "4.4.0": 500, "4.5.0": 500, "4.6.0": 201, "4.7.0": 201} {
		t.Run(ver, func(t *testing.T) {
			sm, _, _ := scopeSim(t, ver, nil)
			expect(t, call(t, "POST", sm.pub("/scopes"), map[string]any{"name": "nodesc", "displayName": "No description"}), http.StatusCreated)
			expect(t, call(t, "POST", sm.pub("/scopes"), map[string]any{"name": "withdesc", "description": "d"}), http.StatusCreated)
			api := func(name, ctx, scope string) map[string]any {
				return map[string]any{"name": name, "context": ctx, "version": "1.0.0", "policies": []string{"Unlimited"},
					"operations": []any{map[string]any{"verb": "GET", "target": "/x", "scopes": []any{scope}}},
					"scopes":     []any{map[string]any{"shared": true, "scope": map[string]any{"name": scope}}}}
			}
			expect(t, call(t, "POST", sm.pub("/apis"), api("B", "b", "withdesc")), http.StatusCreated)
			r := call(t, "POST", sm.pub("/apis"), api("A", "a", "nodesc"))
			expect(t, r, want)
			if want == 500 {
				if j := r.json(t); j["code"] != float64(500) {
					t.Fatalf("body %s", r.raw)
				}
				// The same on update: an API that takes the scope later.
				plain := api("C", "c", "withdesc")
				r := call(t, "POST", sm.pub("/apis"), plain)
				expect(t, r, http.StatusCreated)
				expect(t, call(t, "PUT", sm.pub("/apis/"+str(r.json(t)["id"])), api("C", "c", "nodesc")), 500)
			}
		})
	}
}
