package checks

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kmconform/kmconform/harness/assertion"
	"github.com/kmconform/kmconform/harness/env"
	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/poll"
	"github.com/kmconform/kmconform/harness/tokens"
	"github.com/kmconform/kmconform/harness/wso2am"
)

// Token exchange as WSO2's own IS 7 suite checks it (rows 58–72): an IS token is exchanged at API-M's token
// endpoint (the Resident Key Manager) for an API-M token. API-M trusts IS's tokens for that only through a
// Key Manager registered with tokenType EXCHANGED or BOTH: it then creates an identity provider in its
// embedded IS with the Key Manager's issuer, alias and certificate (rows 46–49). WSO2's suite registers that
// identity provider over SOAP (addIdP); kmconform registers the EXCHANGED Key Manager instead, which is how
// the API-M documentation sets it up and what creates the same identity provider. Tokens the exchange
// issues are Resident Key Manager tokens, so they call an API open to the Resident Key Manager.

func init() {
	register(exchangeAPIM, exchangeAPIMPEM, exchangeAPIMExpired, exchangeAPIMAltered, exchangeAPIMNoSubject,
		exchangeAPIMUntrusted, exchangeAPIMUngranted, exchangeAPIMMalformedCert)
}

const (
	docsTokenExchange = "API-M docs: Token exchange grant (Key Manager token handling option EXCHANGED/BOTH)"
	adminTokenType    = "API-M admin API v4: KeyManager.tokenType DIRECT|EXCHANGED|BOTH"
)

// residentIssuer is the issuer of API-M's own tokens, the iss of every exchanged token.
const residentIssuer = plan.APIMBase + "/oauth2/token"

// newExchangeKM registers a Key Manager trusting IS's tokens of subject for API-M's token exchange and
// removes it when the check ends (another EXCHANGED Key Manager of IS's issuer left behind would keep
// trusting IS for later checks).
func newExchangeKM(c *C, subject *env.AppKeys, certs *wso2am.Certificates) *wso2am.KeyManager {
	e := c.Env
	payload := fixture.ExchangeKeyManager(e, subject.ConsumerKey, certs)
	km, err := e.APIM.CreateKeyManager(c.ctx, payload)
	c.NoErr(err, "register Key Manager %s (tokenType %s) to trust IS's tokens for API-M's token exchange", payload.Name, payload.TokenType)
	c.Defer(func(ctx context.Context) error {
		if err := e.APIM.DeleteKeyManager(ctx, km.ID); err != nil && !wso2am.IsRESTError(err, http.StatusNotFound, 0) {
			return err
		}
		return nil
	})
	return km
}

// subjectToken is a fresh client_credentials token of the IS application whose tokens are exchanged.
func subjectToken(c *C, subject *env.AppKeys) string {
	e := c.Env
	tok, err := e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, subject.ConsumerKey, subject.ConsumerSecret)
	c.NoErr(err, "get the subject token (a client_credentials token of application %s) from IS", subject.Name)
	return tok.AccessToken
}

func exchangeAt(c *C, app *env.AppKeys, r wso2am.ExchangeRequest) (*wso2am.ExchangedToken, error) {
	return c.Env.APIM.ResidentTokenExchange(c.ctx, app.ConsumerKey, app.ConsumerSecret, r)
}

// oauthRefusal is API-M's token endpoint refusal, if err is one.
func oauthRefusal(err error) (*wso2am.RESTError, bool) {
	var re *wso2am.RESTError
	return re, errors.As(err, &re) && re.OAuthError != ""
}

// whyRefused names the setup behind a refused exchange of a valid IS token.
func whyRefused(km *wso2am.KeyManager, err error) string {
	re, _ := oauthRefusal(err)
	switch {
	case re != nil && re.OAuthError == "unsupported_grant_type":
		return "API-M's token endpoint does not know the token-exchange grant: it is disabled server-wide ([oauth.grant_type.token_exchange] enable = false in API-M's deployment.toml)"
	case km != nil && km.TokenType != "EXCHANGED" && km.TokenType != "BOTH":
		return fmt.Sprintf("Key Manager %s is registered with tokenType %s: API-M creates the identity provider that trusts IS's tokens for exchange only for tokenType EXCHANGED or BOTH",
			km.Name, km.TokenType)
	}
	return "API-M does not trust IS's tokens through the EXCHANGED Key Manager's identity provider"
}

