package checks

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/tokens"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// The endpoints area: every endpoint of the documented table (API-M docs "Configure WSO2 IS 7 as a Key
// Manager", IS 7 endpoint values) answers as IS documents it — status codes, error codes and bodies, not
// only reachability. The checks talk to IS directly with an OAuth client of their own (fixture.ISClient),
// so that they hold in every cell whatever API-M's key generation does there.

func init() {
	register(endpointsDiscovery, endpointsDiscoveryLists, endpointsToken, endpointsTokenErrors, endpointsAuthorize,
		endpointsIntrospect, endpointsRevoke, endpointsUserinfo, endpointsJWKS)
}

// isDocsEndpoints is the public source of the OAuth endpoints' behaviour: IS's OAuth endpoint module.
const isDocsEndpoints = "wso2-extensions/identity-inbound-auth-oauth org.wso2.carbon.identity.oauth.endpoint (OAuth2TokenEndpoint, OAuth2AuthzEndpoint)"

// apimDocsTable is the API-M documentation page whose endpoint table the checks follow.
const apimDocsTable = "API-M docs: Configure WSO2 IS 7 as a Key Manager (IS 7 endpoint values)"

// epDiscoveryKeys are the keys IS's discovery document carries by default (OIDC Discovery 1.0 §3 names
// them; IS emits these whatever its configuration; device_authorization_endpoint only with the device
// grant, mtls_endpoint_aliases and authorization_details_types_supported only when configured).
var epDiscoveryKeys = []string{
	"issuer", "authorization_endpoint", "pushed_authorization_request_endpoint", "token_endpoint", "userinfo_endpoint",
	"revocation_endpoint", "revocation_endpoint_auth_methods_supported", "introspection_endpoint",
	"introspection_endpoint_auth_methods_supported", "registration_endpoint", "jwks_uri", "scopes_supported",
	"claims_supported", "id_token_signing_alg_values_supported", "userinfo_signing_alg_values_supported",
	"request_object_signing_alg_values_supported", "token_endpoint_auth_methods_supported",
	"token_endpoint_auth_signing_alg_values_supported", "response_types_supported", "response_modes_supported",
	"grant_types_supported", "subject_types_supported", "code_challenge_methods_supported", "check_session_iframe",
	"end_session_endpoint", "backchannel_logout_supported", "backchannel_logout_session_supported",
	"request_parameter_supported", "claims_parameter_supported", "webfinger_endpoint",
	"tls_client_certificate_bound_access_tokens",
}

// epDiscoveryPaths are the endpoint values of the discovery document under IS's own origin (IS's
// integration test OIDCDiscoveryTestCase asserts these paths; the userinfo value is lower-case).
var epDiscoveryPaths = map[string]string{
	"authorization_endpoint":                "/oauth2/authorize",
	"token_endpoint":                        "/oauth2/token",
	"userinfo_endpoint":                     "/oauth2/userinfo",
	"revocation_endpoint":                   "/oauth2/revoke",
	"introspection_endpoint":                "/oauth2/introspect",
	"registration_endpoint":                 "/api/identity/oauth2/dcr/v1.1/register",
	"jwks_uri":                              "/oauth2/jwks",
	"pushed_authorization_request_endpoint": "/oauth2/par",
	"end_session_endpoint":                  "/oidc/logout",
	"webfinger_endpoint":                    "/.well-known/webfinger",
}

