package checks

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kmconform/kmconform/harness/assertion"
	"github.com/kmconform/kmconform/harness/env"
	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/tokens"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// The grants area: one check per grant type the IS Key Manager is registered with. Each gets an application
// whose keys IS created through API-M with that grant (harness/fixture/grants.go), a token from IS, and the
// gateway's acceptance on the API restricted to IS — or, where no token can exist (iwa:ntlm without a
// Windows domain), the refusal IS documents. Token exchange at API-M is in grants_exchange.go.

func init() {
	register(grantClientCredentials, grantPassword, grantRefreshToken, grantAuthorizationCode, grantAuthorizationCodePKCE,
		grantDeviceCode, grantJWTBearer, grantSAML2Bearer, grantTokenExchangeIS, grantTokenExchangeUngranted, grantNTLM,
		grantKeygenDocumentedSet, grantKeygenCallbacks, grantIDTokenTypeHeader)
}

const docsGrantTypes = "API-M docs: Configure WSO2 IS 7 as a Key Manager (grant types)"

var grantClientCredentials = &Check{
	ID: "grants.client_credentials", Area: "grants", Capability: "grant.client_credentials", Level: MUST,
	Title:    "client_credentials: a token from IS calls the API through the gateway",
	Refs:     []string{"RFC 6749 §4.4", docsGrantTypes},
	Fixtures: []string{fixture.ISApp.Name},
	Faults: []Proof{
		{"no-trust", "TLS trust is missing"},
		{"is-sign-with-unpublished-key", "the gateway did not accept"},
	},
	Run: func(c *C) {
		tok := appToken(c, Shared(c, fixture.ISApp))
		expectGatewayAccepts(c, tok, "a client_credentials token from IS")
	},
}

// clientAuth authenticates an application at IS's token endpoint (client_secret_basic).
func clientAuth(app *env.AppKeys) wso2is.ClientAuth {
	return wso2is.BasicAuth(app.ConsumerKey, app.ConsumerSecret)
}

// oauthFailure is IS's refusal of a token request, if err is one.
func oauthFailure(err error) (*wso2is.OAuthFailure, bool) {
	var f *wso2is.OAuthFailure
	return f, errors.As(err, &f)
}

var grantPassword = &Check{
	ID: "grants.password", Area: "grants", Capability: "grant.password", Level: MUST,
	Title:    "password: a user token from IS calls the API through the gateway",
	Refs:     []string{"RFC 6749 §4.3", docsGrantTypes, "wso2/product-apim integration-v2 _setup_is7_grant_app.feature (keys with the password grant)"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults: []Proof{
		{"no-trust", "TLS trust is missing"},
		{"is-sign-with-unpublished-key", "the gateway did not accept"},
	},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.ISApp)
		tok, err := e.IS.Password(c.ctx, e.Discovery.TokenEndpoint, clientAuth(app), e.IS.AdminUser, e.IS.AdminPassword)
		c.NoErr(err, "get a password token from IS for user %s with application %s", e.IS.AdminUser, app.Name)
		expectGatewayAccepts(c, tok.AccessToken, "a password token from IS")
	},
}

// WSO2 suite row 7: password grant, then refresh, then the gateway.
var grantRefreshToken = &Check{
	ID: "grants.refresh_token", Area: "grants", Capability: "grant.refresh_token", Level: MUST,
	Title:    "refresh_token: an access token IS renews with the refresh_token grant calls the API through the gateway",
	Refs:     []string{"RFC 6749 §6", docsGrantTypes, "wso2/product-apim integration-v2 is7_grant_types.feature (refresh_token)"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults: []Proof{
		{"is-refresh-token-unverifiable", "renewed with the refresh_token grant"},
		{"no-trust", "TLS trust is missing"},
	},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.ISApp)
		first, err := e.IS.Password(c.ctx, e.Discovery.TokenEndpoint, clientAuth(app), e.IS.AdminUser, e.IS.AdminPassword)
		c.NoErr(err, "get a password token from IS with application %s", app.Name)
		if first.RefreshToken == "" {
			c.Failf("IS issued no refresh token with the password grant although application %s has the refresh_token grant (%v)",
				app.Name, app.GrantTypes)
		}
		// Positive control: the original token works, so a refusal below is the renewed token's.
		expectGatewayAccepts(c, first.AccessToken, "the password token to be renewed")
		renewed, err := e.IS.RefreshToken(c.ctx, e.Discovery.TokenEndpoint, clientAuth(app), first.RefreshToken)
		c.NoErr(err, "renew the token with the refresh_token grant at IS")
		if renewed.AccessToken == first.AccessToken {
			c.Failf("IS answered the refresh_token grant with the access token it renews instead of a new one")
		}
		expectGatewayAccepts(c, renewed.AccessToken, "an access token renewed with the refresh_token grant")
	},
}