// mustExchange is the positive control of every exchange check: a valid IS token is exchanged.
func mustExchange(c *C, app *env.AppKeys, km *wso2am.KeyManager, subject string) *wso2am.ExchangedToken {
	tok, err := exchangeAt(c, app, wso2am.ExchangeRequest{SubjectToken: subject})
	if err != nil {
		c.Failf("API-M refused to exchange a valid IS token for application %s: %v — %s", app.Name, err, whyRefused(km, err))
	}
	return tok
}

// expectExchangeRefused asserts a 400 refusal with one of the OAuth errors codes (any when none given).
func expectExchangeRefused(c *C, err error, what string, codes ...string) *wso2am.RESTError {
	re, ok := oauthRefusal(err)
	if !ok || re.Status != http.StatusBadRequest {
		c.Failf("API-M refused %s, but not with a 400 OAuth error: %v", what, err)
	}
	if len(codes) > 0 && !slices.Contains(codes, re.OAuthError) {
		c.Failf("API-M refused %s with %s, want %s: %v", what, re.OAuthError, strings.Join(codes, " or "), err)
	}
	return re
}

// expectGatewayAcceptsAt is expectGatewayAccepts for another API's path.
func expectGatewayAcceptsAt(c *C, path, token, what string) {
	if _, err := pollAccepted(c, path, what, fixedToken(token)); err != nil {
		c.Failf("the gateway did not accept %s: %v", what, err)
	}
}

// WSO2 suite rows 46, 58, 59, 61 (and 70 under apim-token-exchange-disabled).
var exchangeAPIM = &Check{
	ID: "grants.token-exchange.apim", Area: "grants", Capability: "grant.token-exchange.apim", Level: MUST,
	Title: "token exchange at API-M: through an EXCHANGED Key Manager (JWKS) API-M exchanges an IS token for an at+jwt token " +
		"that keeps the subject and calls an API of the Resident Key Manager",
	Refs: []string{"RFC 8693 §2", "RFC 9068 §2.1", docsTokenExchange, adminTokenType,
		"wso2/product-apim integration-v2 key_manager_config.feature (tokenType EXCHANGED stored)",
		"wso2/product-apim integration-v2 token_exchange.feature (PEM- and JWKS-trusted IdP; sub kept)", "wso2/product-apim integration-v2 token_exchange_disabled.feature"},
	Fixtures: []string{fixture.ExchangeAppFixture.Name, fixture.SubjectClient.Name},
	Faults: []Proof{
		{"exchange-km-direct", "tokenType DIRECT"},
		{"apim-token-exchange-disabled", "disabled server-wide"},
		{"apim-exchange-drops-subject", "does not keep the subject"},
	},
	Run: func(c *C) {
		e := c.Env
		app, subject := Shared(c, fixture.ExchangeAppFixture), Shared(c, fixture.SubjectClient)
		km := newExchangeKM(c, subject, nil)
		stored, err := e.APIM.GetKeyManager(c.ctx, km.ID)
		c.NoErr(err, "read Key Manager %s back", km.Name)
		if want := e.Plan.Grants.ExchangeTokenType; stored.TokenType != want || stored.Alias != subject.ConsumerKey {
			c.Failf("API-M stored Key Manager %s with tokenType %q and alias %q, registered with %q and the subject client's id (wso2/product-apim integration-v2 key_manager_config.feature)",
				stored.Name, stored.TokenType, stored.Alias, want)
		}
		st := subjectToken(c, subject)
		// Positive control: the subject token is a valid IS token.
		verified, err := tokens.Verify(c.ctx, e.HTTP, e.Discovery.JWKSURI, st, e.Discovery.Issuer)
		c.NoErr(err, "the subject token does not verify against IS's JWKS, so API-M's answer would prove nothing")
		tok := mustExchange(c, app.AppKeys, stored, st)
		if tok.IssuedTokenType != wso2am.TokenTypeJWT {
			c.Failf("API-M's exchange answer has issued_token_type %q, want %s (RFC 8693 §2.2.1)", tok.IssuedTokenType, wso2am.TokenTypeJWT)
		}
		exchanged, err := tokens.Verify(c.ctx, e.HTTP, e.APIM.ResidentJWKSURL(), tok.AccessToken, residentIssuer)
		c.NoErr(err, "the exchanged token does not verify as a token of API-M's Resident Key Manager")
		if exchanged.Header["typ"] != "at+jwt" {
			c.Failf("the exchanged token's header has typ %v, want at+jwt (RFC 9068 §2.1; wso2/product-apim integration-v2 token_exchange.feature)", exchanged.Header["typ"])
		}
		if got, want := exchanged.Claims["sub"], verified.Claims["sub"]; got != want {
			c.Failf("the exchanged token's sub is %v, the subject token's %v: API-M's exchange does not keep the subject (RFC 8693 §2.2.1; wso2/product-apim integration-v2 token_exchange.feature)", got, want)
		}
		if azp := exchanged.Claims["azp"]; azp != app.ConsumerKey {
			c.Failf("the exchanged token's azp is %v, not the exchanging application's consumer key", azp)
		}
		expectGatewayAcceptsAt(c, app.API.Path, tok.AccessToken, "the exchanged token")
	},
}