var endpointsDiscovery = &Check{
	ID: "endpoints.discovery", Area: "endpoints", Capability: "endpoint.discovery", Level: MUST,
	Title: "IS discovery serves the documented issuer, keys and endpoint values (also under /oauth2/oidcdiscovery) and the grants API-M lists; an unknown path is 400",
	Refs: []string{"OIDC Discovery 1.0 §3, §4", "RFC 8414 §2", apimDocsTable,
		"wso2/product-is OIDCDiscoveryTestCase (endpoint paths)", "identity-inbound-auth-oauth OIDCDiscoveryEndpoint (400 for another path)"},
	Faults: []Proof{
		{"is-discovery-omits-grant", "grant_types_supported lacks"},
	},
	Run: func(c *C) {
		e := c.Env
		doc := epDiscovery(c, "token")
		for _, k := range epDiscoveryKeys {
			if _, ok := doc[k]; !ok {
				c.Failf("IS's discovery document lacks %q, a key IS emits by default (keys present: %s)", k, strings.Join(epKeys(doc), ", "))
			}
		}
		if iss := doc["issuer"]; iss != plan.DocumentedIssuer {
			c.Failf("IS's discovery publishes issuer %v; the documented issuer under IS's network name is %q: IS's [server] hostname is not the name API-M reaches it by, so the documented Key Manager values do not match IS's tokens",
				iss, plan.DocumentedIssuer)
		}
		for k, p := range epDiscoveryPaths {
			if want := plan.ISBase + p; doc[k] != want {
				c.Failf("IS's discovery publishes %s = %v, IS documents %q", k, doc[k], want)
			}
		}
		grants := epStrings(doc["grant_types_supported"])
		// The grants API-M's documentation lists for the WSO2 IS 7 Key Manager: every version must offer them.
		if missing := epMissing(grants, plan.ISGrantTypes); len(missing) > 0 {
			c.Failf("IS's discovery grant_types_supported lacks %s, which API-M's documentation lists for the IS 7 Key Manager (served: %s)",
				strings.Join(missing, ", "), strings.Join(grants, ", "))
		}
		if slices.Contains(grants, wso2is.GrantDeviceCode) && doc["device_authorization_endpoint"] != plan.ISBase+"/oauth2/device_authorize" {
			c.Failf("IS lists the device_code grant but publishes device_authorization_endpoint = %v, not %q",
				doc["device_authorization_endpoint"], plan.ISBase+"/oauth2/device_authorize")
		}
		if subj := epStrings(doc["subject_types_supported"]); len(epMissing(subj, []string{"public", "pairwise"})) > 0 {
			c.Failf("IS's discovery subject_types_supported is %v, IS emits [public pairwise]", subj)
		}
		// The same document under the other {issuer} segment IS accepts.
		alt := epDiscovery(c, "oidcdiscovery")
		if alt["issuer"] != doc["issuer"] || alt["jwks_uri"] != doc["jwks_uri"] {
			c.Failf("IS's discovery at /oauth2/oidcdiscovery publishes issuer %v and jwks_uri %v, at /oauth2/token %v and %v: the two documents must agree",
				alt["issuer"], alt["jwks_uri"], doc["issuer"], doc["jwks_uri"])
		}
		// Any other segment: 400 with IS's text.
		const bad = "kmconform"
		a, err := e.IS.DiscoverAt(c.ctx, bad)
		c.NoErr(err, "read IS discovery at an unknown path")
		want := "Invalid path to the discovery document. Received path : " + bad + " is not resolvable"
		if a.Status != http.StatusBadRequest || !strings.Contains(string(a.Body), want) {
			c.Failf("IS answered HTTP %d %q to /oauth2/%s/.well-known/openid-configuration; IS documents 400 %q",
				a.Status, epShort(a.Body), bad, want)
		}
	},
}

