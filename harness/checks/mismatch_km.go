package checks

import (
	"context"
	"maps"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/tokens"
	"github.com/kmconform/kmconform/harness/wso2is"
)

func init() {
	register(mismatchISTokenOnResidentAPI, mismatchBothKeyManagers, mismatchNoSubscription, mismatchOpaqueOtherKM,
		mismatchConsumerKeyClaim)
}

// The reverse of mismatch.resident-token: the IS application is subscribed to the Resident-only API, so
// only that API's Key Manager restriction can refuse its token.
var mismatchISTokenOnResidentAPI = &Check{
	ID: "mismatch.is-token-on-resident-api", Area: "mismatch", Capability: "km.restriction.resident", Level: MUST,
	Title: "an IS token on an API restricted to the Resident Key Manager is refused with 401 and 900901",
	Refs: []string{"API-M docs: Key Manager selection per API (keyManagers)", "wso2/carbon-apimgt v9.30.67 JWTValidator.java (Key Manager not allowed for the API → 900901)",
		"API-M gateway: JWT validation by issuer"},
	Fixtures: []string{fixture.ResidentAPI.Name, fixture.MixedKMAPI.Name},
	Faults:   []Proof{{"gateway-ignores-km-restriction", "the API's Key Manager restriction is not enforced"}},
	Run: func(c *C) {
		e := c.Env
		resident := Shared(c, fixture.ResidentAPI)
		mixed := Shared(c, fixture.MixedKMAPI)
		// Positive controls: the Resident-only API serves its own Key Manager's tokens, and the IS token is
		// one the gateway accepts on an API restricted to IS.
		expectAcceptedOn(c, resident.Path, "a Resident Key Manager token", func(ctx context.Context) (string, error) {
			return e.APIM.ResidentToken(ctx, resident.App.ConsumerKey, resident.App.ConsumerSecret)
		})
		tok := appToken(c, mixed.ISApp)
		expectAcceptedOn(c, e.APIPath, "the IS token", fixedToken(tok))
		a := callPath(c, resident.Path, tok, "the IS token")
		if a.Status == http.StatusOK || a.Code == "900908" {
			c.Failf("the gateway answered %s to an IS token on API %s, whose Key Managers are [%s]: the API's Key Manager restriction is not enforced",
				a.String(), resident.API.Name, strings.Join(resident.API.KeyManagers, ", "))
		}
		if !refused(a, http.StatusUnauthorized, "900901", msgInvalidCredentials) || a.Description != descInvalidCredential {
			c.Failf("the gateway refused the IS token with %s, not 401 900901 %q (%q)", a.String(), msgInvalidCredentials, descInvalidCredential)
		}
	},
}

// WSO2's own suite (is7_km_extra.feature, row 3): an IS-7 application and a Resident application call the
// same API; one Key Manager does not break the other.
var mismatchBothKeyManagers = &Check{
	ID: "mismatch.both-key-managers", Area: "mismatch", Capability: "km.multiple", Level: MUST,
	Title: "an API open to the IS and the Resident Key Manager accepts the tokens of both",
	Refs: []string{"API-M docs: Key Manager selection per API (keyManagers)", "wso2/carbon-apimgt v9.30.67 KeyManagerHolder.java (Key Manager by the token's iss)",
		"wso2/product-apim integration-v2 is7_km_extra.feature (IS7-KM app and Resident-KM app on one API)"},
	Fixtures: []string{fixture.MixedKMAPI.Name},
	Faults:   []Proof{{"is-sign-with-unpublished-key", "did not accept the IS token"}},
	Run: func(c *C) {
		e := c.Env
		mixed := Shared(c, fixture.MixedKMAPI)
		expectAcceptedOn(c, mixed.Path, "a Resident Key Manager token", func(ctx context.Context) (string, error) {
			return e.APIM.ResidentToken(ctx, mixed.ResidentApp.ConsumerKey, mixed.ResidentApp.ConsumerSecret)
		})
		expectAcceptedOn(c, mixed.Path, "the IS token", func(ctx context.Context) (string, error) {
			t, err := e.IS.ClientCredentials(ctx, e.Discovery.TokenEndpoint, mixed.ISApp.ConsumerKey, mixed.ISApp.ConsumerSecret)
			if err != nil {
				return "", err
			}
			return t.AccessToken, nil
		})
		// And the Resident token still works after the IS token: neither Key Manager took the other's place.
		tok, err := e.APIM.ResidentToken(c.ctx, mixed.ResidentApp.ConsumerKey, mixed.ResidentApp.ConsumerSecret)
		c.NoErr(err, "get a token from the Resident Key Manager")
		if a := callPath(c, mixed.Path, tok, "the Resident Key Manager token"); a.Status != http.StatusOK {
			c.Failf("after an IS token, the gateway answered %s to a Resident Key Manager token on API %s, which is open to both: one Key Manager broke the other",
				a.String(), mixed.API.Name)
		}
	},
}

