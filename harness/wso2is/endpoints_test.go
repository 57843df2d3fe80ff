package wso2is

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
)

func TestIntrospectRaw(t *testing.T) {
	var form url.Values
	var basicUser string
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/introspect", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		form = r.PostForm
		basicUser, _, _ = r.BasicAuth()
		switch form.Get("token") {
		case "":
			writeJSON(w, 400, `{"error": "Invalid input"}`)
		case "active":
			writeJSON(w, 200, `{"aut":"APPLICATION_USER","nbf":1,"scope":"openid","active":true,"token_type":"JWT","exp":3,"iat":1,"client_id":"cid","username":"alice@carbon.super","aud":"cid","sub":"u-1","iss":"https://wso2is:9443/oauth2/token","jti":"j"}`)
		default:
			writeJSON(w, 200, `{"active":false}`)
		}
	})
	c, srv := fakeIS(t, mux)
	ep := srv.URL + "/oauth2/introspect"

	r, err := c.IntrospectRaw(ctx(t), ep, AdminAuth(), "revoked", "access_token")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 200 || string(r.Body) != `{"active":false}` || r.Introspection == nil || r.Introspection.Active || basicUser != adminUser {
		t.Errorf("inactive = %+v (basic %q)", r, basicUser)
	}
	if form.Get("token_type_hint") != "access_token" {
		t.Errorf("form = %v", form)
	}

	r, err = c.IntrospectRaw(ctx(t), ep, PostAuth("cid", "cs"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 400 || r.Code != "Invalid input" || r.Introspection != nil || form.Get("client_id") != "cid" || basicUser != "" {
		t.Errorf("empty token = %+v", r)
	}
	if _, err := c.Introspect(ctx(t), ep, ""); err == nil {
		t.Error("Introspect of an empty token did not fail")
	} else if f := (*OAuthFailure)(nil); !errors.As(err, &f) || f.Status != 400 || f.Code != "Invalid input" {
		t.Errorf("err = %v", err)
	}

	in, err := c.Introspect(ctx(t), ep, "active")
	if err != nil {
		t.Fatal(err)
	}
	if !in.Active || in.Username != "alice@carbon.super" || in.Aut != "APPLICATION_USER" || len(in.Aud) != 1 || in.Aud[0] != "cid" || in.TokenType != "JWT" {
		t.Errorf("active = %+v", in)
	}
}

func TestRevoke(t *testing.T) {
	var form url.Values
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/revoke", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		form = r.PostForm
		u, p, ok := r.BasicAuth()
		switch {
		case !ok || u != "cid" || p != "cs":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error_description":"Client Authentication failed.","error":"invalid_client"}`))
		case !form.Has("token"):
			writeJSON(w, 400, `{"error_description":"Invalid revocation request","error":"invalid_request"}`)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(200)
		}
	})
	c, srv := fakeIS(t, mux)
	ep := srv.URL + "/oauth2/revoke"

	if err := c.Revoke(ctx(t), ep, "cid", "cs", "unknown-token", "access_token"); err != nil {
		t.Errorf("unknown token: %v", err)
	}
	if form.Get("token") != "unknown-token" || form.Get("token_type_hint") != "access_token" {
		t.Errorf("form = %v", form)
	}
	r, err := c.RevokeRaw(ctx(t), ep, BasicAuth("cid", "cs"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 400 || r.Code != "invalid_request" || form.Has("token") || form.Has("token_type_hint") {
		t.Errorf("no token: %+v, form %v", r, form)
	}
	r, err = c.RevokeRaw(ctx(t), ep, BasicAuth("cid", "bad"), "t", "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 401 || r.Code != "invalid_client" || r.Header.Get("Content-Type") != "text/html" {
		t.Errorf("bad auth: %+v", r)
	}
	err = c.Revoke(ctx(t), ep, "cid", "bad", "t", "")
	var f *OAuthFailure
	if !errors.As(err, &f) || f.Status != 401 || f.Description != "Client Authentication failed." {
		t.Errorf("Revoke with bad auth: %v", err)
	}
	ok, _ := c.RevokeRaw(ctx(t), ep, BasicAuth("cid", "cs"), "t", "")
	if ok.Failure() != nil || ok.Header.Get("Cache-Control") != "no-store" || len(ok.Body) != 0 {
		t.Errorf("success: %+v", ok)
	}
}

func TestUserInfoAndSCIMMe(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/userinfo", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer with-openid" {
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", error_description="Access token does not have the openid scope"`)
			writeJSON(w, 403, `{"error_description":"Access token does not have the openid scope","error":"insufficient_scope"}`)
			return
		}
		writeJSON(w, 200, `{"sub":"alice","email":"alice@example.com"}`)
	})
	mux.HandleFunc("GET /scim2/Me", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") != SCIMContentType {
			http.Error(w, "accept", 406)
			return
		}
		w.Header().Set("Content-Type", SCIMContentType)
		if r.Header.Get("Authorization") != "Bearer with-openid" {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"Authorization failure. Authorization information missing.","status":"401"}`))
			return
		}
		_, _ = w.Write([]byte(`{"emails":["alice@example.com"],"meta":{"resourceType":"User"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"name":{"givenName":"Alice"},"id":"u-1","userName":"alice","urn:scim:wso2:schema":{"accountLocked":"false"}}`))
	})
	c, srv := fakeIS(t, mux)

	u, err := c.UserInfo(ctx(t), srv.URL+"/oauth2/userinfo", "no-openid")
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != 403 || u.Code != "insufficient_scope" || u.WWWAuthenticate() == "" {
		t.Errorf("without openid = %+v", u)
	}
	if p := bearerChallenge(u.WWWAuthenticate()); p["error"] != "insufficient_scope" || p["error_description"] != "Access token does not have the openid scope" {
		t.Errorf("challenge = %v", p)
	}
	u, _ = c.UserInfo(ctx(t), srv.URL+"/oauth2/userinfo", "with-openid")
	if u.Status != 200 || u.Claims["sub"] != "alice" {
		t.Errorf("with openid = %+v", u)
	}

	me, err := c.SCIMMe(ctx(t), "with-openid")
	if err != nil {
		t.Fatal(err)
	}
	if me.Status != 200 || me.User.ID != "u-1" || me.User.UserName != "alice" || len(me.User.Emails) != 1 || me.User.Emails[0].Value != "alice@example.com" {
		t.Errorf("me = %+v", me.User)
	}
	if locked, ok := me.User.Locked(); !ok || locked {
		t.Errorf("locked = %v %v", locked, ok)
	}
	me, _ = c.SCIMMe(ctx(t), "other")
	if me.Status != 401 || me.User != nil || me.Failure == nil || me.Failure.BodyStatus != "401" {
		t.Errorf("me without a good token = %+v", me)
	}
}

func TestJWKS(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/jwks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"keys":[{"kty":"RSA","e":"AQAB","use":"sig","kid":"k1_RS256","x5c":["AAAA"],"alg":"RS256","n":"nnn","x5t#S256":"t"}]}`)
	})
	c, srv := fakeIS(t, mux)
	s, err := c.JWKS(ctx(t), srv.URL+"/oauth2/jwks")
	if err != nil {
		t.Fatal(err)
	}
	k, ok := s.Key("k1_RS256")
	if !ok || k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" || k.E != "AQAB" || k.N != "nnn" || k.X5tS256 != "t" || len(k.X5c) != 1 {
		t.Errorf("key = %+v", k)
	}
	if _, err := k.Certificate(); err == nil {
		t.Error("a bogus x5c parsed")
	}
}
