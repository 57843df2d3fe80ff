package apim

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// sharedScopesOf lists the tenant shared scopes an APIDTO names in its scopes: PublisherCommonUtils.validateScopes
// collects them (isSharedScopeNameExists) on create and update and hands them to validateSharedScopes.
// Called with s.mu held.
func sharedScopesOf(body map[string]any, st *state) []string {
	list, _ := body["scopes"].([]any)
	var out []string
	for _, raw := range list {
		m, _ := raw.(map[string]any)
		inner, _ := m["scope"].(map[string]any)
		if key := strings.TrimSpace(str(inner["name"])); key != "" && st.isSharedScope(key) {
			out = append(out, key)
		}
	}
	return out
}

// errNPE is an exception no REST layer caught; the GlobalThrowableMapper answers 500.
// UNCONFIRMED (the references give the log line of wso2/api-manager#4064, not the answer): chose the
// generic 500 ErrorDTO writeError gives any error it does not know.
type errNPE struct{ where string }

func (e *errNPE) Error() string { return "java.lang.NullPointerException at " + e.where }

// validateSharedScopes is APIProviderImpl.validateSharedScopes → each tenant KM's validateScopes →
// getScopeByName. Connectors 2.0.3 and 2.0.4 (API-M 4.4.0, 4.5.0) read the scope's description from IS's
// API resource with get("description").getAsString(), which throws when IS sends none: the request ends
// in the GlobalThrowableMapper with a 500 (wso2/api-manager#4064, 4.5.0 + IS 7.1.0: NullPointerException at
// WSO2IS7KeyManager.getScopeByName; KM@v2.0.3/v2.0.4; fixed by apim-km-wso2is 89b0b4c, first in 2.0.8 =
// API-M 4.6.0). 2.0.2 (4.3.0) reads the legacy scope DTO and 2.0.8+ default a missing description to "".
// Not simulated: a shared scope the KM does not hold (validateScopes would dereference null in every
// connector version); an IS that cannot be reached (logged, as scope registration is).
func (s *Server) validateSharedScopes(ctx context.Context, keys []string) error {
	if len(keys) == 0 || (s.ver != 4 && s.ver != 5) {
		return nil
	}
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	s.mu.Lock()
	targets := s.scopeTargets()
	s.mu.Unlock()
	for _, t := range targets {
		if t.legacy || t.apiResURL == "" {
			continue
		}
		id, err := s.is7ResourceID(ctx, t)
		if err != nil || id == "" {
			continue
		}
		var list []map[string]any
		u := strings.TrimSuffix(t.apiResURL, "/") + "/" + url.PathEscape(id) + "/scopes"
		if _, err := s.isJSON(ctx, t.dcrTarget, http.MethodGet, u, nil, &list, http.StatusOK); err != nil {
			continue
		}
		for _, sc := range list {
			if !want[str(sc["name"])] {
				continue
			}
			if d, ok := sc["description"]; !ok || d == nil {
				s.log.Error("org.wso2.carbon.apimgt.rest.api.util.exception.GlobalThrowableMapper",
					"An unknown exception has been captured by the global exception mapper. java.lang.NullPointerException\n"+
						"\tat org.wso2.is7.client.WSO2IS7KeyManager.getScopeByName(WSO2IS7KeyManager.java)\n"+
						"\tat org.wso2.is7.client.WSO2IS7KeyManager.validateScopes(WSO2IS7KeyManager.java)\n"+
						"\tat org.wso2.carbon.apimgt.impl.APIProviderImpl.validateSharedScopes(APIProviderImpl.java)")
				return &errNPE{"WSO2IS7KeyManager.getScopeByName (Key Manager " + t.kmName + ", scope " + str(sc["name"]) + ")"}
			}
		}
	}
	return nil
}
