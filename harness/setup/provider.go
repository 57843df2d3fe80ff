package setup

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/kmconform/kmconform/harness/env"
	"github.com/kmconform/kmconform/harness/httpcall"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/tokens"
	"github.com/kmconform/kmconform/harness/wso2am"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// The setup of the profiles whose values come from the provider's discovery document (oidc, asgardeo) and
// of obkm's provider view: read the document, get a client (from the credentials file, or by dynamic client
// registration where the provider advertises it), and record per capability what cannot be checked.

// Step ids of the profiles beyond the default setup.
const (
	StepPlaceArtifacts  = "place-artifacts"
	StepProviderClient  = "provider-client"
	StepDisableResident = "disable-resident-km"
)

// ProviderOptions say where a provider's values come from.
type ProviderOptions struct {
	// Base is the provider's base URL; WellKnown its discovery document's URL.
	Base, WellKnown string
	// Admin are Basic credentials the provider takes for registration and introspection (WSO2 IS: its
	// administrator); nil for none.
	Admin *Credentials
	// Client is a client from the credentials file (Username = client id, Password = secret); nil to
	// register one.
	Client *Credentials
	// APIM: an API-M is part of the run (the gateway check needs one).
	APIM bool
}

// Why a capability cannot be checked.
const (
	reasonNoAPIM = "no API-M: --apim-url was not given, so only the provider's own checks run"
)

// discoverProvider reads the provider's discovery document into e.Provider. A document that cannot be read,
// is not JSON or has no issuer fails the step; an endpoint it does not advertise only marks the checks that
// need it.
func discoverProvider(ctx context.Context, e *env.Env, o ProviderOptions) error {
	resp, err := httpcall.Expect(ctx, e.HTTP, httpcall.Request{Op: "read the provider's discovery document", Method: http.MethodGet,
		URL: o.WellKnown}, nil, http.StatusOK)
	if err != nil {
		return err
	}
	var doc map[string]any
	var d wso2is.Discovery
	if json.Unmarshal(resp.Body, &doc) != nil || json.Unmarshal(resp.Body, &d) != nil {
		return fmt.Errorf("the provider's discovery document at %s is not a JSON object", o.WellKnown)
	}
	if d.Issuer == "" {
		return fmt.Errorf("the provider's discovery document at %s has no issuer (OpenID Connect Discovery 1.0 §3 requires it)", o.WellKnown)
	}
	p := &env.Provider{Base: o.Base, WellKnown: o.WellKnown, Discovery: &d, Document: doc, Missing: map[string]string{}}
	e.Provider = p
	if e.Discovery == nil {
		e.Discovery = &d
	}
	lack := func(field string, caps ...string) {
		for _, c := range caps {
			if _, set := p.Missing[c]; !set {
				p.Missing[c] = "the provider's discovery document advertises no " + field
			}
		}
	}
	if d.TokenEndpoint == "" {
		lack("token_endpoint", "oidc.token", "oidc.issuer", "oidc.signature", "oidc.introspection", "oidc.revocation", "oidc.gateway")
	}
	if d.JWKSURI == "" {
		lack("jwks_uri", "oidc.signature", "oidc.gateway")
	}
	if d.RevocationEndpoint == "" {
		lack("revocation_endpoint", "oidc.revocation", "oidc.introspection")
	}
	if d.IntrospectionEndpoint == "" {
		lack("introspection_endpoint", "oidc.introspection")
	}
	if !o.APIM {
		p.Missing["oidc.gateway"] = reasonNoAPIM
	}
	return nil
}

// provideClient gets the provider's client: the one of the credentials file, or one registered by DCR at
// the advertised registration_endpoint (removed again through undo). It then asks for one token to learn
// whether the provider issues JWT access tokens: the issuer and signature checks read JWTs.
func provideClient(ctx context.Context, e *env.Env, o ProviderOptions, progress io.Writer, undo func(what string, fn func(context.Context) error)) error {
	p := e.Provider
	d := p.Discovery
	switch {
	case o.Client != nil:
		p.ClientID, p.ClientSecret = o.Client.Username, o.Client.Password
		fmt.Fprintf(progress, "  client %s from the credentials file\n", p.ClientID)
	case d.RegistrationEndpoint != "":
		id, secret, del, err := registerClient(ctx, e, d.RegistrationEndpoint, o.Admin)
		if err != nil {
			return err
		}
		p.ClientID, p.ClientSecret = id, secret
		undo("client "+id+" at the provider", del)
		fmt.Fprintf(progress, "  registered client %s at %s\n", id, d.RegistrationEndpoint)
	default:
		for _, c := range []string{"oidc.token", "oidc.issuer", "oidc.signature", "oidc.introspection", "oidc.revocation", "oidc.gateway"} {
			if _, set := p.Missing[c]; !set {
				p.Missing[c] = "no client: the credentials file names none and the provider advertises no registration_endpoint"
			}
		}
		return nil
	}
	e.Redactor.Add(p.ClientSecret)
	p.IntrospectAuth = wso2is.BasicAuth(p.ClientID, p.ClientSecret)
	if o.Admin != nil {
		p.IntrospectAuth = wso2is.BasicAuth(o.Admin.Username, o.Admin.Password)
	}
	if d.TokenEndpoint == "" {
		return nil
	}
	// A failing token request is oidc.token's to report, not the setup's.
	if t, err := e.IS.ClientCredentials(ctx, d.TokenEndpoint, p.ClientID, p.ClientSecret); err == nil {
		if _, _, perr := tokens.Peek(t.AccessToken); perr != nil {
			for _, c := range []string{"oidc.issuer", "oidc.signature"} {
				if _, set := p.Missing[c]; !set {
					p.Missing[c] = "the provider issues opaque access tokens to client " + p.ClientID + ": the check reads a JWT"
				}
			}
		}
	}
	return nil
}