// carbon-apimgt JWTValidator: subscription validation by (consumer key, Key Manager) → 403 900908 with
// the trailing space in "Resource forbidden ".
var mismatchNoSubscription = &Check{
	ID: "mismatch.no-subscription", Area: "mismatch", Capability: "subscription.validation", Level: MUST,
	Title:    "a valid IS token of an application without a subscription is refused with 403 900908 \"Resource forbidden \"",
	Refs:     []string{"wso2/carbon-apimgt v9.30.67 JWTValidator.java, APISecurityConstants.java (JWT path, no subscription → 900908)", "API-M docs: API subscriptions"},
	Fixtures: []string{fixture.UnsubscribedISApp.Name},
	Faults:   []Proof{{"gateway-skips-subscription-check", "subscription validation is not enforced"}},
	Run: func(c *C) {
		e := c.Env
		app := Private(c, fixture.UnsubscribedISApp)
		tok := appToken(c, app)
		// Positive control: a valid token of the Key Manager the API is restricted to.
		_, err := tokens.Verify(c.ctx, e.HTTP, e.Discovery.JWKSURI, tok, e.Discovery.Issuer)
		c.NoErr(err, "the IS token does not verify against IS's JWKS, so its refusal would prove nothing")
		a := callAPI(c, tok, "the token of an unsubscribed application")
		if a.Status == http.StatusOK {
			c.Failf("the gateway answered %s to a valid IS token of application %s, which has no subscription to API %s: subscription validation is not enforced",
				a.String(), app.Name, e.API.Name)
		}
		switch {
		case a.Status != http.StatusForbidden || a.Code != "900908":
			c.Failf("the gateway refused the token of an unsubscribed application with %s, not 403 900908", a.String())
		case a.Message != msgForbidden:
			c.Failf("the 900908 refusal says message %q, not %q (with the trailing space API-M sends)", a.Message, msgForbidden)
		case a.Description != descNoSubscription:
			c.Failf("the 900908 refusal says description %q, not %q", a.Description, descNoSubscription)
		}
		// The subscription was all that was missing: once subscribed, the same token goes through.
		c.NoErr(fixture.Subscribe(c.ctx, e, app, e.API.ID), "subscribe application %s to the API", app.Name)
		expectAcceptedOn(c, e.APIPath, "the same token once its application is subscribed", fixedToken(tok))
	},
}

// wso2/api-manager#749, #4612 (the wrong Key Manager chosen for opaque tokens). The
// documented integration yields JWTs only (API-M forces JWT applications and the connector registers its
// clients with token_type_extension JWT), so the check registers an opaque-token client at IS itself. It
// has no key mapping in API-M: the IS Key Manager, when asked, vouches for the token and the gateway
// answers 900908; the Resident Key Manager does not know it and answers 900901.
var mismatchOpaqueOtherKM = &Check{
	ID: "mismatch.opaque-token-other-km", Area: "mismatch", Capability: "km.restriction", Level: MUST,
	Title: "an opaque IS token is introspected by the IS Key Manager on an API restricted to it (403 900908 without a key mapping) and refused with 401 900901 on an API restricted to the Resident Key Manager",
	Refs: []string{"wso2/carbon-apimgt v9.30.67 DefaultKeyValidationHandler.java (opaque tokens: Key Manager election from the API's keyManagers)",
		"wso2/api-manager#749, #4612", "identity-inbound-auth-oauth DCRMService, OAuthServerConfiguration (token_type_extension Default: opaque tokens)",
		"identity-inbound-auth-oauth OAuth2IntrospectionEndpoint (introspection)"},
	Fixtures: []string{fixture.ResidentAPI.Name},
	Faults: []Proof{
		{"gateway-opaque-ignores-km-restriction", "elected another Key Manager"},
		// An API left open to every Key Manager: the gateway elects the first one that takes the token
		// (carbon-apimgt DefaultKeyValidationHandler.getAccessTokenInfo: restrict the API to the IS Key Manager).
		{"open-api", "restriction is not enforced for opaque tokens"},
	},
	Run: func(c *C) {
		e := c.Env
		resident := Shared(c, fixture.ResidentAPI)
		app, err := e.IS.RegisterApp(c.ctx, wso2is.DCRRequest{ClientName: "kmconform_opaque_" + uuid.NewString()[:8],
			GrantTypes: []string{"client_credentials"}, TokenTypeExtension: "Default"})
		c.NoErr(err, "register an opaque-token client at IS")
		e.Redactor.Add(app.ClientSecret)
		c.Defer(func(ctx context.Context) error { return e.IS.DeleteApp(ctx, app.ClientID) })
		t, err := e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, app.ClientID, app.ClientSecret)
		c.NoErr(err, "get a client_credentials token from IS for the opaque-token client")
		tok := t.AccessToken
		e.Redactor.Add(tok)
		if strings.Count(tok, ".") == 2 {
			c.Failf("IS issued a JWT to a client registered with token_type_extension Default; the check needs an opaque token")
		}
		// Positive control: IS says the token is active.
		in, err := e.IS.Introspect(c.ctx, e.Discovery.IntrospectionEndpoint, tok)
		c.NoErr(err, "introspect the opaque token at IS")
		if !in.Active {
			c.Failf("IS introspection says a token it has just issued is inactive, so the gateway's refusals would prove nothing")
		}
		a := callAPI(c, tok, "the opaque IS token")
		if a.Status != http.StatusForbidden || a.Code != "900908" {
			c.Failf("on API %s (Key Managers [%s]; the documented setup restricts it to %s), the gateway answered %s to an opaque token IS says is active, not 403 900908 (no key mapping): it elected another Key Manager than IS's to introspect it — the API's Key Manager restriction is not enforced for opaque tokens",
				e.API.Name, strings.Join(e.API.KeyManagers, ", "), plan.KeyManagerName, a.String())
		}
		a = callPath(c, resident.Path, tok, "the opaque IS token")
		if a.Status != http.StatusUnauthorized || a.Code != "900901" || a.Message != msgInvalidCredentials {
			c.Failf("on API %s, restricted to the Resident Key Manager, the gateway answered %s to an opaque IS token, not 401 900901 %q: it elected another Key Manager than the API's",
				resident.API.Name, a.String(), msgInvalidCredentials)
		}
	},
}

