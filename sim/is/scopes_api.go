package is

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Legacy OAuth2 scopes API (identity-server-7.md §8; OpenAPI oauth2-scopes-v1.0). API-M's 4.3.0 GA
// connector (2.0.2) still uses it; later connectors use API resources.
const scopesPath = "/api/identity/oauth2/v1.0/scopes"

type scopeBinding struct {
	BindingType string   `json:"bindingType"`
	Binding     []string `json:"binding"`
}

// legacyScope has the OpenAPI "scope" definition's field names.
type legacyScope struct {
	Name          string         `json:"name"`
	DisplayName   string         `json:"displayName"`
	Description   string         `json:"description"`
	Bindings      []string       `json:"bindings"`
	ScopeBindings []scopeBinding `json:"scopeBindings"`
}

func (s *server) scopesRoutes(mux *http.ServeMux, prefix string) {
	p := prefix + scopesPath
	mux.HandleFunc("POST "+p, s.scopeCreate)
	mux.HandleFunc("GET "+p, s.scopeList)
	mux.HandleFunc("GET "+p+"/name/{name}", s.scopeGet)
	mux.HandleFunc("HEAD "+p+"/name/{name}", s.scopeHead)
	mux.HandleFunc("PUT "+p+"/name/{name}", s.scopeUpdate)
	mux.HandleFunc("DELETE "+p+"/name/{name}", s.scopeDelete)
}

// UNCONFIRMED (identity-server-7.md §8): the error codes and texts of the scope endpoint are not in the
// reference; chose Oauth2ScopeConstants-style codes with short messages.
func scopeNotFound(w http.ResponseWriter, name string) {
	apiError(w, http.StatusNotFound, "41003", "Not Found", "Scope "+name+" is not found.")
}

func scopeBadRequest(w http.ResponseWriter, desc string) {
	apiError(w, http.StatusBadRequest, "41001", "Bad Request", desc)
}

// scopeCreate serves POST /scopes → 201 + Location, 409 when the name exists (§8).
func (s *server) scopeCreate(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	var sc legacyScope
	if err := decodeBody(r, &sc); err != nil {
		scopeBadRequest(w, "Invalid request body.")
		return
	}
	// name and displayName are required (OpenAPI); a name must be one scope token (no spaces).
	if sc.Name == "" || sc.DisplayName == "" {
		scopeBadRequest(w, "Scope name and display name are required.")
		return
	}
	if strings.ContainsAny(sc.Name, " \t") {
		scopeBadRequest(w, "Scope name "+sc.Name+" contains white spaces.")
		return
	}
	normalizeScope(&sc)
	s.m.mu.Lock()
	if s.m.scopes[sc.Name] != nil {
		s.m.mu.Unlock()
		apiError(w, http.StatusConflict, "41004", "Conflict", "Scope with the name "+sc.Name+" already exists in the system.")
		return
	}
	cp := sc
	s.m.scopes[sc.Name] = &cp
	s.m.mu.Unlock()
	w.Header().Set("Location", s.baseURL()+scopesPath+"/name/"+url.PathEscape(sc.Name))
	writeJSON(w, http.StatusCreated, sc)
}

// normalizeScope writes empty lists rather than null, and mirrors plain bindings as role bindings.
// UNCONFIRMED (§8): how "bindings" and "scopeBindings" relate in the response; chose to echo both,
// empty lists when absent.
func normalizeScope(sc *legacyScope) {
	if sc.Bindings == nil {
		sc.Bindings = []string{}
	}
	if sc.ScopeBindings == nil {
		sc.ScopeBindings = []scopeBinding{}
	}
}

// scopeList serves GET /scopes: a JSON array sorted by name, honouring startIndex/count.
func (s *server) scopeList(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	s.m.mu.Lock()
	out := make([]legacyScope, 0, len(s.m.scopes))
	for _, sc := range s.m.scopes {
		out = append(out, *sc)
	}
	s.m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	q := r.URL.Query()
	start, count := atoiDefault(q.Get("startIndex"), 0), atoiDefault(q.Get("count"), len(out))
	out = pageOf(out, start, count)
	writeJSON(w, http.StatusOK, out)
}

func (s *server) lookupScope(name string) (legacyScope, bool) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	sc := s.m.scopes[name]
	if sc == nil {
		return legacyScope{}, false
	}
	return *sc, true
}

func (s *server) scopeGet(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	sc, ok := s.lookupScope(r.PathValue("name"))
	if !ok {
		scopeNotFound(w, r.PathValue("name"))
		return
	}
	writeJSON(w, http.StatusOK, sc)
}

// scopeHead serves HEAD /scopes/name/{name}: 200 when the scope exists, else 404 (§8).
func (s *server) scopeHead(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	if _, ok := s.lookupScope(r.PathValue("name")); !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// scopeUpdate serves PUT /scopes/name/{name} with {displayName, description, bindings, scopeBindings}.
func (s *server) scopeUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	name := r.PathValue("name")
	var upd legacyScope
	if err := decodeBody(r, &upd); err != nil || upd.DisplayName == "" {
		scopeBadRequest(w, "Scope display name is required.")
		return
	}
	upd.Name = name
	normalizeScope(&upd)
	s.m.mu.Lock()
	if s.m.scopes[name] == nil {
		s.m.mu.Unlock()
		scopeNotFound(w, name)
		return
	}
	cp := upd
	s.m.scopes[name] = &cp
	s.m.mu.Unlock()
	writeJSON(w, http.StatusOK, upd)
}

// scopeDelete serves DELETE /scopes/name/{name} → 204, 404 when unknown.
func (s *server) scopeDelete(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	name := r.PathValue("name")
	s.m.mu.Lock()
	_, ok := s.m.scopes[name]
	if !s.faults.On("is-scope-delete-ignored") {
		delete(s.m.scopes, name)
	}
	s.m.mu.Unlock()
	if !ok {
		scopeNotFound(w, name)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
