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
	defer s.mu.Unlock()
	a := s.st.apis[r.PathValue("apiId")]
	if a == nil {
		writeError(w, notFound("API", r.PathValue("apiId")))
		return
	}
	a.KeyManagers = kms
	if _, ok := body["operations"]; ok {
		a.Operations = parseOperations(body["operations"])
	}
	merged := maps.Clone(a.body)
	maps.Copy(merged, body)
	for _, k := range []string{"name", "context", "version", "id"} {
		delete(merged, k) // dto() renders these from the stored API
	}
	a.body = merged
	s.log.Info("org.wso2.carbon.apimgt.impl.APIProviderImpl", "API %s:%s updated", a.Name, a.Version)
	writeJSON(w, http.StatusOK, a.dto())
}