// codeRequest is a headless login of IS's admin for the code application.
func codeRequest(c *C, pkce *wso2is.PKCE) wso2is.CodeRequest {
	e := c.Env
	return wso2is.CodeRequest{AuthorizeEndpoint: e.Discovery.AuthorizationEndpoint, RedirectURI: fixture.GrantsCallbackURL,
		Username: e.IS.AdminUser, Password: e.IS.AdminPassword, PKCE: pkce}
}

// WSO2 suite row 8: authorize → /commonauth login → code → token, without a browser.
var grantAuthorizationCode = &Check{
	ID: "grants.authorization_code", Area: "grants", Capability: "grant.authorization_code", Level: MUST,
	Title:    "authorization_code: a browser-less login at IS yields a code whose token calls the API through the gateway",
	Refs:     []string{"RFC 6749 §4.1", docsGrantTypes, "WSO2 IS 7 docs: authorization code grant", "wso2/product-apim integration-v2 is7_grant_types.feature (authorization_code)"},
	Fixtures: []string{fixture.CodeApp.Name},
	Faults:   []Proof{{"is-sign-with-unpublished-key", "the gateway did not accept"}},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.CodeApp)
		tok, res, err := e.IS.AuthorizationCode(c.ctx, e.Discovery.TokenEndpoint, clientAuth(app), codeRequest(c, nil))
		c.NoErr(err, "log in at IS without a browser and redeem the code for application %s", app.Name)
		c.Logf("login: consent page shown %v; %s", res.ConsentShown, strings.Join(res.Trail, " | "))
		expectGatewayAccepts(c, tok.AccessToken, "an authorization_code token from IS")
	},
}

// WSO2 suite row 9, and the verification that makes PKCE worth having (RFC 7636 §4.6).
var grantAuthorizationCodePKCE = &Check{
	ID: "grants.authorization_code.pkce", Area: "grants", Capability: "grant.authorization_code", Level: MUST,
	Title:    "authorization_code with PKCE S256: the token calls the API through the gateway, and IS refuses a code_verifier that does not match the challenge",
	Refs:     []string{"RFC 7636 §4.1–§4.6", "RFC 6749 §4.1", docsGrantTypes, "wso2/product-apim integration-v2 is7_grant_types.feature (PKCE S256)"},
	Fixtures: []string{fixture.CodeApp.Name},
	Faults: []Proof{
		{"is-pkce-not-verified", "PKCE is not enforced"},
		{"is-sign-with-unpublished-key", "the gateway did not accept"},
	},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.CodeApp)
		pkce, err := wso2is.NewPKCE()
		c.NoErr(err, "make a PKCE verifier")
		tok, _, err := e.IS.AuthorizationCode(c.ctx, e.Discovery.TokenEndpoint, clientAuth(app), codeRequest(c, pkce))
		c.NoErr(err, "log in at IS with an S256 challenge and redeem the code with its verifier for application %s", app.Name)
		expectGatewayAccepts(c, tok.AccessToken, "an authorization_code token obtained with PKCE")

		// A second login with a fresh challenge, redeemed with another verifier.
		pkce, err = wso2is.NewPKCE()
		c.NoErr(err, "make a PKCE verifier")
		res, err := e.IS.Authorize(c.ctx, withClient(codeRequest(c, pkce), app.ConsumerKey))
		c.NoErr(err, "log in at IS with an S256 challenge")
		wrong, err := wso2is.NewPKCE()
		c.NoErr(err, "make a PKCE verifier")
		_, err = e.IS.ExchangeCode(c.ctx, e.Discovery.TokenEndpoint, clientAuth(app), res.Code, fixture.GrantsCallbackURL, wrong.Verifier)
		if err == nil {
			c.Failf("IS redeemed a code issued with an S256 challenge for a code_verifier that does not match it: PKCE is not enforced (RFC 7636 §4.6), so an intercepted code is as good as a token")
		}
		f, ok := oauthFailure(err)
		if !ok || f.Status != http.StatusBadRequest || f.Code != "invalid_grant" || f.Description != "PKCE validation failed" {
			c.Failf("IS refused a wrong code_verifier, but not with 400 invalid_grant \"PKCE validation failed\": %v", err)
		}
	},
}

