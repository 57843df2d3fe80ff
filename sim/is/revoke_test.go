package is

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kmconform/kmconform/sim/home"
	"github.com/kmconform/kmconform/sim/simnet"
	"software.sslmate.com/src/go-pkcs12"
)

// received is one request seen by the fake API-M notify endpoint.
type received struct {
	header http.Header
	body   string
}

func notifySink(t *testing.T, tlsCert *tls.Certificate) (*httptest.Server, chan received) {
	ch := make(chan received, 10)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- received{header: r.Header.Clone(), body: string(b)}
	})
	var srv *httptest.Server
	if tlsCert != nil {
		srv = httptest.NewUnstartedServer(h)
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{*tlsCert}}
		srv.StartTLS()
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv, ch
}

func listenerTOML(endpoint, typ, extra string) string {
	return `[[event_listener]]
id = "token_revocation"
type = "` + typ + `"
name = "org.wso2.is.notification.ApimOauthEventInterceptor"
order = 1
` + extra + `[event_listener.properties]
notification_endpoint = "` + endpoint + `"
username = "${admin.username}"
password = "${admin.password}"
'header.X-WSO2-KEY-MANAGER' = "WSO2-IS"
`
}

const handlerType = "org.wso2.carbon.identity.core.handler.AbstractIdentityHandler"

// expectNone asserts that no notification was sent. Every publish registers with the notifier's wait
// group before the triggering request is answered, and the sink queues a request before answering it, so
// once wait returns any notification sent so far is already in ch: no sleep is needed.
func expectNone(t *testing.T, s *sim, ch chan received, why string) {
	t.Helper()
	s.s.notif.wait()
	select {
	case r := <-ch:
		t.Errorf("%s: unexpected notification %s", why, r.body)
	default:
	}
}

func expectOne(t *testing.T, ch chan received) received {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("no notification")
	}
	return received{}
}

// TestRevokeNotification: §6 revocation responses and the §9 notification request — Basic admin auth,
// header.* headers, Content-Type application/json, Gson field order, accessToken = jti for JWT apps.
func TestRevokeNotification(t *testing.T) {
	sink, ch := notifySink(t, nil)
	h := newHome(t, "7.1.0", listenerTOML(sink.URL+"/internal/data/v1/notify", handlerType, ""))
	addJAR(t, h, "wso2is.notification.event.handlers-2.1.3.jar", "META-INF/MANIFEST.MF", interceptorClass)
	s := start(t, "7.1.0", h, Options{})
	id, secret := s.app("rv", "JWT", "password", "refresh_token")
	m := s.token(id, secret, url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}}).json(t)
	_, cl, _ := decodeJWT(t, m["access_token"].(string))

	r := s.form("/oauth2/revoke", url.Values{"token": {m["access_token"].(string)}}, basic(id, secret))
	if r.status != 200 || r.body != "" || r.header.Get("Content-Type") != "application/json" ||
		r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" || r.header.Get("Content-Length") != "0" {
		t.Fatalf("revoke: %d %v %q", r.status, r.header, r.body)
	}
	got := expectOne(t, ch)
	if got.header.Get("Authorization") != basic("admin", "admin") || got.header.Get("X-WSO2-KEY-MANAGER") != "WSO2-IS" ||
		got.header.Get("Content-Type") != "application/json" {
		t.Errorf("notification headers %v", got.header)
	}
	want := regexp.MustCompile(`^\{"accessToken":"` + cl["jti"].(string) + `","expiryTime":\d{13},"user":"admin","consumerKey":"` + id +
		`","tokenType":"JWT","eventId":"[0-9a-f-]{36}","timeStamp":\d{13},"type":"token_revocation","tenantId":-1234,"tenantDomain":"carbon.super","properties":\{\}\}$`)
	if !want.MatchString(got.body) {
		t.Errorf("notification body %s", got.body)
	}
	if s.introspect(m["access_token"].(string)).body != `{"active":false}` {
		t.Errorf("revoked token still active")
	}
	// §6: the refresh token survives an access-token revocation; revoking it sends nothing (§9).
	rt := m["refresh_token"].(string)
	if a := s.form("/oauth2/introspect", url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}}, basic("admin", "admin")).json(t); a["active"] != true {
		t.Errorf("refresh token revoked along with the access token")
	}
	if r := s.form("/oauth2/revoke", url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}}, basic(id, secret)); r.status != 200 {
		t.Errorf("refresh revoke %d", r.status)
	}
	expectNone(t, s, ch, "refresh-token revocation")
	// §6: unknown and already revoked tokens are 200, and notify nothing.
	for _, tok := range []string{"unknown", m["access_token"].(string)} {
		if r := s.form("/oauth2/revoke", url.Values{"token": {tok}}, basic(id, secret)); r.status != 200 {
			t.Errorf("revoke %s: %d", tok, r.status)
		}
	}
	expectNone(t, s, ch, "unknown/already revoked token")
	// §6 errors
	if r := s.form("/oauth2/revoke", url.Values{}, basic(id, secret)); r.status != 400 || !strings.Contains(r.body, "Invalid revocation request") {
		t.Errorf("missing token: %d %s", r.status, r.body)
	}
	if r := s.form("/oauth2/revoke", url.Values{"token": {"x"}}, basic(id, "bad")); r.status != 401 ||
		!strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(r.body, "Client Authentication failed.") {
		t.Errorf("bad client: %d %v %s", r.status, r.header, r.body)
	}
}

