package checks

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/poll"
	"github.com/kmconform/kmconform/harness/tokens"
	"github.com/kmconform/kmconform/harness/wso2am"
)

func init() {
	register(mismatchTampered, mismatchTamperedAfterAccept, mismatchExpired, mismatchUnpublishedKey, mismatchUnknownIssuer)
}

// tamperings are the two ways a genuine token is changed: WSO2's suite changes sub and keeps the
// signature (is7_token_validation.feature, row 16); the other keeps the payload and damages the signature.
var tamperings = []struct {
	what string
	do   func(string) (string, error)
}{
	{"its sub changed (signature kept)", func(t string) (string, error) { return tokens.WithClaim(t, "sub", "kmconform-tampered") }},
	{"one bit of its signature flipped (header and payload kept)", tokens.WithFlippedSignature},
}

// expectInvalidCredentials asserts the JWT path's refusal of a token whose signature or claims do not
// hold: 401 900901 "Invalid Credentials" with its description (carbon-apimgt APISecurityConstants).
func expectInvalidCredentials(c *C, a wso2am.GatewayAnswer, what string) {
	if !refused(a, http.StatusUnauthorized, "900901", msgInvalidCredentials) || a.Description != descInvalidCredential {
		c.Failf("the gateway refused %s with %s, not 401 900901 %q (%q)", what, a.String(), msgInvalidCredentials, descInvalidCredential)
	}
}

// expectForgeryRefused calls the API with a forged or altered IS token (what) and asserts the JWT path's
// refusal; accepted names the token when the gateway lets it through, which means it does not verify
// JWT signatures.
func expectForgeryRefused(c *C, token, what, accepted string) {
	a := callAPI(c, token, what)
	if a.Status == http.StatusOK {
		c.Failf("the gateway accepted %s (%s): it does not verify JWT signatures", accepted, a.String())
	}
	expectInvalidCredentials(c, a, what)
}

