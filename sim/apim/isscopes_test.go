package apim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// isCall is one request the fake IS received from the connector.
type isCall struct {
	method, path, query, auth, contentType string
	body                                   map[string]any
}

func (c isCall) String() string { return c.method + " " + c.path }

// fakeISScopes plays IS 7's scope-related APIs (identity-server-7.md §8): the legacy OAuth2 scopes API, the
// API resources API and SCIM2 Roles v2, in memory, recording every call.
type fakeISScopes struct {
	mu        sync.Mutex
	calls     []isCall
	resID     string
	resScopes []map[string]any
	roles     map[string]*fakeRole // by id
	legacy    map[string]map[string]any
	failWith  int // when non-zero every scope/role call answers this status
}

type fakeRole struct {
	id, name string
	perms    []any
}

func addScopeEndpoints(f *fakeIS) *fakeISScopes {
	fs := &fakeISScopes{roles: map[string]*fakeRole{}, legacy: map[string]map[string]any{}}
	h := func(pattern string, fn func(w http.ResponseWriter, r *http.Request, body map[string]any)) {
		f.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			raw, _ := io.ReadAll(r.Body)
			var body map[string]any
			_ = json.Unmarshal(raw, &body)
			fs.mu.Lock()
			defer fs.mu.Unlock()
			fs.calls = append(fs.calls, isCall{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body})
			if fs.failWith != 0 {
				writeJSON(w, fs.failWith, map[string]any{"code": "X", "message": "failure"})
				return
			}
			fn(w, r, body)
		})
	}
	const res = "/api/server/v1/api-resources"
	h("GET "+res, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		list := []any{}
		if r.URL.Query().Get("filter") == "identifier eq "+is7ResourceIdentifier && fs.resID != "" {
			list = append(list, map[string]any{"id": fs.resID, "identifier": is7ResourceIdentifier, "name": is7ResourceName})
		}
		writeJSON(w, http.StatusOK, map[string]any{"totalResults": len(list), "apiResources": list, "links": []any{}})
	})
	h("POST "+res, func(w http.ResponseWriter, _ *http.Request, body map[string]any) {
		fs.resID = "res-1"
		for _, sc := range body["scopes"].([]any) {
			fs.resScopes = append(fs.resScopes, sc.(map[string]any))
		}
		writeJSON(w, http.StatusCreated, map[string]any{"id": fs.resID})
	})
	h("GET "+res+"/{id}/scopes", func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
		writeJSON(w, http.StatusOK, append([]map[string]any{}, fs.resScopes...))
	})
	h("PATCH "+res+"/{id}", func(w http.ResponseWriter, _ *http.Request, body map[string]any) {
		for _, sc := range body["addedScopes"].([]any) {
			fs.resScopes = append(fs.resScopes, sc.(map[string]any))
		}
		w.WriteHeader(http.StatusNoContent)
	})
	const roles = "/scim2/v2/Roles"
	h("POST "+roles+"/.search", func(w http.ResponseWriter, _ *http.Request, body map[string]any) {
		list := []any{}
		for _, ro := range fs.roles {
			if str(body["filter"]) == "displayName eq "+ro.name {
				list = append(list, map[string]any{"id": ro.id, "displayName": ro.name})
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"totalResults": len(list), "Resources": list})
	})
	h("POST "+roles, func(w http.ResponseWriter, _ *http.Request, body map[string]any) {
		ro := &fakeRole{id: fmt.Sprintf("role-%d", len(fs.roles)+1), name: str(body["displayName"])}
		ro.perms, _ = body["permissions"].([]any)
		fs.roles[ro.id] = ro
		writeJSON(w, http.StatusCreated, map[string]any{"id": ro.id, "displayName": ro.name})
	})
	h("GET "+roles+"/{id}", func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		ro := fs.roles[r.PathValue("id")]
		writeJSON(w, http.StatusOK, map[string]any{"id": ro.id, "displayName": ro.name, "permissions": ro.perms})
	})
	h("PATCH "+roles+"/{id}", func(w http.ResponseWriter, r *http.Request, body map[string]any) {
		op := body["Operations"].([]any)[0].(map[string]any)
		fs.roles[r.PathValue("id")].perms = op["value"].(map[string]any)["permissions"].([]any)
		writeJSON(w, http.StatusOK, map[string]any{})
	})
	const legacy = "/api/identity/oauth2/v1.0/scopes"
	h("HEAD "+legacy+"/name/{name}", func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		if fs.legacy[r.PathValue("name")] == nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	h("POST "+legacy, func(w http.ResponseWriter, _ *http.Request, body map[string]any) {
		fs.legacy[str(body["name"])] = body
		writeJSON(w, http.StatusCreated, body)
	})
	return fs
}

// addRole seeds an IS role.
func (fs *fakeISScopes) addRole(name string, perms ...any) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	id := fmt.Sprintf("seed-%d", len(fs.roles)+1)
	fs.roles[id] = &fakeRole{id: id, name: name, perms: perms}
}

// role returns a role by display name.
func (fs *fakeISScopes) role(name string) *fakeRole {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, ro := range fs.roles {
		if ro.name == name {
			return ro
		}
	}
	return nil
}

func (fs *fakeISScopes) roleNames() []string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []string
	for _, ro := range fs.roles {
		out = append(out, ro.name)
	}
	return out
}

// find returns the calls matching "METHOD path-prefix".
func (fs *fakeISScopes) find(method, pathPrefix string) []isCall {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []isCall
	for _, c := range fs.calls {
		if c.method == method && strings.HasPrefix(c.path, pathPrefix) {
			out = append(out, c)
		}
	}
	return out
}

func (fs *fakeISScopes) count() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.calls)
}

// scopedAPI is a create body whose one operation uses a local scope bound to roles.
func scopedAPI(name, ctx, scope string, roles ...string) map[string]any {
	bindings := []any{}
	for _, r := range roles {
		bindings = append(bindings, r)
	}
	return map[string]any{"name": name, "context": ctx, "version": "1.0.0", "policies": []string{"Unlimited"},
		"operations": []any{map[string]any{"verb": "GET", "target": "/x", "scopes": []any{scope}}},
		"scopes": []any{map[string]any{"shared": false, "scope": map[string]any{"name": scope, "displayName": scope + " display",
			"description": "d", "bindings": bindings}}}}
}
