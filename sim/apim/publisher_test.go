package apim

import (
	"net/http"
	"testing"
)

func TestPublisherCreateDeployPublish(t *testing.T) {
	// api-manager-4.md §4.
	sm := newSim(t, "4.4.0", defaultTOML, nil)
	r := call(t, "POST", sm.pub("/apis"), map[string]any{"name": "Pets", "context": "pets", "version": "1.0.0"})
	expect(t, r, http.StatusCreated)
	a := r.json(t)
	id := str(a["id"])
	if a["context"] != "/pets" || a["apiKeyHeader"] != "ApiKey" {
		t.Fatalf("context/defaults: %s", r.raw)
	}
	if kms := a["keyManagers"].([]any); len(kms) != 1 || kms[0] != "all" {
		t.Fatalf("keyManagers default: %v", kms)
	}
	conflicts := []struct {
		body map[string]any
		code float64
	}{
		{map[string]any{"name": "pets", "context": "other", "version": "1.0.0"}, 900250},
		{map[string]any{"name": "Pets", "context": "pets2", "version": "1.0.0"}, 900300},
		{map[string]any{"name": "Cats", "context": "/pets", "version": "2.0.0"}, 900251},
	}
	for _, c := range conflicts {
		r := call(t, "POST", sm.pub("/apis"), c.body)
		expect(t, r, http.StatusConflict)
		if r.json(t)["code"] != c.code {
			t.Fatalf("want %v, got %s", c.code, r.raw)
		}
	}
	r = call(t, "POST", sm.pub("/apis"), map[string]any{"name": "T", "context": "/t/", "version": "1"})
	expect(t, r, http.StatusBadRequest)
	if r.json(t)["code"] != float64(900346) {
		t.Fatalf("trailing slash: %s", r.raw)
	}
	r = call(t, "POST", sm.pub("/apis"), map[string]any{"name": "K", "context": "/k", "version": "1", "keyManagers": "all"})
	if r.status != http.StatusBadRequest || r.json(t)["code"] != float64(903203) {
		t.Fatalf("non-array keyManagers: %d %s", r.status, r.raw)
	}

	r = call(t, "POST", sm.pub("/apis/"+id+"/revisions"), map[string]any{"description": "first"})
	expect(t, r, http.StatusCreated)
	rev := str(r.json(t)["id"])
	deploy := func(body any) resp {
		return call(t, "POST", sm.pub("/apis/"+id+"/deploy-revision?revisionId="+rev), body)
	}
	for _, c := range []struct {
		body []map[string]any
		code float64
	}{
		{[]map[string]any{{"name": "Nowhere", "vhost": "localhost"}}, 900504},
		{[]map[string]any{{"name": "Default"}}, 900511},
		{[]map[string]any{{"name": "Default", "vhost": "example.com"}}, 900512},
	} {
		r := deploy(c.body)
		expect(t, r, http.StatusBadRequest)
		if r.json(t)["code"] != c.code {
			t.Fatalf("want %v, got %s", c.code, r.raw)
		}
	}
	// Not deployed yet: the gateway does not know the context.
	expect(t, call(t, "GET", sm.gw.URL+"/pets/1.0.0/x", nil, ""), http.StatusNotFound)
	expect(t, deploy([]map[string]any{{"name": "Default", "vhost": "localhost", "displayOnDevportal": true}}), http.StatusCreated)
	r = call(t, "POST", sm.pub("/apis/change-lifecycle?apiId="+id+"&action=Publish"), nil)
	expect(t, r, http.StatusOK)
	if r.json(t)["workflowStatus"] != "APPROVED" {
		t.Fatalf("lifecycle: %s", r.raw)
	}
	if g := call(t, "GET", sm.pub("/apis/"+id), nil).json(t); g["lifeCycleStatus"] != "PUBLISHED" || g["context"] != "/pets" {
		t.Fatalf("after publish: %v", g)
	}
	// Deployed: the gateway now asks for credentials instead of 404.
	expect(t, call(t, "GET", sm.gw.URL+"/pets/1.0.0/x", nil, ""), http.StatusUnauthorized)
	// At most 5 revisions (§4, 900351).
	for i := 0; i < 4; i++ {
		expect(t, call(t, "POST", sm.pub("/apis/"+id+"/revisions"), map[string]any{}), http.StatusCreated)
	}
	r = call(t, "POST", sm.pub("/apis/"+id+"/revisions"), map[string]any{})
	if r.status != http.StatusBadRequest || r.json(t)["code"] != float64(900351) {
		t.Fatalf("sixth revision: %d %s", r.status, r.raw)
	}
}

func TestDevPortalApplicationsAndSubscriptions(t *testing.T) {
	// api-manager-4.md §5: 201, exact 409 bodies, tokenType forced to JWT.
	sm := newSim(t, "4.5.0", defaultTOML, nil)
	r := call(t, "POST", sm.dev("/applications"), map[string]any{"name": "App", "throttlingPolicy": "Unlimited", "tokenType": "OAUTH"})
	expect(t, r, http.StatusCreated)
	app := r.json(t)
	if app["tokenType"] != "JWT" {
		t.Fatalf("tokenType %v", app["tokenType"])
	}
	r = call(t, "POST", sm.dev("/applications"), map[string]any{"name": "App", "throttlingPolicy": "Unlimited"})
	expect(t, r, http.StatusConflict)
	if j := r.json(t); j["code"] != float64(409) || j["message"] != "Resource Already Exists" || j["description"] != "An application already exists with name App" {
		t.Fatalf("duplicate app body %s", r.raw)
	}
	apiID := sm.publishAPI("Pets", "pets", nil, "http://backend:8080")
	sub := map[string]any{"applicationId": app["applicationId"], "apiId": apiID, "throttlingPolicy": "Unlimited"}
	expect(t, call(t, "POST", sm.dev("/subscriptions"), sub), http.StatusCreated)
	r = call(t, "POST", sm.dev("/subscriptions"), sub)
	expect(t, r, http.StatusConflict)
	want := "Specified subscription already exists for API " + apiID + ", for application " + str(app["applicationId"])
	if j := r.json(t); j["code"] != float64(409) || j["message"] != "Resource Already Exists" || j["description"] != want {
		t.Fatalf("duplicate subscription body %s", r.raw)
	}
}

func TestDevPortalKeyManagersDisplayEndpoints(t *testing.T) {
	// §5: tokenEndpoint = display_token_endpoint if non-blank, else token_endpoint.
	sm := newSim(t, "4.3.0", defaultTOML, nil)
	props := map[string]any{"Username": "u", "Password": "p"}
	sm.createKM(map[string]any{"name": "Disp", "type": "WSO2-IS-7", "tokenEndpoint": "https://is/t", "displayTokenEndpoint": "https://disp/t",
		"revokeEndpoint": "https://is/r", "displayRevokeEndpoint": "", "additionalProperties": props})
	r := call(t, "GET", sm.dev("/key-managers"), nil)
	expect(t, r, http.StatusOK)
	for _, it := range r.json(t)["list"].([]any) {
		m := it.(map[string]any)
		if m["name"] == "Disp" && (m["tokenEndpoint"] != "https://disp/t" || m["revokeEndpoint"] != "https://is/r") {
			t.Fatalf("KeyManagerInfo %v", m)
		}
	}
}
