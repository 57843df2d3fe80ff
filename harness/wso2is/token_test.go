package wso2is

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestTokenRequestClientAuthMethods(t *testing.T) {
	var got struct {
		basicUser, basicPass string
		basic                bool
		form                 url.Values
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		got.basicUser, got.basicPass, got.basic = r.BasicAuth()
		_ = r.ParseForm()
		got.form = r.PostForm
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		writeJSON(w, 200, `{"access_token":"at-1","refresh_token":"rt-1","scope":"openid read","token_type":"Bearer","expires_in":3600,"custom":"x"}`)
	})
	c, srv := fakeIS(t, mux)
	endpoint := srv.URL + "/oauth2/token"

	cases := []struct {
		name      string
		auth      ClientAuth
		wantBasic []string // user, password; nil = no Basic
		wantForm  url.Values
	}{
		{"basic", BasicAuth("cid", "csecret"), []string{"cid", "csecret"}, url.Values{"grant_type": {"client_credentials"}, "scope": {"read write"}}},
		{"post", PostAuth("cid", "csecret"), nil, url.Values{"grant_type": {"client_credentials"}, "scope": {"read write"}, "client_id": {"cid"}, "client_secret": {"csecret"}}},
		{"public", PublicClient("cid"), nil, url.Values{"grant_type": {"client_credentials"}, "scope": {"read write"}, "client_id": {"cid"}}},
		{"none", NoAuth(), nil, url.Values{"grant_type": {"client_credentials"}, "scope": {"read write"}}},
		{"admin", AdminAuth(), []string{adminUser, adminPassword}, url.Values{"grant_type": {"client_credentials"}, "scope": {"read write"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read write"}}
			tok, err := c.TokenRequest(ctx(t), endpoint, tc.auth, form)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantBasic == nil && got.basic {
				t.Errorf("Basic auth sent")
			}
			if tc.wantBasic != nil && (!got.basic || got.basicUser != tc.wantBasic[0] || got.basicPass != tc.wantBasic[1]) {
				t.Errorf("Basic = %q/%v, want %v", got.basicUser, got.basic, tc.wantBasic)
			}
			if !reflect.DeepEqual(got.form, tc.wantForm) {
				t.Errorf("form = %v, want %v", got.form, tc.wantForm)
			}
			if len(form) != 2 {
				t.Errorf("the caller's form was changed: %v", form)
			}
			if tok.AccessToken != "at-1" || tok.RefreshToken != "rt-1" || tok.ExpiresIn != 3600 || tok.TokenType != "Bearer" {
				t.Errorf("token = %+v", tok)
			}
			if s := tok.Scopes(); len(s) != 2 || s[0] != "openid" {
				t.Errorf("scopes = %v", s)
			}
			if tok.Fields["custom"] != "x" || tok.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Fields/Header not kept: %v %v", tok.Fields, tok.Header)
			}
		})
	}
}

func TestGrantForms(t *testing.T) {
	var form url.Values
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		form = r.PostForm
		body := `{"access_token":"at","token_type":"Bearer","expires_in":3600}`
		if form.Get("grant_type") == GrantTokenExchange {
			body = `{"access_token":"at","issued_token_type":"urn:ietf:params:oauth:token-type:jwt","token_type":"Bearer","expires_in":3600}`
		}
		writeJSON(w, 200, body)
	})
	c, srv := fakeIS(t, mux)
	ep := srv.URL + "/oauth2/token"
	auth := BasicAuth("cid", "cs")
	cases := []struct {
		name string
		call func() (*Token, error)
		want url.Values
	}{
		{"client_credentials", func() (*Token, error) { return c.ClientCredentials(ctx(t), ep, "cid", "cs") },
			url.Values{"grant_type": {"client_credentials"}}},
		{"password", func() (*Token, error) { return c.Password(ctx(t), ep, auth, "alice", "pw", "openid") },
			url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"pw"}, "scope": {"openid"}}},
		{"refresh", func() (*Token, error) { return c.RefreshToken(ctx(t), ep, auth, "rt") },
			url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt"}}},
		{"jwt-bearer", func() (*Token, error) { return c.JWTBearer(ctx(t), ep, auth, "a.b.c", "read") },
			url.Values{"grant_type": {GrantJWTBearer}, "assertion": {"a.b.c"}, "scope": {"read"}}},
		{"saml2-bearer", func() (*Token, error) { return c.SAML2Bearer(ctx(t), ep, auth, "PHNhbWw") },
			url.Values{"grant_type": {GrantSAML2Bearer}, "assertion": {"PHNhbWw"}}},
		{"token-exchange", func() (*Token, error) {
			return c.TokenExchange(ctx(t), ep, auth, TokenExchangeRequest{SubjectToken: "st", RequestedTokenType: TokenTypeAccessToken, Audience: []string{"a1", "a2"}})
		}, url.Values{"grant_type": {GrantTokenExchange}, "subject_token": {"st"}, "subject_token_type": {TokenTypeJWT},
			"requested_token_type": {TokenTypeAccessToken}, "audience": {"a1", "a2"}}},
		{"ntlm", func() (*Token, error) { return c.NTLM(ctx(t), ep, auth, "TlRMTVNTUAAB") },
			url.Values{"grant_type": {GrantNTLM}, "windows_token": {"TlRMTVNTUAAB"}}},
		{"code", func() (*Token, error) { return c.ExchangeCode(ctx(t), ep, auth, "cd", "https://app/cb", "ver") },
			url.Values{"grant_type": {"authorization_code"}, "code": {"cd"}, "redirect_uri": {"https://app/cb"}, "code_verifier": {"ver"}}},
		{"device", func() (*Token, error) { return c.DeviceToken(ctx(t), ep, PublicClient("cid"), "dc") },
			url.Values{"grant_type": {GrantDeviceCode}, "device_code": {"dc"}, "client_id": {"cid"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := tc.call()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(form, tc.want) {
				t.Errorf("form = %v, want %v", form, tc.want)
			}
			if tc.name == "token-exchange" && tok.IssuedTokenType != TokenTypeJWT {
				t.Errorf("issued_token_type = %q", tok.IssuedTokenType)
			}
		})
	}
}

