package apim

import (
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// scopeDef is API-M's Scope model: Key is the scope name ("orders_read"), Name its display name, Roles the
// role bindings (publisher-api-v4.yaml Scope: name, displayName, description, bindings).
type scopeDef struct {
	ID          string // shared scopes only
	Key, Name   string
	Description string
	Roles       []string
}

func (sc scopeDef) dto() map[string]any {
	d := map[string]any{"name": sc.Key, "displayName": sc.Name, "description": sc.Description,
		"bindings": orEmptyStrings(sc.Roles), "usageCount": 0}
	if sc.ID != "" {
		d["id"] = sc.ID
	}
	return d
}

// scopeFromDTO reads a publisher Scope object.
// UNCONFIRMED (publisher-api-v4.yaml leaves it open): an absent displayName falls back to the name.
func scopeFromDTO(m map[string]any) scopeDef {
	sc := scopeDef{Key: strings.TrimSpace(str(m["name"])), Name: str(m["displayName"]), Description: str(m["description"])}
	if sc.Name == "" {
		sc.Name = sc.Key
	}
	if b, ok := m["bindings"].([]any); ok {
		for _, r := range b {
			if n := strings.TrimSpace(str(r)); n != "" {
				sc.Roles = append(sc.Roles, n)
			}
		}
	}
	return sc
}

func (s *Server) routeScopes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+publisherBase+"/scopes", s.requireAdmin(s.sharedScopeCreate))
	mux.HandleFunc("GET "+publisherBase+"/scopes", s.requireAdmin(s.sharedScopeList))
	mux.HandleFunc("GET "+publisherBase+"/scopes/{scopeId}", s.requireAdmin(s.sharedScopeGet))
	mux.HandleFunc("DELETE "+publisherBase+"/scopes/{scopeId}", s.requireAdmin(s.sharedScopeDelete))
}

// sharedScopeCreate is POST /scopes: stored, then registered at every tenant KM (api-manager-4.md §9
// is7_role_creation: a shared scope bound to a new role creates that role in IS).
func (s *Server) sharedScopeCreate(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := readJSON(r, &body); err != nil {
		writeError(w, err)
		return
	}
	sc := scopeFromDTO(body)
	if sc.Key == "" {
		writeError(w, missingRequired("name")) // Scope.required (publisher-api-v4.yaml)
		return
	}
	if sc.Description == "" && s.opt.Faults.On("apim-shared-scope-requires-description") {
		writeError(w, badRequest("Scope description cannot be empty"))
		return
	}
	s.mu.Lock()
	dup := s.st.scopeKeyTaken(sc.Key)
	s.mu.Unlock()
	if dup {
		// UNCONFIRMED (not in the references): 409 with this description for a name the tenant already uses.
		writeError(w, conflict("Scope "+sc.Key+" already exists"))
		return
	}
	if err := s.registerScopes(r, []scopeDef{sc}); err != nil {
		writeError(w, err)
		return
	}
	sc.ID = uuid.NewString()
	s.mu.Lock()
	if s.st.scopeKeyTaken(sc.Key) { // a concurrent create won while the KMs were called
		s.mu.Unlock()
		writeError(w, conflict("Scope "+sc.Key+" already exists"))
		return
	}
	s.st.sharedScopes = append(s.st.sharedScopes, sc)
	s.mu.Unlock()
	s.log.Info("org.wso2.carbon.apimgt.impl.APIProviderImpl", "Shared scope %s added", sc.Key)
	w.Header().Set("Location", publisherBase+"/scopes/"+sc.ID)
	writeJSON(w, http.StatusCreated, sc.dto())
}

func (s *Server) sharedScopeList(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	list := []map[string]any{}
	for _, sc := range s.st.sharedScopes {
		list = append(list, sc.dto())
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"count": len(list), "list": list,
		"pagination": map[string]any{"offset": 0, "limit": 25, "total": len(list)}})
}

func (s *Server) sharedScopeGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sc := range s.st.sharedScopes {
		if sc.ID == r.PathValue("scopeId") {
			writeJSON(w, http.StatusOK, sc.dto())
			return
		}
	}
	writeError(w, notFound("Scope", r.PathValue("scopeId")))
}

// sharedScopeDelete removes the shared scope from API-M only.
// UNCONFIRMED / not simulated: the product also deletes the scope at each KM; the simulator leaves the
// KM side untouched.
func (s *Server) sharedScopeDelete(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("scopeId")
	n := len(s.st.sharedScopes)
	s.st.sharedScopes = slices.DeleteFunc(s.st.sharedScopes, func(sc scopeDef) bool { return sc.ID == id })
	if len(s.st.sharedScopes) == n {
		writeError(w, notFound("Scope", id))
		return
	}
	w.WriteHeader(http.StatusOK)
}

// scopeKeyTaken: a shared scope or an API's local scope already uses the key. Called with s.mu held.
func (st *state) scopeKeyTaken(key string) bool {
	if st.isSharedScope(key) {
		return true
	}
	for _, a := range st.apis {
		for _, sc := range a.localScopes(st) {
			if sc.Key == key {
				return true
			}
		}
	}
	return false
}

func (st *state) isSharedScope(key string) bool {
	return slices.ContainsFunc(st.sharedScopes, func(sc scopeDef) bool { return sc.Key == key })
}

// localScopes are the API's own scopes that the product registers at the KMs: those of APIDTO.scopes that
// are not tenant shared scopes (the DTO's `shared` flag is not honoured, publisher-api-v4.yaml APIScope) and
// that some operation uses (APIProviderImpl.getScopesToRegisterFromURITemplates). Called with s.mu held.
func (a *api) localScopes(st *state) []scopeDef {
	return localScopesOf(a.body, st)
}

func localScopesOf(body map[string]any, st *state) []scopeDef {
	used := map[string]bool{}
	ops, _ := body["operations"].([]any)
	for _, raw := range ops {
		m, _ := raw.(map[string]any)
		sc, _ := m["scopes"].([]any)
		for _, x := range sc {
			used[str(x)] = true
		}
	}
	list, _ := body["scopes"].([]any)
	var out []scopeDef
	for _, raw := range list {
		m, _ := raw.(map[string]any)
		inner, _ := m["scope"].(map[string]any)
		sc := scopeFromDTO(inner)
		if sc.Key == "" || !used[sc.Key] || st.isSharedScope(sc.Key) {
			continue
		}
		out = append(out, sc)
	}
	return out
}
