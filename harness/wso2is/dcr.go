package wso2is

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/httpcall"
)

// DCRPath is IS 7's dynamic client registration endpoint (discovery's registration_endpoint).
const DCRPath = "/api/identity/oauth2/dcr/v1.1/register"

// DCRRequest is a registration or update request; empty members are left out. Bools are pointers so that
// false can be sent (API-M's connector sends its false flags explicitly); Bool makes one.
type DCRRequest struct {
	ClientName   string   `json:"client_name,omitempty"`
	RedirectURIs []string `json:"redirect_uris,omitempty"`
	GrantTypes   []string `json:"grant_types,omitempty"`
	// ClientID and ClientSecret belong to updates; ExtParamClientID/Secret preset them on registration.
	ClientID                          string `json:"client_id,omitempty"`
	ClientSecret                      string `json:"client_secret,omitempty"`
	ExtParamClientID                  string `json:"ext_param_client_id,omitempty"`
	ExtParamClientSecret              string `json:"ext_param_client_secret,omitempty"`
	TokenTypeExtension                string `json:"token_type_extension,omitempty"`
	ExtTokenType                      string `json:"ext_token_type,omitempty"`
	ExtApplicationDisplayName         string `json:"ext_application_display_name,omitempty"`
	ExtApplicationOwner               string `json:"ext_application_owner,omitempty"`
	ExtAllowedAudience                string `json:"ext_allowed_audience,omitempty"`
	ExtApplicationTokenLifetime       int64  `json:"ext_application_token_lifetime,omitempty"`
	ExtUserTokenLifetime              int64  `json:"ext_user_token_lifetime,omitempty"`
	ExtRefreshTokenLifetime           int64  `json:"ext_refresh_token_lifetime,omitempty"`
	ExtIDTokenLifetime                int64  `json:"ext_id_token_lifetime,omitempty"`
	ExtPKCEMandatory                  *bool  `json:"ext_pkce_mandatory,omitempty"`
	ExtPKCESupportPlain               *bool  `json:"ext_pkce_support_plain,omitempty"`
	ExtPublicClient                   *bool  `json:"ext_public_client,omitempty"`
	BackchannelLogoutSessionRequired  *bool  `json:"backchannel_logout_session_required,omitempty"`
	RequireSignedRequestObject        *bool  `json:"require_signed_request_object,omitempty"`
	RequirePushedAuthorizationRequest *bool  `json:"require_pushed_authorization_requests,omitempty"`
	TLSClientCertificateBoundTokens   *bool  `json:"tls_client_certificate_bound_access_tokens,omitempty"`
	JWKSURI                           string `json:"jwks_uri,omitempty"`
	TokenEndpointAuthMethod           string `json:"token_endpoint_auth_method,omitempty"`
	// Extra members are merged last: an unlisted field (e.g. one a version does not know, to assert its
	// 400), or a nil value to drop a member.
	Extra map[string]any `json:"-"`
}

// Bool is a pointer to b, for DCRRequest's flags.
func Bool(b bool) *bool { return &b }

func (r DCRRequest) body() (map[string]any, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range r.Extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m, nil
}

// DCRApp is an application as DCR returns it.
type DCRApp struct {
	ClientID                    string   `json:"client_id"`
	ClientSecret                string   `json:"client_secret"`
	ClientSecretExpiresAt       int64    `json:"client_secret_expires_at"`
	ClientName                  string   `json:"client_name"`
	RedirectURIs                []string `json:"redirect_uris"`
	GrantTypes                  []string `json:"grant_types"`
	TokenTypeExtension          string   `json:"token_type_extension"`
	ExtTokenType                string   `json:"ext_token_type"`
	ExtApplicationDisplayName   string   `json:"ext_application_display_name"`
	ExtApplicationOwner         string   `json:"ext_application_owner"`
	ExtApplicationTokenLifetime int64    `json:"ext_application_token_lifetime"`
	ExtUserTokenLifetime        int64    `json:"ext_user_token_lifetime"`
	ExtRefreshTokenLifetime     int64    `json:"ext_refresh_token_lifetime"`
	ExtIDTokenLifetime          int64    `json:"ext_id_token_lifetime"`
	ExtPKCEMandatory            bool     `json:"ext_pkce_mandatory"`
	ExtPKCESupportPlain         bool     `json:"ext_pkce_support_plain"`
	ExtPublicClient             bool     `json:"ext_public_client"`
	ExtAllowedAudience          string   `json:"ext_allowed_audience"`
	// Fields is every member of the answer (it holds the client secret: keep it out of messages).
	Fields map[string]any `json:"-"`
}