// signingCertPEM is IS's signing certificate for a token, from the JWKS entry of its kid (x5c), as the
// value of a PEM Key Manager certificate (base64 of the PEM text, as WSO2's payloads send it).
func signingCertPEM(c *C, token string) string {
	cert, err := fixture.SigningCertificate(c.ctx, c.Env, token)
	c.NoErr(err, "read IS's signing certificate from its JWKS")
	return base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
}

// WSO2 suite rows 58 (PEM) and 64 (rotation canary): a stale pinned certificate fails, the current one works
// once the Key Manager is updated.
var exchangeAPIMPEM = &Check{
	ID: "grants.token-exchange.apim.pem", Area: "grants", Capability: "grant.token-exchange.apim", Level: MUST,
	Title: "token exchange at API-M with a PEM-pinned EXCHANGED Key Manager: a stale certificate is refused, and updating the Key Manager " +
		"to IS's signing certificate makes the exchange work",
	Refs:     []string{"RFC 8693 §2.2.2", docsTokenExchange, adminTokenType, "wso2/product-apim integration-v2 token_exchange.feature (PEM-trusted IdP; rotation canary)"},
	Fixtures: []string{fixture.ExchangeAppFixture.Name, fixture.SubjectClient.Name},
	Faults:   []Proof{{"apim-exchange-idp-not-updated", "update"}},
	Run: func(c *C) {
		e := c.Env
		app, subject := Shared(c, fixture.ExchangeAppFixture), Shared(c, fixture.SubjectClient)
		stale, err := assertion.SelfSigned("kmconform-stale-signing-cert", 24*time.Hour)
		c.NoErr(err, "make a certificate IS does not sign with")
		km := newExchangeKM(c, subject, &wso2am.Certificates{Type: "PEM", Value: base64.StdEncoding.EncodeToString(stale.CertPEM)})
		st := subjectToken(c, subject)
		_, err = exchangeAt(c, app.AppKeys, wso2am.ExchangeRequest{SubjectToken: st})
		if err == nil {
			c.Failf("API-M exchanged an IS token although Key Manager %s pins a certificate that did not sign it", km.Name)
		}
		expectExchangeRefused(c, err, "an IS token signed by another key than the pinned certificate's", "invalid_request")

		km.Certificates = &wso2am.Certificates{Type: "PEM", Value: signingCertPEM(c, st)}
		_, err = e.APIM.UpdateKeyManager(c.ctx, km.ID, km)
		c.NoErr(err, "update Key Manager %s to IS's signing certificate", km.Name)
		tok, err := exchangeAt(c, app.AppKeys, wso2am.ExchangeRequest{SubjectToken: subjectToken(c, subject)})
		if err != nil {
			c.Failf("API-M still refuses IS's tokens after Key Manager %s was updated to IS's signing certificate: the update did not reach the trusted identity provider (wso2/product-apim integration-v2 token_exchange.feature, rotation canary): %v",
				km.Name, err)
		}
		expectGatewayAcceptsAt(c, app.API.Path, tok.AccessToken, "a token exchanged through a PEM-pinned Key Manager")
	},
}

