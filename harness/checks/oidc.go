package checks

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/kmconform/kmconform/harness/env"
	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/httpcall"
	"github.com/kmconform/kmconform/harness/tokens"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// The oidc area: what any OpenID provider registered as a Key Manager must do, checked from its discovery
// document alone, so that the profiles other than WSO2 IS 7 (oidc, asgardeo, obkm) are held to the same
// standards. Each check runs where the provider advertises what it needs (env.Provider.Missing says why not,
// and the check is then not_supported with the capability named). The client comes from the credentials
// file or from dynamic client registration (harness/setup provider.go).

func init() {
	register(oidcDiscovery, oidcToken, oidcIssuer, oidcSignature, oidcIntrospection, oidcRevocation, oidcGateway)
}

// provider is the run's provider view; a check of this area only runs when a profile set it.
func provider(c *C) *env.Provider {
	p := c.Env.Provider
	if p == nil {
		c.Failf("kmconform defect: check %s ran without the provider view of a profile", c.check.ID)
	}
	return p
}

// providerToken gets a client_credentials token from the provider for its client.
func providerToken(c *C, p *env.Provider) *wso2is.Token {
	t, err := c.Env.IS.ClientCredentials(c.ctx, p.Discovery.TokenEndpoint, p.ClientID, p.ClientSecret)
	c.NoErr(err, "get a client_credentials token from the provider's token endpoint %s for client %s", p.Discovery.TokenEndpoint, p.ClientID)
	return t
}

// oidcRequiredMetadata are the metadata OpenID Connect Discovery 1.0 §3 marks REQUIRED (token_endpoint:
// unless only the implicit flow is used, which a Key Manager never is).
var oidcRequiredMetadata = []string{"issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "response_types_supported",
	"subject_types_supported", "id_token_signing_alg_values_supported"}

var oidcDiscovery = &Check{
	ID: "oidc.discovery", Area: "oidc", Capability: "oidc.discovery", Level: MUST,
	Title: "the provider's discovery document is JSON with every REQUIRED metadata value, and its issuer is the URL the document is served under",
	Refs: []string{"OpenID Connect Discovery 1.0 §3 (REQUIRED metadata)", "OpenID Connect Discovery 1.0 §4.2 (application/json)",
		"OpenID Connect Discovery 1.0 §4.3 (issuer identical to the URL prefix)"},
	Faults: []Proof{{"is-discovery-omits-jwks-uri", "lacks REQUIRED metadata (OpenID Connect Discovery 1.0 §3): jwks_uri"}},
	Run: func(c *C) {
		p := provider(c)
		resp, err := httpcall.Do(c.ctx, c.Env.HTTP, httpcall.Request{Op: "read the provider's discovery document", Method: http.MethodGet, URL: p.WellKnown})
		c.NoErr(err, "read the provider's discovery document %s", p.WellKnown)
		if resp.Status != http.StatusOK {
			c.Failf("the provider's discovery document %s answers HTTP %d, want 200", p.WellKnown, resp.Status)
		}
		if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			c.Failf("the provider serves its discovery document %s as %q, want application/json (§4.2)", p.WellKnown, resp.Header.Get("Content-Type"))
		}
		var doc map[string]any
		if err := json.Unmarshal(resp.Body, &doc); err != nil {
			c.Failf("the provider's discovery document %s is not a JSON object: %v", p.WellKnown, err)
		}
		var missing []string
		for _, k := range oidcRequiredMetadata {
			if v, ok := doc[k]; !ok || v == nil || v == "" {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			c.Failf("the provider's discovery document %s lacks REQUIRED metadata (OpenID Connect Discovery 1.0 §3): %s — API-M's import leaves those fields of the Key Manager empty",
				p.WellKnown, strings.Join(missing, ", "))
		}
		issuer, _ := doc["issuer"].(string)
		if want := strings.TrimSuffix(p.WellKnown, "/.well-known/openid-configuration"); issuer != want {
			c.Failf("the discovery document at %s names issuer %q; OpenID Connect Discovery 1.0 §4.3 requires the URL it is served under, %q", p.WellKnown, issuer, want)
		}
		if !strings.HasPrefix(issuer, "https://") {
			c.Failf("the provider's issuer %q is not an https URL (OpenID Connect Discovery 1.0 §3)", issuer)
		}
	},
}

