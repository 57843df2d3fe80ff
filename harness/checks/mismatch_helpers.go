package checks

import (
	"context"
	"maps"
	"net/http"

	"github.com/google/uuid"

	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/poll"
	"github.com/kmconform/kmconform/harness/tokens"
	"github.com/kmconform/kmconform/harness/wso2am"
)

// The gateway's answers the mismatch checks assert (messages of carbon-apimgt APISecurityConstants).
const (
	msgInvalidCredentials = "Invalid Credentials"
	descInvalidCredential = "Invalid Credentials. Make sure you have provided the correct security credentials"
	// msgForbidden carries the trailing space API-M sends.
	msgForbidden       = "Resource forbidden "
	descNoSubscription = "User is NOT authorized to access the Resource. API Subscription validation failed."
)

// callPath makes one call through the gateway to path and ends the check when the call itself fails.
func callPath(c *C, path, token, what string) wso2am.GatewayAnswer {
	a, err := c.Env.APIM.CallAPI(c.ctx, path, token)
	c.NoErr(err, "call %s through the gateway with %s", path, what)
	return a
}

// expectAcceptedOn calls path until the gateway answers 200 (a new API, subscription or Key Manager
// reaches the gateway eventually), minting a token per attempt with mint.
func expectAcceptedOn(c *C, path, what string, mint func(ctx context.Context) (string, error)) string {
	last, err := pollAccepted(c, path, what, mint)
	if err != nil {
		c.Failf("the gateway did not accept %s on %s: %v", what, path, err)
	}
	return last
}

// pollAccepted is the poll of expectAcceptedOn, expectGatewayAccepts and expectGatewayAcceptsAt: it calls
// path until the gateway answers 200 and returns the last token minted, or the poll's error.
func pollAccepted(c *C, path, what string, mint func(ctx context.Context) (string, error)) (string, error) {
	var last string
	_, err := poll.Until(c.ctx, poll.Options{What: "the gateway to accept " + what + " on " + path,
		Interval: intervals.GatewayPropagation, Backoff: true, Progress: c.log},
		func(ctx context.Context) (bool, string, error) {
			tok, err := mint(ctx)
			if err != nil {
				return false, "", err
			}
			last = tok
			a, err := c.Env.APIM.CallAPI(ctx, path, tok)
			if err != nil {
				return false, err.Error(), nil
			}
			return a.Status == http.StatusOK, a.String(), nil
		})
	return last, err
}

// fixedToken mints the same token every time.
func fixedToken(tok string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return tok, nil }
}

// genuineClaims verifies an IS token against IS's JWKS (the positive control: what the check changes next
// is a valid token) and returns its header and a copy of its claims with a fresh jti, to sign again.
func genuineClaims(c *C, tok string) (map[string]any, map[string]any) {
	e := c.Env
	v, err := tokens.Verify(c.ctx, e.HTTP, e.Discovery.JWKSURI, tok, e.Discovery.Issuer)
	c.NoErr(err, "the genuine IS token does not verify against IS's JWKS %s, so a refusal of its forgeries would prove nothing", e.Discovery.JWKSURI)
	claims := maps.Clone(map[string]any(v.Claims))
	claims["jti"] = uuid.NewString()
	return v.Header, claims
}

// refused reports whether a is the gateway's refusal with status, code and message (exactly).
func refused(a wso2am.GatewayAnswer, status int, code, message string) bool {
	return a.Status == status && a.Code == code && a.Message == message
}
