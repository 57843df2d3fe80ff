package apim

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

const scimSearchRequest = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

// is7RoleName is getWSO2IS7RoleName (KM@v2.0.4+, api-manager-4.md §8, identity-server-7.md §8): with role
// creation on, Internal/X → X, Application/X is refused, any other (PRIMARY) role X → system_primary_X;
// otherwise the API-M name is used as it is.
func is7RoleName(role string, mapNames bool) (string, error) {
	switch {
	case !mapNames:
		return role, nil
	case strings.HasPrefix(role, "Internal/"):
		return strings.ReplaceAll(role, "Internal/", ""), nil
	case strings.HasPrefix(role, "Application/"):
		return "", &connectorError{"Role: " + role + " is invalid."}
	}
	return "system_primary_" + role, nil
}

type scimPermission struct {
	Value   string `json:"value"`
	Display string `json:"display"`
}

// bindRoles is createWSO2IS7RoleToScopeBindings (KM@v2.0.3/2.0.4): for each bound role, find it with
// POST /.search; an existing role gets the scope added to its permissions (GET, then PATCH replace with
// the whole list); a missing one is created with the scope as its only permission when t.createRoles.
// The POST body is WSO2IS7RoleInfo as Gson writes it: displayName and permissions only (no schemas, no
// audience, which IS then defaults).
func (s *Server) bindRoles(ctx context.Context, t scopeTarget, sc scopeDef) error {
	if len(sc.Roles) == 0 {
		return nil
	}
	if t.rolesURL == "" {
		return &connectorError{"Key Manager " + t.kmName + " has no roles endpoint"}
	}
	base := strings.TrimSuffix(t.rolesURL, "/")
	perm := scimPermission{Value: sc.Key, Display: sc.Name}
	for _, role := range sc.Roles {
		name, err := is7RoleName(role, t.mapRoleNames)
		if err != nil {
			return err
		}
		var found struct {
			Resources []struct {
				ID string `json:"id"`
			} `json:"Resources"`
		}
		search := map[string]any{"schemas": []string{scimSearchRequest}, "filter": "displayName eq " + name}
		if _, err := s.isJSON(ctx, t.dcrTarget, http.MethodPost, base+"/.search", search, &found, http.StatusOK); err != nil {
			return err
		}
		if len(found.Resources) > 0 {
			if err := s.addRolePermission(ctx, t, base+"/"+url.PathEscape(found.Resources[0].ID), perm); err != nil {
				return err
			}
			continue
		}
		if !t.createRoles {
			continue
		}
		role := map[string]any{"displayName": name, "permissions": []scimPermission{perm}}
		if _, err := s.isJSON(ctx, t.dcrTarget, http.MethodPost, base, role, nil, http.StatusCreated, http.StatusOK); err != nil {
			return err
		}
	}
	return nil
}

// addRolePermission is addScopeToWSO2IS7Role: GET the role, PATCH {"Operations":[{"op":"replace",
// "value":{"permissions":[existing…, new]}}]}.
func (s *Server) addRolePermission(ctx context.Context, t scopeTarget, roleURL string, perm scimPermission) error {
	var role struct {
		Permissions []scimPermission `json:"permissions"`
	}
	if _, err := s.isJSON(ctx, t.dcrTarget, http.MethodGet, roleURL, nil, &role, http.StatusOK); err != nil {
		return err
	}
	all := append(role.Permissions, perm)
	patch := map[string]any{"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"permissions": all}}}}
	_, err := s.isJSON(ctx, t.dcrTarget, http.MethodPatch, roleURL, patch, nil, http.StatusOK, http.StatusNoContent)
	return err
}
