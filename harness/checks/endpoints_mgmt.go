package checks

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// The management endpoints of the documented table: DCR (API-M's key generation), the legacy OAuth2 scopes
// API (the "Scope Management Endpoint" the table still lists), API resources and roles v2 (what the IS 7
// connector syncs scopes and roles to). Each check creates what it works on and removes it.

func init() {
	register(endpointsDCR, endpointsScopes, endpointsRoles, endpointsAPIResources, endpointsAPIResourceScopePatch)
}

var endpointsDCR = &Check{
	ID: "endpoints.dcr", Area: "endpoints", Capability: "endpoint.dcr", Level: MUST,
	Title: "DCR v1.1: register 201, read by id and by name, update 200, delete 204; duplicate name 400 invalid_client_metadata, unknown client 401 without body, unknown field 400 Unrecognized field",
	Refs: []string{"RFC 7591 §3.1, §3.2", "RFC 7592 §2", apimDocsTable + " (DCR)",
		"IS OpenAPI dcr v1.1 (identity-inbound-auth-oauth org.wso2.carbon.identity.api.server.dcr)",
		"identity-inbound-auth-oauth DCRMUtils#handleErrorResponse (duplicate name → 400)"},
	Faults: []Proof{
		{"is-dcr-duplicate-409", "duplicate client_name"},
	},
	Run: func(c *C) {
		e := c.Env
		name := "kmconform-dcr-" + randomSuffix(10)
		grants := []string{wso2is.GrantClientCredentials}
		app, err := e.IS.RegisterApp(c.ctx, wso2is.DCRRequest{
			ClientName: name, GrantTypes: grants, RedirectURIs: []string{fixture.EndpointsRedirectURI}, TokenTypeExtension: "JWT",
		})
		c.NoErr(err, "register an OAuth client by DCR")
		e.Redactor.Add(app.ClientSecret)
		deleted := false
		c.Defer(func(ctx context.Context) error {
			if deleted {
				return nil
			}
			return e.IS.DeleteApp(ctx, app.ClientID)
		})
		if app.ClientSecret == "" || app.ClientName != name || app.ClientSecretExpiresAt != 0 || !slices.Equal(app.GrantTypes, grants) {
			c.Failf("DCR registration answered client_name %q, grant_types %v, client_secret_expires_at %d, secret present %t; IS documents the request's values, 0 and a secret",
				app.ClientName, app.GrantTypes, app.ClientSecretExpiresAt, app.ClientSecret != "")
		}
		got, err := e.IS.GetApp(c.ctx, app.ClientID)
		c.NoErr(err, "read the client by client_id")
		byName, err := e.IS.GetAppByName(c.ctx, name)
		c.NoErr(err, "read the client by client_name")
		if got.ClientName != name || byName.ClientID != app.ClientID {
			c.Failf("DCR read back client_name %q by id and client_id %q by name, registered %q / %q", got.ClientName, byName.ClientID, name, app.ClientID)
		}
		// Update as API-M's connector does: PUT with client_id and client_secret.
		updated := []string{wso2is.GrantClientCredentials, wso2is.GrantPassword, wso2is.GrantRefreshToken}
		up, err := e.IS.UpdateApp(c.ctx, app.ClientID, wso2is.DCRRequest{ClientName: name, ClientID: app.ClientID, ClientSecret: app.ClientSecret,
			GrantTypes: updated, RedirectURIs: []string{fixture.EndpointsRedirectURI}, TokenTypeExtension: "JWT"})
		c.NoErr(err, "update the client (PUT)")
		if !slices.Equal(up.GrantTypes, updated) {
			c.Failf("DCR update answered grant_types %v, %v were sent", up.GrantTypes, updated)
		}

		// A duplicate client_name: 400, never 409 (API-M's connector reads the 400).
		_, err = e.IS.RegisterApp(c.ctx, wso2is.DCRRequest{ClientName: name, GrantTypes: grants})
		f := epDCRFailure(c, err, "a registration with a duplicate client_name")
		if f.Status != http.StatusBadRequest || f.Code != "invalid_client_metadata" || !strings.Contains(f.Description, "Application with the name "+name+" already exist") {
			c.Failf("IS answered a registration with a duplicate client_name with HTTP %d %q %q; IS documents 400 invalid_client_metadata \"Application with the name %s already exist in the system\"",
				f.Status, f.Code, f.Description, name)
		}
		// A field IS does not know: 400 naming it.
		const field = "kmconform_unknown_field"
		_, err = e.IS.RegisterApp(c.ctx, wso2is.DCRRequest{ClientName: name + "-x", GrantTypes: grants, Extra: map[string]any{field: "x"}})
		f = epDCRFailure(c, err, "a registration with an unknown field")
		if f.Status != http.StatusBadRequest || f.Code != "invalid_client_metadata" || f.Description != "Unrecognized field : "+field {
			c.Failf("IS answered a registration with unknown field %s with HTTP %d %q %q; IS documents 400 invalid_client_metadata \"Unrecognized field : %s\"",
				field, f.Status, f.Code, f.Description, field)
		}

		c.NoErr(e.IS.DeleteApp(c.ctx, app.ClientID), "delete the client (DELETE, 204)")
		deleted = true
		for _, id := range []string{app.ClientID, "kmconform-unknown-" + randomSuffix(10)} {
			_, err = e.IS.GetApp(c.ctx, id)
			f = epDCRFailure(c, err, "reading a deleted or unknown client")
			if f.Status != http.StatusUnauthorized || len(strings.TrimSpace(string(f.Body))) != 0 {
				c.Failf("IS answered HTTP %d %q to reading a deleted or unknown client_id; IS documents 401 without a body", f.Status, epShort(f.Body))
			}
		}
	},
}