// registerClient registers a client_credentials client (RFC 7591 §3.1), with the admin's Basic credentials
// when given; token_type_extension asks WSO2 IS for JWT access tokens and is ignored elsewhere (RFC 7591 §2:
// unknown metadata is ignored). It returns how to delete the client again (RFC 7592 where the answer gives a
// registration_client_uri and token, else DELETE <endpoint>/<client_id> as WSO2 IS and Asgardeo serve it).
func registerClient(ctx context.Context, e *env.Env, endpoint string, admin *Credentials) (string, string, func(context.Context) error, error) {
	var auth httpcall.Auth
	if admin != nil {
		auth = httpcall.Basic(admin.Username, admin.Password)
	}
	var out struct {
		ClientID          string `json:"client_id"`
		ClientSecret      string `json:"client_secret"`
		RegistrationURI   string `json:"registration_client_uri"`
		RegistrationToken string `json:"registration_access_token"`
	}
	body := map[string]any{"client_name": "kmconform-provider-" + randomSuffix(), "grant_types": []string{"client_credentials"},
		"token_type_extension": "JWT"}
	_, err := httpcall.Expect(ctx, e.HTTP, httpcall.Request{Op: "register a client at the provider", Method: http.MethodPost, URL: endpoint,
		JSON: body, Auth: auth}, &out, http.StatusCreated, http.StatusOK)
	if err != nil {
		return "", "", nil, err
	}
	if out.ClientID == "" || out.ClientSecret == "" {
		return "", "", nil, fmt.Errorf("the provider's registration endpoint %s answered without client_id or client_secret", endpoint)
	}
	e.Redactor.Add(out.ClientSecret, out.RegistrationToken)
	del := func(ctx context.Context) error {
		target, a := strings.TrimRight(endpoint, "/")+"/"+url.PathEscape(out.ClientID), auth
		if out.RegistrationURI != "" && out.RegistrationToken != "" {
			target, a = out.RegistrationURI, httpcall.Bearer(out.RegistrationToken)
		}
		_, err := httpcall.Expect(ctx, e.HTTP, httpcall.Request{Op: "delete the client registered at the provider", Method: http.MethodDelete,
			URL: target, Auth: a}, nil, http.StatusNoContent, http.StatusOK)
		return err
	}
	return out.ClientID, out.ClientSecret, del, nil
}

// providerDocument is the part of the discovery document a registration is filled from.
func providerDocument(p *env.Provider) plan.ProviderDocument {
	d := p.Discovery
	return plan.ProviderDocument{WellKnown: p.WellKnown, Issuer: d.Issuer, Token: d.TokenEndpoint, Revocation: d.RevocationEndpoint,
		Introspection: d.IntrospectionEndpoint, Registration: d.RegistrationEndpoint, Authorize: d.AuthorizationEndpoint,
		UserInfo: d.UserinfoEndpoint, JWKS: d.JWKSURI, GrantTypes: d.GrantTypesSupported}
}

// gatewayOff says why a provider profile registers nothing in API-M: no API-M, or a cell the profile expects
// no gateway in ("" when it registers).
func gatewayOff(e *env.Env) string {
	if e.APIM == nil {
		return reasonNoAPIM
	}
	if ex := e.Cell.Expect("oidc.gateway"); ex.Status == matrix.Unsupported && e.Plan.ProfileOrDefault().FromDiscovery {
		return ex.Reason
	}
	return ""
}

// disableResident disables API-M's Resident Key Manager, as the Open Banking docs ask after the Key Manager
// is registered: GET it, then PUT it back with enabled false.
func disableResident(ctx context.Context, am *wso2am.Client) error {
	list, err := am.ListKeyManagers(ctx)
	if err != nil {
		return err
	}
	for _, k := range list {
		if k.Name != wso2am.ResidentKeyManager {
			continue
		}
		km, err := am.GetKeyManager(ctx, k.ID)
		if err != nil {
			return err
		}
		km.Enabled = false
		_, err = am.UpdateKeyManager(ctx, k.ID, km)
		return err
	}
	return fmt.Errorf("API-M lists no %s to disable", wso2am.ResidentKeyManager)
}

// AsgardeoManagementApp registers the management application of the organization the simulator plays, in
// place of Asgardeo's console (API-M docs, Configure Asgardeo: "APIM-Management-App", OAuth 2.0 + OpenID
// Connect, authorized for the DCR, API resource and roles management APIs): a client_credentials
// application of the organization, registered by its DCR with the administrator's credentials.
func AsgardeoManagementApp(ctx context.Context, e *env.Env, orgBase string) (id, secret string, err error) {
	var out struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	_, err = httpcall.Expect(ctx, e.HTTP, httpcall.Request{Op: "register the organization's management application", Method: http.MethodPost,
		URL: orgBase + wso2is.DCRPath, Auth: httpcall.Basic(e.IS.AdminUser, e.IS.AdminPassword),
		JSON: map[string]any{"client_name": "APIM-Management-App", "grant_types": []string{"client_credentials"}, "token_type_extension": "JWT"}},
		&out, http.StatusCreated)
	if err != nil {
		return "", "", err
	}
	e.Redactor.Add(out.ClientSecret)
	return out.ClientID, out.ClientSecret, nil
}
