package is

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// browser is a cookie-keeping client that does not follow redirects, as the §5 tests drive the flow.
type browser struct {
	s *sim
	c *http.Client
}

func (s *sim) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{s: s, c: c}
}

// local maps an absolute IS URL (https://<hostname>:9443/…) onto the test server.
func (b *browser) local(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		b.s.t.Fatalf("location %q: %v", loc, err)
	}
	return b.s.srv.URL + u.RequestURI()
}

func (b *browser) get(loc string) resp {
	b.s.t.Helper()
	res, err := b.c.Get(b.local(loc))
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer res.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp{status: res.StatusCode, header: res.Header, body: sb.String()}
}

func (b *browser) post(path string, v url.Values) resp {
	b.s.t.Helper()
	res, err := b.c.PostForm(b.s.srv.URL+path, v)
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer res.Body.Close()
	return resp{status: res.StatusCode, header: res.Header}
}

func query(t *testing.T, loc string) url.Values {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

var hiddenRe = regexp.MustCompile(`name="(sessionDataKey|sessionDataKeyConsent)" value="([^"]+)"`)

// scrape returns the value of the hidden input name in an HTML page (§5: tests scrape it).
func scrape(t *testing.T, html, name string) string {
	t.Helper()
	for _, m := range hiddenRe.FindAllStringSubmatch(html, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	t.Fatalf("no %s input in %s", name, html)
	return ""
}

// login runs §5 steps 1–3 from an authorize URL up to the consent redirect (or the final redirect when
// consent is skipped) and returns that Location.
func (b *browser) login(authorize string) string {
	t := b.s.t
	t.Helper()
	r := b.get(authorize)
	if r.status != 302 || !strings.HasPrefix(r.header.Get("Location"), "https://localhost:9443/authenticationendpoint/login.do?") {
		t.Fatalf("authorize: %d %q %s", r.status, r.header.Get("Location"), r.body)
	}
	page := b.get(r.header.Get("Location"))
	key := scrape(t, page.body, "sessionDataKey")
	if key != query(t, r.header.Get("Location")).Get("sessionDataKey") {
		t.Fatalf("sessionDataKey in page and URL differ")
	}
	r = b.post("/commonauth", url.Values{"username": {"admin"}, "password": {"admin"}, "sessionDataKey": {key}})
	if r.status != 302 || r.header.Get("Location") != "https://localhost:9443/oauth2/authorize?sessionDataKey="+key {
		t.Fatalf("commonauth: %d %q", r.status, r.header.Get("Location"))
	}
	r = b.get(r.header.Get("Location"))
	if r.status != 302 {
		t.Fatalf("after login: %d %s", r.status, r.body)
	}
	return r.header.Get("Location")
}

// approve posts the consent decision for a consent-page Location and returns the final Location.
func (b *browser) approve(consentLoc, decision string) string {
	t := b.s.t
	t.Helper()
	page := b.get(consentLoc)
	key := scrape(t, page.body, "sessionDataKeyConsent")
	r := b.post("/oauth2/authorize", url.Values{"consent": {decision}, "sessionDataKeyConsent": {key}})
	if r.status != 302 {
		t.Fatalf("consent: %d", r.status)
	}
	return r.header.Get("Location")
}

func s256(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func authorizeURL(clientID, redirect string, extra url.Values) string {
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect}}
	for k, v := range extra {
		q[k] = v
	}
	return "https://localhost:9443/oauth2/authorize?" + q.Encode()
}

func expectGrantErr(t *testing.T, what string, r resp, status int, code, desc string) {
	t.Helper()
	want := `{"error_description":` + jsonString(desc) + `,"error":"` + code + `"}`
	if r.status != status || r.body != want {
		t.Errorf("%s: %d %s, want %d %s", what, r.status, r.body, status, want)
	}
}