// TestRefreshNotifiesPrevious: §9 point 3 — the refresh_token grant notifies the previous access token
// (the opaque token itself for a Default app).
func TestRefreshNotifiesPrevious(t *testing.T) {
	sink, ch := notifySink(t, nil)
	h := newHome(t, "7.0.0", listenerTOML(sink.URL+"/notify", handlerType, ""))
	addJAR(t, h, "handlers.jar", interceptorClass)
	s := start(t, "7.0.0", h, Options{})
	id, secret := s.app("rf", "", "password", "refresh_token")
	m := s.token(id, secret, url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}}).json(t)
	s.token(id, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}})
	got := expectOne(t, ch)
	if !strings.HasPrefix(got.body, `{"accessToken":"`+m["access_token"].(string)+`",`) || !strings.Contains(got.body, `"tokenType":"Default"`) {
		t.Errorf("renewal notification %s", got.body)
	}
}

// TestNotificationConditions: §9 / api-manager-4.md §7 / CONTRACT — the listener block with the
// AbstractIdentityHandler type, not disabled, and the class inside a dropins JAR (by content) are all
// needed; without username/password the derived NullPointerException stops the send.
func TestNotificationConditions(t *testing.T) {
	cases := []struct {
		name, typ, extra string
		jarName          string
		jarEntries       []string
		fires            bool
		logs             string
	}{
		{"all set, JAR under another name", handlerType, "", "anything.jar", []string{interceptorClass}, true, ""},
		{"no JAR", handlerType, "", "", nil, false, ""},
		{"JAR named right without the class", handlerType, "", "wso2is.notification.event.handlers-2.1.3.jar", []string{"org/wso2/Other.class"}, false, ""},
		{"OAuthEventInterceptor type never fires", "org.wso2.carbon.identity.oauth.event.OAuthEventInterceptor", "", "h.jar", []string{interceptorClass}, false, ""},
		{"enable = false", handlerType, "enable = false\n", "h.jar", []string{interceptorClass}, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sink, ch := notifySink(t, nil)
			h := newHome(t, "7.2.0", listenerTOML(sink.URL+"/notify", c.typ, c.extra))
			if c.jarName != "" {
				addJAR(t, h, c.jarName, c.jarEntries...)
			}
			s := start(t, "7.2.0", h, Options{})
			id, secret := s.app("nc", "", "client_credentials")
			tok := s.token(id, secret, url.Values{"grant_type": {"client_credentials"}}).json(t)["access_token"].(string)
			s.form("/oauth2/revoke", url.Values{"token": {tok}}, basic(id, secret))
			if c.fires {
				got := expectOne(t, ch)
				if !strings.Contains(got.body, `"accessToken":"`+tok+`"`) {
					t.Errorf("body %s", got.body)
				}
			} else {
				expectNone(t, s, ch, c.name)
			}
		})
	}
	t.Run("no password: derived NullPointerException", func(t *testing.T) {
		sink, ch := notifySink(t, nil)
		toml := strings.Replace(listenerTOML(sink.URL+"/notify", handlerType, ""), "password = \"${admin.password}\"\n", "", 1)
		h := newHome(t, "7.2.0", toml)
		addJAR(t, h, "h.jar", interceptorClass)
		s := start(t, "7.2.0", h, Options{})
		id, secret := s.app("np", "", "client_credentials")
		tok := s.token(id, secret, url.Values{"grant_type": {"client_credentials"}}).json(t)["access_token"].(string)
		s.form("/oauth2/revoke", url.Values{"token": {tok}}, basic(id, secret))
		expectNone(t, s, ch, "missing password")
		if !strings.Contains(s.log.String(), "java.lang.NullPointerException") {
			t.Errorf("log lacks the NullPointerException: %s", s.log.String())
		}
	})
}