func withClient(r wso2is.CodeRequest, clientID string) wso2is.CodeRequest {
	r.ClientID = clientID
	return r
}

// WSO2 suite row 10: device_authorize → device.do → login → token.
var grantDeviceCode = &Check{
	ID: "grants.device_code", Area: "grants", Capability: "grant.device_code", Level: MUST,
	Title:    "device_code: a device flow approved without a browser yields a token that calls the API through the gateway",
	Refs:     []string{"RFC 8628 §3", docsGrantTypes, "WSO2 IS 7 docs: device authorization grant", "wso2/product-apim integration-v2 is7_grant_types.feature (device_code)"},
	Fixtures: []string{fixture.DeviceApp.Name},
	Faults: []Proof{
		{"is-device-grant-refused", "refused the device_code grant"},
		{"is-sign-with-unpublished-key", "the gateway did not accept"},
	},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.DeviceApp)
		if e.Discovery.DeviceAuthorizationEndpoint == "" {
			c.Failf("IS's discovery document has no device_authorization_endpoint: the device_code grant is not enabled")
		}
		tok, _, err := e.IS.DeviceFlow(c.ctx, e.Discovery.TokenEndpoint, clientAuth(app), wso2is.DeviceRequest{
			Endpoint: e.Discovery.DeviceAuthorizationEndpoint, Username: e.IS.AdminUser, Password: e.IS.AdminPassword})
		if f, ok := oauthFailure(err); ok && f.Code == "unauthorized_client" {
			c.Failf("IS refused the device_code grant with unauthorized_client although application %s has it (its keys were generated with %v): %v",
				app.Name, app.GrantTypes, err)
		}
		c.NoErr(err, "run the device flow at IS for application %s", app.Name)
		expectGatewayAccepts(c, tok.AccessToken, "a device_code token from IS")
	},
}

// jwtAssertion signs a bearer JWT of the assertion IdP for audience.
func jwtAssertion(c *C, idp *fixture.AssertionIdP, subject string, audience ...string) string {
	a, err := assertion.JWTBearer(idp.Keys.Key, assertion.JWTClaims{Issuer: idp.Issuer, Subject: subject, Audience: audience})
	c.NoErr(err, "sign a JWT as identity provider %s", idp.Issuer)
	return a
}

// WSO2 suite row 11: a trusted IdP registered through IS's REST API, a self-signed RS256 assertion.
var grantJWTBearer = &Check{
	ID: "grants.jwt-bearer", Area: "grants", Capability: "grant.jwt-bearer", Level: MUST,
	Title:    "jwt-bearer: an assertion the harness signs as a registered identity provider yields a token that calls the API; an assertion for another audience is refused",
	Refs:     []string{"RFC 7523 §2.1, §3", docsGrantTypes, "WSO2 IS 7 docs: JWT bearer grant", "wso2/product-apim integration-v2 is7_grant_types.feature (jwt-bearer)"},
	Fixtures: []string{fixture.AssertionApp.Name, fixture.AssertionIdPFixture.Name},
	Faults: []Proof{
		{"idp-without-alias", "alias"},
		{"is-jwt-bearer-ignores-audience", "audience"},
		{"is-sign-with-unpublished-key", "the gateway did not accept"},
	},
	Run: func(c *C) {
		e := c.Env
		app, idp := Shared(c, fixture.AssertionApp), Shared(c, fixture.AssertionIdPFixture)
		tok, err := e.IS.JWTBearer(c.ctx, e.Discovery.TokenEndpoint, clientAuth(app), jwtAssertion(c, idp, "kmconform-jwt-user", idp.Audience))
		c.NoErr(err, "exchange a JWT assertion for audience %s signed by identity provider %s (registered with alias %q)",
			idp.Audience, idp.Issuer, idp.Alias)
		expectGatewayAccepts(c, tok.AccessToken, "a jwt-bearer token from IS")

		const elsewhere = "https://kmconform.invalid/not-the-alias"
		_, err = e.IS.JWTBearer(c.ctx, e.Discovery.TokenEndpoint, clientAuth(app), jwtAssertion(c, idp, "kmconform-jwt-user", elsewhere))
		if err == nil {
			c.Failf("IS accepted a jwt-bearer assertion whose only audience %s is not the identity provider's alias %q: IS does not check the audience (RFC 7523 §3 item 3)",
				elsewhere, idp.Alias)
		}
		if f, ok := oauthFailure(err); !ok || f.Status != http.StatusBadRequest || f.Code != "invalid_grant" {
			c.Failf("IS refused a jwt-bearer assertion for another audience, but not with 400 invalid_grant: %v", err)
		}
	},
}