// The lists IS 7.1.0 and 7.2.0's own discovery test asserts (contains); 7.3.0 is held to the same lists
// (UNCONFIRMED: WSO2's IS 7 Key Manager suite runs 7.3.0 and finds the grants it needs there); 7.0.0 is
// NOT_SUPPORTED with the reason in fixtures/matrix.yaml (no list is documented for it).
var epDiscoveryLists = map[string][]string{
	"grant_types_supported": {"refresh_token", "password", "client_credentials", "iwa:ntlm",
		"urn:ietf:params:oauth:grant-type:saml2-bearer", "urn:ietf:params:oauth:grant-type:device_code",
		"authorization_code", "account_switch", "urn:ietf:params:oauth:grant-type:token-exchange",
		"organization_switch", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
	"response_types_supported": {"id_token token", "code", "code id_token token", "code id_token", "id_token",
		"code token", "none", "device", "subject_token", "id_token subject_token", "token"},
	"token_endpoint_auth_methods_supported": {"private_key_jwt", "client_secret_post", "tls_client_auth", "client_secret_basic"},
	"response_modes_supported":              {"fragment", "jwt", "fragment.jwt", "query", "form_post", "query.jwt", "form_post.jwt"},
}

var endpointsDiscoveryLists = &Check{
	ID: "endpoints.discovery.lists", Area: "endpoints", Capability: "discovery.lists", Level: SHOULD,
	Title: "IS discovery's grant, response-type, auth-method and response-mode lists contain what IS's own discovery test asserts for the version",
	Refs:  []string{"OIDC Discovery 1.0 §3", "wso2/product-is v7.1.0 and v7.2.0 OIDCDiscoveryTestCase (lists asserted with contains)"},
	Faults: []Proof{
		{"is-discovery-omits-grant", "grant_types_supported lacks"},
	},
	Run: func(c *C) {
		doc := epDiscovery(c, "token")
		for _, key := range slices.Sorted(maps.Keys(epDiscoveryLists)) {
			served := epStrings(doc[key])
			if missing := epMissing(served, epDiscoveryLists[key]); len(missing) > 0 {
				c.Failf("IS %s's discovery %s lacks %s (served: %s)", c.Env.Cell.IS.Version, key, strings.Join(missing, ", "), strings.Join(served, ", "))
			}
		}
	},
}

var endpointsToken = &Check{
	ID: "endpoints.token", Area: "endpoints", Capability: "endpoint.token", Level: MUST,
	Title:    "the token endpoint issues a Bearer JWT with client_secret_basic and client_secret_post, with Cache-Control: no-store and Pragma: no-cache",
	Refs:     []string{"RFC 6749 §5.1", "RFC 6749 §2.3.1", isDocsEndpoints, apimDocsTable},
	Fixtures: []string{fixture.ISClient.Name},
	Faults: []Proof{
		{"is-token-response-cacheable", "Cache-Control"},
	},
	Run: func(c *C) {
		e := c.Env
		cl := Shared(c, fixture.ISClient)
		for _, auth := range []struct {
			name string
			auth wso2is.ClientAuth
		}{
			{"client_secret_basic", wso2is.BasicAuth(cl.ClientID, cl.ClientSecret)},
			{"client_secret_post", wso2is.PostAuth(cl.ClientID, cl.ClientSecret)},
		} {
			tok, err := e.IS.ClientCredentialsWith(c.ctx, e.Discovery.TokenEndpoint, auth.auth)
			c.NoErr(err, "get a client_credentials token from IS with %s", auth.name)
			if cc := tok.Header.Get("Cache-Control"); !strings.Contains(strings.ToLower(cc), "no-store") {
				c.Failf("IS's token answer (%s) carries Cache-Control %q, RFC 6749 §5.1 and IS require no-store: a cache between API-M and IS may keep access tokens", auth.name, cc)
			}
			if p := tok.Header.Get("Pragma"); !strings.EqualFold(p, "no-cache") {
				c.Failf("IS's token answer (%s) carries Pragma %q, IS sends no-cache (Cache-Control: %q)", auth.name, p, tok.Header.Get("Cache-Control"))
			}
			if !strings.EqualFold(tok.TokenType, "Bearer") || tok.ExpiresIn <= 0 {
				c.Failf("IS's token answer (%s) has token_type %q and expires_in %d; IS documents Bearer and a positive lifetime", auth.name, tok.TokenType, tok.ExpiresIn)
			}
			if _, _, err := tokens.Peek(tok.AccessToken); err != nil {
				c.Failf("IS issued an opaque access token to a client registered with token_type_extension JWT (%s): %v", auth.name, err)
			}
		}
	},
}

var endpointsTokenErrors = &Check{
	ID: "endpoints.token.errors", Area: "endpoints", Capability: "endpoint.token", Level: MUST,
	Title: "the token endpoint refuses as documented: unknown client and wrong secret 401 invalid_client, a grant the client lacks 400 unauthorized_client, an unknown grant 400 unsupported_grant_type, both auth methods 400 invalid_request",
	Refs: []string{"RFC 6749 §5.2", isDocsEndpoints, "identity-inbound-auth-oauth OAuthClientAuthnService, AccessTokenIssuer (error texts)",
		"wso2/product-apim integration-v2 is7_token_validation.feature (grant the app lacks → 400)"},
	Fixtures: []string{fixture.ISClient.Name, fixture.ISClientCCOnly.Name},
	Faults: []Proof{
		{"is-token-ignores-app-grants", "not registered with"},
	},
	Run: func(c *C) {
		e := c.Env
		cl := Shared(c, fixture.ISClient)
		ccOnly := Shared(c, fixture.ISClientCCOnly)
		endpoint := e.Discovery.TokenEndpoint
		// Positive control: the same client gets a token with its real credentials.
		_, err := e.IS.ClientCredentials(c.ctx, endpoint, cl.ClientID, cl.ClientSecret)
		c.NoErr(err, "positive control: get a client_credentials token from IS")
		ccForm := url.Values{"grant_type": {wso2is.GrantClientCredentials}}

		unknown := "kmconform-unknown-" + randomSuffix(10)
		epExpectOAuth(c, "a client_credentials request with an unknown client_id", 401, "invalid_client",
			"A valid OAuth client could not be found for client_id: "+unknown,
			epTokenFailure(c, wso2is.BasicAuth(unknown, "kmconform-wrong"), ccForm))
		f := epTokenFailure(c, wso2is.BasicAuth(cl.ClientID, "kmconform-wrong-secret"), ccForm)
		epExpectOAuth(c, "a client_credentials request with a wrong client secret", 401, "invalid_client", "Client credentials are invalid.", f)
		if f.Header.Get("WWW-Authenticate") == "" {
			c.Failf("IS refused a wrong client secret with 401 but without WWW-Authenticate (RFC 6749 §5.2 requires it for a 401)")
		}

		// A grant the client is not registered with (API-M registers each application with the grants it
		// selects; IS must hold it to them).
		ccOnlyAuth := wso2is.BasicAuth(ccOnly.ClientID, ccOnly.ClientSecret)
		_, err = e.IS.ClientCredentials(c.ctx, endpoint, ccOnly.ClientID, ccOnly.ClientSecret)
		c.NoErr(err, "positive control: the client_credentials-only client gets a client_credentials token")
		for _, g := range []struct {
			name string
			form url.Values
		}{
			{wso2is.GrantPassword, url.Values{"grant_type": {wso2is.GrantPassword}, "username": {e.IS.AdminUser}, "password": {e.IS.AdminPassword}}},
			{wso2is.GrantTokenExchange, url.Values{"grant_type": {wso2is.GrantTokenExchange}, "subject_token": {"kmconform.placeholder.token"},
				"subject_token_type": {"urn:ietf:params:oauth:token-type:jwt"}}},
		} {
			tok, err := e.IS.TokenRequest(c.ctx, endpoint, ccOnlyAuth, g.form)
			if err == nil && tok != nil {
				c.Failf("IS issued a %s token to a client not registered with that grant (its grant_types: %v): IS does not hold applications to the grants they were registered with",
					g.name, ccOnly.GrantTypes)
			}
			epExpectOAuth(c, "a "+g.name+" request from a client not registered with that grant", 400, "unauthorized_client",
				"The authenticated client is not authorized to use this authorization grant type", epAsOAuth(c, err, g.name))
		}

		const unknownGrant = "urn:kmconform:unknown-grant"
		epExpectOAuth(c, "a request with an unknown grant_type", 400, "unsupported_grant_type", "",
			epTokenFailure(c, wso2is.BasicAuth(cl.ClientID, cl.ClientSecret), url.Values{"grant_type": {unknownGrant}}))

		// Basic and client_secret_post at once.
		both := url.Values{"grant_type": {wso2is.GrantClientCredentials}, "client_id": {cl.ClientID}, "client_secret": {cl.ClientSecret}}
		epExpectOAuth(c, "a request authenticated with both client_secret_basic and client_secret_post", 400, "invalid_request",
			"The client MUST NOT use more than one authentication method", epTokenFailure(c, wso2is.BasicAuth(cl.ClientID, cl.ClientSecret), both))
	},
}

var endpointsAuthorize = &Check{
	ID: "endpoints.authorize", Area: "endpoints", Capability: "endpoint.authorize", Level: MUST,
	Title: "a browser-less login at the authorize endpoint goes through the login page (and consent) to the redirect_uri with a code that redeems; an unregistered redirect_uri ends on IS's error page",
	Refs: []string{"RFC 6749 §4.1.1, §4.1.2.1, §10.6", "OIDC Core 1.0 §3.1.2", isDocsEndpoints,
		"wso2/product-is OAuth2ServiceAbstractIntegrationTest (login and consent posts)"},
	Fixtures: []string{fixture.ISClient.Name},
	Faults: []Proof{
		{"is-authorize-open-redirect", "did not register"},
	},
	Run: func(c *C) {
		e := c.Env
		cl := Shared(c, fixture.ISClient)
		req := wso2is.CodeRequest{
			AuthorizeEndpoint: e.Discovery.AuthorizationEndpoint, ClientID: cl.ClientID, RedirectURI: fixture.EndpointsRedirectURI,
			Scopes: []string{"openid"}, Nonce: "kmconform-" + randomSuffix(10), Username: e.IS.AdminUser, Password: e.IS.AdminPassword,
		}
		tok, res, err := e.IS.AuthorizationCode(c.ctx, e.Discovery.TokenEndpoint, cl.Auth(), req)
		c.NoErr(err, "log in headless at IS's authorize endpoint and redeem the code")
		trail := strings.Join(res.Trail, " | ")
		if !strings.Contains(trail, "/commonauth") {
			c.Failf("the login reached the redirect_uri without posting credentials to /commonauth (hops: %s): IS did not show its login page", trail)
		}
		// Consent: IS shows it for DCR-created applications unless the server skips it
		// (identity-inbound-auth-oauth OAuth2AuthzEndpoint.isConsentSkipped; the default of SkipUserConsent is
		// undocumented), so both branches are accepted and logged.
		c.Logf("login hops: %s (consent page shown: %t)", trail, res.ConsentShown)
		if tok.IDToken == "" {
			c.Failf("the code of an openid request redeemed without an id_token")
		}
		if _, _, err := tokens.Peek(tok.AccessToken); err != nil {
			c.Failf("the code redeemed for an opaque access token, the client is registered for JWT: %v", err)
		}

		// An unregistered redirect_uri must never receive a code.
		bad := req
		bad.RedirectURI = "https://kmconform.invalid/not-registered"
		_, err = e.IS.Authorize(c.ctx, bad)
		if err == nil {
			c.Failf("IS redirected to %s, a redirect_uri the client did not register, with an authorization code: an open redirect (RFC 6749 §10.6) that hands codes to anyone", bad.RedirectURI)
		}
		var fe *wso2is.FlowError
		if !errors.As(err, &fe) {
			c.NoErr(err, "authorize with an unregistered redirect_uri")
		}
		if fe.Step != wso2is.StepAuthorize || !strings.Contains(fe.Location, "oauth2_error.do") {
			c.Failf("an authorize request with a redirect_uri the client did not register should go straight to IS's error page (/authenticationendpoint/oauth2_error.do); it ended at step %q: %v", fe.Step, fe)
		}
		c.Logf("unregistered redirect_uri → %s (%s %s)", fe.Location, fe.OAuthError, fe.OAuthDescription)
	},
}

var endpointsIntrospect = &Check{
	ID: "endpoints.introspect", Area: "endpoints", Capability: "endpoint.introspect", Level: MUST,
	Title: "introspection: a valid token is active with the documented fields, a refresh token is token_type Refresh, a revoked or unknown token is {\"active\":false}, an empty token is 400 Invalid input",
	Refs: []string{"RFC 7662 §2.2", "wso2/docs-is token-validation-resource-server.md (introspection answers)", apimDocsTable,
		"wso2/product-is#27999 (introspection failing with a changed hostname)"},
	Fixtures: []string{fixture.ISClient.Name},
	Faults: []Proof{
		{"is-introspect-revoked-active", "revoked"},
	},
	Run: func(c *C) {
		e := c.Env
		cl := Shared(c, fixture.ISClient)
		endpoint := e.Discovery.IntrospectionEndpoint
		user, err := e.IS.Password(c.ctx, e.Discovery.TokenEndpoint, cl.Auth(), e.IS.AdminUser, e.IS.AdminPassword)
		c.NoErr(err, "get a password token from IS")
		r := epIntrospect(c, user.AccessToken, "")
		in := r.Introspection
		if in == nil || !in.Active {
			c.Failf("IS introspected a token it has just issued as %s: API-M's introspection path would refuse every IS token", epShort(r.Body))
		}
		switch {
		case in.ClientID != cl.ClientID:
			c.Failf("introspection gives client_id %q for a token of client %q (API-M takes the consumer key from it)", in.ClientID, cl.ClientID)
		case in.TokenType != "JWT":
			c.Failf("introspection gives token_type %q for a JWT access token, IS documents JWT", in.TokenType)
		case !strings.HasPrefix(in.Username, e.IS.AdminUser):
			c.Failf("introspection gives username %q for a token of user %q", in.Username, e.IS.AdminUser)
		case in.Aut != "APPLICATION_USER":
			c.Failf("introspection gives aut %q for a user token, IS documents APPLICATION_USER", in.Aut)
		case in.Exp <= time.Now().Unix() || in.Iat == 0:
			c.Failf("introspection gives exp %d and iat %d for a fresh token", in.Exp, in.Iat)
		case in.Iss != e.Discovery.Issuer || in.Jti == "" || in.Sub == "":
			c.Failf("introspection of a JWT gives iss %q, jti %q, sub %q; IS documents its issuer %q and both claims", in.Iss, in.Jti, in.Sub, e.Discovery.Issuer)
		}
		if user.RefreshToken == "" {
			c.Failf("IS issued no refresh token to a password request of a client registered with refresh_token")
		}
		rt := epIntrospect(c, user.RefreshToken, "refresh_token")
		if rt.Introspection == nil || !rt.Introspection.Active || rt.Introspection.TokenType != "Refresh" {
			c.Failf("IS introspected a fresh refresh token as %s; IS documents active with token_type Refresh (which API-M treats as not an access token)", epShort(rt.Body))
		}
		const inactive = `{"active":false}`
		if u := epIntrospect(c, "kmconform-unknown-token-"+randomSuffix(10), ""); strings.TrimSpace(string(u.Body)) != inactive {
			c.Failf("IS introspected an unknown token as %s, IS documents the literal %s", epShort(u.Body), inactive)
		}
		empty, err := e.IS.IntrospectRaw(c.ctx, endpoint, wso2is.AdminAuth(), "", "")
		c.NoErr(err, "introspect an empty token")
		if empty.Status != http.StatusBadRequest || empty.Code != "Invalid input" {
			c.Failf("IS answered HTTP %d %s to an introspection without a token, IS documents 400 {\"error\": \"Invalid input\"}", empty.Status, epShort(empty.Body))
		}
		// Revoked: active before (positive control), inactive after.
		app, err := e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, cl.ClientID, cl.ClientSecret)
		c.NoErr(err, "get a client_credentials token from IS")
		if before := epIntrospect(c, app.AccessToken, ""); before.Introspection == nil || !before.Introspection.Active {
			c.Failf("positive control: IS introspected a fresh client_credentials token as %s", epShort(before.Body))
		}
		c.NoErr(e.IS.Revoke(c.ctx, e.Discovery.RevocationEndpoint, cl.ClientID, cl.ClientSecret, app.AccessToken, "access_token"), "revoke the token at IS")
		if after := epIntrospect(c, app.AccessToken, ""); strings.TrimSpace(string(after.Body)) != inactive {
			c.Failf("IS introspected a token it revoked (revocation answered 200) as %s, IS documents %s: API-M's introspection path keeps accepting revoked tokens", epShort(after.Body), inactive)
		}
	},
}

