package wso2is

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// RolesPath is SCIM2 Roles v2, where IS 7 keeps roles and their permissions (API resource scopes).
const RolesPath = "/scim2/v2/Roles"

// SchemaRole is the role schema a new role declares.
const SchemaRole = "urn:ietf:params:scim:schemas:extension:2.0:Role"

// RoleAudience is whom a role belongs to: an application or the organization.
type RoleAudience struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type"` // "application" or "organization"
}

// RoleRef is a member (user or group) or a permission of a role.
type RoleRef struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Ref     string `json:"$ref,omitempty"`
}

// Role is a role as IS returns it; Users, Groups and Permissions come with a read by id.
type Role struct {
	Schemas     []string      `json:"schemas"`
	ID          string        `json:"id"`
	DisplayName string        `json:"displayName"`
	Audience    *RoleAudience `json:"audience"`
	Users       []RoleRef     `json:"users"`
	Groups      []RoleRef     `json:"groups"`
	Permissions []RoleRef     `json:"permissions"`
	Meta        *SCIMMeta     `json:"meta"`
}

// HasUser says whether a user id is a member.
func (r *Role) HasUser(userID string) bool {
	for _, u := range r.Users {
		if u.Value == userID {
			return true
		}
	}
	return false
}

// HasPermission says whether a scope name is among the permissions.
func (r *Role) HasPermission(scope string) bool {
	for _, p := range r.Permissions {
		if p.Value == scope {
			return true
		}
	}
	return false
}

// RoleList is a SCIM list response of roles.
type RoleList struct {
	TotalResults int    `json:"totalResults"`
	StartIndex   int    `json:"startIndex"`
	ItemsPerPage int    `json:"itemsPerPage"`
	Resources    []Role `json:"Resources"`
}

// NewRole is a role to create.
type NewRole struct {
	DisplayName string
	// Audience is optional; IS then makes an organization role.
	Audience *RoleAudience
	// Users are user ids; Permissions are scope names.
	Users       []string
	Permissions []string
}

// CreateRole creates a role (POST /scim2/v2/Roles, 201); IS answers 409 when the name exists.
func (c *Client) CreateRole(ctx context.Context, r NewRole) (*Role, error) {
	body := map[string]any{"schemas": []string{SchemaRole}, "displayName": r.DisplayName}
	if r.Audience != nil {
		body["audience"] = map[string]string{"value": r.Audience.Value, "type": r.Audience.Type}
	}
	if len(r.Users) > 0 {
		body["users"] = refs(r.Users)
	}
	if len(r.Permissions) > 0 {
		body["permissions"] = refs(r.Permissions)
	}
	var out Role
	if _, err := c.scimCall(ctx, "create role "+r.DisplayName, http.MethodPost, c.Base+RolesPath, body, &out, http.StatusCreated); err != nil {
		return nil, err
	}
	if out.ID == "" {
		return nil, fmt.Errorf("create role %s: the answer has no id", r.DisplayName)
	}
	return &out, nil
}

// SearchRoles runs a SCIM search (POST /scim2/v2/Roles/.search) with filter, e.g. "displayName eq X".
func (c *Client) SearchRoles(ctx context.Context, filter string) (*RoleList, error) {
	body := map[string]any{"schemas": []string{SchemaSearch}, "filter": filter}
	var out RoleList
	_, err := c.scimCall(ctx, "search roles ("+filter+")", http.MethodPost, c.Base+RolesPath+"/.search", body, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// FilterRoles lists roles with GET /scim2/v2/Roles?filter=….
func (c *Client) FilterRoles(ctx context.Context, filter string) (*RoleList, error) {
	var out RoleList
	target := c.Base + RolesPath + "?" + url.Values{"filter": {filter}}.Encode()
	if _, err := c.scimCall(ctx, "list roles ("+filter+")", http.MethodGet, target, nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// RoleNameFilter is the filter API-M's connector searches roles by: displayName eq <name>, unquoted.
func RoleNameFilter(displayName string) string { return "displayName eq " + displayName }

// FindRole searches a role by display name and returns the exact match, or nil.
func (c *Client) FindRole(ctx context.Context, displayName string) (*Role, error) {
	list, err := c.SearchRoles(ctx, RoleNameFilter(displayName))
	if err != nil {
		return nil, err
	}
	for i := range list.Resources {
		if list.Resources[i].DisplayName == displayName {
			return &list.Resources[i], nil
		}
	}
	return nil, nil
}

// GetRole reads a role by id, with its users and permissions.
func (c *Client) GetRole(ctx context.Context, id string) (*Role, error) {
	var out Role
	if _, err := c.scimCall(ctx, "read role "+id, http.MethodGet, c.roleURL(id), nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// PatchRole applies SCIM PATCH operations to a role (200; 204 accepted too).
func (c *Client) PatchRole(ctx context.Context, id string, ops ...PatchOp) error {
	_, err := c.scimCall(ctx, "patch role "+id, http.MethodPatch, c.roleURL(id), patchBody(ops), nil, http.StatusOK, http.StatusNoContent)
	return err
}

// AddRoleUsers adds users (by id) to a role; changing a user's roles makes IS revoke the user's tokens.
func (c *Client) AddRoleUsers(ctx context.Context, roleID string, userIDs ...string) error {
	return c.PatchRole(ctx, roleID, PatchOp{Op: "add", Path: "users", Value: refs(userIDs)})
}

// DeleteRole deletes a role (204).
func (c *Client) DeleteRole(ctx context.Context, id string) error {
	_, err := c.scimCall(ctx, "delete role "+id, http.MethodDelete, c.roleURL(id), nil, nil, http.StatusNoContent)
	return err
}

func (c *Client) roleURL(id string) string { return c.Base + RolesPath + "/" + url.PathEscape(id) }

func refs(values []string) []RoleRef {
	out := make([]RoleRef, len(values))
	for i, v := range values {
		out[i] = RoleRef{Value: v}
	}
	return out
}
