package apim

import (
	"maps"
	"net/http"
)

// apiUpdate is PUT /apis/{id} reduced to what the gateway enforces: keyManagers and operations. Like the
// product it changes the working copy only; gateways keep serving the deployed revision until a new
// revision is created and deployed (api-manager-4.md §4 "Revisions and deployment"), so a keyManagers
// change takes effect at the next deploy.
// UNCONFIRMED: name, context and version in the body are ignored (kept from the stored API) rather
// than rejected; other fields are stored for GET but not otherwise applied.
func (s *Server) apiUpdate(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := readJSON(r, &body); err != nil {
		writeError(w, err)
		return
	}
	kms, err := parseKeyManagers(body["keyManagers"])
	if err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	a := s.st.apis[r.PathValue("apiId")]
	if a == nil {
		s.mu.Unlock()
		writeError(w, notFound("API", r.PathValue("apiId")))
		return
	}
	merged := maps.Clone(a.body)
	maps.Copy(merged, body)
	added := newScopes(a.localScopes(s.st), localScopesOf(merged, s.st))
	shared := sharedScopesOf(merged, s.st)
	s.mu.Unlock()
	if err := s.validateSharedScopes(r.Context(), shared); err != nil {
		writeError(w, err)
		return
	}
	// Local scopes new to the API are registered at the KMs like on create (APIProviderImpl.updateAPI →
	// addLocalScopes); a KM that cannot be reached fails the update (900967, api-manager-4.md §9).
	// Not simulated: role-binding changes of scopes the API already had (the connector's updateScope).
	if err := s.registerScopes(r, added); err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.apis[a.ID] != a {
		writeError(w, notFound("API", a.ID))
		return
	}
	a.KeyManagers = kms
	if _, ok := body["operations"]; ok {
		a.Operations = parseOperations(body["operations"])
	}
	merged = maps.Clone(a.body)
	maps.Copy(merged, body)
	for _, k := range []string{"name", "context", "version", "id"} {
		delete(merged, k) // dto() renders these from the stored API
	}
	a.body = merged
	s.log.Info("org.wso2.carbon.apimgt.impl.APIProviderImpl", "API %s:%s updated", a.Name, a.Version)
	writeJSON(w, http.StatusOK, a.dto())
}

// newScopes returns the scopes of after whose keys before lacks.
func newScopes(before, after []scopeDef) []scopeDef {
	had := map[string]bool{}
	for _, sc := range before {
		had[sc.Key] = true
	}
	var out []scopeDef
	for _, sc := range after {
		if !had[sc.Key] {
			out = append(out, sc)
		}
	}
	return out
}
