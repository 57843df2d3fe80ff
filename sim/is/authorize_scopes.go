package is

import "strings"

// authorizeAllScopes is [oauth] authorize_all_scopes (identity-server-7.md §10). derived (§10,
// UNCONFIRMED-7): merged after 7.0.0 GA, so 7.0.0 ignores the key.
func (s *server) authorizeAllScopes() bool {
	return s.p.version != "7.0.0" && s.h.Bool(false, "oauth", "authorize_all_scopes")
}

// authorizeScopes keeps the requested scopes IS would authorize (§10): a scope is granted only when it
// belongs to an API resource of the tenant and authorize_all_scopes makes every such scope authorized for
// every application (per-application API authorization is not simulated, so without the flag nothing
// is authorized). User tokens additionally need the scope among the permissions of the user's roles
// (RBAC). internal_* scopes and openid keep their earlier treatment (granted as requested).
//
// UNCONFIRMED (§4, UNCONFIRMED-3): whether an unauthorized scope is dropped or fails with invalid_scope;
// chose to drop it silently — the RBAC scope validators return the filtered list.
// UNCONFIRMED (§10): the super admin holds only the built-in admin role, whose permissions are system
// (internal_*) scopes; chose not to grant it API-resource scopes without a role that carries them.
// userID is the id of the token's user (subjectOf): a federated user holds no local role.
func (s *server) authorizeScopes(userID string, appToken bool, requested []string) []string {
	if len(requested) == 0 {
		return requested
	}
	registered := s.m.resourceScopeNames()
	all := s.authorizeAllScopes()
	var roleScopes map[string]bool
	if !appToken {
		roleScopes = s.m.roleScopes(userID)
	}
	var out []string
	for _, sc := range requested {
		switch {
		case sc == "openid" || strings.HasPrefix(sc, "internal_"):
		case !all || !registered[sc]:
			continue
		case !appToken && !roleScopes[sc] && !s.faults.On("is-grants-scope-without-role"):
			continue
		}
		out = append(out, sc)
	}
	return out
}
