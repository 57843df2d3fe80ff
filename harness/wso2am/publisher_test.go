package wso2am

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

// A scope-protected resource: the operation names the scope, the API lists it with its role bindings.
func TestAPISpecDTOWithScopes(t *testing.T) {
	spec := APISpec{
		Name: "Scoped", Context: "scoped", Version: "1.0.0", Backend: "http://backend:8080/echo",
		KeyManagers: []string{"is7"},
		Operations: []APIOperation{
			Operation("GET", "/read", "kmc_read"),
			Operation("POST", "/open"),
			{Verb: "PUT", Target: "/shared", Scopes: []string{"kmc_shared"}},
		},
		Scopes: []APIScope{
			LocalScope("kmc_read", "Internal/subscriber", "reader"),
			SharedScopeRef(Scope{ID: "sc-1", Name: "kmc_shared"}),
		},
		IsDefaultVersion: true,
	}
	b, err := json.Marshal(spec.DTO())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal([]byte(`{
	 "name":"Scoped","context":"scoped","version":"1.0.0","isDefaultVersion":true,"keyManagers":["is7"],"policies":["Unlimited"],
	 "endpointConfig":{"endpoint_type":"http","production_endpoints":{"url":"http://backend:8080/echo"},"sandbox_endpoints":{"url":"http://backend:8080/echo"}},
	 "operations":[
	  {"verb":"GET","target":"/read","scopes":["kmc_read"],"throttlingPolicy":"Unlimited","authType":"Application & Application User"},
	  {"verb":"POST","target":"/open","scopes":[],"throttlingPolicy":"Unlimited","authType":"Application & Application User"},
	  {"verb":"PUT","target":"/shared","scopes":["kmc_shared"]}],
	 "scopes":[
	  {"scope":{"name":"kmc_read","displayName":"kmc_read","description":"kmconform scope kmc_read","bindings":["Internal/subscriber","reader"]},"shared":false},
	  {"scope":{"id":"sc-1","name":"kmc_shared","bindings":[]},"shared":true}]}`), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DTO:\n got %s\nwant %v", b, want)
	}
	// Unset optional fields stay out: API-M then applies its defaults (keyManagers ["all"], oauth2).
	min := APISpec{Name: "m", Context: "m", Version: "1"}.DTO()
	for _, k := range []string{"keyManagers", "securityScheme", "description"} {
		if _, ok := min[k]; ok {
			t.Errorf("%s sent although unset", k)
		}
	}
}

