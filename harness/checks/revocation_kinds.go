package checks

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/poll"
	"github.com/kmconform/kmconform/harness/wso2am"
)

func init() {
	register(revocationOpaque, revocationRefreshPrevious, revocationPasswordChange, revocationRefreshTokenOnly)
}

// An opaque token has no jti: IS's event carries the token itself (apim-km-wso2is TokenRevocationEvent), and
// API-M evicts it from the gateway's caches (carbon-apimgt GatewayTokenRevocationMessageListener), after which
// the key-validation path asks IS again and gets active:false.
var revocationOpaque = &Check{
	ID: "revocation.opaque.gateway", Area: "revocation", Capability: "revocation.opaque", Level: MUST,
	Title: "an opaque (Default) token revoked at IS is inactive at IS and refused by the gateway (401 900901) within the revocation interval, before its introspection-cache entry could expire",
	Refs: []string{"RFC 7009 §2", "RFC 7662 §2.2", "API-M docs: Token revocation (gateway cache eviction)",
		"API-M docs: Provisioning out-of-band OAuth clients (map-keys)", "wso2/product-apim#11274"},
	Fixtures: []string{fixture.OpaqueApp.Name},
	Faults: []Proof{
		{"no-jar", "the revocation notification did not reach API-M"},
		{"apim-notify-ignores-revocation", "the revocation notification did not reach API-M"},
		{"apim-notify-keeps-opaque-token", "did not evict the token"},
		{"open-api", "elects the first Key Manager that can handle it"},
	},
	Files: true, // reads the introspection cache TTL from API-M's applied deployment.toml
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.OpaqueApp)
		tok := appToken(c, app)
		if strings.Count(tok, ".") == 2 {
			c.Failf("IS issued a JWT to client %s, registered without a token type: the check needs an opaque (Default) token, IS's documented default", app.ConsumerKey)
		}
		ttl := introspectionCacheTTL(c)
		// The accepted call puts the token in the gateway's introspection cache; until that entry expires,
		// only the notification's eviction can make the gateway ask IS again.
		cachedBy := time.Now()
		if err := acceptedOn(c, e.APIPath, tok); err != nil {
			why := ""
			if slices.Contains(e.API.KeyManagers, "all") {
				// carbon-apimgt DefaultKeyValidationHandler: for an API open to every Key Manager the gateway elects
				// the first one that can handle an opaque token, the Resident Key Manager first (api-manager#749, #4612).
				why = fmt.Sprintf(": API %s is open to every Key Manager (keyManagers %v), and for an opaque token the gateway elects the first Key Manager that can handle it — the Resident Key Manager, which does not know IS's tokens (restrict the API to %s, or give the Key Managers token-handling rules)",
					e.API.Name, e.API.KeyManagers, e.KeyManager.Name)
			}
			c.Failf("the gateway did not accept the opaque token before revocation (%v)%s", err, why)
		}

		revokedAt := time.Now()
		c.NoErr(e.IS.Revoke(c.ctx, e.Discovery.RevocationEndpoint, app.ConsumerKey, app.ConsumerSecret, tok, "access_token"),
			"revoke the opaque token at IS")
		r := awaitRefusal(c, e.APIPath, tok, "the revoked opaque token", revokedAt)
		if refusedAt := revokedAt.Add(r.Elapsed); !refusedAt.Before(cachedBy.Add(ttl.value)) {
			c.Failf("the gateway refused the revoked opaque token only after %d ms, when its introspection-cache entry could have expired (%s): the revocation notification did not reach API-M, or API-M did not evict the token from the gateway's cache%s",
				r.Elapsed.Milliseconds(), ttl, notificationDiagnosis(c))
		}
		a := r.Answer
		if !keyValidationRefusal(a) {
			c.Failf("the gateway refused the revoked opaque token with %s, want HTTP 401, code 900901 (%s: %s …) from the key-validation path",
				a.String(), msgInvalidCredentials, revPrefixKeyValidation)
		}
		expectInactiveAtIS(c, tok, "the revoked opaque token")
		c.Measure("revocation-opaque-latency-ms", latencyMs(r.Elapsed))
		c.Logf("the opaque token's revocation reached the gateway after %d ms (introspection cache %s)", r.Elapsed.Milliseconds(), ttl)
	},
}