// WSO2 suite row 63: an IS token issued with a two-second lifetime is exchanged, then refused once expired.
var exchangeAPIMExpired = &Check{
	ID: "grants.token-exchange.apim.expired", Area: "grants", Capability: "grant.token-exchange.apim", Level: MUST,
	Title:    "token exchange at API-M: an expired IS subject token is refused with 400 (the same token was exchanged before it expired)",
	Refs:     []string{"RFC 8693 §2.2.2", "RFC 7519 §4.1.4", docsTokenExchange, "wso2/product-apim integration-v2 token_exchange.feature (expired subject token)"},
	Fixtures: []string{fixture.ExchangeAppFixture.Name, fixture.ShortLivedClient.Name},
	Faults:   []Proof{{"apim-exchange-ignores-expiry", "expired"}},
	Run: func(c *C) {
		app, short := Shared(c, fixture.ExchangeAppFixture), Shared(c, fixture.ShortLivedClient)
		km := newExchangeKM(c, short, nil)
		st := subjectToken(c, short)
		_, claims, err := tokens.Peek(st)
		c.NoErr(err, "read the subject token's claims")
		exp, err := claims.GetExpirationTime()
		if err != nil || exp == nil {
			c.Failf("the IS subject token has no exp claim")
		}
		mustExchange(c, app.AppKeys, km, st)
		// WSO2's suite waits until exp plus one second.
		_, err = poll.Until(c.ctx, poll.Options{What: "the subject token to pass its exp", Interval: intervals.TokenExpiry, Progress: c.log},
			func(context.Context) (bool, string, error) {
				return time.Now().After(exp.Add(time.Second)), "exp " + exp.UTC().Format(time.RFC3339), nil
			})
		c.NoErr(err, "wait for the subject token to expire")
		_, err = exchangeAt(c, app.AppKeys, wso2am.ExchangeRequest{SubjectToken: st})
		if err == nil {
			c.Failf("API-M exchanged an IS token that expired at %s: API-M's token-exchange grant does not check the subject token's exp", exp.UTC().Format(time.RFC3339))
		}
		expectExchangeRefused(c, err, "an expired subject token", "invalid_request", "invalid_grant")
	},
}

// WSO2 suite row 65: a subject token with an altered claim and its original signature.
var exchangeAPIMAltered = &Check{
	ID: "grants.token-exchange.apim.altered", Area: "grants", Capability: "grant.token-exchange.apim", Level: MUST,
	Title:    "token exchange at API-M: an IS subject token whose sub was altered after signing is refused with 400",
	Refs:     []string{"RFC 8693 §2.2.2", "RFC 7515 §5.2", docsTokenExchange, "wso2/product-apim integration-v2 token_exchange.feature (subject token with an altered claim)"},
	Fixtures: []string{fixture.ExchangeAppFixture.Name, fixture.SubjectClient.Name},
	Faults:   []Proof{{"apim-exchange-skips-signature", "altered"}},
	Run: func(c *C) {
		app, subject := Shared(c, fixture.ExchangeAppFixture), Shared(c, fixture.SubjectClient)
		km := newExchangeKM(c, subject, nil)
		st := subjectToken(c, subject)
		mustExchange(c, app.AppKeys, km, st)
		altered, err := tokens.WithClaim(st, "sub", "kmconform-impostor")
		c.NoErr(err, "alter the subject token's sub")
		_, err = exchangeAt(c, app.AppKeys, wso2am.ExchangeRequest{SubjectToken: altered})
		if err == nil {
			c.Failf("API-M exchanged an IS token whose sub was altered after IS signed it: API-M does not verify the subject token's signature")
		}
		expectExchangeRefused(c, err, "an altered subject token", "invalid_request", "invalid_grant")
	},
}

