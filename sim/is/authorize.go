package is

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// authzSession is one /oauth2/authorize request on its way through login and consent, keyed by
// sessionDataKey (IS keeps it in the session-data cache; identity-server-7.md §5).
type authzSession struct {
	key, consentKey            string
	clientID, appName          string
	responseType, redirectURI  string
	state, nonce               string
	scopes                     []string
	challenge, challengeMethod string
	user                       string       // set by /commonauth
	device                     *deviceGrant // response_type=device (the device flow's user step)
	created                    time.Time
}

func (a *authzSession) oidc() bool { return slices.Contains(a.scopes, "openid") }

// sessionTTL bounds how long a login may take. UNCONFIRMED (§5): IS's session-data cache timeout is not
// documented there; chose 15 minutes (the default authentication session timeout).
const sessionTTL = 15 * time.Minute

// authorize serves GET|POST /oauth2/authorize (§5): a new request, the return from /commonauth
// (sessionDataKey) or the consent decision (sessionDataKeyConsent).
func (s *server) authorize(w http.ResponseWriter, r *http.Request) {
	params, err := readParams(r)
	if err != nil {
		s.errorRedirect(w, r, "invalid_request", "Invalid authorization request")
		return
	}
	switch {
	case params.Get("sessionDataKeyConsent") != "":
		s.consentDecision(w, r, params)
	case params.Get("sessionDataKey") != "":
		s.afterLogin(w, r, params.Get("sessionDataKey"))
	default:
		s.newAuthorization(w, r, params)
	}
}

// newAuthorization validates a fresh request and sends the browser to the login page.
func (s *server) newAuthorization(w http.ResponseWriter, r *http.Request, p url.Values) {
	clientID := p.Get("client_id")
	s.mu.Lock()
	a := s.apps[clientID]
	var pkceMandatory, pkcePlain bool
	if a != nil {
		pkceMandatory, pkcePlain = appFlag(a, "ext_pkce_mandatory"), appFlag(a, "ext_pkce_support_plain")
	}
	s.mu.Unlock()
	if a == nil {
		// UNCONFIRMED (§5): the error page parameters for an unknown client; chose invalid_client with
		// IS's "Cannot find an application associated with the given consumer key" message.
		s.errorRedirect(w, r, "invalid_client", "Cannot find an application associated with the given consumer key : "+clientID)
		return
	}
	if p.Get("response_mode") == "direct" {
		s.appNativeDisabled(w, a)
		return
	}
	sess := &authzSession{
		clientID: a.clientID, appName: a.name, responseType: p.Get("response_type"),
		state: p.Get("state"), nonce: p.Get("nonce"), scopes: scopesOf(p.Get("scope")),
		challenge: p.Get("code_challenge"), challengeMethod: p.Get("code_challenge_method"),
		created: s.now(),
	}
	if sess.responseType == "device" {
		// The device flow's user step (device.go) re-enters here with the user code as nonce; it
		// needs no redirect URI.
		if sess.device = s.pendingDevice(sess.nonce, a.clientID); sess.device == nil {
			s.errorRedirect(w, r, "invalid_request", "Invalid user code")
			return
		}
		s.startLogin(w, sess)
		return
	}
	sess.redirectURI = p.Get("redirect_uri")
	registered := slices.Contains(a.redirectURIs, sess.redirectURI) || s.faults.On("is-authorize-open-redirect")
	if sess.redirectURI == "" || !registered {
		// §5: a bad or missing redirect_uri never goes back to the client. UNCONFIRMED (§5): code and
		// message on the error page; chose invalid_callback "Registered callback does not match with the
		// provided url.".
		s.errorRedirect(w, r, "invalid_callback", "Registered callback does not match with the provided url.")
		return
	}
	if sess.responseType != "code" {
		// UNCONFIRMED (§5): only the code flow is simulated; chose unsupported_response_type.
		s.clientError(w, sess, "unsupported_response_type", "Unsupported response_type value")
		return
	}
	if !a.allows("authorization_code") {
		// UNCONFIRMED (§5): chose unauthorized_client for an app without the authorization_code grant.
		s.clientError(w, sess, "unauthorized_client", "The authenticated client is not authorized to use this authorization grant type")
		return
	}
	if desc := checkPKCERequest(sess, pkceMandatory, pkcePlain); desc != "" {
		s.clientError(w, sess, "invalid_request", desc)
		return
	}
	s.startLogin(w, sess)
}

// checkPKCERequest applies ext_pkce_mandatory and ext_pkce_support_plain (§7) at the authorization
// request. UNCONFIRMED (§4, §5): the descriptions; chose IS's OAuth2AuthzEndpoint texts as known from
// the product ("PKCE is mandatory…", "…does not support \"plain\"…").
func checkPKCERequest(sess *authzSession, mandatory, plain bool) string {
	if sess.challenge == "" {
		if mandatory {
			return "PKCE is mandatory for this application. PKCE Challenge is not provided or is not upto RFC 7636 specification."
		}
		return ""
	}
	method := sess.challengeMethod
	if method == "" {
		method = "plain" // RFC 7636 §4.3
		sess.challengeMethod = method
	}
	switch {
	case method == "plain" && !plain:
		return `This application does not support "plain" transformation algorithm.`
	case method != "plain" && method != "S256":
		return "Unsupported PKCE Challenge Method"
	}
	return ""
}