// Consumer-key claim misconfigured (api-manager#2666 is the Azure analogue): the gateway reads the
// consumer key from the Key Manager's consumerKeyClaim only (carbon-apimgt JWTValidator),
// so with a claim IS never writes, IS's tokens find no key mapping → 403 900908. IS's claims are signed
// again under the fixture Key Manager's issuer with the harness key it pins (see fixture claim-km).
var mismatchConsumerKeyClaim = &Check{
	ID: "mismatch.consumer-key-claim", Area: "mismatch", Capability: "km.consumer-key-claim", Level: MUST,
	Title: "with a consumerKeyClaim IS does not set, IS-shaped tokens are refused with 403 900908; with the claim present they are accepted",
	Refs: []string{"wso2/carbon-apimgt v9.30.67 JWTValidator.java (consumer key = consumer_key_claim, default azp; no key mapping → 900908)",
		"API-M docs: Configure WSO2 IS 7 as a Key Manager (Consumer Key Claim URI: azp)", "wso2/api-manager#2666",
		"identity-inbound-auth-oauth JWTTokenIssuer.createJWTClaimSet (JWT claims: azp = client_id)"},
	Fixtures: []string{fixture.MisconfiguredClaimKM.Name},
	Faults:   []Proof{{"gateway-ignores-consumer-key-claim", "read the consumer key from another claim"}},
	Run: func(c *C) {
		km := Private(c, fixture.MisconfiguredClaimKM)
		// What IS writes: azp = the client id, and not the claim the Key Manager names.
		genuine := appToken(c, km.App)
		_, claims := genuineClaims(c, genuine)
		if claims["azp"] != km.App.ConsumerKey {
			c.Failf("IS's token carries azp %v, not the client id of application %s: the documented Consumer Key Claim (azp) would not find it", claims["azp"], km.App.Name)
		}
		if _, set := claims[km.Claim]; set {
			c.Failf("IS's token carries claim %s, which the check assumes IS never writes", km.Claim)
		}
		sign := func(extra bool) func(context.Context) (string, error) {
			return func(context.Context) (string, error) {
				cl := maps.Clone(claims)
				cl["iss"], cl["jti"] = km.Issuer, uuid.NewString()
				if extra {
					cl[km.Claim] = km.App.ConsumerKey
				}
				return tokens.Sign(km.Key.Key, "", cl)
			}
		}
		// Positive control: with the configured claim present the Key Manager, its certificate, the API and
		// the subscription all work.
		expectAcceptedOn(c, km.Path, "a token carrying claim "+km.Claim, sign(true))
		tok, err := sign(false)(c.ctx)
		c.NoErr(err, "sign IS's claims under Key Manager %s's issuer", km.KeyManager.Name)
		a := callPath(c, km.Path, tok, "IS's claims without claim "+km.Claim)
		if a.Status == http.StatusOK {
			c.Failf("the gateway answered %s to a token without claim %s on API %s of Key Manager %s, whose consumerKeyClaim is %s: it read the consumer key from another claim (azp?)",
				a.String(), km.Claim, km.API.Name, km.KeyManager.Name, km.Claim)
		}
		// The description is not asserted: with no consumer key at all the gateway may word it otherwise than
		// for a missing subscription (UNCONFIRMED: APISecurityConstants gives the subscription case only).
		if !refused(a, http.StatusForbidden, "900908", msgForbidden) {
			c.Failf("a token without the Key Manager's consumer-key claim %s was refused with %s, not 403 900908 %q", km.Claim, a.String(), msgForbidden)
		}
	},
}