func TestTokenFailuresAreTyped(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		header      [2]string
		wantCode    string
		wantDesc    string
	}{
		{"unknown client", 401, "application/json", `{"error_description":"A valid OAuth client could not be found for client_id: nope","error":"invalid_client"}`,
			[2]string{"WWW-Authenticate", `Basic realm="null"`}, "invalid_client", "A valid OAuth client could not be found for client_id: nope"},
		{"grant not allowed", 400, "application/json", `{"error_description":"The authenticated client is not authorized to use this authorization grant type","error":"unauthorized_client"}`,
			[2]string{}, "unauthorized_client", "The authenticated client is not authorized to use this authorization grant type"},
		{"bad password", 400, "application/json", `{"error_description":"Authentication failed for alice","error":"invalid_grant"}`,
			[2]string{}, "invalid_grant", "Authentication failed for alice"},
		{"server error page", 500, "text/html", `<html>oops</html>`, [2]string{}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
				if tc.header[0] != "" {
					w.Header().Set(tc.header[0], tc.header[1])
				}
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			c, srv := fakeIS(t, mux)
			_, err := c.Password(ctx(t), srv.URL+"/oauth2/token", BasicAuth("cid", "client-secret-9"), "alice", "user-password-9")
			var f *OAuthFailure
			if !errors.As(err, &f) {
				t.Fatalf("error %v (%T) is not an *OAuthFailure", err, err)
			}
			if f.Status != tc.status || f.Code != tc.wantCode || f.Description != tc.wantDesc || f.Op != "get a password token from IS" {
				t.Errorf("failure = %+v", f)
			}
			if tc.header[0] != "" && f.Header.Get(tc.header[0]) != tc.header[1] {
				t.Errorf("header %s = %q", tc.header[0], f.Header.Get(tc.header[0]))
			}
			if string(f.Body) != tc.body {
				t.Errorf("body = %q", f.Body)
			}
			msg := err.Error()
			if strings.Contains(msg, "user-password-9") || strings.Contains(msg, "client-secret-9") {
				t.Errorf("a secret is in the message: %s", msg)
			}
			if want := fmt.Sprintf("HTTP %d %s", tc.status, tc.wantCode); tc.wantCode != "" && !strings.Contains(msg, want) {
				t.Errorf("message %q lacks %q", msg, want)
			}
			if tc.wantCode == "" && !strings.Contains(msg, "HTTP 500 without an OAuth error: <html>oops</html>") {
				t.Errorf("message = %q", msg)
			}
		})
	}
}

func TestTokenWithoutAccessTokenFails(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"token_type":"Bearer"}`)
	})
	c, srv := fakeIS(t, mux)
	_, err := c.ClientCredentials(ctx(t), srv.URL+"/oauth2/token", "cid", "cs")
	if err == nil || !strings.Contains(err.Error(), "no access_token (members: token_type)") {
		t.Fatalf("err = %v", err)
	}
}