// WSO2 suite row 12: a SAML IdP (its name is the assertion's Issuer) and an assertion the harness signs.
var grantSAML2Bearer = &Check{
	ID: "grants.saml2-bearer", Area: "grants", Capability: "grant.saml2-bearer", Level: MUST,
	Title:    "saml2-bearer: a SAML assertion the harness signs as a registered identity provider yields a token that calls the API; one signed by another key is refused",
	Refs:     []string{"RFC 7522 §2.1, §3", docsGrantTypes, "WSO2 IS 7 docs: SAML 2.0 bearer grant", "wso2/product-apim integration-v2 is7_grant_types.feature (saml2-bearer)"},
	Fixtures: []string{fixture.AssertionApp.Name, fixture.AssertionIdPFixture.Name},
	Faults: []Proof{
		{"idp-without-alias", "alias"},
		{"is-saml-signature-not-verified", "signature"},
		{"is-sign-with-unpublished-key", "the gateway did not accept"},
	},
	Run: func(c *C) {
		e := c.Env
		app, idp := Shared(c, fixture.AssertionApp), Shared(c, fixture.AssertionIdPFixture)
		claims := assertion.SAMLClaims{Issuer: idp.Issuer, Subject: "kmconform-saml-user", Audiences: []string{idp.Audience},
			Recipient: e.Discovery.TokenEndpoint}
		signed, err := assertion.SAML2Bearer(idp.Keys, claims)
		c.NoErr(err, "sign a SAML assertion as identity provider %s", idp.Issuer)
		tok, err := e.IS.SAML2Bearer(c.ctx, e.Discovery.TokenEndpoint, clientAuth(app), signed.Base64URL)
		c.NoErr(err, "exchange a SAML assertion signed by identity provider %s (registered with alias %q) at IS", idp.Issuer, idp.Alias)
		expectGatewayAccepts(c, tok.AccessToken, "a saml2-bearer token from IS")

		other, err := assertion.SelfSigned("kmconform-not-the-idp", time.Hour)
		c.NoErr(err, "make a key pair IS does not know")
		forged, err := assertion.SAML2Bearer(other, claims)
		c.NoErr(err, "sign a SAML assertion with a key IS does not know")
		_, err = e.IS.SAML2Bearer(c.ctx, e.Discovery.TokenEndpoint, clientAuth(app), forged.Base64URL)
		if err == nil {
			c.Failf("IS accepted a SAML assertion from %s signed by a key that is not the identity provider's: IS does not verify the assertion's signature (RFC 7522 §3 item 9)", idp.Issuer)
		}
		if f, ok := oauthFailure(err); !ok || f.Status != http.StatusBadRequest || f.Code != "invalid_grant" {
			c.Failf("IS refused a SAML assertion with a wrong signature, but not with 400 invalid_grant: %v", err)
		}
	},
}