var endpointsRevoke = &Check{
	ID: "endpoints.revoke", Area: "endpoints", Capability: "endpoint.revoke", Level: MUST,
	Title:    "revocation answers 200 (empty, no-store, no-cache) for a known and an unknown token, 400 invalid_request without a token and 401 invalid_client with bad client credentials",
	Refs:     []string{"RFC 7009 §2.1, §2.2, §2.2.1", "wso2/docs-is oidc/revoke-tokens.md (unknown tokens answer 200)", apimDocsTable},
	Fixtures: []string{fixture.ISClient.Name},
	Faults: []Proof{
		{"is-revoke-unknown-token-error", "unknown token"},
	},
	Run: func(c *C) {
		e := c.Env
		cl := Shared(c, fixture.ISClient)
		endpoint := e.Discovery.RevocationEndpoint
		tok, err := e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, cl.ClientID, cl.ClientSecret)
		c.NoErr(err, "get a client_credentials token from IS")

		// Bad client credentials: 401, and the token stays valid.
		bad, err := e.IS.RevokeRaw(c.ctx, endpoint, wso2is.BasicAuth(cl.ClientID, "kmconform-wrong-secret"), tok.AccessToken, "access_token")
		c.NoErr(err, "revoke with a wrong client secret")
		if bad.Status != http.StatusUnauthorized || bad.Code != "invalid_client" {
			c.Failf("IS answered HTTP %d %q to a revocation with a wrong client secret, IS documents 401 invalid_client", bad.Status, bad.Code)
		}
		if in := epIntrospect(c, tok.AccessToken, ""); in.Introspection == nil || !in.Introspection.Active {
			c.Failf("a revocation refused for bad client credentials still revoked the token (introspection: %s)", epShort(in.Body))
		}

		ok, err := e.IS.RevokeRaw(c.ctx, endpoint, cl.Auth(), tok.AccessToken, "access_token")
		c.NoErr(err, "revoke the token")
		if ok.Status != http.StatusOK {
			c.Failf("IS answered HTTP %d %s %q to the revocation of its own client's token, RFC 7009 §2.2 requires 200", ok.Status, ok.Code, ok.Description)
		}
		if len(bytes.TrimSpace(ok.Body)) != 0 || !strings.Contains(strings.ToLower(ok.Header.Get("Cache-Control")), "no-store") ||
			!strings.EqualFold(ok.Header.Get("Pragma"), "no-cache") {
			c.Failf("IS's revocation answer has body %q, Cache-Control %q and Pragma %q; IS documents an empty body with no-store and no-cache",
				epShort(ok.Body), ok.Header.Get("Cache-Control"), ok.Header.Get("Pragma"))
		}
		if in := epIntrospect(c, tok.AccessToken, ""); in.Introspection != nil && in.Introspection.Active {
			c.Failf("IS answered 200 to the revocation but still introspects the token as active")
		}

		unknown, err := e.IS.RevokeRaw(c.ctx, endpoint, cl.Auth(), "kmconform-unknown-token-"+randomSuffix(10), "")
		c.NoErr(err, "revoke an unknown token")
		if unknown.Status != http.StatusOK {
			c.Failf("IS answered HTTP %d %s %q to the revocation of an unknown token; RFC 7009 §2.2 and IS's documentation require 200 (an invalid token is not an error for the client)",
				unknown.Status, unknown.Code, unknown.Description)
		}
		none, err := e.IS.RevokeRaw(c.ctx, endpoint, cl.Auth(), "", "")
		c.NoErr(err, "revoke without a token")
		if none.Status != http.StatusBadRequest || none.Code != "invalid_request" {
			c.Failf("IS answered HTTP %d %q to a revocation without a token, IS documents 400 invalid_request", none.Status, none.Code)
		}
	},
}