var endpointsScopes = &Check{
	ID: "endpoints.scopes", Area: "endpoints", Capability: "endpoint.scopes", Level: MUST,
	Title: "the OAuth2 scopes API (the documented Scope Management Endpoint): create 201 (also without description), read and HEAD 200, duplicate 409, delete 204, then 404",
	Refs: []string{apimDocsTable + " (Scope Management Endpoint)", "IS OpenAPI oauth2-scopes v1.0 (identity-inbound-auth-oauth)",
		"wso2/api-manager#4064 (a scope without description)"},
	Faults: []Proof{
		{"is-scope-delete-ignored", "still"},
	},
	Run: func(c *C) {
		e := c.Env
		name := "kmconform_scope_" + randomSuffix(10)
		created, err := e.IS.CreateOAuthScope(c.ctx, wso2is.OAuthScope{Name: name, DisplayName: "kmconform scope"})
		c.NoErr(err, "create an OAuth2 scope without description")
		c.Defer(func(ctx context.Context) error { _ = e.IS.DeleteOAuthScope(ctx, name); return nil })
		if created.Name != name {
			c.Failf("the scopes API answered name %q to the creation of %q", created.Name, name)
		}
		got, err := e.IS.GetOAuthScope(c.ctx, name)
		c.NoErr(err, "read the scope")
		if got.Name != name || got.DisplayName != "kmconform scope" {
			c.Failf("the scopes API read back name %q, displayName %q", got.Name, got.DisplayName)
		}
		exists, err := e.IS.OAuthScopeExists(c.ctx, name)
		c.NoErr(err, "HEAD the scope")
		if !exists {
			c.Failf("HEAD /scopes/name/%s answered 404 for a scope that reads back", name)
		}
		_, err = e.IS.CreateOAuthScope(c.ctx, wso2is.OAuthScope{Name: name, DisplayName: "kmconform scope"})
		if f := epAPIFailure(c, err, "a duplicate scope"); f.Status != http.StatusConflict {
			c.Failf("the scopes API answered HTTP %d %s to a duplicate scope, IS documents 409", f.Status, f.Code)
		}
		c.NoErr(e.IS.DeleteOAuthScope(c.ctx, name), "delete the scope (204)")
		_, err = e.IS.GetOAuthScope(c.ctx, name)
		if err == nil {
			c.Failf("the scopes API answered 204 to DELETE but still reads scope %s back", name)
		}
		if f := epAPIFailure(c, err, "a deleted scope"); f.Status != http.StatusNotFound {
			c.Failf("the scopes API answered HTTP %d %s to reading a deleted scope, IS documents 404", f.Status, f.Code)
		}
		if exists, err = e.IS.OAuthScopeExists(c.ctx, name); err != nil || exists {
			c.Failf("HEAD of a deleted scope: exists %t, %v; IS documents 404", exists, err)
		}
	},
}

