package wso2is

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

const (
	testRedirect = "https://localhost/callback"
	sessionKey   = "sdk-0f1e"
	consentKey   = "sdkc-7a7a"
	userPassword = "alice-pw-3b9c"
)

// loginIS plays IS's authorize endpoint, login page, /commonauth and consent page (product-is
// OAuth2ServiceAbstractIntegrationTest), and the device endpoints (identity-inbound-auth-oauth DeviceEndpoint).
type loginIS struct {
	consent     bool // show the consent page after the login
	authzPage   bool // show it as oauth2_authz.do (a plain OAuth 2.0 request) instead of oauth2_consent.do
	keyInPage   bool // login.do's URL lacks sessionDataKey; only the page carries it
	wrongState  bool // answer another state than the one sent
	base        string
	mu          sync.Mutex
	first       url.Values // the first authorize request's parameters
	consentForm url.Values
	loginForm   url.Values
	approved    bool
	device      bool
	tokenPolls  int
}

func (s *loginIS) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	redirect := func(w http.ResponseWriter, loc string) {
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusFound)
	}
	finish := func(w http.ResponseWriter) {
		s.approved = true
		if s.device {
			redirect(w, s.base+"/authenticationendpoint/device_success.do?app_name=kmconform")
			return
		}
		state := s.first.Get("state")
		if s.wrongState {
			state = "forged"
		}
		redirect(w, testRedirect+"?code=code-1&state="+url.QueryEscape(state)+"&session_state=ss-1")
	}
	mux.HandleFunc("GET /oauth2/authorize", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		q := r.URL.Query()
		if q.Get("sessionDataKey") == sessionKey {
			if c, err := r.Cookie("commonAuthId"); err != nil || c.Value != "ca-1" {
				redirect(w, s.base+"/authenticationendpoint/oauth2_error.do?oauthErrorCode=no_session&oauthErrorMsg=no+commonAuthId+cookie")
				return
			}
			if s.consent && s.authzPage {
				redirect(w, s.base+"/authenticationendpoint/oauth2_authz.do?loggedInUser=alice&application=app&scope=read&sessionDataKeyConsent="+consentKey)
				return
			}
			if s.consent {
				redirect(w, s.base+"/authenticationendpoint/oauth2_consent.do?loggedInUser=alice&application=app&scope=openid&sessionDataKeyConsent="+consentKey+"&spQueryParams=&requestedClaims=1_Email%2C3_First+Name&mandatoryClaims=")
				return
			}
			finish(w)
			return
		}
		s.first = q
		if q.Get("response_type") != "device" && q.Get("redirect_uri") != testRedirect {
			redirect(w, s.base+"/authenticationendpoint/oauth2_error.do?oauthErrorCode=invalid_callback&oauthErrorMsg=Registered+callback+does+not+match")
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "opbs", Value: "o-1", Path: "/"})
		loc := s.base + "/authenticationendpoint/login.do?client_id=" + q.Get("client_id") + "&commonAuthCallerPath=%2Foauth2%2Fauthorize&type=oauth2"
		if !s.keyInPage {
			loc += "&sessionDataKey=" + sessionKey
		}
		redirect(w, loc)
	})
	mux.HandleFunc("GET /authenticationendpoint/login.do", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<html><form action="../commonauth" method="post"><input type="text" name="username"/>
<input type="hidden" value='%s' name="sessionDataKey" /></form></html>`, sessionKey)
	})
	mux.HandleFunc("POST /commonauth", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		_ = r.ParseForm()
		s.loginForm = r.PostForm
		if c, err := r.Cookie("opbs"); err != nil || c.Value != "o-1" {
			http.Error(w, "no opbs cookie", http.StatusBadRequest)
			return
		}
		if r.PostForm.Get("sessionDataKey") != sessionKey {
			http.Error(w, "unknown session", http.StatusBadRequest)
			return
		}
		if r.PostForm.Get("username") != "alice" || r.PostForm.Get("password") != userPassword {
			redirect(w, s.base+"/authenticationendpoint/login.do?authFailure=true&authFailureMsg=login.fail.message&sessionDataKey="+sessionKey)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "commonAuthId", Value: "ca-1", Path: "/"})
		redirect(w, "/oauth2/authorize?sessionDataKey="+sessionKey) // relative, to exercise resolution
	})
	mux.HandleFunc("POST /oauth2/authorize", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		_ = r.ParseForm()
		s.consentForm = r.PostForm
		if r.PostForm.Get("sessionDataKeyConsent") != consentKey {
			redirect(w, s.base+"/authenticationendpoint/oauth2_error.do?oauthErrorCode=invalid_request&oauthErrorMsg=bad+consent+key")
			return
		}
		if r.PostForm.Get("consent") == "deny" {
			redirect(w, testRedirect+"?error=access_denied&error_description=User+denied+the+consent&state="+url.QueryEscape(s.first.Get("state")))
			return
		}
		finish(w)
	})
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		_ = r.ParseForm()
		f := r.PostForm
		switch f.Get("grant_type") {
		case GrantAuthorizationCode:
			sum := sha256.Sum256([]byte(f.Get("code_verifier")))
			if f.Get("code") != "code-1" || f.Get("redirect_uri") != testRedirect {
				writeJSON(w, 400, `{"error_description":"Invalid authorization code received from token request","error":"invalid_grant"}`)
				return
			}
			if s.first.Get("code_challenge") != "" && base64.RawURLEncoding.EncodeToString(sum[:]) != s.first.Get("code_challenge") {
				writeJSON(w, 400, `{"error_description":"PKCE validation failed","error":"invalid_grant"}`)
				return
			}
			writeJSON(w, 200, `{"access_token":"at-code","refresh_token":"rt-code","scope":"openid","id_token":"a.b.c","token_type":"Bearer","expires_in":3600}`)
		case GrantDeviceCode:
			s.tokenPolls++
			if f.Get("device_code") != "dc-1" {
				writeJSON(w, 400, `{"error_description":"Invalid device code","error":"invalid_grant"}`)
				return
			}
			if !s.approved {
				writeJSON(w, 400, `{"error_description":"Precondition required","error":"authorization_pending"}`)
				return
			}
			writeJSON(w, 200, `{"access_token":"at-device","token_type":"Bearer","expires_in":3600}`)
		default:
			writeJSON(w, 400, `{"error":"unsupported_grant_type"}`)
		}
	})
	mux.HandleFunc("POST /oauth2/device_authorize", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.PostForm.Get("client_id") == "" {
			writeJSON(w, 400, `{"error_description":"Missing parameters: client_id","error":"invalid_request"}`)
			return
		}
		writeJSON(w, 200, fmt.Sprintf(`{"user_code":"USRCD1","device_code":"dc-1","interval":5,"verification_uri_complete":"%[1]s/authenticationendpoint/device.do?user_code=USRCD1","verification_uri":"%[1]s/authenticationendpoint/device.do","expires_in":600}`, s.base))
	})
	mux.HandleFunc("POST /oauth2/device", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		_ = r.ParseForm()
		if r.PostForm.Get("user_code") != "USRCD1" {
			redirect(w, s.base+"/authenticationendpoint/device.do?error=invalid.code")
			return
		}
		s.device = true
		redirect(w, s.base+"/oauth2/authorize?scope=openid&response_type=device&client_id=cid&nonce=n")
	})
	return mux
}

func startLoginIS(t *testing.T, s *loginIS) *Client {
	c, srv := fakeIS(t, s.handler(t))
	s.base = srv.URL
	return c
}

func codeRequest(c *Client, p *PKCE) CodeRequest {
	return CodeRequest{
		AuthorizeEndpoint: c.Base + "/oauth2/authorize", ClientID: "cid", RedirectURI: testRedirect,
		Scopes: []string{"openid", "read"}, Nonce: "n-1", PKCE: p, Username: "alice", Password: userPassword,
	}
}

func TestAuthorizationCodeWithAndWithoutConsent(t *testing.T) {
	for _, consent := range []bool{false, true} {
		t.Run(fmt.Sprintf("consent=%v", consent), func(t *testing.T) {
			s := &loginIS{consent: consent}
			c := startLoginIS(t, s)
			p, err := NewPKCE()
			if err != nil {
				t.Fatal(err)
			}
			tok, res, err := c.AuthorizationCode(ctx(t), c.Base+"/oauth2/token", BasicAuth("cid", "cs"), codeRequest(c, p))
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "at-code" || tok.IDToken != "a.b.c" {
				t.Errorf("token = %+v", tok)
			}
			if res.Code != "code-1" || res.SessionState != "ss-1" || res.ConsentShown != consent || res.State == "" {
				t.Errorf("result = %+v", res)
			}
			want := map[string]string{
				"response_type": "code", "client_id": "cid", "redirect_uri": testRedirect, "scope": "openid read",
				"nonce": "n-1", "code_challenge": p.Challenge, "code_challenge_method": "S256", "state": res.State,
			}
			for k, v := range want {
				if s.first.Get(k) != v {
					t.Errorf("authorize %s = %q, want %q", k, s.first.Get(k), v)
				}
			}
			if s.loginForm.Get("username") != "alice" || s.loginForm.Get("sessionDataKey") != sessionKey {
				t.Errorf("login form = %v", s.loginForm)
			}
			wantTrail := []string{
				"GET /oauth2/authorize → 302 /authenticationendpoint/login.do",
				"POST /commonauth → 302 /oauth2/authorize",
			}
			if consent {
				wantTrail = append(wantTrail, "GET /oauth2/authorize → 302 /authenticationendpoint/oauth2_consent.do",
					"POST /oauth2/authorize → 302 /callback")
				f := s.consentForm
				if f.Get("consent") != "approve" || f.Get("sessionDataKeyConsent") != consentKey || f.Get("consent_1") != "on" || f.Get("consent_3") != "on" {
					t.Errorf("consent form = %v", f)
				}
			} else {
				wantTrail = append(wantTrail, "GET /oauth2/authorize → 302 /callback")
			}
			if strings.Join(res.Trail, "\n") != strings.Join(wantTrail, "\n") {
				t.Errorf("trail =\n%s\nwant\n%s", strings.Join(res.Trail, "\n"), strings.Join(wantTrail, "\n"))
			}
			if c.HTTP.Jar != nil {
				t.Error("the shared client got a cookie jar")
			}
		})
	}
}

func TestAuthorizationCodeScrapesTheLoginPage(t *testing.T) {
	s := &loginIS{keyInPage: true}
	c := startLoginIS(t, s)
	res, err := c.Authorize(ctx(t), codeRequest(c, nil))
	if err != nil {
		t.Fatal(err)
	}
	if res.Trail[1] != "GET /authenticationendpoint/login.do → 200" || s.loginForm.Get("sessionDataKey") != sessionKey {
		t.Errorf("trail %v, login form %v", res.Trail, s.loginForm)
	}
	if s.first.Get("code_challenge") != "" {
		t.Error("code_challenge sent without PKCE")
	}
}

func TestPKCEMismatchIsInvalidGrant(t *testing.T) {
	s := &loginIS{}
	c := startLoginIS(t, s)
	p, _ := NewPKCE()
	res, err := c.Authorize(ctx(t), codeRequest(c, p))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewPKCE()
	_, err = c.ExchangeCode(ctx(t), c.Base+"/oauth2/token", BasicAuth("cid", "cs"), res.Code, testRedirect, other.Verifier)
	var f *OAuthFailure
	if !errors.As(err, &f) || f.Status != 400 || f.Code != "invalid_grant" || f.Description != "PKCE validation failed" {
		t.Fatalf("err = %v", err)
	}
}

func TestLoginDeviations(t *testing.T) {
	cases := []struct {
		name     string
		is       func() *loginIS
		mod      func(*CodeRequest)
		step     string
		status   int
		oauthErr string
		oauthMsg string
		reason   string
	}{
		{"wrong password", func() *loginIS { return &loginIS{} }, func(r *CodeRequest) { r.Password = "wrong-pw-55" }, StepLogin, 302, "authFailure", "login.fail.message", "refused the user's credentials"},
		{"bad redirect_uri", func() *loginIS { return &loginIS{} }, func(r *CodeRequest) { r.RedirectURI = "https://evil/cb" }, StepAuthorize, 302, "invalid_callback", "Registered callback does not match", "error page"},
		{"state mismatch", func() *loginIS { return &loginIS{wrongState: true} }, nil, StepCallback, 0, "", "", `state "forged" came back`},
		{"consent denied", func() *loginIS { return &loginIS{consent: true} }, func(r *CodeRequest) { r.Consent = "deny" }, StepCallback, 0, "access_denied", "User denied the consent", "with an error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := startLoginIS(t, tc.is())
			r := codeRequest(c, nil)
			if tc.mod != nil {
				tc.mod(&r)
			}
			_, err := c.Authorize(ctx(t), r)
			var fe *FlowError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v (%T), want a *FlowError", err, err)
			}
			if fe.Step != tc.step || fe.Status != tc.status || fe.OAuthError != tc.oauthErr || fe.OAuthDescription != tc.oauthMsg || fe.Flow != "authorization_code" {
				t.Errorf("flow error = %+v", fe)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.reason) {
				t.Errorf("message %q lacks %q", msg, tc.reason)
			}
			for _, secret := range []string{"wrong-pw-55", userPassword, sessionKey, "code-1"} {
				if strings.Contains(msg, secret) {
					t.Errorf("message shows %q: %s", secret, msg)
				}
			}
		})
	}
}

func TestLoginNotARedirect(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/authorize", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	c, _ := fakeIS(t, mux)
	_, err := c.Authorize(ctx(t), codeRequest(c, nil))
	var fe *FlowError
	if !errors.As(err, &fe) || fe.Step != StepAuthorize || fe.Status != 500 || !strings.Contains(fe.Reason, "expected a redirect") {
		t.Fatalf("err = %v", err)
	}
	if len(fe.Trail) != 1 || fe.Trail[0] != "GET /oauth2/authorize → 500" {
		t.Errorf("trail = %v", fe.Trail)
	}
}

func TestLoginLoopEnds(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/authorize", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/oauth2/authorize?again=1")
		w.WriteHeader(http.StatusFound)
	})
	c, _ := fakeIS(t, mux)
	_, err := c.Authorize(ctx(t), codeRequest(c, nil))
	var fe *FlowError
	if !errors.As(err, &fe) || fe.Step != StepFollow || !strings.Contains(fe.Reason, "no redirect_uri after 12 redirects") {
		t.Fatalf("err = %v", err)
	}
}

func TestMaskLocation(t *testing.T) {
	u, _ := url.Parse("https://localhost/callback?code=c0de&state=s1&session_state=x&error=e")
	got := maskLocation(u)
	if strings.Contains(got, "c0de") || !strings.Contains(got, "state=s1") || !strings.Contains(got, "error=e") {
		t.Errorf("masked = %s", got)
	}
}

// OAuth2AuthzEndpoint: a request without openid is a plain OAuth 2.0 one, whose consent page is
// oauth2_authz.do (IS's EndpointUtil); the login approves it as it does oauth2_consent.do.
func TestAuthorizationCodeApprovesThePlainOAuthConsentPage(t *testing.T) {
	s := &loginIS{consent: true, authzPage: true}
	c := startLoginIS(t, s)
	res, err := c.Authorize(ctx(t), codeRequest(c, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !res.ConsentShown || s.consentForm.Get("consent") != "approve" || s.consentForm.Get("sessionDataKeyConsent") != consentKey {
		t.Errorf("consent shown %v, form %v", res.ConsentShown, s.consentForm)
	}
}
