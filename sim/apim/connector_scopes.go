package apim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Constants of WSO2IS7KeyManager (KM@v2.0.3+; identity-server-7.md §8 "API-M connector behaviour").
const (
	is7ResourceIdentifier  = "User-defined-oauth2-resource"
	is7ResourceName        = "User-defined OAuth2 Resource"
	is7ResourceDescription = "This is Default OAuth2 Resource Representation"
)

// isJSON calls IS with a JSON body (Feign "Content-Type: application/json") and decodes a JSON answer into
// out when given. want lists the success statuses; any other status is a feignError.
func (s *Server) isJSON(ctx context.Context, t dcrTarget, method, u string, body any, out any, want ...int) (int, error) {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return 0, fmt.Errorf("encode %s %s: %w", method, u, err)
		}
	}
	resp, status, err := s.callIS(ctx, t, method, u, "application/json", raw)
	if err != nil {
		return 0, err
	}
	ok := false
	for _, w := range want {
		ok = ok || status == w
	}
	if !ok {
		return status, &feignError{status, method, u, string(resp)}
	}
	if out != nil && len(resp) > 0 {
		if err := json.Unmarshal(resp, out); err != nil {
			return status, &connectorError{fmt.Sprintf("unexpected answer from %s: %v", u, err)}
		}
	}
	return status, nil
}

// registerLegacyScope is connector 2.0.2's isScopeExists + registerScope on IS's OAuth2 scopes API
// (identity-server-7.md §8; carbon-apimgt ScopeClient): HEAD /name/{name} (200 exists, 404 absent, else an
// error), then POST {name, displayName, description, bindings} expecting 201. Bindings are the API-M role
// names as they are; IS creates no roles.
func (s *Server) registerLegacyScope(ctx context.Context, t scopeTarget, sc scopeDef) error {
	if t.scopeURL == "" {
		// UNCONFIRMED: with no scopeManagementEndpoint the connector derives one from ServiceURL, which IS 7
		// payloads do not carry; the simulator reports the KM as misconfigured instead.
		return &connectorError{"Key Manager " + t.kmName + " has no scope management endpoint"}
	}
	base := strings.TrimSuffix(t.scopeURL, "/")
	status, err := s.isJSON(ctx, t.dcrTarget, http.MethodHead, base+"/name/"+url.PathEscape(sc.Key), nil, nil,
		http.StatusOK, http.StatusNotFound)
	if err != nil {
		return err
	}
	if status == http.StatusOK {
		return nil
	}
	dto := map[string]any{"name": sc.Key, "displayName": sc.Name}
	if sc.Description != "" {
		dto["description"] = sc.Description
	}
	if len(sc.Roles) > 0 {
		dto["bindings"] = sc.Roles
	}
	_, err = s.isJSON(ctx, t.dcrTarget, http.MethodPost, base, dto, nil, http.StatusCreated)
	return err
}

// registerResourceScope is connector 2.0.3+'s isScopeExists + registerScope (KM@v2.0.4 WSO2IS7KeyManager):
// the scope is skipped when the User-defined OAuth2 Resource already has it; otherwise it is added with
// PATCH addedScopes, or the resource is created with it, and then the role bindings are written.
func (s *Server) registerResourceScope(ctx context.Context, t scopeTarget, sc scopeDef) error {
	if t.apiResURL == "" {
		return &connectorError{"Key Manager " + t.kmName + " has no API resource management endpoint"}
	}
	// isScopeExists
	id, err := s.is7ResourceID(ctx, t)
	if err != nil {
		return err
	}
	if id != "" {
		names, err := s.is7ResourceScopes(ctx, t, id)
		if err != nil {
			return err
		}
		if names[sc.Key] {
			return nil
		}
	}
	// registerScope looks the resource up again.
	if id, err = s.is7ResourceID(ctx, t); err != nil {
		return err
	}
	scope := map[string]any{"name": sc.Key, "displayName": sc.Name}
	if sc.Description != "" {
		scope["description"] = sc.Description
	}
	base := strings.TrimSuffix(t.apiResURL, "/")
	if id != "" {
		names, err := s.is7ResourceScopes(ctx, t, id)
		if err != nil {
			return err
		}
		// The connector compares existing scope names with the scope's display name
		// (getNonExistingWSO2IS7Scopes uses scope.getName()); kept as the product does it.
		if !names[sc.Name] {
			if _, err := s.isJSON(ctx, t.dcrTarget, http.MethodPatch, base+"/"+url.PathEscape(id),
				map[string]any{"addedScopes": []any{scope}}, nil, http.StatusOK, http.StatusNoContent); err != nil {
				return err
			}
		}
	} else {
		res := map[string]any{"name": is7ResourceName, "description": is7ResourceDescription,
			"identifier": is7ResourceIdentifier, "requiresAuthorization": true, "scopes": []any{scope}}
		if _, err := s.isJSON(ctx, t.dcrTarget, http.MethodPost, base, res, nil, http.StatusCreated, http.StatusOK); err != nil {
			return err
		}
	}
	return s.bindRoles(ctx, t, sc)
}

// is7ResourceID finds the resource with GET ?filter=identifier eq User-defined-oauth2-resource ("" if none).
func (s *Server) is7ResourceID(ctx context.Context, t scopeTarget) (string, error) {
	// Feign's QueryMap encodes the blanks as %20.
	q := strings.ReplaceAll(url.QueryEscape("identifier eq "+is7ResourceIdentifier), "+", "%20")
	var out struct {
		APIResources []struct {
			ID string `json:"id"`
		} `json:"apiResources"`
	}
	if _, err := s.isJSON(ctx, t.dcrTarget, http.MethodGet, strings.TrimSuffix(t.apiResURL, "/")+"?filter="+q, nil, &out, http.StatusOK); err != nil {
		return "", err
	}
	if len(out.APIResources) == 0 {
		return "", nil
	}
	return out.APIResources[0].ID, nil
}

// is7ResourceScopes is GET /{id}/scopes → the set of scope names.
func (s *Server) is7ResourceScopes(ctx context.Context, t scopeTarget, id string) (map[string]bool, error) {
	var list []struct {
		Name string `json:"name"`
	}
	u := strings.TrimSuffix(t.apiResURL, "/") + "/" + url.PathEscape(id) + "/scopes"
	if _, err := s.isJSON(ctx, t.dcrTarget, http.MethodGet, u, nil, &list, http.StatusOK); err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, x := range list {
		names[x.Name] = true
	}
	return names, nil
}
