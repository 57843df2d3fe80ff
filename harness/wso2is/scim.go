package wso2is

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/httpcall"
)

// SCIM2 paths and media type (RFC 7644).
const (
	SCIMUsersPath   = "/scim2/Users"
	SCIMMePath      = "/scim2/Me"
	SCIMContentType = "application/scim+json"
)

// SCIM schema URIs the harness writes.
const (
	SchemaUser    = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaPatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaSearch  = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	// SchemaWSO2User is IS 7's extension schema that carries accountLocked and accountDisabled.
	SchemaWSO2User = "urn:scim:wso2:schema"
)

// SCIMFailure is a SCIM error answer (RFC 7644 §3.12): {"schemas", "status", "scimType", "detail"}.
type SCIMFailure struct {
	Op     string
	Status int // the HTTP status
	// BodyStatus is the body's own "status" member, a string in SCIM.
	BodyStatus string
	SCIMType   string
	Detail     string
	Schemas    []string
}

func (f *SCIMFailure) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d", f.Op, f.Status)
	if f.SCIMType != "" {
		msg += " " + f.SCIMType
	}
	if f.Detail != "" {
		msg += ": " + evidence.Redact(f.Detail)
	}
	return msg
}

func scimFailure(op string, resp *httpcall.Response) *SCIMFailure {
	f := &SCIMFailure{Op: op, Status: resp.Status}
	var body struct {
		Schemas  []string        `json:"schemas"`
		Status   json.RawMessage `json:"status"`
		SCIMType string          `json:"scimType"`
		Detail   string          `json:"detail"`
	}
	if json.Unmarshal(resp.Body, &body) == nil {
		f.Schemas, f.SCIMType, f.Detail = body.Schemas, body.SCIMType, body.Detail
		// RFC 7644 makes status a string; accept a number too.
		f.BodyStatus = strings.Trim(string(bytes.TrimSpace(body.Status)), `"`)
	}
	return f
}

// scimCall sends a SCIM request as the admin and decodes the answer into out when the status is one of
// want; any other status is a *SCIMFailure.
func (c *Client) scimCall(ctx context.Context, op, method, target string, body any, out any, want ...int) (*httpcall.Response, error) {
	req := httpcall.Request{
		Op: op, Method: method, URL: target, JSON: body, Auth: c.admin(),
		Headers: map[string]string{"Accept": SCIMContentType},
	}
	if body != nil {
		req.Headers["Content-Type"] = SCIMContentType
	}
	resp, err := httpcall.Do(ctx, c.HTTP, req)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(want, resp.Status) {
		return resp, scimFailure(op, resp)
	}
	if err := httpcall.Decode(req, resp, out); err != nil {
		return resp, err
	}
	return resp, nil
}

// SCIMName is a SCIM user's name.
type SCIMName struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

// SCIMEmail is one of a SCIM user's e-mail addresses.
type SCIMEmail struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// SCIMEmails is a user's e-mail list; IS writes plain strings as well as objects into it.
type SCIMEmails []SCIMEmail

// UnmarshalJSON accepts both entry shapes.
func (e *SCIMEmails) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("emails is not a list: %w", err)
	}
	out := make(SCIMEmails, 0, len(raw))
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil {
			out = append(out, SCIMEmail{Value: s})
			continue
		}
		var m SCIMEmail
		if err := json.Unmarshal(r, &m); err != nil {
			return fmt.Errorf("emails entry is neither a string nor an object: %w", err)
		}
		out = append(out, m)
	}
	*e = out
	return nil
}

// SCIMMeta is a SCIM resource's meta.
type SCIMMeta struct {
	ResourceType string `json:"resourceType"`
	Location     string `json:"location"`
	Created      string `json:"created"`
	LastModified string `json:"lastModified"`
}

// SCIMUser is a SCIM user as IS returns it.
type SCIMUser struct {
	Schemas  []string   `json:"schemas"`
	ID       string     `json:"id"`
	UserName string     `json:"userName"`
	Name     *SCIMName  `json:"name"`
	Emails   SCIMEmails `json:"emails"`
	Active   *bool      `json:"active"`
	Meta     *SCIMMeta  `json:"meta"`
	// Fields is every member, e.g. SchemaWSO2User's object with accountLocked.
	Fields map[string]any `json:"-"`
}

