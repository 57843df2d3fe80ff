package apim

import (
	"net/http"
	"strings"
	"testing"
)

// mappableIS is a fake IS whose DCR GET knows one out-of-band client (token type Default: opaque tokens).
func mappableIS(t *testing.T) (*fakeIS, *sim, *int) {
	t.Helper()
	is, hosts := newFakeIS(t, isCert)
	is.mux.HandleFunc("GET /api/identity/oauth2/dcr/v1.1/register/{id}", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "admin" || p != "admin" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.PathValue("id") != "oob-client" {
			// identity-server-7.md §7: an unknown client_id is 401 without a body.
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"client_id": "oob-client", "client_secret": "oob-secret",
			"client_name": "oob", "grant_types": []string{"client_credentials"}, "redirect_uris": []string{}})
	})
	deleted := new(int)
	is.mux.HandleFunc("DELETE /api/identity/oauth2/dcr/v1.1/register/{id}", func(w http.ResponseWriter, r *http.Request) {
		is.mu.Lock()
		*deleted++
		is.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
	sm.createKM(is.is7KM("IS7"))
	return is, sm, deleted
}

// devportal-api-v3.yaml map-keys; the IS 7 connector's mapOAuthApplication reads the client from IS's DCR
// endpoint and compares the secret (api-manager-4.md §5 notes every API-M-created app is JWT, so a mapped
// IS client is how an application gets opaque tokens).
func TestMapKeysOutOfBandClient(t *testing.T) {
	is, sm, deleted := mappableIS(t)
	backend, _ := echoBackend(t)
	api := sm.publishAPI("Opaque", "opaque", []string{"IS7"}, backend.URL)
	app := sm.subscribedApp("App", api)
	url := sm.dev("/applications/" + app + "/map-keys")

	r := call(t, "POST", url, map[string]any{"consumerKey": "oob-client", "consumerSecret": "wrong", "keyManager": "IS7", "keyType": "PRODUCTION"})
	expect(t, r, http.StatusInternalServerError)
	if d := str(r.json(t)["description"]); d != "The secret key is wrong for the given consumer key oob-client" {
		t.Errorf("wrong secret: %s", r.raw)
	}
	r = call(t, "POST", url, map[string]any{"consumerKey": "nobody", "consumerSecret": "x", "keyManager": "IS7", "keyType": "PRODUCTION"})
	expect(t, r, http.StatusInternalServerError)
	if !strings.Contains(sm.logBuf.String(), "Some thing went wrong while getting OAuth application for given consumer key nobody") {
		t.Errorf("unknown client not logged:\n%s", sm.logBuf.String())
	}
	expect(t, call(t, "POST", url, map[string]any{"consumerSecret": "x"}), http.StatusBadRequest)

	r = call(t, "POST", url, map[string]any{"consumerKey": "oob-client", "consumerSecret": "oob-secret", "keyManager": "IS7", "keyType": "PRODUCTION"})
	expect(t, r, http.StatusOK)
	k := r.json(t)
	if k["mode"] != "MAPPED" || k["consumerKey"] != "oob-client" || k["keyManager"] != "IS7" || k["keyState"] != "APPROVED" {
		t.Errorf("mapped key = %v", k)
	}
	list := call(t, "GET", sm.dev("/applications/"+app+"/oauth-keys"), nil).json(t)["list"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["mode"] != "MAPPED" {
		t.Errorf("oauth-keys = %v", list)
	}
	expect(t, call(t, "POST", url, map[string]any{"consumerKey": "oob-client", "consumerSecret": "oob-secret", "keyManager": "IS7", "keyType": "PRODUCTION"}),
		http.StatusConflict)

	// The client's opaque token takes the key-validation path and passes subscription validation.
	is.mu.Lock()
	is.active["opaque-oob"] = "oob-client"
	is.mu.Unlock()
	expect(t, call(t, "GET", sm.gw.URL+"/opaque/1.0.0/x", nil, bearer("opaque-oob")), http.StatusOK)

	// Deleting the application leaves the mapped client at IS (deleteMappedApplication).
	expect(t, call(t, "DELETE", sm.dev("/applications/"+app), nil), http.StatusOK)
	is.mu.Lock()
	n := *deleted
	is.mu.Unlock()
	if n != 0 {
		t.Errorf("API-M deleted the mapped client at IS (%d DCR DELETEs)", n)
	}
}

func TestMapKeysNeedsMappingEnabled(t *testing.T) {
	is, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
	km := is.is7KM("IS7")
	km["enableMapOAuthConsumerApps"] = false
	sm.createKM(km)
	r := call(t, "POST", sm.dev("/applications"), map[string]any{"name": "A", "throttlingPolicy": "Unlimited"})
	app := str(r.json(t)["applicationId"])
	r = call(t, "POST", sm.dev("/applications/"+app+"/map-keys"), map[string]any{"consumerKey": "c", "consumerSecret": "s", "keyManager": "IS7", "keyType": "PRODUCTION"})
	expect(t, r, http.StatusBadRequest)
	r = call(t, "POST", sm.dev("/applications/"+app+"/map-keys"), map[string]any{"consumerKey": "c", "consumerSecret": "s", "keyManager": "nope", "keyType": "PRODUCTION"})
	expect(t, r, http.StatusBadRequest)
	if r.json(t)["code"] != float64(901403) {
		t.Errorf("unknown KM: %s", r.raw)
	}
}