// IS's own token-exchange grant (identity-oauth2-grant-token-exchange TokenExchangeGrantHandler): a JWT of a
// registered identity provider, audience IS's token endpoint.
var grantTokenExchangeIS = &Check{
	ID: "grants.token-exchange", Area: "grants", Capability: "grant.token-exchange", Level: MUST,
	Title:    "token-exchange at IS: a JWT of a registered identity provider is exchanged for an IS token that calls the API through the gateway",
	Refs:     []string{"RFC 8693 §2", docsGrantTypes, "WSO2 IS 7 docs: token exchange grant"},
	Fixtures: []string{fixture.AssertionApp.Name, fixture.AssertionIdPFixture.Name},
	Faults:   []Proof{{"is-sign-with-unpublished-key", "the gateway did not accept"}},
	Run: func(c *C) {
		e := c.Env
		app, idp := Shared(c, fixture.AssertionApp), Shared(c, fixture.AssertionIdPFixture)
		tok, err := e.IS.TokenExchange(c.ctx, e.Discovery.TokenEndpoint, clientAuth(app), wso2is.TokenExchangeRequest{
			SubjectToken: jwtAssertion(c, idp, "kmconform-exchange-user", idp.Audience)})
		c.NoErr(err, "exchange a JWT of identity provider %s at IS", idp.Issuer)
		if tok.IssuedTokenType != wso2is.TokenTypeJWT {
			c.Failf("IS's token-exchange answer has issued_token_type %q, want %s (RFC 8693 §2.2.1; IS issues a JWT by default)", tok.IssuedTokenType, wso2is.TokenTypeJWT)
		}
		expectGatewayAccepts(c, tok.AccessToken, "a token-exchange token from IS")
	},
}

// WSO2 suite row 18: a token-exchange request from an application without the grant is refused at IS.
var grantTokenExchangeUngranted = &Check{
	ID: "grants.token-exchange.ungranted", Area: "grants", Capability: "grant.token-exchange", Level: MUST,
	Title:    "token-exchange at IS: an application whose grant types lack it is refused with 400 unauthorized_client",
	Refs:     []string{"RFC 6749 §5.2 (unauthorized_client)", "RFC 8693 §2.2.2", "wso2/product-apim integration-v2 is7_token_validation.feature (grant the application lacks → 400)"},
	Fixtures: []string{fixture.AssertionApp.Name, fixture.AssertionIdPFixture.Name, fixture.ISApp.Name},
	Faults: []Proof{
		{"is-token-ignores-app-grants", "lack the grant"},
		{"no-trust", "TLS trust is missing"},
	},
	Run: func(c *C) {
		e := c.Env
		granted, idp, app := Shared(c, fixture.AssertionApp), Shared(c, fixture.AssertionIdPFixture), Shared(c, fixture.ISApp)
		// Positive control: the same kind of subject token is exchanged for an application with the grant.
		_, err := e.IS.TokenExchange(c.ctx, e.Discovery.TokenEndpoint, clientAuth(granted), wso2is.TokenExchangeRequest{
			SubjectToken: jwtAssertion(c, idp, "kmconform-exchange-user", idp.Audience)})
		c.NoErr(err, "exchange a JWT of identity provider %s at IS for application %s, which has the grant", idp.Issuer, granted.Name)
		_, err = e.IS.TokenExchange(c.ctx, e.Discovery.TokenEndpoint, clientAuth(app), wso2is.TokenExchangeRequest{
			SubjectToken: jwtAssertion(c, idp, "kmconform-exchange-user", idp.Audience)})
		if err == nil {
			c.Failf("IS exchanged a token for application %s, whose grant types %v lack the grant: IS does not hold applications to their grant types",
				app.Name, app.GrantTypes)
		}
		f, ok := oauthFailure(err)
		if !ok || f.Status != http.StatusBadRequest || f.Code != "unauthorized_client" {
			c.Failf("IS refused the token exchange of an application without the grant, but not with 400 unauthorized_client: %v", err)
		}
	},
}

// A syntactically valid NTLM type 1 (negotiate) message, base64: IS cannot take it further without a
// Windows domain controller.
const ntlmNegotiate = "TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAF1YAAAADw=="