func TestAPICRUDAndLifecycle(t *testing.T) {
	const stored = `{"id":"api-1","name":"Scoped","context":"/scoped","version":"1.0.0","provider":"admin","lifeCycleStatus":"PUBLISHED",
	 "keyManagers":["is7"],"isDefaultVersion":true,"policies":["Unlimited"],"securityScheme":["oauth2","oauth_basic_auth_api_key_mandatory"],
	 "scopes":[{"scope":{"id":"","name":"kmc_read","displayName":"kmc_read","description":"","bindings":["reader"]},"shared":false}],
	 "operations":[{"id":"","target":"/read","verb":"GET","authType":"Application & Application User","throttlingPolicy":"Unlimited","scopes":["kmc_read"]}],
	 "businessInformation":{"businessOwner":"x"}}`
	c, f := newFake(t, map[string]reply{
		"POST " + PublisherPath + "/apis":                       {status: 201, body: stored},
		"GET " + PublisherPath + "/apis/api-1":                  {status: 200, body: stored},
		"PUT " + PublisherPath + "/apis/api-1":                  {status: 200, body: stored},
		"DELETE " + PublisherPath + "/apis/api-1":               {status: 409, body: `{"code":409,"message":"Conflict","description":"Cannot remove the API as active subscriptions exist"}`},
		"POST " + PublisherPath + "/apis/api-1/revisions":       {status: 201, body: `{"id":"rev-1","displayName":"Revision 1"}`},
		"POST " + PublisherPath + "/apis/api-1/deploy-revision": {status: 201, body: `[{"name":"Default","vhost":"localhost","displayOnDevportal":true}]`},
		"POST " + PublisherPath + "/apis/change-lifecycle":      {status: 200, body: `{"workflowStatus":"APPROVED"}`},
	})
	ctx := context.Background()
	api, err := c.CreateAPI(ctx, APISpec{Name: "Scoped", Context: "scoped", Version: "1.0.0"}.DTO())
	if err != nil {
		t.Fatal(err)
	}
	if api.ID != "api-1" || len(api.Operations) != 1 || api.Operations[0].Scopes[0] != "kmc_read" || api.Scopes[0].Scope.Bindings[0] != "reader" ||
		api.LifeCycle != "PUBLISHED" || !api.IsDefaultVersion || api.Provider != "admin" {
		t.Errorf("api = %+v", api)
	}
	if _, err := c.GetAPI(ctx, "api-1"); err != nil {
		t.Fatal(err)
	}
	dto, err := c.GetAPIDTO(ctx, "api-1")
	if err != nil {
		t.Fatal(err)
	}
	dto["keyManagers"] = []any{"all"}
	if _, err := c.UpdateAPI(ctx, "api-1", dto); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteAPI(ctx, "api-1"); !IsRESTError(err, 409, 409) {
		t.Errorf("delete with subscriptions: %v", err)
	}
	rev, err := c.CreateRevision(ctx, "api-1")
	if err != nil || rev != "rev-1" {
		t.Fatalf("revision %q %v", rev, err)
	}
	if err := c.DeployRevision(ctx, "api-1", rev, "Default", "localhost"); err != nil {
		t.Fatal(err)
	}
	if err := c.ChangeLifecycle(ctx, "api-1", "Demote to Created"); err != nil {
		t.Fatal(err)
	}
	reqs := f.all()
	put := reqs[3].json(t)
	// The PUT carries the whole DTO read, fields the struct does not model included.
	if put["businessInformation"] == nil || !reflect.DeepEqual(put["keyManagers"], []any{"all"}) || reqs[3].Method != http.MethodPut {
		t.Errorf("PUT sent %v", put)
	}
	if reqs[6].Query != "revisionId=rev-1" {
		t.Errorf("deploy query %q", reqs[6].Query)
	}
	if reqs[7].Query != "apiId=api-1&action=Demote+to+Created" {
		t.Errorf("lifecycle query %q", reqs[7].Query)
	}
	for _, s := range reqs {
		wantAdmin(t, s)
	}
}

func TestSharedScopes(t *testing.T) {
	c, f := newFake(t, map[string]reply{
		"POST " + PublisherPath + "/scopes":        {status: 201, body: `{"id":"sc-1","name":"kmc_shared","displayName":"kmc_shared","description":"","bindings":[],"usageCount":0}`},
		"GET " + PublisherPath + "/scopes/sc-1":    {status: 200, body: `{"id":"sc-1","name":"kmc_shared","displayName":"kmc_shared","bindings":["admin"],"usageCount":3}`},
		"DELETE " + PublisherPath + "/scopes/sc-1": {status: 200},
		"DELETE " + PublisherPath + "/scopes/sc-2": {status: 404, body: `{"code":404,"message":"Not Found","description":"Requested Scope with Id 'sc-2' not found"}`},
	})
	ctx := context.Background()
	s, err := c.CreateSharedScope(ctx, Scope{Name: "kmc_shared", DisplayName: "kmc_shared"})
	if err != nil || s.ID != "sc-1" {
		t.Fatalf("create: %+v %v", s, err)
	}
	g, err := c.GetSharedScope(ctx, "sc-1")
	if err != nil || g.UsageCount != 3 || !reflect.DeepEqual(g.Bindings, []string{"admin"}) {
		t.Fatalf("get: %+v %v", g, err)
	}
	if err := c.DeleteSharedScope(ctx, "sc-1"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSharedScope(ctx, "sc-2"); !IsRESTError(err, 404, 404) {
		t.Errorf("delete missing: %v", err)
	}
	// A scope without description is sent without one (field failure #18 is about exactly that payload),
	// and the bindings list is always present.
	if got, want := f.all()[0].json(t), map[string]any{"name": "kmc_shared", "displayName": "kmc_shared", "bindings": []any{}}; !reflect.DeepEqual(got, want) {
		t.Errorf("create sent %v, want %v", got, want)
	}
}