var endpointsUserinfo = &Check{
	ID: "endpoints.userinfo", Area: "endpoints", Capability: "endpoint.userinfo", Level: MUST,
	Title: "API-M's UserInfo endpoint is /scim2/Me, which answers a user token with the user; /oauth2/userinfo refuses a token without openid with 403 insufficient_scope",
	Refs: []string{apimDocsTable + " (UserInfo: /scim2/Me; [[resource.access_control]] for /scim2/Me)", "RFC 7644 §3.11 (/Me)",
		"OIDC Core 1.0 §5.3", "RFC 6750 §3.1 (insufficient_scope)", "wso2/docs-apim#9387 (discovery import fills oauth2/userinfo)",
		"wso2/product-apim integration-v2 is7_token_validation.feature (UserInfo through /scim2/Me)"},
	Fixtures: []string{fixture.ISClient.Name},
	Faults: []Proof{
		{"no-scim2-me-rule", "access-control rule"},
		{"is-scim-me-ignores-rule", "access-control rule"},
		{"userinfo-from-discovery", "UserInfo endpoint"},
	},
	Run: func(c *C) {
		e := c.Env
		cl := Shared(c, fixture.ISClient)
		// The registration API-M reads user claims from.
		if got, want := e.KeyManager.UserInfoEndpoint, plan.ISBase+wso2is.SCIMMePath; got != want {
			c.Failf("Key Manager %q is registered with UserInfo endpoint %q, the documentation says %q: /oauth2/userinfo (what discovery import fills in) refuses API tokens without openid, so API-M cannot read user claims",
				e.KeyManager.Name, got, want)
		}
		user, err := e.IS.Password(c.ctx, e.Discovery.TokenEndpoint, cl.Auth(), e.IS.AdminUser, e.IS.AdminPassword)
		c.NoErr(err, "get a password token (no openid scope) from IS")
		me, err := e.IS.SCIMMe(c.ctx, user.AccessToken)
		c.NoErr(err, "read /scim2/Me with the user's token")
		if me.Status != http.StatusOK || me.User == nil {
			c.Failf("IS answered HTTP %d to GET /scim2/Me with user %s's own token (%v): the documented /scim2/Me access-control rule (secure, no permissions or scopes) is not in effect, so API-M cannot read user claims",
				me.Status, e.IS.AdminUser, me.Failure)
		}
		if me.User.UserName != e.IS.AdminUser || me.User.ID == "" {
			c.Failf("GET /scim2/Me answered user %q (id %q) to a token of %q", me.User.UserName, me.User.ID, e.IS.AdminUser)
		}
		// Why /oauth2/userinfo is the wrong value: the same token (an API token has no openid) is refused.
		ui, err := e.IS.UserInfo(c.ctx, e.Discovery.UserinfoEndpoint, user.AccessToken)
		c.NoErr(err, "call /oauth2/userinfo with a token without openid")
		if ui.Status != http.StatusForbidden || ui.Code != "insufficient_scope" || !strings.Contains(ui.WWWAuthenticate(), "insufficient_scope") {
			c.Failf("IS answered HTTP %d %q (WWW-Authenticate %q) to /oauth2/userinfo with a token without openid; IS documents 403 insufficient_scope with a Bearer challenge",
				ui.Status, ui.Code, ui.WWWAuthenticate())
		}
		// Positive control: with openid the same endpoint answers, so the 403 above is about the scope.
		oidc, err := e.IS.Password(c.ctx, e.Discovery.TokenEndpoint, cl.Auth(), e.IS.AdminUser, e.IS.AdminPassword, "openid")
		c.NoErr(err, "get a password token with openid from IS")
		ok, err := e.IS.UserInfo(c.ctx, e.Discovery.UserinfoEndpoint, oidc.AccessToken)
		c.NoErr(err, "call /oauth2/userinfo with an openid token")
		if ok.Status != http.StatusOK || ok.Claims["sub"] == nil {
			c.Failf("positive control: IS answered HTTP %d %q to /oauth2/userinfo with an openid token, expected 200 with sub", ok.Status, ok.Code)
		}
	},
}