var mismatchTampered = &Check{
	ID: "mismatch.tampered-token", Area: "mismatch", Capability: "jwt.validation", Level: MUST,
	Title: "an IS token with a changed claim or a damaged signature is refused with 401 900901",
	Refs: []string{"RFC 7515 §5.2 (JWS validation)", "RFC 9068 §4 (validating JWT access tokens)",
		"wso2/carbon-apimgt v9.30.67 JWTValidator.java (signature check via JWKS → 900901)", "wso2/product-apim integration-v2 is7_token_validation.feature (altered claim → 401)"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults:   []Proof{{"gateway-skips-jwt-signature", "does not verify JWT signatures"}},
	Run: func(c *C) {
		app := Shared(c, fixture.ISApp)
		// Positive control: the gateway accepts this application's IS tokens.
		expectGatewayAccepts(c, appToken(c, app), "an IS token of the application")
		for _, t := range tamperings {
			// A fresh token each time: the gateway has never seen it, so only its validation can answer.
			tok := appToken(c, app)
			genuineClaims(c, tok)
			forged, err := t.do(tok)
			c.NoErr(err, "change the IS token")
			expectForgeryRefused(c, forged, "an IS token with "+t.what, "an IS token with "+t.what)
		}
	},
}

// The gateway token cache (on by default, [apim.cache.gateway_token]) is keyed by jti; the product answers
// from it only for the very token it validated (carbon-apimgt OAuthAuthenticator.getSignedJwt compares the
// whole token), so a modified copy of an accepted token must be validated again and refused.
var mismatchTamperedAfterAccept = &Check{
	ID: "mismatch.tampered-after-accept", Area: "mismatch", Capability: "jwt.validation", Level: MUST,
	Title: "an IS token the gateway has already accepted, once changed (claim or signature), is refused with 401 900901",
	Refs: []string{"RFC 7515 §5.2 (JWS validation)", "wso2/carbon-apimgt v9.30.67 JWTValidator.java (revoked map by jti, then signature)",
		"wso2/product-apim all-in-one-apim/modules/distribution/product/src/main/conf/deployment.toml (commented defaults: [apim.cache.gateway_token] enable=true, 900 s)",
		"wso2/product-apim integration-v2 is7_token_validation.feature (altered claim → 401)"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults: []Proof{
		{"gateway-token-cache-by-jti", "its token cache answered for the modified token"},
		{"gateway-skips-jwt-signature", "does not verify JWT signatures"},
	},
	Run: func(c *C) {
		app := Shared(c, fixture.ISApp)
		for _, t := range tamperings {
			tok := appToken(c, app)
			genuineClaims(c, tok)
			// Positive control, and what puts the token (its jti) into the gateway's token cache.
			expectGatewayAccepts(c, tok, "the genuine IS token")
			forged, err := t.do(tok)
			c.NoErr(err, "change the IS token")
			a := callAPI(c, forged, "the accepted IS token with "+t.what)
			if a.Status == http.StatusOK {
				// Tell the cache from the signature check: the same change on a token the gateway never saw.
				fresh, err := t.do(appToken(c, app))
				c.NoErr(err, "change another IS token")
				if b := callAPI(c, fresh, "a new IS token with "+t.what); b.Status == http.StatusOK {
					c.Failf("the gateway accepted IS tokens with %s, whether or not it had accepted them before (%s): it does not verify JWT signatures", t.what, b.String())
				}
				c.Failf("the gateway accepted an IS token it had accepted before once it had %s (%s), and refuses the same change on a new token: its token cache answered for the modified token (looked up by jti alone)",
					t.what, a.String())
			}
			expectInvalidCredentials(c, a, "an accepted IS token with "+t.what)
		}
	},
}

// carbon-apimgt JWTValidator: an expired JWT is refused with 900901, not 900903, once the gateway's
// timestamp skew has passed. The application's tokens live fixture.ShortTokenLifetime seconds
// (ext_application_token_lifetime); the wait after exp is the token-expiry interval.
var mismatchExpired = &Check{
	ID: "mismatch.expired-token", Area: "mismatch", Capability: "jwt.validation", Level: MUST,
	Title: "an IS token is refused with 401 900901 (not 900903) once it has expired",
	Refs: []string{"RFC 7519 §4.1.4 (exp)", "RFC 9068 §4 (validating JWT access tokens)",
		"wso2/carbon-apimgt v9.30.67 JWTValidator.java (expiry with timestamp skew → 900901, not 900903)",
		"wso2-extensions/apim-km-wso2is v2.0.2 WSO2IS7ConnectorConfiguration.java (application field ext_application_token_lifetime)"},
	Fixtures: []string{fixture.ShortLivedISApp.Name},
	Faults:   []Proof{{"gateway-ignores-token-expiry", "accepted it after it expired"}},
	Run: func(c *C) {
		e := c.Env
		app := Private(c, fixture.ShortLivedISApp)
		// Positive control: a short-lived token accepted while it lives (a new one per attempt, so that the
		// subscription's way to the gateway cannot outlast it).
		tok := expectAcceptedOn(c, e.APIPath, "a short-lived IS token", func(ctx context.Context) (string, error) {
			t, err := e.IS.ClientCredentials(ctx, e.Discovery.TokenEndpoint, app.ConsumerKey, app.ConsumerSecret)
			if err != nil {
				return "", err
			}
			return t.AccessToken, nil
		})
		_, claims, err := tokens.Peek(tok)
		c.NoErr(err, "read the short-lived token")
		exp, err1 := claims.GetExpirationTime()
		iat, err2 := claims.GetIssuedAt()
		if err := errors.Join(err1, err2); err != nil || exp == nil || iat == nil {
			c.Failf("IS's token lacks a readable exp or iat: %v", err)
		}
		if life := exp.Sub(iat.Time); life > time.Duration(fixture.ShortTokenLifetime+5)*time.Second {
			c.Failf("IS issued a token that lives %s to an application whose token lifetime is %d s (ext_application_token_lifetime): the lifetime did not reach IS, so the check cannot wait for the token to expire",
				life, fixture.ShortTokenLifetime)
		}
		var last wso2am.GatewayAnswer
		res, err := poll.Until(c.ctx, poll.Options{What: "the gateway to refuse the token after its exp",
			Interval: intervals.TokenExpiry, Since: exp.Time, Progress: c.log},
			func(ctx context.Context) (bool, string, error) {
				if time.Now().Before(exp.Time) {
					return false, "the token has not expired yet", nil
				}
				a, err := e.APIM.CallAPI(ctx, e.APIPath, tok)
				if err != nil {
					return false, err.Error(), nil
				}
				last = a
				return a.Status != http.StatusOK, a.String(), nil
			})
		if err != nil {
			c.Failf("the gateway still accepted the IS token after it expired at %s (%v): it accepted it after it expired, so it does not check exp",
				exp.UTC().Format(time.RFC3339), err)
		}
		if last.Code == "900903" {
			c.Failf("the gateway refused the expired token with %s; API-M answers 900901 for an expired JWT, not 900903", last.String())
		}
		expectInvalidCredentials(c, last, "the expired IS token")
		c.Measure("expired-token-refused-after-exp-ms", float64(res.Elapsed.Milliseconds()))
		c.Logf("the gateway refused the token %d ms after its exp (its timestamp skew)", res.Elapsed.Milliseconds())
	},
}

// A token IS never signed: IS's own claims signed with a key of the harness. With the kid IS publishes the
// gateway must check the signature against IS's key; with an unknown kid it refetches IS's JWKS once and
// finds nothing (carbon-apimgt JWTValidator). A product that signs with an unpublished key fails the
// positive control instead (fault is-sign-with-unpublished-key).
var mismatchUnpublishedKey = &Check{
	ID: "mismatch.unpublished-key", Area: "mismatch", Capability: "jwt.validation", Level: MUST,
	Title: "IS's claims signed by a key IS does not publish are refused with 401 900901, under IS's kid and under an unknown kid",
	Refs: []string{"RFC 7515 §5.2 (JWS validation)", "RFC 7517 §4.5 (kid)", "wso2/carbon-apimgt v9.30.67 JWTValidator.java (JWK by kid, one refetch when unknown)",
		"identity-inbound-auth-oauth JwksEndpoint.java (JWKS: one key per private key of the primary key store)"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults: []Proof{
		{"gateway-skips-jwt-signature", "does not verify JWT signatures"},
		{"is-sign-with-unpublished-key", "no key in IS JWKS matches"},
	},
	Run: func(c *C) {
		app := Shared(c, fixture.ISApp)
		tok := appToken(c, app)
		header, claims := genuineClaims(c, tok)
		expectGatewayAccepts(c, tok, "the genuine IS token")
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		c.NoErr(err, "make a signing key")
		isKid, _ := header["kid"].(string)
		for _, kid := range []struct{ what, kid string }{
			{"IS's kid " + isKid, isKid},
			{"a kid IS does not publish", "kmconform-unpublished-key_RS256"},
		} {
			claims["jti"] = uuid.NewString()
			forged, err := tokens.Sign(key, kid.kid, claims)
			c.NoErr(err, "sign IS's claims with the harness key")
			expectForgeryRefused(c, forged, "IS's claims signed by another key under "+kid.what,
				"IS's claims signed by a key IS does not publish, under "+kid.what)
		}
	},
}

// A JWT whose iss no Key Manager has takes the key-validation path (carbon-apimgt KeyManagerHolder): the
// API's Key Manager (IS) introspects it, does not know it, and the gateway refuses with 900901 and the
// "Access failure for API" description (its exact <ctx> rendering is UNCONFIRMED).
var mismatchUnknownIssuer = &Check{
	ID: "mismatch.unknown-issuer", Area: "mismatch", Capability: "jwt.validation", Level: MUST,
	Title: "a JWT from an issuer no Key Manager has is refused with 401 900901",
	Refs: []string{"RFC 9068 §4 (the iss must be the expected issuer)", "wso2/carbon-apimgt v9.30.67 KeyManagerHolder.java, DefaultKeyValidationHandler.java (Key Manager by iss; otherwise the key-validation path)",
		"OIDC Discovery 1.0 §4.3"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults:   []Proof{{"gateway-trusts-unknown-issuer", "of an issuer no Key Manager has"}},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.ISApp)
		tok := appToken(c, app)
		_, claims := genuineClaims(c, tok)
		expectGatewayAccepts(c, tok, "the genuine IS token")
		const foreign = "https://kmconform-unknown-issuer.invalid/oauth2/token"
		if e.KeyManager.Issuer == foreign {
			c.Failf("kmconform defect: the unknown issuer is the registered one")
		}
		claims["iss"] = foreign
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		c.NoErr(err, "make a signing key")
		forged, err := tokens.Sign(key, "kmconform-foreign_RS256", claims)
		c.NoErr(err, "sign a JWT of an unknown issuer")
		a := callAPI(c, forged, "a JWT of an unknown issuer")
		if a.Status == http.StatusOK {
			c.Failf("the gateway accepted a JWT of an issuer no Key Manager has (%s, iss %s, signed by a key of the harness): it trusted the token's claims",
				a.String(), foreign)
		}
		if !refused(a, http.StatusUnauthorized, "900901", msgInvalidCredentials) {
			c.Failf("the gateway refused a JWT of an unknown issuer with %s, not 401 900901 %q", a.String(), msgInvalidCredentials)
		}
	},
}