var endpointsRoles = &Check{
	ID: "endpoints.roles", Area: "endpoints", Capability: "endpoint.roles", Level: MUST,
	Title: "roles v2: create 201 with id and location, read 200, .search and filter by displayName find exactly that role, duplicate 409, delete 204, then 404",
	Refs: []string{"RFC 7644 §3.3, §3.4.2, §3.4.3, §3.6", "wso2/docs-is apis/restapis/roles-v2.yaml",
		"API-M docs: Configure WSO2 IS 7 as a Key Manager (roles endpoint)", "apim-km-wso2is WSO2IS7SCIMRolesClient (.search by displayName)"},
	Faults: []Proof{
		{"is-roles-search-ignores-filter", "filter"},
	},
	Run: func(c *C) {
		e := c.Env
		suffix := randomSuffix(10)
		var ids []string
		c.Defer(func(ctx context.Context) error {
			for _, id := range ids {
				_ = e.IS.DeleteRole(ctx, id)
			}
			return nil
		})
		create := func(name string) *wso2is.Role {
			r, err := e.IS.CreateRole(c.ctx, wso2is.NewRole{DisplayName: name})
			c.NoErr(err, "create role %s", name)
			ids = append(ids, r.ID)
			if r.DisplayName != name || r.Meta == nil || !strings.HasSuffix(r.Meta.Location, wso2is.RolesPath+"/"+r.ID) {
				c.Failf("role creation answered displayName %q and meta %+v; IS documents the name and meta.location …%s/<id>", r.DisplayName, r.Meta, wso2is.RolesPath)
			}
			return r
		}
		// Two roles, so that a search ignoring its filter cannot look right.
		a := create("kmconform-role-a-" + suffix)
		create("kmconform-role-b-" + suffix)
		got, err := e.IS.GetRole(c.ctx, a.ID)
		c.NoErr(err, "read role %s", a.ID)
		if got.DisplayName != a.DisplayName {
			c.Failf("roles v2 read back %q for role %q", got.DisplayName, a.DisplayName)
		}
		filter := wso2is.RoleNameFilter(a.DisplayName)
		found, err := e.IS.SearchRoles(c.ctx, filter)
		c.NoErr(err, "search roles")
		fl, err := e.IS.FilterRoles(c.ctx, filter)
		c.NoErr(err, "list roles with a filter")
		for _, l := range []struct {
			how  string
			list *wso2is.RoleList
		}{{"POST .search", found}, {"GET ?filter", fl}} {
			if l.list.TotalResults != 1 || len(l.list.Resources) != 1 || l.list.Resources[0].ID != a.ID {
				var names []string
				for _, r := range l.list.Resources {
					names = append(names, r.DisplayName)
				}
				c.Failf("roles v2 %s with filter %q answered totalResults %d (%s); IS documents exactly the matching role: API-M's connector binds scopes to the first role the search returns",
					l.how, filter, l.list.TotalResults, strings.Join(names, ", "))
			}
		}
		_, err = e.IS.CreateRole(c.ctx, wso2is.NewRole{DisplayName: a.DisplayName})
		var sf *wso2is.SCIMFailure
		if err == nil || !errors.As(err, &sf) || sf.Status != http.StatusConflict {
			c.Failf("roles v2 answered %v to a second role named %q, IS documents 409", err, a.DisplayName)
		}
		c.NoErr(e.IS.DeleteRole(c.ctx, a.ID), "delete role %s (204)", a.ID)
		_, err = e.IS.GetRole(c.ctx, a.ID)
		if err == nil || !errors.As(err, &sf) || sf.Status != http.StatusNotFound {
			c.Failf("roles v2 answered %v to reading a deleted role, IS documents 404", err)
		}
	},
}

var endpointsAPIResources = &Check{
	ID: "endpoints.api-resources", Area: "endpoints", Capability: "endpoint.apiresources", Level: MUST,
	Title: "API resources: create 201 with scope ids, find by identifier, read with scopes, duplicate 409, PATCH addedScopes 204, delete a scope 204, delete 204, then 404",
	Refs: []string{"wso2/identity-api-server APIResources.yaml (api-resources v1)",
		"API-M docs: Configure WSO2 IS 7 as a Key Manager (API resource management endpoint)",
		"apim-km-wso2is WSO2IS7KeyManager#registerWSO2IS7Scopes (User-defined-oauth2-resource, PATCH addedScopes)"},
	Faults: []Proof{
		{"is-apiresource-patch-drops-scopes", "addedScopes"},
	},
	Run: func(c *C) {
		e := c.Env
		res, read := epNewAPIResource(c)
		if len(res.Scopes) != 1 || res.Scopes[0].ID == "" || res.Scopes[0].Name != read {
			c.Failf("API resource creation answered scopes %+v, IS documents the created scope %q with an id", res.Scopes, read)
		}
		list, err := e.IS.ListAPIResources(c.ctx, "identifier eq "+res.Identifier)
		c.NoErr(err, "find the API resource by identifier")
		if list.TotalResults != 1 || len(list.APIResources) != 1 || list.APIResources[0].ID != res.ID {
			c.Failf("filter identifier eq %s answered totalResults %d with %d resources; IS documents exactly the resource (the connector finds its resource this way)",
				res.Identifier, list.TotalResults, len(list.APIResources))
		}
		_, err = e.IS.CreateAPIResource(c.ctx, wso2is.NewAPIResource{Name: res.Name + " again", Identifier: res.Identifier, RequiresAuthorization: true})
		if f := epAPIFailure(c, err, "a duplicate API resource identifier"); f.Status != http.StatusConflict {
			c.Failf("API resources answered HTTP %d %s to a duplicate identifier, IS documents 409", f.Status, f.Code)
		}
		write := read[:len(read)-len("_read")] + "_write"
		c.NoErr(e.IS.PatchAPIResource(c.ctx, res.ID, []wso2is.APIScope{{Name: write, DisplayName: "kmconform write"}}), "add a scope with PATCH addedScopes (204)")
		names := epScopeNames(c, res.ID)
		if !slices.Contains(names, read) || !slices.Contains(names, write) {
			c.Failf("after PATCH with addedScopes [%s] (204) the resource's scopes are %v: IS dropped addedScopes, so API-M's scopes never reach IS", write, names)
		}
		c.NoErr(e.IS.DeleteAPIResourceScope(c.ctx, res.ID, write), "delete scope %s (204)", write)
		if names = epScopeNames(c, res.ID); slices.Contains(names, write) || !slices.Contains(names, read) {
			c.Failf("after deleting scope %s the resource's scopes are %v", write, names)
		}
		c.NoErr(e.IS.DeleteAPIResource(c.ctx, res.ID), "delete the API resource (204)")
		_, err = e.IS.GetAPIResource(c.ctx, res.ID)
		if f := epAPIFailure(c, err, "a deleted API resource"); f.Status != http.StatusNotFound {
			c.Failf("API resources answered HTTP %d %s to reading a deleted resource, IS documents 404", f.Status, f.Code)
		}
	},
}

