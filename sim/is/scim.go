package is

import (
	"net/http"
	"slices"
	"strings"
)

// bearer returns the active access token of an Authorization: Bearer header, or nil.
func (s *server) bearer(r *http.Request) *token {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "Bearer ") {
		return nil
	}
	tok := strings.TrimSpace(h[7:])
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.lookupAccess(tok)
	if t == nil || !t.accessActive(s.now()) {
		return nil
	}
	cp := *t
	return &cp
}

// scimMe serves GET /scim2/Me with the end user's access token (identity-server-7.md §6): the SCIM
// user of the token. Access follows the first matching resource-access rule: the default asks for
// scope internal_login, the DOCS-APIM [[resource.access_control]] block (scopes = []) lifts that.
func (s *server) scimMe(w http.ResponseWriter, r *http.Request) {
	t := s.bearer(r)
	// UNCONFIRMED (§6): an application (client_credentials) token has no end user; chose 401, like a
	// token that does not authenticate anyone.
	if t == nil || t.appToken {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rule := s.rule(r.URL.Path, r.Method)
	if s.faults.On("is-scim-me-ignores-rule") {
		rule = &defaultRules[0] // the built-in GET /scim2/Me rule, whatever deployment.toml says
	}
	if rule != nil && len(rule.scopes) > 0 {
		if !slices.ContainsFunc(rule.scopes, func(sc string) bool { return slices.Contains(t.scopes, sc) }) {
			w.WriteHeader(http.StatusForbidden)
			return
		}
	}
	id := s.subject(t)
	loc := s.baseURL() + "/scim2/Users/" + id
	body := orderedJSON([]kv{
		{"schemas", []string{"urn:ietf:params:scim:schemas:core:2.0:User"}},
		{"id", id},
		{"userName", t.user},
		{"name", map[string]string{"givenName": t.user, "familyName": t.user}},
		{"meta", map[string]string{"resourceType": "User", "location": loc}},
	})
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// userinfo serves /oauth2/userinfo: the openid scope is required, else 403 insufficient_scope (§6).
func (s *server) userinfo(w http.ResponseWriter, r *http.Request) {
	t := s.bearer(r)
	if t == nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "Access token validation failed"})
		return
	}
	if !slices.Contains(t.scopes, "openid") {
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "insufficient_scope", "error_description": "Access token does not have the openid scope"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"sub": s.subject(t)})
}