// WSO2 suite row 66: no subject_token at all.
var exchangeAPIMNoSubject = &Check{
	ID: "grants.token-exchange.apim.no-subject", Area: "grants", Capability: "grant.token-exchange.apim", Level: MUST,
	Title:    "token exchange at API-M: a request without subject_token is refused with 400 invalid_request",
	Refs:     []string{"RFC 8693 §2.1 (subject_token REQUIRED)", "RFC 6749 §5.2", docsTokenExchange, "wso2/product-apim integration-v2 token_exchange.feature (no subject token)"},
	Fixtures: []string{fixture.ExchangeAppFixture.Name, fixture.SubjectClient.Name},
	Faults: []Proof{
		{"apim-token-exchange-disabled", "disabled server-wide"},
		{"exchange-km-direct", "tokenType DIRECT"},
	},
	Run: func(c *C) {
		app, subject := Shared(c, fixture.ExchangeAppFixture), Shared(c, fixture.SubjectClient)
		km := newExchangeKM(c, subject, nil)
		mustExchange(c, app.AppKeys, km, subjectToken(c, subject))
		_, err := exchangeAt(c, app.AppKeys, wso2am.ExchangeRequest{OmitSubjectToken: true})
		if err == nil {
			c.Failf("API-M issued a token for a token-exchange request without subject_token")
		}
		expectExchangeRefused(c, err, "a token-exchange request without subject_token", "invalid_request")
	},
}

// WSO2 suite row 69 (the identity provider removed): deleting the EXCHANGED Key Manager removes API-M's
// trust in IS's tokens. Row 68's SOAP removal is covered through the Key Manager, as API-M's documentation
// sets the trust up.
var exchangeAPIMUntrusted = &Check{
	ID: "grants.token-exchange.apim.untrusted", Area: "grants", Capability: "grant.token-exchange.apim", Level: MUST,
	Title:    "token exchange at API-M: once the EXCHANGED Key Manager is deleted, IS's issuer is untrusted and its tokens are refused with 400",
	Refs:     []string{"RFC 8693 §2.2.2", docsTokenExchange, adminTokenType, "wso2/product-apim integration-v2 token_exchange.feature (untrusted issuer)"},
	Fixtures: []string{fixture.ExchangeAppFixture.Name, fixture.SubjectClient.Name},
	Faults:   []Proof{{"apim-exchange-keeps-deleted-idp", "still trusts"}},
	Run: func(c *C) {
		e := c.Env
		app, subject := Shared(c, fixture.ExchangeAppFixture), Shared(c, fixture.SubjectClient)
		km := newExchangeKM(c, subject, nil)
		mustExchange(c, app.AppKeys, km, subjectToken(c, subject))
		c.NoErr(e.APIM.DeleteKeyManager(c.ctx, km.ID), "delete Key Manager %s", km.Name)
		_, err := exchangeAt(c, app.AppKeys, wso2am.ExchangeRequest{SubjectToken: subjectToken(c, subject)})
		if err == nil {
			c.Failf("API-M still trusts IS's tokens for exchange after Key Manager %s was deleted: its identity provider was left behind", km.Name)
		}
		expectExchangeRefused(c, err, "a token of an issuer it no longer trusts", "invalid_request", "invalid_grant")
	},
}