// Auth is the app's client_secret_basic credentials (a public client's client_id only).
func (a *DCRApp) Auth() ClientAuth {
	if a.ExtPublicClient {
		return PublicClient(a.ClientID)
	}
	return BasicAuth(a.ClientID, a.ClientSecret)
}

// DCRFailure is a DCR answer other than the one the call expects. IS answers 400 with
// {"error","error_description","traceId"} (e.g. invalid_client_metadata for a duplicate name or an
// unknown field, invalid_redirect_uri), and 401 (unknown client_id) or 403 (not the owner) without a body.
type DCRFailure struct {
	Op          string
	Status      int
	Code        string // the body's "error"
	Description string // the body's "error_description"
	TraceID     string
	Body        []byte
}

func (f *DCRFailure) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d", f.Op, f.Status)
	if f.Code != "" {
		msg += " " + f.Code
	}
	if f.Description != "" {
		msg += ": " + evidence.Redact(f.Description)
	}
	return msg
}

func dcrFailure(op string, resp *httpcall.Response) *DCRFailure {
	f := &DCRFailure{Op: op, Status: resp.Status, Body: resp.Body}
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		TraceID     string `json:"traceId"`
	}
	if json.Unmarshal(resp.Body, &body) == nil {
		f.Code, f.Description, f.TraceID = body.Error, body.Description, body.TraceID
	}
	return f
}

// dcrCall sends a DCR request as the admin; a status other than want is a *DCRFailure.
func (c *Client) dcrCall(ctx context.Context, op, method, target string, body any, want int) (*DCRApp, error) {
	req := httpcall.Request{Op: op, Method: method, URL: target, JSON: body, Auth: c.admin()}
	resp, err := httpcall.Do(ctx, c.HTTP, req)
	if err != nil {
		return nil, err
	}
	if resp.Status != want {
		return nil, dcrFailure(op, resp)
	}
	if want == http.StatusNoContent {
		return nil, nil
	}
	var app DCRApp
	if err := httpcall.Decode(req, resp, &app); err != nil {
		return nil, err
	}
	if err := httpcall.Decode(req, resp, &app.Fields); err != nil {
		return nil, err
	}
	if app.ClientID == "" {
		return nil, fmt.Errorf("%s: the answer has no client_id", op)
	}
	return &app, nil
}

// RegisterApp registers an OAuth application (POST, 201).
func (c *Client) RegisterApp(ctx context.Context, r DCRRequest) (*DCRApp, error) {
	body, err := r.body()
	if err != nil {
		return nil, fmt.Errorf("register OAuth app %s at IS: encode: %w", r.ClientName, err)
	}
	return c.dcrCall(ctx, "register OAuth app "+r.ClientName+" at IS", http.MethodPost, c.Base+DCRPath, body, http.StatusCreated)
}

// GetApp reads an application by client_id (200; IS answers 401 without a body for an unknown one).
func (c *Client) GetApp(ctx context.Context, clientID string) (*DCRApp, error) {
	return c.dcrCall(ctx, "read OAuth app "+clientID+" at IS", http.MethodGet, c.appURL(clientID), nil, http.StatusOK)
}

// GetAppByName reads an application by client_name (GET ?client_name=, 200).
func (c *Client) GetAppByName(ctx context.Context, name string) (*DCRApp, error) {
	target := c.Base + DCRPath + "?" + url.Values{"client_name": {name}}.Encode()
	return c.dcrCall(ctx, "read OAuth app named "+name+" at IS", http.MethodGet, target, nil, http.StatusOK)
}

// UpdateApp replaces an application's metadata (PUT, 200).
func (c *Client) UpdateApp(ctx context.Context, clientID string, r DCRRequest) (*DCRApp, error) {
	body, err := r.body()
	if err != nil {
		return nil, fmt.Errorf("update OAuth app %s at IS: encode: %w", clientID, err)
	}
	return c.dcrCall(ctx, "update OAuth app "+clientID+" at IS", http.MethodPut, c.appURL(clientID), body, http.StatusOK)
}

// DeleteApp deletes an application (204).
func (c *Client) DeleteApp(ctx context.Context, clientID string) error {
	_, err := c.dcrCall(ctx, "delete OAuth app "+clientID+" at IS", http.MethodDelete, c.appURL(clientID), nil, http.StatusNoContent)
	return err
}

func (c *Client) appURL(clientID string) string {
	return c.Base + DCRPath + "/" + url.PathEscape(clientID)
}
