package wso2is

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
)

// CodeRequest is one authorization_code login (RFC 6749 §4.1) done without a browser.
type CodeRequest struct {
	// AuthorizeEndpoint is discovery's authorization_endpoint.
	AuthorizeEndpoint string
	// ClientID defaults to the ClientAuth's client id in AuthorizationCode.
	ClientID    string
	RedirectURI string
	Scopes      []string
	// State is sent and checked on the way back; a random one is made when empty.
	State string
	// Nonce is sent when set (OIDC, for the id_token).
	Nonce string
	// PKCE adds code_challenge and code_challenge_method; AuthorizationCode then sends its verifier.
	PKCE *PKCE
	// Username and Password are what the user types on IS's login page.
	Username, Password string
	// Consent is the consent page's answer if IS shows it: approve (default), approveAlways or deny.
	Consent string
	// Extra parameters for the authorize request (e.g. prompt, response_mode).
	Extra url.Values
}

// CodeResult is where the login ended: the code IS sent to the redirect_uri.
type CodeResult struct {
	Code  string
	State string
	// SessionState is OIDC session management's session_state, when IS sends it.
	SessionState string
	// ConsentShown says whether IS asked for consent (it does for DCR-created apps unless configured not to).
	ConsentShown bool
	// Trail is every request of the login ("METHOD /path → status /location-path").
	Trail []string
}

// Authorize runs the browser part of the authorization_code flow — GET /oauth2/authorize, the login page,
// POST /commonauth, the consent page if IS shows it — and returns the code from the redirect to
// RedirectURI after checking its state. Any deviation is a *FlowError naming the step; an error redirect
// to RedirectURI (e.g. error=access_denied after consent=deny) is a *FlowError at StepCallback with
// OAuthError set.
func (c *Client) Authorize(ctx context.Context, r CodeRequest) (*CodeResult, error) {
	const flow = "authorization_code"
	b, err := c.newBrowser(flow)
	if err != nil {
		return nil, err
	}
	if r.AuthorizeEndpoint == "" || r.ClientID == "" || r.RedirectURI == "" {
		return nil, &FlowError{Flow: flow, Step: StepAuthorize, Reason: "the request lacks the authorize endpoint, client_id or redirect_uri"}
	}
	state := r.State
	if state == "" {
		if state, err = randomString(16); err != nil {
			return nil, fmt.Errorf("%s login at IS: %w", flow, err)
		}
	}
	q := url.Values{
		"response_type": {"code"}, "client_id": {r.ClientID}, "redirect_uri": {r.RedirectURI}, "state": {state},
	}
	scopeForm(q, r.Scopes)
	if r.Nonce != "" {
		q.Set("nonce", r.Nonce)
	}
	if r.PKCE != nil {
		q.Set("code_challenge", r.PKCE.Challenge)
		q.Set("code_challenge_method", r.PKCE.Method)
	}
	for k, v := range r.Extra {
		q[k] = append([]string(nil), v...)
	}
	target, err := url.Parse(r.AuthorizeEndpoint)
	if err != nil {
		return nil, &FlowError{Flow: flow, Step: StepAuthorize, Reason: "the authorize endpoint is not a URL", Err: err}
	}
	target.RawQuery = q.Encode()
	b.origin = origin(target)

	first, err := b.send(ctx, StepAuthorize, http.MethodGet, target.String(), nil)
	if err != nil {
		return nil, err
	}
	end, err := b.run(ctx, first, loginInput{username: r.Username, password: r.Password, consent: r.Consent, redirectURI: r.RedirectURI})
	if err != nil {
		return nil, err
	}
	back := end.final.Query()
	callbackFail := func(reason string) *FlowError {
		e := &FlowError{Flow: flow, Step: StepCallback, Reason: reason, Location: maskLocation(end.final), Trail: end.trail}
		e.OAuthError, e.OAuthDescription = back.Get("error"), back.Get("error_description")
		return e
	}
	if back.Get("error") != "" {
		return nil, callbackFail("IS redirected to the redirect_uri with an error")
	}
	if back.Get("code") == "" {
		return nil, callbackFail("the redirect to the redirect_uri carries no code")
	}
	if got := back.Get("state"); got != state {
		return nil, callbackFail(fmt.Sprintf("state %q came back, %q was sent", got, state))
	}
	return &CodeResult{
		Code: back.Get("code"), State: back.Get("state"), SessionState: back.Get("session_state"),
		ConsentShown: end.consentShown, Trail: end.trail,
	}, nil
}

// ExchangeCode redeems an authorization code at the token endpoint (RFC 6749 §4.1.3); codeVerifier is
// sent when not empty (RFC 7636 §4.5).
func (c *Client) ExchangeCode(ctx context.Context, tokenEndpoint string, auth ClientAuth, code, redirectURI, codeVerifier string) (*Token, error) {
	form := url.Values{"grant_type": {GrantAuthorizationCode}, "code": {code}, "redirect_uri": {redirectURI}}
	if codeVerifier != "" {
		form.Set("code_verifier", codeVerifier)
	}
	return c.tokenRequest(ctx, "get an authorization_code token from IS", tokenEndpoint, auth, form)
}

// AuthorizationCode is Authorize followed by ExchangeCode with the PKCE verifier, if any.
func (c *Client) AuthorizationCode(ctx context.Context, tokenEndpoint string, auth ClientAuth, r CodeRequest) (*Token, *CodeResult, error) {
	if r.ClientID == "" {
		r.ClientID = auth.ClientID
	}
	res, err := c.Authorize(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	verifier := ""
	if r.PKCE != nil {
		verifier = r.PKCE.Verifier
	}
	t, err := c.ExchangeCode(ctx, tokenEndpoint, auth, res.Code, r.RedirectURI, verifier)
	if err != nil {
		return nil, res, err
	}
	return t, res, nil
}

func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random value: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
