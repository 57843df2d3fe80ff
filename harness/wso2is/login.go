package wso2is

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/httpcall"
)

// The headless login plays what a browser does between IS's authorize endpoint and the application's
// redirect_uri (product-is OAuth2ServiceAbstractIntegrationTest, identity-inbound-auth-oauth
// OAuth2AuthzEndpoint): follow IS's redirects, post the user's credentials to /commonauth from the login page,
// approve the consent page when IS shows it, and stop at the redirect_uri (or at the device flow's success
// page). Redirects are followed by hand because they carry the session keys and the code, with a cookie jar of
// the flow's own.

// Steps of a headless login, as FlowError.Step names them.
const (
	StepAuthorize   = "authorize"           // the first request: GET /oauth2/authorize, or POST /oauth2/device
	StepLoginPage   = "read the login page" // only when the login URL lacks sessionDataKey
	StepLogin       = "login"               // POST /commonauth
	StepFollow      = "follow"              // GET of a redirect within IS (e.g. /oauth2/authorize?sessionDataKey=…)
	StepConsent     = "consent"             // POST /oauth2/authorize with consent=approve
	StepConsentPage = "read the consent page"
	StepCallback    = "callback" // the redirect to redirect_uri
)

// Pages of IS's authenticationendpoint webapp, recognised by the last element of their path.
const (
	pageLogin   = "login.do"
	pageConsent = "oauth2_consent.do"
	// pageAuthz is the consent page of a plain OAuth 2.0 request (no openid scope): IS's EndpointUtil
	// sends OIDC requests to oauth2_consent.do and the others to oauth2_authz.do.
	pageAuthz         = "oauth2_authz.do"
	pageOAuthError    = "oauth2_error.do"
	pageRetry         = "retry.do"
	pageDevice        = "device.do"
	pageDeviceSuccess = "device_success.do"
)

// maxHops bounds one login: the documented sequence takes four redirects, the device flow five; a loop
// (IS showing the login page over and over) ends here.
const maxHops = 12

// FlowError says where a headless login left the documented sequence: the step, the status IS answered,
// where it redirected (query values other than error messages masked) and the hops taken so far.
type FlowError struct {
	Flow     string // "authorization_code" or "device_code"
	Step     string // one of the Step* constants
	Status   int    // status of the answer that deviated; 0 when the step did not get that far
	Location string // where that answer redirected, masked
	Reason   string
	// OAuthError and OAuthDescription are what IS put in the redirect: error/error_description on the
	// redirect_uri, oauthErrorCode/oauthErrorMsg on its error page, authFailureMsg on the login page.
	OAuthError, OAuthDescription string
	// Trail is every request of the flow, as "METHOD /path → status /location-path".
	Trail []string
	Err   error
}

func (e *FlowError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s login at IS, step %s", e.Flow, e.Step)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Location != "" {
		fmt.Fprintf(&b, " to %s", e.Location)
	}
	fmt.Fprintf(&b, ": %s", e.Reason)
	if e.OAuthError != "" || e.OAuthDescription != "" {
		fmt.Fprintf(&b, " (IS says %s %s)", e.OAuthError, e.OAuthDescription)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if len(e.Trail) > 0 {
		fmt.Fprintf(&b, "; hops: %s", strings.Join(e.Trail, " | "))
	}
	return evidence.Redact(b.String())
}

func (e *FlowError) Unwrap() error { return e.Err }

// browser is one headless login: the Client's transport with a cookie jar of its own, never following
// redirects by itself.
type browser struct {
	client *http.Client
	flow   string
	// origin is IS's scheme://host:port as the flow reached it; redirects elsewhere are not followed.
	origin string
	trail  []string
}