// TestNotificationTLS: §9 — the notification trusts only IS's [truststore] and verifies the host name;
// an untrusted peer is a logged PKIX failure and nothing else. Peer names resolve through Hosts.
func TestNotificationTLS(t *testing.T) {
	cert, leaf := ecCert(t, "wso2am", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	sink, ch := notifySink(t, &cert)
	_, port, _ := net.SplitHostPort(sink.Listener.Addr().String())
	endpoint := "https://wso2am:" + port + "/internal/data/v1/notify"
	hosts := simnet.Hosts{"wso2am": "127.0.0.1"}

	// Untrusted: the default trust store holds only IS's own certificate.
	h := newHome(t, "7.1.0", listenerTOML(endpoint, handlerType, ""))
	addJAR(t, h, "h.jar", interceptorClass)
	s := start(t, "7.1.0", h, Options{Hosts: hosts})
	revokeOne(t, s)
	expectNone(t, s, ch, "untrusted peer")
	s.s.notif.wait()
	if !strings.Contains(s.log.String(), "javax.net.ssl.SSLHandshakeException: PKIX path building failed") {
		t.Errorf("log lacks the PKIX failure: %s", s.log.String())
	}

	// Trusted: a trust store holding the peer certificate.
	h2 := newHome(t, "7.1.0", listenerTOML(endpoint, handlerType, ""))
	der, err := pkcs12.Modern.EncodeTrustStoreEntries([]pkcs12.TrustStoreEntry{{Cert: leaf, FriendlyName: "wso2am"}}, "wso2carbon")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h2.Path(home.SecurityDir+"/client-truststore.p12"), der, 0o644); err != nil {
		t.Fatal(err)
	}
	addJAR(t, h2, "h.jar", interceptorClass)
	s2 := start(t, "7.1.0", h2, Options{Hosts: hosts})
	revokeOne(t, s2)
	expectOne(t, ch)

	// Host-name mismatch: a trusted peer certificate issued for another name. Apache HttpClient's default
	// verifier (httpclient.hostnameVerifier=DefaultAndLocalhost is not AllowAll, §9) refuses it: nothing
	// is sent and the SSLPeerUnverifiedException is logged (log text derived from HttpClient).
	otherCert, otherLeaf := ecCert(t, "apim-other", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	sink3, ch3 := notifySink(t, &otherCert)
	_, port3, _ := net.SplitHostPort(sink3.Listener.Addr().String())
	h3 := newHome(t, "7.1.0", listenerTOML("https://wso2am:"+port3+"/internal/data/v1/notify", handlerType, ""))
	der3, err := pkcs12.Modern.EncodeTrustStoreEntries([]pkcs12.TrustStoreEntry{{Cert: otherLeaf, FriendlyName: "apim-other"}}, "wso2carbon")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h3.Path(home.SecurityDir+"/client-truststore.p12"), der3, 0o644); err != nil {
		t.Fatal(err)
	}
	addJAR(t, h3, "h.jar", interceptorClass)
	s3 := start(t, "7.1.0", h3, Options{Hosts: hosts})
	revokeOne(t, s3)
	expectNone(t, s3, ch3, "peer certificate for another host name")
	want := "javax.net.ssl.SSLPeerUnverifiedException: Certificate for <wso2am> doesn't match any of the subject alternative names: [apim-other]"
	if !strings.Contains(s3.log.String(), want) {
		t.Errorf("log lacks %q: %s", want, s3.log.String())
	}
}