// iwa:ntlm needs Waffle, which only runs on Windows (identity-inbound-auth-oauth
// NTLMAuthenticationGrantHandler); no IS image runs there, and a token can only come from a Windows domain. So
// the check proves what can be proven in every cell: IS publishes the grant, API-M registers it for the
// application, and IS takes a token request with it as the grant's own business — it refuses an NTLM token it
// cannot validate, not the grant.
var grantNTLM = &Check{
	ID: "grants.iwa-ntlm", Area: "grants", Capability: "grant.iwa-ntlm", Level: SHOULD,
	Title: "iwa:ntlm (no Windows domain, so no token can be issued): IS publishes the grant, the application gets it through API-M, " +
		"and IS refuses an NTLM token it cannot validate as the grant's failure, not as an unknown or unauthorized grant",
	Refs: []string{docsGrantTypes, "WSO2 IS 7 docs: Kerberos/NTLM (IWA) grant, Windows only", refIV2Plan + " (NTLM cannot run headless)",
		"wso2-extensions/identity-inbound-auth-oauth NTLMAuthenticationGrantHandler (Waffle)"},
	Fixtures: []string{fixture.NTLMApp.Name},
	Faults:   []Proof{{"is-ntlm-grant-unregistered", "does not know the iwa:ntlm grant"}},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.NTLMApp)
		if !slices.Contains(e.Discovery.GrantTypesSupported, wso2is.GrantNTLM) {
			c.Failf("IS's discovery document does not list iwa:ntlm in grant_types_supported %v, although API-M's documentation registers it for the IS 7 Key Manager",
				e.Discovery.GrantTypesSupported)
		}
		if !slices.Contains(app.GrantTypes, wso2is.GrantNTLM) {
			c.Failf("API-M generated the keys of application %s without iwa:ntlm: %v", app.Name, app.GrantTypes)
		}
		_, err := e.IS.NTLM(c.ctx, e.Discovery.TokenEndpoint, clientAuth(app), ntlmNegotiate)
		if err == nil {
			c.Failf("IS issued a token for an NTLM negotiate message no Windows domain could have validated")
		}
		f, ok := oauthFailure(err)
		if !ok {
			c.NoErr(err, "request an iwa:ntlm token from IS")
		}
		switch f.Code {
		case "unsupported_grant_type":
			c.Failf("IS does not know the iwa:ntlm grant (%v), although its discovery lists it and API-M registers it: the grant handler is missing", f)
		case "unauthorized_client":
			c.Failf("IS refused iwa:ntlm for application %s, whose keys API-M generated with it (%v): %v", app.Name, app.GrantTypes, f)
		case "invalid_client":
			c.Failf("IS did not accept the credentials of application %s for the iwa:ntlm request: %v", app.Name, f)
		}
		if f.Status != http.StatusBadRequest && f.Status != http.StatusInternalServerError {
			c.Failf("IS answered the iwa:ntlm request with HTTP %d: expected the grant's own refusal (400, or the server error of Waffle failing off Windows): %v", f.Status, f)
		}
		c.Logf("IS refused the NTLM token as the grant's failure, as it must without a Windows domain: %v", f)
	},
}

// wso2/api-manager#1371, wso2/docs-apim#6642: the devportal selects every documented grant by default,
// token-exchange among them; an IS whose client registration refused token-exchange broke key generation
// (api-manager#1371).
var grantKeygenDocumentedSet = &Check{
	ID: "grants.keygen.documented-set", Area: "grants", Capability: "grant.keygen", Level: MUST,
	Title:    "key generation with all nine documented grant types (token-exchange included) succeeds and IS's client holds every one",
	Refs:     []string{docsGrantTypes, "wso2/api-manager#1371", "wso2/docs-apim#6642", "wso2/product-apim integration-v2 _setup_is7_grant_app.feature (keys with every grant)"},
	Fixtures: []string{fixture.DocumentedSetApp.Name},
	Faults: []Proof{
		{"is-dcr-refuses-token-exchange", "key generation with the nine documented grant types"},
		{"no-trust", "TLS trust is missing"},
	},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.DocumentedSetApp)
		client, err := e.IS.GetApp(c.ctx, app.ConsumerKey)
		c.NoErr(err, "read the client IS registered for application %s", app.Name)
		var missing []string
		for _, g := range plan.ISGrantTypes {
			if !slices.Contains(client.GrantTypes, g) {
				missing = append(missing, g)
			}
		}
		if len(missing) > 0 {
			c.Failf("IS's client %s lacks grant types %v that API-M was asked to generate keys with (it holds %v)", client.ClientName, missing, client.GrantTypes)
		}
	},
}

