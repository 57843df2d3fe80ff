package wso2am

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// The fake API-M below answers what the reference documents for each call; tests assert both what the
// client sent and how it read the answer.

const (
	testAdmin    = "admin"
	testPassword = "adm1n-pa55word"
)

// seen is one request as the fake received it.
type seen struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
	User, Pass          string
	HasBasic            bool
}

// json decodes the request body as a generic JSON value.
func (s seen) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(s.Body, &m); err != nil {
		t.Fatalf("%s %s: request body is not a JSON object: %v: %s", s.Method, s.Path, err, s.Body)
	}
	return m
}

// reply is a canned answer; handle, when set, answers instead.
type reply struct {
	status int
	body   string
	header map[string]string
	handle func(w http.ResponseWriter, r *http.Request, body []byte)
}

type fakeAPIM struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	seen   []seen
	routes map[string]reply // "METHOD /path"
}

func newFake(t *testing.T, routes map[string]reply) (*Client, *fakeAPIM) {
	t.Helper()
	f := &fakeAPIM{t: t, routes: routes}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	c := &Client{HTTP: f.srv.Client(), Base: f.srv.URL, Gateway: f.srv.URL, AdminUser: testAdmin, AdminPassword: testPassword}
	return c, f
}

func (f *fakeAPIM) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s := seen{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
	s.User, s.Pass, s.HasBasic = r.BasicAuth()
	f.mu.Lock()
	f.seen = append(f.seen, s)
	rep, ok := f.routes[r.Method+" "+r.URL.Path]
	f.mu.Unlock()
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"code":404,"message":"Not Found","description":"The specified resource does not exist","moreInfo":"","error":[]}`)
		return
	}
	if rep.handle != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		rep.handle(w, r, body)
		return
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" && strings.HasPrefix(strings.TrimSpace(rep.body), "{") {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}

// only returns the single request the test expects, failing otherwise.
func (f *fakeAPIM) only() seen {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.seen) != 1 {
		f.t.Fatalf("the fake API-M got %d requests, want 1: %+v", len(f.seen), f.seen)
	}
	return f.seen[0]
}

func (f *fakeAPIM) all() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.seen...)
}

// wantAdmin fails unless the request carried the admin's Basic credentials.
func wantAdmin(t *testing.T, s seen) {
	t.Helper()
	if !s.HasBasic || s.User != testAdmin || s.Pass != testPassword {
		t.Errorf("%s %s: want Basic %s credentials, got basic=%v user=%q", s.Method, s.Path, testAdmin, s.HasBasic, s.User)
	}
}
