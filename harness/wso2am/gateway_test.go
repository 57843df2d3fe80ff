package wso2am

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// Reference §6: 401 with a WWW-Authenticate challenge and a JSON body whose code is a string.
func TestCallReadsChallengeAndStringCode(t *testing.T) {
	const challenge = `Bearer realm="WSO2 API Manager", error="invalid_token", error_description="The provided token is invalid"`
	c, f := newFake(t, map[string]reply{
		"GET /kmconform-echo/1.0.0/hello": {status: 401, header: map[string]string{"WWW-Authenticate": challenge},
			body: `{"code":"900901","message":"Invalid Credentials","description":"Invalid Credentials. Make sure you have provided the correct security credentials"}`},
	})
	a, err := c.CallAPI(context.Background(), "/kmconform-echo/1.0.0/hello", "tok-abc")
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != 401 || a.Code != "900901" || a.Message != "Invalid Credentials" || a.WWWAuthenticate != challenge ||
		a.ContentType != "application/json" || a.Header.Get("WWW-Authenticate") != challenge {
		t.Errorf("answer = %+v", a)
	}
	if got := f.only().Header.Get("Authorization"); got != "Bearer tok-abc" {
		t.Errorf("Authorization = %q", got)
	}
}

func TestCallWithMethodHeaderAndRawBody(t *testing.T) {
	c, f := newFake(t, map[string]reply{
		"POST /ctx/1/items": {status: 403, body: `{"code":"900908","message":"Resource forbidden ","description":"User is NOT authorized to access the Resource. API Subscription validation failed."}`},
		"GET /missing":      {status: 404, body: `{"code":"404","type":"Status report","message":"Not Found","description":"The requested resource is not available."}`},
		"GET /plain":        {status: 200, body: `hello`, header: map[string]string{"Content-Type": "text/plain"}},
	})
	ctx := context.Background()
	a, err := c.Call(ctx, GatewayRequest{Method: http.MethodPost, Path: "/ctx/1/items", Token: "ignored",
		Header: map[string]string{"Authorization": "Basic YTpi", "Content-Type": "application/xml"}, Body: []byte("<a>not json</a>")})
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != 403 || a.Code != "900908" || a.Message != "Resource forbidden " {
		t.Errorf("answer = %+v", a)
	}
	s := f.only()
	if s.Method != http.MethodPost || string(s.Body) != "<a>not json</a>" || s.Header.Get("Content-Type") != "application/xml" ||
		s.Header.Get("Authorization") != "Basic YTpi" {
		t.Errorf("sent %s %q with %v", s.Method, s.Body, s.Header)
	}
	a, err = c.Call(ctx, GatewayRequest{Path: "/missing"})
	if err != nil || a.Status != 404 || a.Code != "404" || a.WWWAuthenticate != "" {
		t.Errorf("404: %+v %v", a, err)
	}
	if h := f.all()[1].Header.Get("Authorization"); h != "" {
		t.Errorf("a call without a token sent Authorization %q", h)
	}
	a, err = c.Call(ctx, GatewayRequest{Path: "/plain"})
	if err != nil || a.Status != 200 || a.Code != "" || a.Body != "hello" {
		t.Errorf("plain: %+v %v", a, err)
	}
}

func TestResidentTokens(t *testing.T) {
	c, f := newFake(t, map[string]reply{"POST " + ResidentTokenPath: {status: 200,
		body: `{"access_token":"at-r","refresh_token":"rt-r","token_type":"Bearer","scope":"read write","expires_in":3600}`}})
	ctx := context.Background()
	tok, err := c.ResidentPasswordToken(ctx, "ck", "cs", "alice", "pw", "read", "write")
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "at-r" || tok.RefreshToken != "rt-r" || tok.Scope != "read write" || tok.ExpiresIn != 3600 {
		t.Errorf("token = %+v", tok)
	}
	if s, err := c.ResidentToken(ctx, "ck", "cs"); err != nil || s != "at-r" {
		t.Errorf("ResidentToken = %q %v", s, err)
	}
	reqs := f.all()
	form, err := url.ParseQuery(string(reqs[0].Body))
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"pw"}, "scope": {"read write"}}
	if !reflect.DeepEqual(form, want) || reqs[0].User != "ck" || reqs[0].Pass != "cs" {
		t.Errorf("password grant sent %v as %q", form, reqs[0].User)
	}
	if form, _ := url.ParseQuery(string(reqs[1].Body)); !reflect.DeepEqual(form, url.Values{"grant_type": {"client_credentials"}}) {
		t.Errorf("client_credentials sent %v", form)
	}
	if got := c.ResidentJWKSURL(); got != c.Base+"/oauth2/jwks" {
		t.Errorf("ResidentJWKSURL = %q", got)
	}
}

func TestResidentTokenWithoutAccessToken(t *testing.T) {
	c, _ := newFake(t, map[string]reply{"POST " + ResidentTokenPath: {status: 200, body: `{"token_type":"Bearer"}`}})
	if _, err := c.ResidentToken(context.Background(), "ck", "cs"); err == nil || !strings.Contains(err.Error(), "no access_token") {
		t.Errorf("got %v", err)
	}
}

// Reference §7: Basic admin, the X-WSO2-KEY-MANAGER header, the body exactly as given; any status is an answer.
func TestNotify(t *testing.T) {
	c, f := newFake(t, map[string]reply{"POST " + NotifyPath: {handle: func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Header.Get(KeyManagerHeader) == "broken" {
			w.WriteHeader(500)
			_, _ = w.Write([]byte(`{"Message":"handler failed"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}}})
	ctx := context.Background()
	event := []byte(`{"eventId":"e1","type":"token_revocation","accessToken":"jti-1","tokenType":"JWT"} trailing`)
	resp, err := c.Notify(ctx, "WSO2-IS", event, nil)
	if err != nil || resp.Status != 200 || string(resp.Body) != "{}" {
		t.Fatalf("notify: %+v %v", resp, err)
	}
	resp, err = c.Notify(ctx, "broken", []byte("x"), nil)
	if err != nil || resp.Status != 500 || !strings.Contains(string(resp.Body), "handler failed") {
		t.Errorf("a 500 is an answer, not an error: %+v %v", resp, err)
	}
	if _, err := c.Notify(ctx, "", []byte("{}"), NoAuth); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Notify(ctx, "default", []byte("{}"), httpcall.Basic("other", "pw2")); err != nil {
		t.Fatal(err)
	}
	reqs := f.all()
	s := reqs[0]
	wantAdmin(t, s)
	if s.Path != NotifyPath || string(s.Body) != string(event) || s.Header.Get(KeyManagerHeader) != "WSO2-IS" || s.Header.Get("Content-Type") != "application/json" {
		t.Errorf("sent %s %q headers %v", s.Path, s.Body, s.Header)
	}
	if _, ok := reqs[2].Header[http.CanonicalHeaderKey(KeyManagerHeader)]; ok || reqs[2].Header.Get("Authorization") != "" {
		t.Errorf("empty header / NoAuth still sent: %v", reqs[2].Header)
	}
	if reqs[3].User != "other" || reqs[3].Header.Get(KeyManagerHeader) != "default" {
		t.Errorf("given auth not used: %q", reqs[3].User)
	}
}

func TestDoBodyRefusesStructuredBodies(t *testing.T) {
	_, err := httpcall.DoBody(context.Background(), http.DefaultClient, httpcall.Request{Op: "x", Method: "POST", URL: "https://127.0.0.1:1", JSON: map[string]string{}}, "", []byte("a"))
	if err == nil || !strings.Contains(err.Error(), "DoBody") {
		t.Errorf("got %v", err)
	}
}