// WSO2 suite row 67: an application whose keys lack the grant.
var exchangeAPIMUngranted = &Check{
	ID: "grants.token-exchange.apim.ungranted", Area: "grants", Capability: "grant.token-exchange.apim", Level: MUST,
	Title:    "token exchange at API-M: an application whose keys lack the grant is refused with 400 unauthorized_client",
	Refs:     []string{"RFC 6749 §5.2 (unauthorized_client)", docsTokenExchange, "wso2/product-apim integration-v2 token_exchange.feature (application without the grant)"},
	Fixtures: []string{fixture.ExchangeAppFixture.Name, fixture.NoExchangeApp.Name, fixture.SubjectClient.Name},
	Faults:   []Proof{{"apim-exchange-ignores-app-grants", "lack the grant"}},
	Run: func(c *C) {
		app, without, subject := Shared(c, fixture.ExchangeAppFixture), Shared(c, fixture.NoExchangeApp), Shared(c, fixture.SubjectClient)
		km := newExchangeKM(c, subject, nil)
		mustExchange(c, app.AppKeys, km, subjectToken(c, subject))
		_, err := exchangeAt(c, without, wso2am.ExchangeRequest{SubjectToken: subjectToken(c, subject)})
		if err == nil {
			c.Failf("API-M exchanged a token for application %s, whose keys %v lack the grant", without.Name, without.GrantTypes)
		}
		expectExchangeRefused(c, err, "an application without the token-exchange grant", "unauthorized_client")
	},
}

// WSO2 suite row 68: a malformed identity provider certificate is refused at registration. Through the
// EXCHANGED Key Manager: API-M creates the identity provider when the Key Manager is registered, and
// refuses the registration when the embedded IS refuses the certificate (IDP_ADDING_FAILED, 900611).
var exchangeAPIMMalformedCert = &Check{
	ID: "grants.token-exchange.apim.malformed-cert", Area: "grants", Capability: "grant.token-exchange.apim", Level: SHOULD,
	Title: "token exchange at API-M: an EXCHANGED Key Manager whose PEM certificate is not X.509 is refused at registration (400), " +
		"and IS's tokens stay untrusted",
	Refs:     []string{docsTokenExchange, adminTokenType, "carbon-apimgt ExceptionCodes.IDP_ADDING_FAILED (900611)", "wso2/product-apim integration-v2 token_exchange.feature (malformed IdP certificate)"},
	Fixtures: []string{fixture.ExchangeAppFixture.Name, fixture.SubjectClient.Name},
	Faults:   []Proof{{"apim-accepts-malformed-idp-cert", "not an X.509 certificate"}},
	Run: func(c *C) {
		e := c.Env
		app, subject := Shared(c, fixture.ExchangeAppFixture), Shared(c, fixture.SubjectClient)
		// Positive control: the same registration with IS's signing certificate is accepted.
		good := newExchangeKM(c, subject, &wso2am.Certificates{Type: "PEM", Value: signingCertPEM(c, subjectToken(c, subject))})
		c.NoErr(e.APIM.DeleteKeyManager(c.ctx, good.ID), "delete Key Manager %s", good.Name)

		bad := fixture.ExchangeKeyManager(e, subject.ConsumerKey, &wso2am.Certificates{Type: "PEM",
			Value: base64.StdEncoding.EncodeToString([]byte("this-is-not-an-x509-certificate"))})
		created, err := e.APIM.CreateKeyManager(c.ctx, bad)
		if err == nil {
			c.Defer(func(ctx context.Context) error { return e.APIM.DeleteKeyManager(ctx, created.ID) })
			c.Failf("API-M registered Key Manager %s with tokenType %s although its PEM certificate is not an X.509 certificate: its identity provider cannot verify anything",
				created.Name, created.TokenType)
		}
		if !wso2am.IsRESTError(err, http.StatusBadRequest, 0) {
			c.Failf("API-M refused a Key Manager whose certificate is not X.509, but not with 400: %v", err)
		}
		c.Logf("API-M refused the registration: %v", err)
		if _, ok := listed(c, bad.Name); ok {
			c.Failf("API-M refused Key Manager %s but lists it", bad.Name)
		}
		_, err = exchangeAt(c, app.AppKeys, wso2am.ExchangeRequest{SubjectToken: subjectToken(c, subject)})
		if err == nil {
			c.Failf("API-M exchanged IS's token although the only Key Manager trusting IS was refused")
		}
		expectExchangeRefused(c, err, "a token of an issuer no Key Manager trusts", "invalid_request", "invalid_grant")
	},
}