var endpointsAPIResourceScopePatch = &Check{
	ID: "endpoints.api-resources.scope-patch", Area: "endpoints", Capability: "apiresources.scope-patch", Level: MUST,
	Title: "API resources (IS 7.1.0+): PATCH /{id}/scopes/{name} changes a scope's displayName and description (204)",
	Refs:  []string{"wso2/identity-api-server v1.3.83 APIResources.yaml (PATCH /api-resources/{id}/scopes/{scopeName}, ScopePatchModel)"},
	Faults: []Proof{
		{"is-apiresource-scope-patch-ignored", "unchanged"},
	},
	Run: func(c *C) {
		e := c.Env
		res, read := epNewAPIResource(c)
		c.NoErr(e.IS.PatchAPIResourceScope(c.ctx, res.ID, read, "kmconform changed", "changed by kmconform"), "patch scope %s (204)", read)
		got, err := e.IS.GetAPIResource(c.ctx, res.ID)
		c.NoErr(err, "read the API resource")
		i := slices.IndexFunc(got.Scopes, func(s wso2is.APIScope) bool { return s.Name == read })
		if i < 0 {
			c.Failf("after PATCH /scopes/%s (204) the resource has no scope %s any more (scopes: %+v)", read, read, got.Scopes)
		}
		if s := got.Scopes[i]; s.DisplayName != "kmconform changed" || s.Description != "changed by kmconform" {
			c.Failf("after PATCH /scopes/%s (204) the scope is unchanged or partly changed: displayName %q, description %q", read, s.DisplayName, s.Description)
		}
	},
}

// epNewAPIResource creates an API resource with one scope for this check and deletes it afterwards.
func epNewAPIResource(c *C) (*wso2is.APIResource, string) {
	e := c.Env
	suffix := randomSuffix(10)
	read := "kmconform_res_" + suffix + "_read"
	res, err := e.IS.CreateAPIResource(c.ctx, wso2is.NewAPIResource{
		Name: "kmconform resource " + suffix, Identifier: "kmconform-resource-" + suffix, RequiresAuthorization: true,
		Scopes: []wso2is.APIScope{{Name: read, DisplayName: "kmconform read"}},
	})
	c.NoErr(err, "create an API resource")
	c.Defer(func(ctx context.Context) error { return e.IS.DeleteAPIResource(ctx, res.ID) })
	return res, read
}

func epScopeNames(c *C, id string) []string {
	scopes, err := c.Env.IS.APIResourceScopes(c.ctx, id)
	c.NoErr(err, "list the scopes of API resource %s", id)
	var out []string
	for _, s := range scopes {
		out = append(out, s.Name)
	}
	return out
}

func epDCRFailure(c *C, err error, what string) *wso2is.DCRFailure {
	var f *wso2is.DCRFailure
	if err == nil {
		c.Failf("IS's DCR accepted %s, which IS documents as refused", what)
	}
	if !errors.As(err, &f) {
		c.NoErr(err, "DCR: %s", what)
	}
	return f
}

func epAPIFailure(c *C, err error, what string) *wso2is.APIFailure {
	var f *wso2is.APIFailure
	if err == nil {
		c.Failf("IS accepted %s, which IS documents as refused", what)
	}
	if !errors.As(err, &f) {
		c.NoErr(err, "%s", what)
	}
	return f
}