// startLogin stores the session and redirects to login.do with the sessionDataKey (§5 step 1).
func (s *server) startLogin(w http.ResponseWriter, sess *authzSession) {
	sess.key = newUUID()
	g := s.gs
	g.mu.Lock()
	g.sessions[sess.key] = sess
	g.mu.Unlock()
	typ := "oauth2"
	if sess.oidc() {
		typ = "oidc"
	}
	q := url.Values{
		"client_id": {sess.clientID}, "commonAuthCallerPath": {"/oauth2/authorize"}, "forceAuth": {"false"},
		"passiveAuth": {"false"}, "response_type": {sess.responseType}, "tenantDomain": {"carbon.super"},
		"sessionDataKey": {sess.key}, "relyingParty": {sess.clientID}, "type": {typ}, "sp": {sess.appName},
		"isSaaSApp": {"false"}, "authenticators": {"BasicAuthenticator:LOCAL"},
	}
	if sess.redirectURI != "" {
		q.Set("redirect_uri", sess.redirectURI)
	}
	if len(sess.scopes) > 0 {
		q.Set("scope", joinSpace(sess.scopes))
	}
	if sess.state != "" {
		q.Set("state", sess.state)
	}
	// UNCONFIRMED (§5 "keep cookies"): IS keys the flow by sessionDataKey; chose to set the session
	// cookie as IS does but not to require it on the following requests.
	http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: newClientKey(), Path: "/", HttpOnly: true, Secure: true})
	redirect(w, s.baseURL()+"/authenticationendpoint/login.do?"+q.Encode())
}

// afterLogin continues at /oauth2/authorize?sessionDataKey=… (§5 step 3): consent or the result.
func (s *server) afterLogin(w http.ResponseWriter, r *http.Request, key string) {
	g := s.gs
	g.mu.Lock()
	sess := g.sessions[key]
	if sess != nil && s.now().Sub(sess.created) > sessionTTL {
		delete(g.sessions, key)
		sess = nil
	}
	g.mu.Unlock()
	if sess == nil {
		// UNCONFIRMED (§5): chose the error page for an unknown or timed-out sessionDataKey.
		s.errorRedirect(w, r, "invalid_request", "Invalid authorization request. Session data key is not valid")
		return
	}
	if sess.user == "" {
		s.startLogin(w, sess) // not authenticated yet: back to the login page
		return
	}
	if s.consentSkipped(sess) {
		g.mu.Lock()
		delete(g.sessions, key)
		g.mu.Unlock()
		s.complete(w, sess)
		return
	}
	s.askConsent(w, sess)
}

// complete ends an approved request: a code redirect, or the device grant authorised.
func (s *server) complete(w http.ResponseWriter, sess *authzSession) {
	if sess.device != nil {
		s.approveDevice(w, sess)
		return
	}
	c := s.newCode(sess)
	loc := appendQuery(sess.redirectURI, "code="+url.QueryEscape(c.code))
	if sess.state != "" {
		loc += "&state=" + url.QueryEscape(sess.state)
	}
	// UNCONFIRMED (§5 brackets session_state): chose to add it for OIDC requests only, as OIDC session
	// management does.
	if sess.oidc() {
		loc += "&session_state=" + sessionState(sess.clientID, sess.redirectURI)
	}
	s.log.Info(logOAuth, "Authorization code issued to client %s for user %s", sess.clientID, sess.user)
	redirect(w, loc)
}

// clientError redirects to the client's redirect_uri with an OAuth error (RFC 6749 §4.1.2.1).
func (s *server) clientError(w http.ResponseWriter, sess *authzSession, code, desc string) {
	loc := appendQuery(sess.redirectURI, "error="+url.QueryEscape(code)+"&error_description="+url.QueryEscape(desc))
	if sess.state != "" {
		loc += "&state=" + url.QueryEscape(sess.state)
	}
	redirect(w, loc)
}

// errorRedirect sends the browser to IS's own error page (§5: EndpointUtil.getErrorPageURL).
func (s *server) errorRedirect(w http.ResponseWriter, _ *http.Request, code, msg string) {
	q := url.Values{"oauthErrorCode": {code}, "oauthErrorMsg": {msg}}
	redirect(w, s.baseURL()+"/authenticationendpoint/oauth2_error.do?"+q.Encode())
}

// appNativeDisabled answers response_mode=direct (§5): API-based authentication needs the application
// setting enableAPIBasedAuthentication, which DCR cannot set, so every simulated app gets ABA-60007.
// UNCONFIRMED (§5): status and texts; chose 400 with the {code,message,description,traceId} body of
// IS's API-based authentication errors.
func (s *server) appNativeDisabled(w http.ResponseWriter, a *app) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(orderedJSON([]kv{
		{"code", "ABA-60007"},
		{"message", "App native authentication is not enabled for this application."},
		{"description", "App native authentication is not enabled for the application with id: " + a.clientID + "."},
		{"traceId", newUUID()},
	}))
}

func redirect(w http.ResponseWriter, loc string) {
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusFound)
}

func appendQuery(base, q string) string {
	if strings.Contains(base, "?") {
		return base + "&" + q
	}
	return base + "?" + q
}

// appFlag reads a boolean DCR field (ext_pkce_mandatory, …). Callers hold s.mu.
func appFlag(a *app, k string) bool {
	v, ok := a.fields[k]
	return ok && strings.TrimSpace(string(v)) == "true"
}