// apim-km-wso2is ApimOauthEventInterceptor.onPostTokenRenewal: the refresh_token grant revokes the previous
// access token at IS and the interceptor notifies it (onPostTokenRenewal) — missing in older interceptors
// (api-manager#2270).
var revocationRefreshPrevious = &Check{
	ID: "revocation.refresh.previous-token", Area: "revocation", Capability: "revocation.renewal", Level: MUST,
	Title:    "after a refresh_token grant the previous access token is inactive at IS and refused by the gateway within the revocation interval; the new one works",
	Refs:     []string{"RFC 6749 §6", "wso2-extensions/apim-km-wso2is ApimOauthEventInterceptor.onPostTokenRenewal", "wso2/api-manager#2270", "wso2/product-is#12205"},
	Fixtures: []string{fixture.ISApp.Name, fixture.ISUser.Name},
	Faults: []Proof{
		{"no-jar", "the revocation notification did not reach API-M"},
		{"is-no-renewal-event", "the revocation notification did not reach API-M"},
	},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.ISApp)
		user := Private(c, fixture.ISUser)
		auth := clientAuth(app)
		first, err := e.IS.Password(c.ctx, e.Discovery.TokenEndpoint, auth, user.Name, user.Password)
		c.NoErr(err, "get a password-grant token from IS for user %s", user.Name)
		if first.RefreshToken == "" {
			c.Failf("IS issued no refresh token for a password grant of client %s, whose grants include refresh_token", app.ConsumerKey)
		}
		expectGatewayAccepts(c, first.AccessToken, "the first access token")

		renewedAt := time.Now()
		second, err := e.IS.RefreshToken(c.ctx, e.Discovery.TokenEndpoint, auth, first.RefreshToken)
		c.NoErr(err, "renew the token with the refresh_token grant")
		r := awaitRevokedJWT(c, e.APIPath, first.AccessToken, "the previous access token after the refresh_token grant", renewedAt)
		expectInactiveAtIS(c, first.AccessToken, "the previous access token after the refresh_token grant")
		expectGatewayAccepts(c, second.AccessToken, "the renewed access token")
		c.Measure("revocation-renewal-latency-ms", latencyMs(r.Elapsed))
		c.Logf("the renewal's revocation of the previous token reached the gateway after %d ms", r.Elapsed.Milliseconds())
	},
}

// identity-inbound-auth-oauth IdentityOathEventListener: a password change revokes the user's tokens
// (OAuthUtil.revokeTokens) and the interceptor notifies each (onPostTokenRevocationBySystem).
var revocationPasswordChange = &Check{
	ID: "revocation.password-change", Area: "revocation", Capability: "revocation.system", Level: MUST,
	Title: "a user's token is inactive at IS after the user's password changes, and refused by the gateway within the revocation interval",
	Refs: []string{"wso2-extensions/identity-inbound-auth-oauth IdentityOathEventListener (tokens revoked on a password change)",
		"wso2-extensions/apim-km-wso2is ApimOauthEventInterceptor.onPostTokenRevocationBySystem",
		"IS docs: token revocation on user events", "RFC 7009 §2"},
	Fixtures: []string{fixture.ISApp.Name, fixture.ISUser.Name},
	Faults: []Proof{
		{"no-jar", "the revocation notification did not reach API-M"},
		{"is-password-change-keeps-tokens", "IS did not revoke it"},
	},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.ISApp)
		user := Private(c, fixture.ISUser)
		tok, err := e.IS.Password(c.ctx, e.Discovery.TokenEndpoint, clientAuth(app), user.Name, user.Password)
		c.NoErr(err, "get a password-grant token from IS for user %s", user.Name)
		expectGatewayAccepts(c, tok.AccessToken, "the user's token")

		changedAt := time.Now()
		c.NoErr(e.IS.SetUserPassword(c.ctx, user.ID, fixture.NewPassword(e)), "change the password of user %s", user.Name)
		// IS revokes at once, in the password change itself: its introspection must say so before the
		// gateway's view is awaited.
		expectInactiveAtIS(c, tok.AccessToken, "the user's token after the password change")
		r := awaitRevokedJWT(c, e.APIPath, tok.AccessToken, "the user's token after the password change", changedAt)
		c.Measure("revocation-password-change-latency-ms", latencyMs(r.Elapsed))
		c.Logf("the password change's revocation reached the gateway after %d ms", r.Elapsed.Milliseconds())
	},
}

