package is

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
)

// consentSkipped is OAuth2AuthzEndpoint#isConsentSkipped (§5): the server-wide SkipUserConsent or an
// earlier "approveAlways" covering the requested scopes. SP skipLoginConsent cannot be set through DCR
// (§5), so DCR apps never skip on their own. UNCONFIRMED (§5, UNCONFIRMED-2): the deployment.toml key
// and default of SkipUserConsent; chose [oauth.oidc] skip_user_consent, default false (consent shown).
func (s *server) consentSkipped(sess *authzSession) bool {
	if s.h.Bool(false, "oauth", "oidc", "skip_user_consent") {
		return true
	}
	g := s.gs
	g.mu.Lock()
	defer g.mu.Unlock()
	approved, ok := g.remember[sess.clientID]
	if !ok {
		return false
	}
	for _, sc := range sess.scopes {
		if !slices.Contains(approved, sc) {
			return false
		}
	}
	return true
}

// askConsent redirects to the consent page with a fresh sessionDataKeyConsent (§5 step 3).
// UNCONFIRMED (§5): the reference names oauth2_consent.do (OIDC requests); chose IS's
// EndpointUtil split: oauth2_consent.do for OIDC requests, oauth2_authz.do for plain OAuth2 ones.
func (s *server) askConsent(w http.ResponseWriter, sess *authzSession) {
	g := s.gs
	g.mu.Lock()
	delete(g.sessions, sess.key)
	sess.consentKey = newUUID()
	g.consents[sess.consentKey] = sess
	g.mu.Unlock()
	q := url.Values{"loggedInUser": {sess.user}, "application": {sess.appName}, "tenantDomain": {"carbon.super"},
		"sessionDataKeyConsent": {sess.consentKey}, "spQueryParams": {""}}
	if len(sess.scopes) > 0 {
		q.Set("scope", joinSpace(sess.scopes))
	}
	page := "/authenticationendpoint/oauth2_authz.do?"
	if sess.oidc() {
		page = "/authenticationendpoint/oauth2_consent.do?"
	}
	redirect(w, s.baseURL()+page+q.Encode())
}

var consentTmpl = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html><head><title>WSO2 Identity Server</title></head><body>
<p><strong>{{.App}}</strong> requests access to your profile.</p>
<form action="../oauth2/authorize" method="post" id="profile">
<ul>{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
<input type="hidden" name="sessionDataKeyConsent" value="{{.Key}}">
<input type="hidden" name="consent" id="consent" value="deny">
<button type="submit" onclick="document.getElementById('consent').value='approve'">Allow</button>
<button type="submit" onclick="document.getElementById('consent').value='approveAlways'">Allow always</button>
<button type="submit" onclick="document.getElementById('consent').value='deny'">Deny</button>
</form></body></html>
`))

// consentPage stands in for oauth2_consent.do / oauth2_authz.do.
func (s *server) consentPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	_ = consentTmpl.Execute(w, struct {
		App, Key string
		Scopes   []string
	}{q.Get("application"), q.Get("sessionDataKeyConsent"), scopesOf(q.Get("scope"))})
}

// consentDecision handles POST /oauth2/authorize with consent=approve|approveAlways|deny (§5 step 4).
func (s *server) consentDecision(w http.ResponseWriter, r *http.Request, p url.Values) {
	g := s.gs
	g.mu.Lock()
	sess := g.consents[p.Get("sessionDataKeyConsent")]
	delete(g.consents, p.Get("sessionDataKeyConsent"))
	g.mu.Unlock()
	if sess == nil {
		// UNCONFIRMED (§5): chose the error page for an unknown sessionDataKeyConsent.
		s.errorRedirect(w, r, "invalid_request", "Invalid authorization request. Session data key consent is not valid")
		return
	}
	switch p.Get("consent") {
	case "approveAlways":
		g.mu.Lock()
		g.remember[sess.clientID] = append(slices.Clone(g.remember[sess.clientID]), sess.scopes...)
		g.mu.Unlock()
		s.complete(w, sess)
	case "approve":
		s.complete(w, sess)
	default:
		// UNCONFIRMED (§5): the denial description; chose "User denied the consent" with access_denied.
		if sess.device != nil {
			s.denyDevice(w, sess)
			return
		}
		s.clientError(w, sess, "access_denied", "User denied the consent")
	}
}
