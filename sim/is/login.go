package is

import (
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
)

// loginTmpl is a minimal stand-in for authenticationendpoint/login.do: what matters to a browser-less
// client is the form posting to /commonauth with the hidden sessionDataKey (§5 step 1).
var loginTmpl = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html><head><title>WSO2 Identity Server</title></head><body>
{{if .Failed}}<div class="ui negative message" id="error-msg">Login failed! Please recheck the username and password and try again.</div>{{end}}
<form action="../commonauth" method="post" id="loginForm">
<input id="usernameUserInput" name="username" type="text">
<input id="password" name="password" type="password">
<input type="hidden" name="sessionDataKey" value="{{.Key}}">
<button type="submit">Sign In</button>
</form></body></html>
`))

func (s *server) loginPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	_ = loginTmpl.Execute(w, struct {
		Key    string
		Failed bool
	}{q.Get("sessionDataKey"), q.Get("authFailure") == "true"})
}

// commonAuth serves POST /commonauth (§5 step 2): the basic authenticator against the user store. Success → 302 back to
// /oauth2/authorize?sessionDataKey=…; failure → the login page again with authFailure=true.
func (s *server) commonAuth(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		s.errorRedirect(w, r, "invalid_request", "Invalid authentication request")
		return
	}
	key := p.Get("sessionDataKey")
	g := s.gs
	g.mu.Lock()
	sess := g.sessions[key]
	g.mu.Unlock()
	if sess == nil {
		// UNCONFIRMED (§5): chose IS's retry page for an unknown sessionDataKey.
		redirect(w, s.baseURL()+"/authenticationendpoint/retry.do?status=Authentication+Error&statusMsg=Something+went+wrong+during+the+authentication+process.")
		return
	}
	name := p.Get("username")
	u := s.authenticateUser(name, p.Get("password"))
	if u == nil {
		s.log.Warn("org.wso2.carbon.identity.application.authenticator.basicauth.BasicAuthenticator",
			"Authentication failed for user %s", name)
		q := url.Values{"sessionDataKey": {key}, "authFailure": {"true"}, "authFailureMsg": {"login.fail.message"},
			"client_id": {sess.clientID}, "sp": {sess.appName}, "authenticators": {"BasicAuthenticator:LOCAL"}}
		redirect(w, s.baseURL()+"/authenticationendpoint/login.do?"+q.Encode())
		return
	}
	g.mu.Lock()
	sess.user = u.name
	g.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "commonAuthId", Value: newUUID(), Path: "/", HttpOnly: true, Secure: true})
	redirect(w, s.baseURL()+"/oauth2/authorize?sessionDataKey="+url.QueryEscape(key))
}

// sessionState is the OIDC session_state value: a SHA-256 over client, origin and a salt, then
// ".salt" (OIDC Session Management 1.0 §3).
func sessionState(clientID, redirectURI string) string {
	origin := redirectURI
	if u, err := url.Parse(redirectURI); err == nil && u.Host != "" {
		origin = u.Scheme + "://" + u.Host
	}
	salt := newUUID()
	sum := sha256.Sum256([]byte(clientID + " " + origin + " " + newUUID() + " " + salt))
	return hex.EncodeToString(sum[:]) + "." + salt
}

// errorPage stands in for authenticationendpoint/oauth2_error.do.
func (s *server) errorPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	_ = errorTmpl.Execute(w, struct{ Code, Msg string }{q.Get("oauthErrorCode"), q.Get("oauthErrorMsg")})
}

var errorTmpl = template.Must(template.New("err").Parse(`<!DOCTYPE html>
<html><head><title>WSO2 Identity Server</title></head><body>
<h2 id="error-code">{{.Code}}</h2><p id="error-msg">{{.Msg}}</p></body></html>
`))