// IS docs (revoke-tokens.md) and ApimOauthEventInterceptor.onPostTokenRevocationByClient: revoking a refresh
// token leaves its access token valid, and only
// an access-token revocation notifies API-M. Proving a negative needs a bound: a sentinel access token of
// the same client is revoked right after; once the gateway refuses it, a notification sent before it would
// have arrived too, and the access token must still work (and stay active at IS) for as long again.
var revocationRefreshTokenOnly = &Check{
	ID: "revocation.refresh-token-only", Area: "revocation", Capability: "revocation.refresh-token", Level: MUST,
	Title: "revoking only a refresh token sends no notification: its access token stays active at IS and accepted by the gateway",
	Refs: []string{"RFC 7009 §2 (revoking a refresh token MAY revoke its access tokens)", "IS docs: Revoke tokens (an access token and its refresh token are revoked separately)",
		"wso2-extensions/apim-km-wso2is ApimOauthEventInterceptor.onPostTokenRevocationByClient (access tokens only)"},
	Fixtures: []string{fixture.ISApp.Name, fixture.ISUser.Name},
	Faults: []Proof{
		{"is-notify-on-refresh-revoke", "IS sent a revocation notification for a refresh-token revoke"},
	},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.ISApp)
		user := Private(c, fixture.ISUser)
		auth := clientAuth(app)
		tok, err := e.IS.Password(c.ctx, e.Discovery.TokenEndpoint, auth, user.Name, user.Password)
		c.NoErr(err, "get a password-grant token from IS for user %s", user.Name)
		if tok.RefreshToken == "" {
			c.Failf("IS issued no refresh token for a password grant of client %s, whose grants include refresh_token", app.ConsumerKey)
		}
		sentinel, err := e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, app.ConsumerKey, app.ConsumerSecret)
		c.NoErr(err, "get a sentinel client_credentials token from IS")
		expectGatewayAccepts(c, tok.AccessToken, "the access token")
		expectGatewayAccepts(c, sentinel.AccessToken, "the sentinel token")

		revokedAt := time.Now()
		c.NoErr(e.IS.Revoke(c.ctx, e.Discovery.RevocationEndpoint, app.ConsumerKey, app.ConsumerSecret, tok.RefreshToken, "refresh_token"),
			"revoke the refresh token at IS")
		// The refresh token is gone at IS: a refresh with it is refused (the revoke did something).
		if _, err := e.IS.RefreshToken(c.ctx, e.Discovery.TokenEndpoint, auth, tok.RefreshToken); err == nil {
			c.Failf("IS still renewed with the refresh token after it was revoked")
		}
		c.NoErr(e.IS.Revoke(c.ctx, e.Discovery.RevocationEndpoint, app.ConsumerKey, app.ConsumerSecret, sentinel.AccessToken, "access_token"),
			"revoke the sentinel token at IS")
		r := awaitRevokedJWT(c, e.APIPath, sentinel.AccessToken, "the revoked sentinel token", revokedAt)

		// As long again as the sentinel took: the access token must not be refused meanwhile.
		window := max(r.Elapsed, 50*time.Millisecond)
		if a, refused := refusedWithin(c, e.APIPath, tok.AccessToken, window); refused {
			view := introspectionView(c, tok.AccessToken)
			if strings.Contains(view, "active=true") {
				c.Failf("the gateway refused the access token (%s) after only its refresh token was revoked, while %s: IS sent a revocation notification for a refresh-token revoke (IS's interceptor notifies the revocation of access tokens only)",
					a.String(), view)
			}
			c.Failf("the gateway refused the access token (%s) after only its refresh token was revoked, and %s: IS revoked the access token with its refresh token", a.String(), view)
		}
		expectActiveAtIS(c, tok.AccessToken, "the access token", "IS revoked the access token together with its refresh token (IS revokes an access token and its refresh token separately)")
		c.Logf("the access token stayed accepted for %d ms after its refresh token was revoked (the sentinel's revocation took %d ms)",
			window.Milliseconds(), r.Elapsed.Milliseconds())
	},
}

// refusedWithin keeps calling the API with a token for a window (polled at the revocation interval's
// period) and returns the first refusal, if any.
func refusedWithin(c *C, path, token string, window time.Duration) (wso2am.GatewayAnswer, bool) {
	iv := intervals.Get(intervals.Revocation)
	window = min(window, iv.Timeout)
	var last wso2am.GatewayAnswer
	// The wait ends at Since + the interval's timeout: starting it that much before now ends it after window.
	_, err := poll.Until(c.ctx, poll.Options{What: "the gateway to keep accepting the access token", Interval: intervals.Revocation,
		Since: time.Now().Add(window - iv.Timeout)},
		func(ctx context.Context) (bool, string, error) {
			a, err := c.Env.APIM.CallAPI(ctx, path, token)
			if err != nil {
				return false, err.Error(), nil
			}
			last = a
			return a.Status != http.StatusOK, a.String(), nil
		})
	switch {
	case err == nil:
		return last, true
	case poll.IsTimeout(err):
		return last, false
	}
	c.NoErr(err, "call the API with the access token")
	return last, false
}