// wso2/api-manager#4679 (open): the devportal sends several callback URLs as
// regexp=(a|b), the connector passes that on as a redirect URI, and IS 7.1's DCR answers 400. The matrix
// lists the cells where that is known.
var grantKeygenCallbacks = &Check{
	ID: "grants.keygen.callbacks", Area: "grants", Capability: "grant.keygen.callbacks", Level: SHOULD,
	Title:    "key generation with two callback URLs (the devportal's regexp=(a|b) form) succeeds and IS's client accepts both",
	Refs:     []string{"wso2/api-manager#4679", "wso2/product-apim#9328", "API-M docs: callback URL regular expressions"},
	Fixtures: []string{fixture.CodeApp.Name, fixture.CallbacksApp.Name},
	Faults:   []Proof{{"no-trust", "TLS trust is missing"}},
	Run: func(c *C) {
		e := c.Env
		// Positive control: keys with one callback URL are generated.
		Shared(c, fixture.CodeApp)
		app := Shared(c, fixture.CallbacksApp)
		client, err := e.IS.GetApp(c.ctx, app.ConsumerKey)
		c.NoErr(err, "read the client IS registered for application %s", app.Name)
		for _, u := range []string{fixture.GrantsCallbackURL, fixture.GrantsCallbackURL2} {
			if !slices.ContainsFunc(client.RedirectURIs, func(r string) bool { return r == u || strings.Contains(r, u) }) {
				c.Failf("IS's client %s does not accept callback URL %s: its redirect URIs are %v", client.ClientName, u, client.RedirectURIs)
			}
		}
	},
}

// WSO2 suite row 60 and RFC 9068 §2.1/§4: an ID token is not an access token. IS types only its access tokens
// at+jwt, so API-M's type-header validation ([apim.token.validation] enforce_type_header_validation,
// carbon-apimgt#12485) can refuse an ID token with 401/900901. That validation is off by default and the IS 7
// Key Manager documentation does not turn it on, so the gateway's answer is recorded, not asserted beyond
// the two documented outcomes.
var grantIDTokenTypeHeader = &Check{
	ID: "grants.id-token.type-header", Area: "grants", Capability: "gateway.type-header", Level: SHOULD,
	Title: "an IS id_token is not an access token: IS types only access tokens at+jwt, so the gateway's type-header validation can refuse it " +
		"(401/900901; off by default — the gateway's answer is recorded as gateway-accepts-id-token)",
	Refs: []string{"RFC 9068 §2.1, §4", "OIDC Core 1.0 §2", "wso2/carbon-apimgt#12485 ([apim.token.validation] enforce_type_header_validation, default false)",
		"wso2/api-manager#2948", "wso2/product-apim integration-v2 token_exchange.feature (an id_token cannot call the API)"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults:   []Proof{{"is-id-token-typed-at-jwt", "cannot tell it from an access token"}},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.ISApp)
		tok, err := e.IS.Password(c.ctx, e.Discovery.TokenEndpoint, clientAuth(app), e.IS.AdminUser, e.IS.AdminPassword, "openid")
		c.NoErr(err, "get a password token with the openid scope from IS")
		if tok.IDToken == "" {
			c.Failf("IS issued no id_token for a password token with the openid scope")
		}
		accessHeader, _, err := tokens.Peek(tok.AccessToken)
		c.NoErr(err, "read the access token's header")
		idHeader, _, err := tokens.Peek(tok.IDToken)
		c.NoErr(err, "read the id_token's header")
		if accessHeader["typ"] != "at+jwt" {
			c.Failf("IS's access token has typ %v, not at+jwt (RFC 9068 §2.1): API-M's type-header validation would refuse IS's own access tokens", accessHeader["typ"])
		}
		if idHeader["typ"] == "at+jwt" {
			c.Failf("IS's id_token carries typ at+jwt: the gateway's type-header validation cannot tell it from an access token (RFC 9068 §4)")
		}
		// Positive control: the access token of the same response is accepted.
		expectGatewayAccepts(c, tok.AccessToken, "the access token issued with the id_token")
		a := callAPI(c, tok.IDToken, "the id_token")
		switch {
		case a.Status == http.StatusUnauthorized && a.Code == "900901":
			c.Measure("gateway-accepts-id-token", 0)
			c.Logf("the gateway refused the id_token (type-header validation is on): %s", a)
		case a.Status == http.StatusOK:
			c.Measure("gateway-accepts-id-token", 1)
			c.Logf("the gateway accepted an IS id_token as an access token: [apim.token.validation] enforce_type_header_validation is off, API-M's default (carbon-apimgt#12485)")
		default:
			c.Failf("the gateway answered %s to an IS id_token: neither the refusal of type-header validation (401 900901) nor the acceptance of its default", a)
		}
	},
}