var oidcToken = &Check{
	ID: "oidc.token", Area: "oidc", Capability: "oidc.token", Level: MUST,
	Title:  "the provider's token endpoint issues a client_credentials token: 200, a Bearer access_token, Cache-Control no-store",
	Refs:   []string{"RFC 6749 §4.4 (client credentials grant)", "RFC 6749 §5.1 (successful response, Cache-Control: no-store)", "RFC 6750 §4 (token type Bearer)"},
	Faults: []Proof{{"is-token-response-cacheable", "without Cache-Control: no-store"}},
	Run: func(c *C) {
		p := provider(c)
		t := providerToken(c, p)
		if !strings.EqualFold(t.TokenType, "Bearer") {
			c.Failf("the provider's token_type is %q, want Bearer (RFC 6750): the gateway reads tokens from Authorization: Bearer", t.TokenType)
		}
		if cc := strings.ToLower(t.Header.Get("Cache-Control")); !strings.Contains(cc, "no-store") {
			c.Failf("the provider answered a token without Cache-Control: no-store (got %q): RFC 6749 §5.1 requires it, or a cache may keep the token", t.Header.Get("Cache-Control"))
		}
	},
}

var oidcIssuer = &Check{
	ID: "oidc.issuer", Area: "oidc", Capability: "oidc.issuer", Level: MUST,
	Title: "the iss of the provider's JWT access token is the issuer of its discovery document",
	Refs: []string{"RFC 9068 §2.2 (iss)", "OpenID Connect Discovery 1.0 §4.3",
		"API-M docs: Key Manager selection by the token's issuer (a Key Manager is registered with the discovery issuer)"},
	Faults: []Proof{{"is-token-iss-mismatch", "is not the issuer of the provider's discovery document"}},
	Run: func(c *C) {
		p := provider(c)
		t := providerToken(c, p)
		_, claims, err := tokens.Peek(t.AccessToken)
		c.NoErr(err, "read the claims of the provider's access token")
		if iss, _ := claims["iss"].(string); iss != p.Discovery.Issuer {
			c.Failf("the access token's iss %q is not the issuer of the provider's discovery document (%q): API-M picks the Key Manager by iss, so a Key Manager registered from the document never matches the token",
				iss, p.Discovery.Issuer)
		}
	},
}

var oidcSignature = &Check{
	ID: "oidc.signature", Area: "oidc", Capability: "oidc.signature", Level: MUST,
	Title:  "the provider's JWT access token verifies against a key of its jwks_uri, found by the token's kid",
	Refs:   []string{"RFC 7515 §5.2 (signature validation)", "RFC 7517 §4.5 (kid)", "RFC 9068 §4 (validating JWT access tokens)", "OpenID Connect Discovery 1.0 §3 (jwks_uri)"},
	Faults: []Proof{{"is-sign-with-unpublished-key", "no key of the provider's JWKS"}},
	Run: func(c *C) {
		p := provider(c)
		t := providerToken(c, p)
		header, _, err := tokens.Peek(t.AccessToken)
		c.NoErr(err, "read the header of the provider's access token")
		kid, _ := header["kid"].(string)
		set, err := c.Env.IS.JWKS(c.ctx, p.Discovery.JWKSURI)
		c.NoErr(err, "read the provider's JWKS %s", p.Discovery.JWKSURI)
		if _, ok := set.Key(kid); !ok {
			c.Failf("no key of the provider's JWKS %s has the token's kid %q: API-M, which validates the JWT against that JWKS, refuses every token", p.Discovery.JWKSURI, kid)
		}
		_, err = tokens.Verify(c.ctx, c.Env.HTTP, p.Discovery.JWKSURI, t.AccessToken, p.Discovery.Issuer)
		c.NoErr(err, "the provider's access token does not verify against its JWKS %s", p.Discovery.JWKSURI)
	},
}

var oidcIntrospection = &Check{
	ID: "oidc.introspection", Area: "oidc", Capability: "oidc.introspection", Level: MUST,
	Title:  "introspection says active with the client and expiry for a fresh token, and inactive once the token is revoked",
	Refs:   []string{"RFC 7662 §2.2 (active, client_id, exp)", "RFC 7009 §2.1 (revocation)", "RFC 7009 §2.2 (the token is invalid after revocation)"},
	Faults: []Proof{{"is-introspect-revoked-active", "still active after it was revoked"}},
	Run: func(c *C) {
		e, p := c.Env, provider(c)
		t := providerToken(c, p)
		before, err := e.IS.IntrospectRaw(c.ctx, p.Discovery.IntrospectionEndpoint, p.IntrospectAuth, t.AccessToken, "")
		c.NoErr(err, "introspect a fresh token at %s", p.Discovery.IntrospectionEndpoint)
		if before.Status != http.StatusOK || before.Introspection == nil || !before.Introspection.Active {
			c.Failf("the provider's introspection of a fresh token answered HTTP %d %s, want 200 with active:true (positive control; RFC 7662 §2.2)", before.Status, activeOf(before))
		}
		if in := before.Introspection; in.ClientID != p.ClientID || in.Exp == 0 {
			c.Failf("the introspection of a fresh token names client_id %q and exp %d, want client %s and an expiry (RFC 7662 §2.2): API-M reads the consumer key and validity from them",
				in.ClientID, in.Exp, p.ClientID)
		}
		r, err := e.IS.RevokeRaw(c.ctx, p.Discovery.RevocationEndpoint, wso2is.BasicAuth(p.ClientID, p.ClientSecret), t.AccessToken, "access_token")
		c.NoErr(err, "revoke the token at %s", p.Discovery.RevocationEndpoint)
		c.NoErr(r.Failure(), "revoke the token at the provider (RFC 7009 §2.2 answers 200)")
		after, err := e.IS.IntrospectRaw(c.ctx, p.Discovery.IntrospectionEndpoint, p.IntrospectAuth, t.AccessToken, "")
		c.NoErr(err, "introspect the revoked token")
		if after.Status != http.StatusOK || after.Introspection == nil || after.Introspection.Active {
			c.Failf("the token is still active after it was revoked: introspection answered HTTP %d %s, want 200 with active:false (RFC 7009 §2.2, RFC 7662 §2.2) — a gateway that introspects keeps accepting it",
				after.Status, activeOf(after))
		}
	},
}

