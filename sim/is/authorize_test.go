package is

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

const cb = "https://client.example/cb"

func (s *sim) codeApp(name string, extra map[string]any) (string, string) {
	body := map[string]any{"client_name": name, "redirect_uris": []string{cb},
		"grant_types": []string{"authorization_code", "refresh_token"}}
	for k, v := range extra {
		body[k] = v
	}
	return s.register(body)
}

// TestAuthorizationCodeFlow: §5 steps 1–4 (login.do with sessionDataKey, /commonauth, consent page with
// sessionDataKeyConsent, approve → code, state and session_state) and the §4 code exchange.
func TestAuthorizationCodeFlow(t *testing.T) {
	s := startDefault(t, "7.1.0")
	id, secret := s.codeApp("codeapp", nil)
	b := s.browser()
	// a wrong password returns to the login page with authFailure (§5 step 2)
	r := b.get(authorizeURL(id, cb, url.Values{"scope": {"openid"}}))
	key := query(t, r.header.Get("Location")).Get("sessionDataKey")
	bad := b.post("/commonauth", url.Values{"username": {"admin"}, "password": {"nope"}, "sessionDataKey": {key}})
	if q := query(t, bad.header.Get("Location")); bad.status != 302 || q.Get("authFailure") != "true" || q.Get("sessionDataKey") != key {
		t.Errorf("bad password: %d %q", bad.status, bad.header.Get("Location"))
	}

	loc := b.login(authorizeURL(id, cb, url.Values{"scope": {"openid"}, "state": {"st1"}}))
	// §5: DCR apps never skip consent; OIDC request → oauth2_consent.do
	if !strings.HasPrefix(loc, "https://localhost:9443/authenticationendpoint/oauth2_consent.do?") || query(t, loc).Get("sessionDataKeyConsent") == "" {
		t.Fatalf("consent redirect %q", loc)
	}
	final := b.approve(loc, "approve")
	q := query(t, final)
	if !strings.HasPrefix(final, cb+"?code=") || q.Get("state") != "st1" || !strings.Contains(q.Get("session_state"), ".") {
		t.Fatalf("final redirect %q", final)
	}
	tok := s.token(id, secret, url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {cb}})
	if tok.status != 200 {
		t.Fatalf("code exchange: %d %s", tok.status, tok.body)
	}
	m := tok.json(t)
	if m["refresh_token"] == nil || m["scope"] != "openid" {
		t.Errorf("token response %v", m)
	}
	if got := s.introspect(m["access_token"].(string)).json(t); got["username"] != "admin@carbon.super" {
		t.Errorf("introspection of a code token: %v", got)
	}
	// §4: a second use is "Inactive" and revokes the token issued from the code
	again := s.token(id, secret, url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {cb}})
	expectGrantErr(t, "replay", again, 400, "invalid_grant", "Inactive authorization code received from token request")
	if s.introspect(m["access_token"].(string)).body != `{"active":false}` {
		t.Errorf("token from a replayed code still active")
	}
}

// TestAuthorizeErrors: §5 — bad/missing redirect_uri → oauth2_error.do; deny → access_denied at the
// client; response_mode=direct → ABA-60007 (DCR cannot enable app-native authentication).
// UNCONFIRMED (§5): error-page codes/messages, the denial text and the ABA-60007 status/texts are choices.
func TestAuthorizeErrors(t *testing.T) {
	s := startDefault(t, "7.2.0")
	id, _ := s.codeApp("errs", nil)
	b := s.browser()
	for _, redir := range []string{"https://evil.example/cb", ""} {
		r := b.get(authorizeURL(id, redir, nil))
		loc := r.header.Get("Location")
		if r.status != 302 || !strings.HasPrefix(loc, "https://localhost:9443/authenticationendpoint/oauth2_error.do?") ||
			query(t, loc).Get("oauthErrorCode") != "invalid_callback" {
			t.Errorf("redirect_uri %q: %d %q", redir, r.status, loc)
		}
		if page := b.get(loc); page.status != 200 || !strings.Contains(page.body, "invalid_callback") {
			t.Errorf("error page: %d %s", page.status, page.body)
		}
	}
	loc := b.login(authorizeURL(id, cb, url.Values{"state": {"x"}}))
	// plain OAuth2 request (no openid): UNCONFIRMED choice of oauth2_authz.do
	if !strings.HasPrefix(loc, "https://localhost:9443/authenticationendpoint/oauth2_authz.do?") {
		t.Errorf("non-OIDC consent page %q", loc)
	}
	final := b.approve(loc, "deny")
	if q := query(t, final); !strings.HasPrefix(final, cb+"?") || q.Get("error") != "access_denied" || q.Get("state") != "x" || q.Get("code") != "" {
		t.Errorf("deny: %q", final)
	}
	direct := s.form("/oauth2/authorize", url.Values{"client_id": {id}, "response_type": {"code"}, "redirect_uri": {cb}, "response_mode": {"direct"}}, "")
	if direct.status != 400 || direct.json(t)["code"] != "ABA-60007" {
		t.Errorf("app-native: %d %s", direct.status, direct.body)
	}
}

