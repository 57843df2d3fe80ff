package wso2is

import (
	"errors"
	"net/http"
	"testing"
)

// identity-inbound-auth-oauth OIDCDiscoveryEndpoint: the discovery document under /oauth2/token and
// /oauth2/oidcdiscovery, 400 with a text for another {issuer} segment.
func TestDiscoverAt(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/{issuer}/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		if seg := r.PathValue("issuer"); seg != "token" && seg != "oidcdiscovery" {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(400)
			_, _ = w.Write([]byte("Invalid path to the discovery document. Received path : " + seg + " is not resolvable"))
			return
		}
		writeJSON(w, 200, `{"issuer":"https://wso2is:9443/oauth2/token","grant_types_supported":["password"]}`)
	})
	c, _ := fakeIS(t, mux)
	ok, err := c.DiscoverAt(ctx(t), "oidcdiscovery")
	if err != nil || ok.Status != 200 || ok.Fields["issuer"] != "https://wso2is:9443/oauth2/token" {
		t.Fatalf("oidcdiscovery: %+v, %v", ok, err)
	}
	bad, err := c.DiscoverAt(ctx(t), "other")
	if err != nil || bad.Status != 400 || bad.Fields != nil || string(bad.Body) != "Invalid path to the discovery document. Received path : other is not resolvable" {
		t.Fatalf("other: %+v, %v", bad, err)
	}
}

// §8: PATCH /{id} with addedScopes and PATCH /{id}/scopes/{name} answer 204; DELETE /{id}/scopes/{name} 204.
func TestAPIResourcePatches(t *testing.T) {
	rec := &recorder{}
	mux := http.NewServeMux()
	mux.HandleFunc("PATCH /api/server/v1/api-resources/{id}", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		w.WriteHeader(204)
	})
	mux.HandleFunc("PATCH /api/server/v1/api-resources/{id}/scopes/{name}", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		if r.PathValue("name") != "pets:read" {
			writeJSON(w, 404, `{"code":"APR-60009","message":"Unable to find the scope.","description":"Scope x is not found.","traceId":"t"}`)
			return
		}
		w.WriteHeader(204)
	})
	mux.HandleFunc("DELETE /api/server/v1/api-resources/{id}/scopes/{name}", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		w.WriteHeader(204)
	})
	c, _ := fakeIS(t, mux)
	if err := c.PatchAPIResource(ctx(t), "ar-1", []APIScope{{Name: "pets:write", DisplayName: "Write"}}); err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(rec.body); !rec.admin || got != `{"addedScopes":[{"displayName":"Write","name":"pets:write"}]}` {
		t.Errorf("PATCH body %s (admin %t)", got, rec.admin)
	}
	if err := c.PatchAPIResourceScope(ctx(t), "ar-1", "pets:read", "Read", "d"); err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(rec.body); rec.path != "/api/server/v1/api-resources/ar-1/scopes/pets:read" || got != `{"description":"d","displayName":"Read"}` {
		t.Errorf("PATCH scope %s %s", rec.path, got)
	}
	var f *APIFailure
	if err := c.PatchAPIResourceScope(ctx(t), "ar-1", "nope", "x", "y"); !errors.As(err, &f) || f.Status != 404 || f.Code != "APR-60009" {
		t.Errorf("unknown scope: %v", err)
	}
	if err := c.DeleteAPIResourceScope(ctx(t), "ar-1", "pets:write"); err != nil || rec.method != "DELETE" {
		t.Errorf("delete scope: %v (%s)", err, rec.method)
	}
}