// activeOf names what an introspection answer said about active, without the token.
func activeOf(r *wso2is.IntrospectResult) string {
	if r.Fields == nil {
		return "(not a JSON object)"
	}
	return fmt.Sprintf("with active=%v", r.Fields["active"])
}

var oidcRevocation = &Check{
	ID: "oidc.revocation", Area: "oidc", Capability: "oidc.revocation", Level: MUST,
	Title:  "the provider's revocation endpoint answers 200 for a token it issued and for a token it never issued",
	Refs:   []string{"RFC 7009 §2.1 (revocation request)", "RFC 7009 §2.2 (200 also for invalid tokens)"},
	Faults: []Proof{{"is-revoke-unknown-token-error", "a token it never issued"}},
	Run: func(c *C) {
		e, p := c.Env, provider(c)
		auth := wso2is.BasicAuth(p.ClientID, p.ClientSecret)
		t := providerToken(c, p)
		r, err := e.IS.RevokeRaw(c.ctx, p.Discovery.RevocationEndpoint, auth, t.AccessToken, "access_token")
		c.NoErr(err, "revoke a token at %s", p.Discovery.RevocationEndpoint)
		if r.Status != http.StatusOK {
			c.Failf("revoking a token the provider issued answered HTTP %d %s, want 200 (RFC 7009 §2.2; positive control)", r.Status, r.Code)
		}
		unknown, err := e.IS.RevokeRaw(c.ctx, p.Discovery.RevocationEndpoint, auth, "kmconform-never-issued-"+c.check.ID, "access_token")
		c.NoErr(err, "revoke a token the provider never issued")
		if unknown.Status != http.StatusOK {
			c.Failf("revoking a token it never issued answered HTTP %d %s, want 200: RFC 7009 §2.2 treats an invalid token as revoked, and a client that retries a revocation must not see an error",
				unknown.Status, unknown.Code)
		}
	},
}

var oidcGateway = &Check{
	ID: "oidc.gateway", Area: "oidc", Capability: "oidc.gateway", Level: MUST,
	Title: "through API-M, the API restricted to the provider's Key Manager accepts the provider's token and refuses it with a damaged signature",
	Refs: []string{"RFC 6750 §2.1, §3.1 (Bearer, invalid_token)", "RFC 9068 §4 (the resource server validates the signature)",
		"API-M docs: Configure a Custom Key Manager for Out-of-Band Provisioning (Self Validate JWT)"},
	Fixtures: []string{fixture.ProviderApp.Name},
	Faults:   []Proof{{"gateway-skips-jwt-signature", "accepted the provider's token with a damaged signature"}},
	Run: func(c *C) {
		e, p := c.Env, provider(c)
		app := Shared(c, fixture.ProviderApp)
		t, err := e.IS.ClientCredentials(c.ctx, p.Discovery.TokenEndpoint, app.ConsumerKey, app.ConsumerSecret)
		c.NoErr(err, "get a client_credentials token from the provider for application %s", app.Name)
		expectGatewayAccepts(c, t.AccessToken, "a token of the provider")
		if _, _, err := tokens.Peek(t.AccessToken); err != nil {
			return // an opaque token has no signature to damage
		}
		damaged, err := tokens.WithFlippedSignature(t.AccessToken)
		c.NoErr(err, "damage the token's signature")
		a := callAPI(c, damaged, "the provider's token with a damaged signature")
		if a.Status != http.StatusUnauthorized {
			c.Failf("the gateway accepted the provider's token with a damaged signature (HTTP %d, want 401): it does not validate the provider's JWTs against the registered JWKS", a.Status)
		}
		if a.Code != "900901" {
			c.Failf("the gateway refused the damaged token with code %q, want 900901 (invalid credentials): %s", a.Code, a.String())
		}
	},
}