var endpointsJWKS = &Check{
	ID: "endpoints.jwks", Area: "endpoints", Capability: "endpoint.jwks", Level: MUST,
	Title: "IS's JWKS publishes the version's number of RS256 signing keys, each kid derived from its certificate as IS documents, and a token's kid resolves to one of them",
	Refs: []string{"RFC 7517 §4, §5", "RFC 7515 §4.1.4", apimDocsTable,
		"identity-inbound-auth-oauth JwksEndpoint, DefaultKeyIDProviderImpl (kid = base64url(hex(SHA-256(cert))) + _RS256)"},
	Fixtures: []string{fixture.ISClient.Name},
	Faults: []Proof{
		{"is-jwks-drops-kid", "kid"},
		{"is-sign-with-unpublished-key", "resolves to no key"},
	},
	Run: func(c *C) {
		e := c.Env
		cl := Shared(c, fixture.ISClient)
		ks, err := e.IS.JWKS(c.ctx, e.Discovery.JWKSURI)
		c.NoErr(err, "read IS's JWKS")
		want := e.Cell.IS.JWKSKeys
		if want == 0 {
			c.Failf("kmconform defect: the matrix gives no jwksKeys for IS %s", e.Cell.IS.Version)
		}
		if len(ks.Keys) != want {
			c.Failf("IS %s's JWKS publishes %d keys; its GA primary key store holds %d private keys and IS publishes one key per entry (fixtures/matrix.yaml jwksKeys)",
				e.Cell.IS.Version, len(ks.Keys), want)
		}
		seen := map[string]bool{}
		for i, k := range ks.Keys {
			cert, err := k.Certificate()
			c.NoErr(err, "JWKS key %d", i)
			if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" {
				c.Failf("JWKS key %d is kty %q alg %q use %q; IS publishes RSA RS256 sig keys", i, k.Kty, k.Alg, k.Use)
			}
			if kid := epKid(cert.Raw); k.Kid != kid {
				c.Failf("JWKS key %d has kid %q, IS derives %q from its certificate (base64url of the hex SHA-256 + _RS256): API-M's gateway picks the verification key by kid", i, k.Kid, kid)
			}
			if seen[k.Kid] {
				c.Failf("JWKS publishes kid %q twice", k.Kid)
			}
			seen[k.Kid] = true
			pub, ok := cert.PublicKey.(*rsa.PublicKey)
			if !ok || epB64Int(k.N).Cmp(pub.N) != 0 || epB64Int(k.E).Int64() != int64(pub.E) {
				c.Failf("JWKS key %s: n and e are not the public key of its x5c certificate", k.Kid)
			}
		}
		tok, err := e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, cl.ClientID, cl.ClientSecret)
		c.NoErr(err, "get a client_credentials token from IS")
		epExpectKidResolves(c, ks, tok.AccessToken, "a client_credentials token")
	},
}