func revokeOne(t *testing.T, s *sim) {
	t.Helper()
	id, secret := s.app("tls", "", "client_credentials")
	tok := s.token(id, secret, url.Values{"grant_type": {"client_credentials"}}).json(t)["access_token"].(string)
	if r := s.form("/oauth2/revoke", url.Values{"token": {tok}}, basic(id, secret)); r.status != 200 {
		t.Fatalf("revoke %d", r.status)
	}
}

// ecCert makes a quick ECDSA certificate for host (RSA generation is kept out of the per-test path).
func ecCert(t *testing.T, host string, from, to time.Time) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: host},
		NotBefore: from, NotAfter: to, DNSNames: []string{host}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf
}

// TestFailedAuthRevokeNotification: §9.1 (derived) — OAuth2Service#revokeTokenByOAuthClient calls the
// post-revocation listener with the looked-up token even when client authentication failed, so a revoke
// of a valid token with a wrong secret notifies API-M although the token stays active. A request using
// both client-authentication methods is refused by the endpoint before OAuth2Service (§6 "both → 401";
// derived), so it notifies nothing.
func TestFailedAuthRevokeNotification(t *testing.T) {
	sink, ch := notifySink(t, nil)
	h := newHome(t, "7.2.0", listenerTOML(sink.URL+"/notify", handlerType, ""))
	addJAR(t, h, "h.jar", interceptorClass)
	s := start(t, "7.2.0", h, Options{})
	id, secret := s.app("fa", "", "client_credentials")
	tok := s.token(id, secret, url.Values{"grant_type": {"client_credentials"}}).json(t)["access_token"].(string)

	both := s.form("/oauth2/revoke", url.Values{"token": {tok}, "client_id": {id}, "client_secret": {secret}}, basic(id, secret))
	if both.status != 401 || !strings.Contains(both.body, "Client Authentication failed.") {
		t.Fatalf("both methods: %d %s", both.status, both.body)
	}
	expectNone(t, s, ch, "both client-authentication methods")

	bad := s.form("/oauth2/revoke", url.Values{"token": {tok}}, basic(id, "wrong"))
	if bad.status != 401 || !strings.Contains(bad.body, "Client Authentication failed.") {
		t.Fatalf("wrong secret: %d %s", bad.status, bad.body)
	}
	got := expectOne(t, ch)
	if !strings.Contains(got.body, `"accessToken":"`+tok+`"`) || !strings.Contains(got.body, `"consumerKey":"`+id+`"`) {
		t.Errorf("failed-auth notification %s", got.body)
	}
	if r := s.introspect(tok); !strings.Contains(r.body, `"active":true`) {
		t.Errorf("failed-auth revoke revoked the token: %s", r.body)
	}
	// An unknown token is not looked up, so a failed authentication notifies nothing.
	s.form("/oauth2/revoke", url.Values{"token": {"unknown"}}, basic(id, "wrong"))
	expectNone(t, s, ch, "failed-auth revoke of an unknown token")
}