// TestConsentSkipAndRemember: §5 — consent skipped by the server setting, and "approveAlways" remembered.
// UNCONFIRMED (§5, UNCONFIRMED-2): the toml key [oauth.oidc] skip_user_consent is a choice.
func TestConsentSkipAndRemember(t *testing.T) {
	s := start(t, "7.1.0", newHome(t, "7.1.0", "[oauth.oidc]\nskip_user_consent = true\n"), Options{})
	id, _ := s.codeApp("skip", nil)
	if loc := s.browser().login(authorizeURL(id, cb, url.Values{"scope": {"openid"}})); !strings.HasPrefix(loc, cb+"?code=") {
		t.Errorf("skip_user_consent: %q", loc)
	}
	s2 := startDefault(t, "7.1.0")
	id2, _ := s2.codeApp("always", nil)
	b := s2.browser()
	b.approve(b.login(authorizeURL(id2, cb, url.Values{"scope": {"openid"}})), "approveAlways")
	if loc := b.login(authorizeURL(id2, cb, url.Values{"scope": {"openid"}})); !strings.HasPrefix(loc, cb+"?code=") {
		t.Errorf("approveAlways not remembered: %q", loc)
	}
}

// codeFor runs the whole browser flow and returns a fresh code.
func (s *sim) codeFor(id string, extra url.Values) string {
	b := s.browser()
	final := b.approve(b.login(authorizeURL(id, cb, extra)), "approve")
	c := query(s.t, final).Get("code")
	if c == "" {
		s.t.Fatalf("no code in %q", final)
	}
	return c
}

// TestCodeGrantErrors: §4 code messages — invalid, expired, Callback url mismatch, PKCE (S256, plain
// only with ext_pkce_support_plain, ext_pkce_mandatory), public clients with client_id only.
func TestCodeGrantErrors(t *testing.T) {
	s := startDefault(t, "7.0.0")
	id, secret := s.codeApp("c1", nil)
	ex := func(code, redirect, verifier string) resp {
		v := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}}
		if verifier != "" {
			v.Set("code_verifier", verifier)
		}
		return s.token(id, secret, v)
	}
	expectGrantErr(t, "unknown code", ex("nope", cb, ""), 400, "invalid_grant", "Invalid authorization code received from token request")
	expectGrantErr(t, "callback", ex(s.codeFor(id, nil), "https://other.example/cb", ""), 400, "invalid_grant", "Callback url mismatch")

	old := s.codeFor(id, nil)
	real := s.s.now
	s.s.now = func() time.Time { return real().Add(301 * time.Second) }
	expectGrantErr(t, "expired", ex(old, cb, ""), 400, "invalid_grant", "Expired or Revoked authorization code received from token request")
	s.s.now = real

	verifier := strings.Repeat("v", 43)
	c := s.codeFor(id, url.Values{"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}})
	expectGrantErr(t, "wrong verifier", ex(c, cb, strings.Repeat("w", 43)), 400, "invalid_grant", "PKCE validation failed")
	c = s.codeFor(id, url.Values{"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}})
	if r := ex(c, cb, verifier); r.status != 200 {
		t.Errorf("S256: %d %s", r.status, r.body)
	}
	// plain without ext_pkce_support_plain: refused at the authorization request
	r := s.browser().get(authorizeURL(id, cb, url.Values{"code_challenge": {verifier}, "code_challenge_method": {"plain"}}))
	if q := query(t, r.header.Get("Location")); q.Get("error") != "invalid_request" {
		t.Errorf("plain without support: %q", r.header.Get("Location"))
	}

	pid, _ := s.codeApp("pub", map[string]any{"ext_public_client": true, "ext_pkce_mandatory": true, "ext_pkce_support_plain": true})
	r = s.browser().get(authorizeURL(pid, cb, nil))
	if q := query(t, r.header.Get("Location")); q.Get("error") != "invalid_request" || !strings.HasPrefix(q.Get("error_description"), "PKCE is mandatory") {
		t.Errorf("pkce mandatory: %q", r.header.Get("Location"))
	}
	c = s.codeFor(pid, url.Values{"code_challenge": {verifier}, "code_challenge_method": {"plain"}})
	pub := s.form("/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {cb},
		"code_verifier": {verifier}, "client_id": {pid}}, "")
	if pub.status != 200 {
		t.Errorf("public client plain PKCE: %d %s", pub.status, pub.body)
	}
}

// TestCodeReplayNotifies: §4 / §9 point 2 — replaying a code revokes its token through
// onPostTokenRevocationBySystem, so API-M gets a token_revocation event for it.
func TestCodeReplayNotifies(t *testing.T) {
	sink, ch := notifySink(t, nil)
	h := newHome(t, "7.1.0", listenerTOML(sink.URL+"/internal/data/v1/notify", handlerType, ""))
	addJAR(t, h, "wso2is.notification.event.handlers-2.1.3.jar", interceptorClass)
	s := start(t, "7.1.0", h, Options{})
	id, secret := s.codeApp("replay", map[string]any{"token_type_extension": "JWT"})
	code := s.codeFor(id, nil)
	v := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {cb}}
	m := s.token(id, secret, v).json(t)
	_, cl, _ := decodeJWT(t, m["access_token"].(string))
	expectNone(t, s, ch, "first use")
	s.token(id, secret, v)
	ev := expectOne(t, ch)
	if !strings.Contains(ev.body, `"accessToken":"`+cl["jti"].(string)+`"`) || !strings.Contains(ev.body, `"consumerKey":"`+id+`"`) {
		t.Errorf("replay event %s", ev.body)
	}
	s.token(id, secret, v)
	expectNone(t, s, ch, "third use: nothing left to revoke")
}