func (c *Client) newBrowser(flow string) (*browser, error) {
	if c.HTTP == nil {
		return nil, fmt.Errorf("%s login at IS: the client has no HTTP client", flow)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("%s login at IS: cookie jar: %w", flow, err)
	}
	return &browser{
		client: &http.Client{
			Transport:     c.HTTP.Transport,
			Jar:           jar,
			Timeout:       c.HTTP.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		flow: flow,
	}, nil
}

// hop is one request of the flow and where its answer points.
type hop struct {
	step string
	resp *httpcall.Response
	loc  *url.URL
}

// send makes one request; the answer's Location is resolved against the request URL.
func (b *browser) send(ctx context.Context, step, method, target string, form url.Values) (*hop, error) {
	req := httpcall.Request{
		Op: fmt.Sprintf("%s login at IS (%s)", b.flow, step), Method: method, URL: target, Form: form,
		Headers: map[string]string{"Accept": "text/html,application/xhtml+xml,*/*"},
	}
	resp, err := httpcall.Do(ctx, b.client, req)
	if err != nil {
		return nil, b.fail(step, nil, "the request failed", err)
	}
	loc, err := httpcall.Location(req, resp)
	h := &hop{step: step, resp: resp, loc: loc}
	if err != nil {
		return nil, b.fail(step, h, "the Location header is not a URL", err)
	}
	entry := fmt.Sprintf("%s %s → %d", method, pathOf(target), resp.Status)
	if loc != nil {
		entry += " " + loc.Path
	}
	b.trail = append(b.trail, entry)
	return h, nil
}

func (b *browser) fail(step string, h *hop, reason string, err error) *FlowError {
	e := &FlowError{Flow: b.flow, Step: step, Reason: reason, Err: err, Trail: append([]string(nil), b.trail...)}
	if h != nil {
		e.Status = h.resp.Status
		if h.loc != nil {
			e.Location = maskLocation(h.loc)
		}
	}
	return e
}

// loginInput is what the user types and clicks.
type loginInput struct {
	username, password string
	// consent is the consent page's button: approve (default), approveAlways or deny.
	consent string
	// redirectURI is where the flow ends; empty for the device flow, which ends on device_success.do.
	redirectURI string
}

// loginEnd is where a login stopped.
type loginEnd struct {
	// final is the redirect_uri (with IS's query) or the device success page.
	final        *url.URL
	loginShown   bool
	consentShown bool
	trail        []string
}

// run follows IS from the answer to the first request until the redirect_uri or the device success page.
func (b *browser) run(ctx context.Context, first *hop, in loginInput) (*loginEnd, error) {
	end := &loginEnd{}
	cur := first
	for hops := 0; ; hops++ {
		if hops >= maxHops {
			return nil, b.fail(cur.step, cur, fmt.Sprintf("no redirect_uri after %d redirects", maxHops), nil)
		}
		if !isRedirect(cur.resp.Status) || cur.loc == nil {
			return nil, b.fail(cur.step, cur, "expected a redirect (302 with Location)", nil)
		}
		loc := cur.loc
		q := loc.Query()
		if in.redirectURI != "" && sameEndpoint(loc, in.redirectURI) {
			end.final, end.trail = loc, b.trail
			return end, nil
		}
		var next *hop
		var err error
		switch path.Base(loc.Path) {
		case pageDeviceSuccess:
			if in.redirectURI == "" {
				end.final, end.trail = loc, b.trail
				return end, nil
			}
			return nil, b.fail(cur.step, cur, "IS went to the device success page in an authorization_code flow", nil)
		case pageOAuthError, pageRetry:
			e := b.fail(cur.step, cur, "IS redirected to its error page", nil)
			e.OAuthError, e.OAuthDescription = q.Get("oauthErrorCode"), q.Get("oauthErrorMsg")
			return nil, e
		case pageDevice:
			// Back on the user-code page: the code was not accepted.
			e := b.fail(cur.step, cur, "IS sent the user back to the user-code page", nil)
			e.OAuthError = q.Get("error")
			return nil, e
		case pageLogin:
			if q.Get("authFailure") == "true" {
				e := b.fail(cur.step, cur, "IS refused the user's credentials", nil)
				e.OAuthError, e.OAuthDescription = "authFailure", q.Get("authFailureMsg")
				return nil, e
			}
			if end.loginShown {
				return nil, b.fail(cur.step, cur, "IS showed the login page again after the login", nil)
			}
			end.loginShown = true
			next, err = b.login(ctx, loc, in)
		case pageConsent, pageAuthz:
			if end.consentShown {
				return nil, b.fail(cur.step, cur, "IS showed the consent page again after the consent", nil)
			}
			end.consentShown = true
			next, err = b.approve(ctx, loc, in)
		default:
			if origin(loc) != b.origin {
				return nil, b.fail(cur.step, cur, "IS redirected neither within itself nor to the redirect_uri", nil)
			}
			next, err = b.send(ctx, StepFollow, http.MethodGet, loc.String(), nil)
		}
		if err != nil {
			return nil, err
		}
		cur = next
	}
}

// login posts the credentials as the login page's form does: to /commonauth, with its sessionDataKey.
func (b *browser) login(ctx context.Context, page *url.URL, in loginInput) (*hop, error) {
	key := page.Query().Get("sessionDataKey")
	if key == "" {
		var err error
		if key, err = b.scrape(ctx, StepLoginPage, page, "sessionDataKey"); err != nil {
			return nil, err
		}
	}
	form := url.Values{"username": {in.username}, "password": {in.password}, "sessionDataKey": {key}}
	return b.send(ctx, StepLogin, http.MethodPost, resolve(page, "/commonauth"), form)
}

// approve posts the consent page's form: consent=approve with its sessionDataKeyConsent (IS's own tests
// also send scope-approval and one consent_<claim id> per requested claim).
func (b *browser) approve(ctx context.Context, page *url.URL, in loginInput) (*hop, error) {
	q := page.Query()
	key := q.Get("sessionDataKeyConsent")
	if key == "" {
		var err error
		if key, err = b.scrape(ctx, StepConsentPage, page, "sessionDataKeyConsent"); err != nil {
			return nil, err
		}
	}
	consent := in.consent
	if consent == "" {
		consent = "approve"
	}
	form := url.Values{"consent": {consent}, "sessionDataKeyConsent": {key}, "scope-approval": {consent}}
	for _, id := range claimIDs(q.Get("requestedClaims"), q.Get("mandatoryClaims")) {
		form.Set("consent_"+id, "on")
	}
	return b.send(ctx, StepConsent, http.MethodPost, resolve(page, "/oauth2/authorize"), form)
}

// scrape reads a page and returns the value of its hidden input named name.
func (b *browser) scrape(ctx context.Context, step string, page *url.URL, name string) (string, error) {
	h, err := b.send(ctx, step, http.MethodGet, page.String(), nil)
	if err != nil {
		return "", err
	}
	if h.resp.Status != http.StatusOK {
		return "", b.fail(step, h, fmt.Sprintf("the page URL has no %s and the page did not load", name), nil)
	}
	v := hiddenInput(string(h.resp.Body), name)
	if v == "" {
		return "", b.fail(step, h, fmt.Sprintf("neither the page URL nor the page carries %s", name), nil)
	}
	return v, nil
}

var (
	inputTag  = regexp.MustCompile(`(?is)<input\b[^>]*>`)
	nameAttr  = regexp.MustCompile(`(?is)\bname\s*=\s*["']([^"']*)["']`)
	valueAttr = regexp.MustCompile(`(?is)\bvalue\s*=\s*["']([^"']*)["']`)
)

// hiddenInput finds <input name="name" value="…"> in a page, attributes in any order.
func hiddenInput(page, name string) string {
	for _, tag := range inputTag.FindAllString(page, -1) {
		if m := nameAttr.FindStringSubmatch(tag); m != nil && m[1] == name {
			if v := valueAttr.FindStringSubmatch(tag); v != nil {
				return v[1]
			}
		}
	}
	return ""
}

// claimIDs reads the consent page's claim lists, entries "<id>_<display name>" separated by commas, and
// returns the ids.
func claimIDs(lists ...string) []string {
	var ids []string
	for _, list := range lists {
		for entry := range strings.SplitSeq(list, ",") {
			id, _, ok := strings.Cut(strings.TrimSpace(entry), "_")
			if ok && id != "" && strings.Trim(id, "0123456789") == "" {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect:
		return true
	}
	return false
}

// sameEndpoint says whether u points at redirectURI (scheme, host and path; IS appends the query).
func sameEndpoint(u *url.URL, redirectURI string) bool {
	r, err := url.Parse(redirectURI)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Scheme, r.Scheme) && strings.EqualFold(u.Host, r.Host) &&
		strings.TrimSuffix(u.Path, "/") == strings.TrimSuffix(r.Path, "/")
}

func origin(u *url.URL) string { return strings.ToLower(u.Scheme + "://" + u.Host) }

// resolve is ref against base's origin.
func resolve(base *url.URL, ref string) string {
	u := *base
	u.Path, u.RawPath, u.RawQuery, u.Fragment = ref, "", "", ""
	return u.String()
}

func pathOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Path
	}
	return "?"
}

// shownQuery are the query parameters whose values a FlowError may print: error messages and request
// parameters that are no secret. Codes, session keys and tokens are masked.
var shownQuery = map[string]bool{
	"error": true, "error_description": true, "oauthErrorCode": true, "oauthErrorMsg": true,
	"authFailure": true, "authFailureMsg": true, "errorCode": true, "client_id": true, "response_type": true,
	"scope": true, "redirect_uri": true, "state": true, "sp": true, "tenantDomain": true, "type": true,
}

// maskLocation prints a redirect without the values of parameters that might be credentials.
func maskLocation(u *url.URL) string {
	m := *u
	q := m.Query()
	for k, vs := range q {
		if !shownQuery[k] {
			for i := range vs {
				vs[i] = evidence.Mask
			}
		}
	}
	m.RawQuery = q.Encode()
	return m.String()
}
