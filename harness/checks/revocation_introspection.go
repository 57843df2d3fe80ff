package checks

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/poll"
	"github.com/kmconform/kmconform/harness/wso2am"
)

func init() { register(revocationIntrospection) }

// defaultTokenExpiry is API-M's default [apim.cache] token_expiry_time (API-M docs: Configuring caching).
const defaultTokenExpiry = 900 * time.Second

// In introspection mode the gateway caches IS's answer by the full token, while IS's event for a JWT
// application carries the jti: the notification cannot evict the entry, and a revoked token stays
// accepted until the IntrospectionCache entry expires (WSO2's integration-v2 IS 7 plan; WSO2's
// suite lowers the TTL to 15 s to test it). The check measures the refusal against that bound.
var revocationIntrospection = &Check{
	ID: "revocation.introspection-mode", Area: "revocation", Capability: "revocation.introspection", Level: MUST,
	Title: "with a Key Manager that introspects (enableSelfValidationJWT=false), a JWT revoked at IS is refused by the gateway (401 900901) at the latest when its introspection-cache entry expires; the check states the bound",
	Refs: []string{"RFC 7662 §2.2", "RFC 7009 §2", "API-M docs: Configuring caching (token_expiry_time)",
		"wso2/product-apim integration-v2 is7-key-manager-integration-plan.md (introspection cache TTL; validation-mode overlay token_expiry_time = 15)",
		"wso2/product-apim integration-v2 is7_introspection.feature"},
	Fixtures: []string{fixture.ISApp.Name, fixture.IntrospectKM.Name},
	Faults: []Proof{
		{"gateway-introspection-ignores-inactive", "did not take IS's active:false as an invalid token"},
	},
	Files: true,
	Run: func(c *C) {
		e := c.Env
		Shared(c, fixture.ISApp) // the Key Manager's release proves itself with the base application
		m := Private(c, fixture.IntrospectKM)
		c.Defer(m.Release)
		ttl := introspectionCacheTTL(c)
		if iv := intervals.Get(intervals.Revocation); iv.Timeout <= ttl.value {
			c.Failf("the revocation interval (%s) is not longer than the bound it must cover, the introspection cache TTL of %s: stretch it with --interval %s=%s",
				iv.Timeout, ttl, intervals.Revocation, ttl.value+30*time.Second)
		}
		app := m.App
		tok := appToken(c, app)
		expectAcceptedOn(c, m.APIPath, "the token in introspection mode", fixedToken(tok))
		// The accepted call cached IS's answer: the entry expires at the latest one TTL from now.
		cached := time.Now()

		revokedAt := time.Now()
		c.NoErr(e.IS.Revoke(c.ctx, e.Discovery.RevocationEndpoint, app.ConsumerKey, app.ConsumerSecret, tok, "access_token"),
			"revoke the token at IS")
		expectInactiveAtIS(c, tok, "the revoked token")
		r, err := pollRefusal(c, m.APIPath, tok, "the revoked token in introspection mode", revokedAt)
		if err != nil {
			c.Failf("the gateway still accepted the revoked token %s after its revocation, beyond the bound of its introspection-cache entry (%s from its first acceptance; %s): the gateway did not take IS's active:false as an invalid token once the entry expired (%v)",
				time.Since(revokedAt).Round(time.Millisecond), ttl, introspectionView(c, tok), err)
		}
		a := r.Answer
		switch {
		case a.Status == http.StatusForbidden && a.Code == "900908":
			c.Failf("the gateway answered the revoked token with %s after %d ms: it did not take IS's active:false as an invalid token and went on to subscription validation (the IS 7 connector's getTokenMetaData makes active:false a 900901)",
				a.String(), r.Elapsed.Milliseconds())
		case !keyValidationRefusal(a):
			c.Failf("the gateway refused the revoked token with %s, want HTTP 401, code 900901 (%s: %s …) from the key-validation path",
				a.String(), msgInvalidCredentials, revPrefixKeyValidation)
		}
		refusedAt := revokedAt.Add(r.Elapsed)
		// The entry was made during the accepted call; allow one poll period and a second for the refusal.
		limit := cached.Add(ttl.value + time.Second + intervals.Get(intervals.Revocation).Poll)
		if refusedAt.After(limit) {
			c.Failf("the gateway refused the revoked token only %d ms after its revocation, later than its introspection-cache entry could live (%s): the gateway kept a revoked token beyond the cache bound",
				r.Elapsed.Milliseconds(), ttl)
		}
		c.Measure("revocation-introspection-latency-ms", latencyMs(r.Elapsed))
		c.Measure("revocation-introspection-bound-ms", float64(ttl.value.Milliseconds()))
		c.Logf("introspection mode: the revoked token was refused after %d ms; bound applied: %s", r.Elapsed.Milliseconds(), ttl)
	},
}

// cacheTTL is the introspection cache TTL of the cell and where it comes from.
type cacheTTL struct {
	value  time.Duration
	source string
}

func (t cacheTTL) String() string { return fmt.Sprintf("%s, %s", t.value, t.source) }

// introspectionCacheTTL reads [apim.cache] token_expiry_time from API-M's applied deployment.toml.
func introspectionCacheTTL(c *C) cacheTTL {
	v := tomlGet(appliedTOML(c, amAlias), "apim", "cache", "token_expiry_time")
	if v == nil {
		return cacheTTL{defaultTokenExpiry, "API-M's default: its applied deployment.toml sets no [apim.cache] token_expiry_time"}
	}
	d, err := tomlSeconds(v)
	c.NoErr(err, "read [apim.cache] token_expiry_time from API-M's applied deployment.toml")
	src := "[apim.cache] token_expiry_time in API-M's applied deployment.toml"
	if c.Env.Plan != nil && c.Env.Plan.APIM.TokenExpiryTime > 0 && d == time.Duration(c.Env.Plan.APIM.TokenExpiryTime)*time.Second {
		src += fmt.Sprintf(", set by kmconform's plan (API-M's default is %s)", defaultTokenExpiry)
	}
	return cacheTTL{d, src}
}

// tomlSeconds reads a number of seconds or a duration such as "900s" or "15m".
func tomlSeconds(v any) (time.Duration, error) {
	switch n := v.(type) {
	case int64:
		return time.Duration(n) * time.Second, nil
	case float64:
		return time.Duration(n * float64(time.Second)), nil
	case string:
		s := strings.TrimSpace(n)
		if secs, err := strconv.Atoi(s); err == nil {
			return time.Duration(secs) * time.Second, nil
		}
		return time.ParseDuration(s)
	}
	return 0, fmt.Errorf("unexpected value %v (%T)", v, v)
}

// pollRefusal is awaitRefusal without its failure: the caller words the timeout.
func pollRefusal(c *C, path, token, what string, since time.Time) (refusal, error) {
	var last wso2am.GatewayAnswer
	res, err := poll.Until(c.ctx, poll.Options{What: "the gateway to refuse " + what, Interval: intervals.Revocation,
		Since: since, Progress: c.log},
		func(ctx context.Context) (bool, string, error) {
			a, err := c.Env.APIM.CallAPI(ctx, path, token)
			if err != nil {
				return false, err.Error(), nil
			}
			last = a
			return a.Status != http.StatusOK, a.String(), nil
		})
	return refusal{Answer: last, Elapsed: res.Elapsed}, err
}