// Locked reads accountLocked from IS's extension schema; ok is false when IS did not send it.
func (u *SCIMUser) Locked() (locked, ok bool) {
	ext, _ := u.Fields[SchemaWSO2User].(map[string]any)
	switch v := ext["accountLocked"].(type) {
	case bool:
		return v, true
	case string: // IS stores claims as strings and may send them as such
		return v == "true", true
	}
	return false, false
}

func decodeSCIMUser(req httpcall.Request, resp *httpcall.Response, u *SCIMUser) error {
	if err := httpcall.Decode(req, resp, u); err != nil {
		return err
	}
	return httpcall.Decode(req, resp, &u.Fields)
}

// NewUser is a user to create.
type NewUser struct {
	UserName, Password    string
	GivenName, FamilyName string
	Emails                []string
}

// CreateUser creates a user (POST /scim2/Users, 201).
func (c *Client) CreateUser(ctx context.Context, u NewUser) (*SCIMUser, error) {
	body := map[string]any{"schemas": []string{SchemaUser}, "userName": u.UserName, "password": u.Password}
	if u.GivenName != "" || u.FamilyName != "" {
		body["name"] = SCIMName{GivenName: u.GivenName, FamilyName: u.FamilyName}
	}
	if len(u.Emails) > 0 {
		emails := make([]SCIMEmail, len(u.Emails))
		for i, e := range u.Emails {
			emails[i] = SCIMEmail{Value: e, Primary: i == 0}
		}
		body["emails"] = emails
	}
	return c.userCall(ctx, "create SCIM user "+u.UserName, http.MethodPost, c.Base+SCIMUsersPath, body, http.StatusCreated)
}

// GetUser reads a user by id (200).
func (c *Client) GetUser(ctx context.Context, id string) (*SCIMUser, error) {
	return c.userCall(ctx, "read SCIM user "+id, http.MethodGet, c.userURL(id), nil, http.StatusOK)
}

// PatchOp is one SCIM PATCH operation (RFC 7644 §3.5.2).
type PatchOp struct {
	Op    string `json:"op"` // add, remove or replace
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

func patchBody(ops []PatchOp) map[string]any {
	return map[string]any{"schemas": []string{SchemaPatchOp}, "Operations": ops}
}

// PatchUser applies PATCH operations to a user; IS answers 200 with the user (nil is returned for a 204).
func (c *Client) PatchUser(ctx context.Context, id string, ops ...PatchOp) (*SCIMUser, error) {
	return c.userCall(ctx, "patch SCIM user "+id, http.MethodPatch, c.userURL(id), patchBody(ops), http.StatusOK, http.StatusNoContent)
}

// SetUserPassword replaces a user's password; IS then revokes the user's tokens (a system revocation).
func (c *Client) SetUserPassword(ctx context.Context, id, password string) error {
	_, err := c.PatchUser(ctx, id, PatchOp{Op: "replace", Value: map[string]any{"password": password}})
	return err
}

// SetUserActive replaces the core active attribute.
func (c *Client) SetUserActive(ctx context.Context, id string, active bool) error {
	_, err := c.PatchUser(ctx, id, PatchOp{Op: "replace", Value: map[string]any{"active": active}})
	return err
}

// SetUserLocked replaces accountLocked of IS's extension schema; locking revokes the user's tokens.
func (c *Client) SetUserLocked(ctx context.Context, id string, locked bool) error {
	_, err := c.PatchUser(ctx, id, PatchOp{Op: "replace", Value: map[string]any{
		SchemaWSO2User: map[string]any{"accountLocked": locked},
	}})
	return err
}

// DeleteUser deletes a user (204).
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	_, err := c.scimCall(ctx, "delete SCIM user "+id, http.MethodDelete, c.userURL(id), nil, nil, http.StatusNoContent)
	return err
}

func (c *Client) userURL(id string) string { return c.Base + SCIMUsersPath + "/" + url.PathEscape(id) }

func (c *Client) userCall(ctx context.Context, op, method, target string, body any, want ...int) (*SCIMUser, error) {
	resp, err := c.scimCall(ctx, op, method, target, body, nil, want...)
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusNoContent {
		return nil, nil
	}
	var u SCIMUser
	req := httpcall.Request{Op: op, URL: target}
	if err := decodeSCIMUser(req, resp, &u); err != nil {
		return nil, err
	}
	if u.ID == "" && method != http.MethodPatch {
		return nil, fmt.Errorf("%s: the answer has no id", op)
	}
	return &u, nil
}