// epDiscovery reads the discovery document at /oauth2/<segment>/… and requires a 200 JSON object.
func epDiscovery(c *C, segment string) map[string]any {
	a, err := c.Env.IS.DiscoverAt(c.ctx, segment)
	c.NoErr(err, "read IS discovery at /oauth2/%s", segment)
	if a.Status != http.StatusOK || a.Fields == nil {
		c.Failf("IS answered HTTP %d %q to /oauth2/%s/.well-known/openid-configuration, IS serves its discovery document there", a.Status, epShort(a.Body), segment)
	}
	return a.Fields
}

// epIntrospect introspects a token with the admin's credentials (IS's default access rule and what API-M's
// connector sends) and requires an answer.
func epIntrospect(c *C, token, hint string) *wso2is.IntrospectResult {
	r, err := c.Env.IS.IntrospectRaw(c.ctx, c.Env.Discovery.IntrospectionEndpoint, wso2is.AdminAuth(), token, hint)
	c.NoErr(err, "introspect a token at IS")
	if r.Status != http.StatusOK {
		c.Failf("IS answered HTTP %d %s to an introspection with the admin's credentials (IS's default access rule)", r.Status, epShort(r.Body))
	}
	return r
}

// epTokenFailure posts a token request that must fail and returns IS's refusal.
func epTokenFailure(c *C, auth wso2is.ClientAuth, form url.Values) *wso2is.OAuthFailure {
	_, err := c.Env.IS.TokenRequest(c.ctx, c.Env.Discovery.TokenEndpoint, auth, form)
	if err == nil {
		c.Failf("IS issued a %s token to a request it documents as refused", form.Get("grant_type"))
	}
	return epAsOAuth(c, err, form.Get("grant_type"))
}

func epAsOAuth(c *C, err error, what string) *wso2is.OAuthFailure {
	var f *wso2is.OAuthFailure
	if !errors.As(err, &f) {
		c.NoErr(err, "a %s token request", what)
	}
	return f
}

// epExpectOAuth asserts a refusal's status, error and (when given) a part of its description.
func epExpectOAuth(c *C, what string, status int, code, desc string, f *wso2is.OAuthFailure) {
	if f.Status != status || f.Code != code || !strings.Contains(f.Description, desc) {
		c.Failf("IS answered %s with HTTP %d %q %q; IS documents %d %s %q", what, f.Status, f.Code, f.Description, status, code, desc)
	}
}

// epExpectKidResolves requires token's kid to name a key of ks and the signature to verify with IS's JWKS.
func epExpectKidResolves(c *C, ks *wso2is.KeySet, token, what string) {
	e := c.Env
	h, _, err := tokens.Peek(token)
	c.NoErr(err, "read the header of %s", what)
	kid, _ := h["kid"].(string)
	if _, ok := ks.Key(kid); kid == "" || !ok {
		var kids []string
		for _, k := range ks.Keys {
			kids = append(kids, fmt.Sprintf("%q", k.Kid))
		}
		c.Failf("the kid %q of %s resolves to no key of IS's JWKS (kids published: %s): API-M's gateway cannot pick a key to verify IS's tokens",
			kid, what, strings.Join(kids, ", "))
	}
	_, err = tokens.Verify(c.ctx, e.HTTP, e.Discovery.JWKSURI, token, e.Discovery.Issuer)
	c.NoErr(err, "%s does not verify against IS's JWKS", what)
}

// epKid is IS's kid of a certificate: base64url-no-pad(lowercase-hex(SHA-256(DER))) + "_RS256".
func epKid(der []byte) string {
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString([]byte(hex.EncodeToString(sum[:]))) + "_RS256"
}

func epB64Int(s string) *big.Int {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return new(big.Int)
	}
	return new(big.Int).SetBytes(b)
}

func epStrings(v any) []string {
	var out []string
	if list, ok := v.([]any); ok {
		for _, x := range list {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// epMissing lists the members of want that have is missing.
func epMissing(have, want []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			out = append(out, w)
		}
	}
	return out
}

func epKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// epShort is a body for a message: trimmed and cut (bodies on these paths carry no secrets; the engine
// redacts the message anyway).
func epShort(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return "(no body)"
	}
	return s
}
