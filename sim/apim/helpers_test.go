package apim

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmconform/kmconform/sim/carbonlog"
	"github.com/kmconform/kmconform/sim/home"
	"github.com/kmconform/kmconform/sim/simnet"
	"github.com/pavlo-v-chernykh/keystore-go/v4"
)

// Keys are generated once per package run.
var (
	keysOnce           sync.Once
	apimKey, isKey     *rsa.PrivateKey
	apimCert           *x509.Certificate // CN=localhost, SAN localhost, expired like the image defaults
	isCert, isWrongCrt *x509.Certificate // SAN wso2is (expired, self-signed) / SAN localhost only
)

// TestMain generates the package's keys once, before any test evaluates them.
func TestMain(m *testing.M) {
	testKeys()
	os.Exit(m.Run())
}

func testKeys() {
	keysOnce.Do(func() {
		var err error
		if apimKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if isKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		expired := time.Now().Add(-24 * time.Hour)
		apimCert = selfSigned(apimKey, "localhost", []string{"localhost"}, expired)
		isCert = selfSigned(isKey, "wso2is", []string{"wso2is"}, expired)
		isWrongCrt = selfSigned(isKey, "localhost", []string{"localhost"}, time.Now().Add(24*time.Hour))
	})
}

func selfSigned(key *rsa.PrivateKey, cn string, dns []string, notAfter time.Time) *x509.Certificate {
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: notAfter.Add(-365 * 24 * time.Hour), NotAfter: notAfter, DNSNames: dns,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return c
}

// writeHome lays out an API-M home: deployment.toml, wso2carbon.jks, client-truststore.jks.
func writeHome(t *testing.T, toml string, trust ...*x509.Certificate) *home.Home {
	t.Helper()
	testKeys()
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "repository/conf"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "repository/resources/security"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "repository/conf/deployment.toml"), []byte(toml), 0o644))
	pkcs8, err := x509.MarshalPKCS8PrivateKey(apimKey)
	must(err)
	ks := keystore.New()
	must(ks.SetPrivateKeyEntry("wso2carbon", keystore.PrivateKeyEntry{CreationTime: time.Now(), PrivateKey: pkcs8,
		CertificateChain: []keystore.Certificate{{Type: "X509", Content: apimCert.Raw}}}, []byte("wso2carbon")))
	writeStore(t, filepath.Join(dir, "repository/resources/security/wso2carbon.jks"), ks)
	ts := keystore.New()
	for i, c := range append([]*x509.Certificate{apimCert}, trust...) {
		must(ts.SetTrustedCertificateEntry("cert"+string(rune('a'+i)), keystore.TrustedCertificateEntry{
			CreationTime: time.Now(), Certificate: keystore.Certificate{Type: "X509", Content: c.Raw}}))
	}
	writeStore(t, filepath.Join(dir, "repository/resources/security/client-truststore.jks"), ts)
	h, err := home.Load(dir)
	must(err)
	return h
}

func writeStore(t *testing.T, path string, ks keystore.KeyStore) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := ks.Store(f, []byte("wso2carbon")); err != nil {
		t.Fatal(err)
	}
}

const defaultTOML = `
[server]
hostname = "localhost"

[super_admin]
username = "admin"
password = "admin"

[keystore.tls]
file_name = "wso2carbon.jks"
type = "JKS"
password = "wso2carbon"
alias = "wso2carbon"
key_password = "wso2carbon"

[[apim.gateway.environment]]
name = "Default"
type = "hybrid"
http_endpoint = "http://localhost:${http.nio.port}"
https_endpoint = "https://localhost:${https.nio.port}"
`

// sim is a simulator under test with httptest listeners and a capturable log.
type sim struct {
	t       *testing.T
	s       *Server
	servlet *httptest.Server
	gw      *httptest.Server
	logBuf  *syncBuffer
	clock   *fakeClock
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newSim(t *testing.T, ver, toml string, hosts simnet.Hosts, trust ...*x509.Certificate) *sim {
	t.Helper()
	h := writeHome(t, toml, trust...)
	buf := &syncBuffer{}
	s, err := New(h, Options{Version: ver, Hosts: hosts, Log: carbonlog.To(buf)})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Now()}
	s.now = clock.Now
	sm := &sim{t: t, s: s, servlet: httptest.NewServer(s.Servlet()), gw: httptest.NewServer(s.Gateway()), logBuf: buf, clock: clock}
	t.Cleanup(sm.servlet.Close)
	t.Cleanup(sm.gw.Close)
	return sm
}

type resp struct {
	status int
	header http.Header
	raw    []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.raw, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.raw, err)
	}
	return m
}

// send does req and reads the whole answer.
func send(t *testing.T, req *http.Request) resp {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, raw}
}

// call sends a request with admin Basic credentials unless auth overrides the header ("" = none).
func call(t *testing.T, method, url string, body any, auth ...string) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if len(auth) == 0 {
		req.SetBasicAuth("admin", "admin")
	} else if auth[0] != "" {
		req.Header.Set("Authorization", auth[0])
	}
	return send(t, req)
}

func (sm *sim) admin(path string) string { return sm.servlet.URL + adminBase + path }
func (sm *sim) pub(path string) string   { return sm.servlet.URL + publisherBase + path }
func (sm *sim) dev(path string) string   { return sm.servlet.URL + devportalBase + path }
func bearer(tok string) string           { return "Bearer " + tok }
func basicAuth(u, p string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p))
}
func expect(t *testing.T, r resp, st int) {
	t.Helper()
	if r.status != st {
		t.Fatalf("status %d, want %d; body %s", r.status, st, r.raw)
	}
}

// fakeIS plays the IS 7 endpoints the connector and the gateway call: DCR, JWKS, introspection, token.
type fakeIS struct {
	srv      *httptest.Server
	mux      *http.ServeMux // tests may add IS endpoints
	base     string         // https://wso2is:<port>
	mu       sync.Mutex
	dcr      []map[string]any
	dcrAuth  []string
	dcrUser  []string          // WSO2-Identity-User header of each DCR call
	active   map[string]string // opaque token → client_id while active
	kid      string
	signKey  *rsa.PrivateKey
	jwksHits int
}

func newFakeIS(t *testing.T, cert *x509.Certificate) (*fakeIS, simnet.Hosts) {
	t.Helper()
	testKeys()
	f := &fakeIS{active: map[string]string{}, kid: "is-kid-1", signKey: isKey}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/identity/oauth2/dcr/v1.1/register", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.dcr = append(f.dcr, body)
		f.dcrAuth = append(f.dcrAuth, r.Header.Get("Authorization"))
		f.dcrUser = append(f.dcrUser, r.Header.Get("WSO2-Identity-User"))
		f.mu.Unlock()
		writeJSON(w, http.StatusCreated, map[string]any{"client_id": "is-client-" + str(body["client_name"]), "client_secret": "is-secret",
			"client_name": body["client_name"]})
	})
	mux.HandleFunc("GET /oauth2/jwks", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.jwksHits++
		kid := f.kid
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]any{{"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
			"n": base64.RawURLEncoding.EncodeToString(isKey.N.Bytes()), "e": "AQAB"}}})
	})
	mux.HandleFunc("GET /oauth2/token/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		// IS 7's discovery document, with the hosts the client used (as IS renders [server] hostname).
		b := "https://" + r.Host
		writeJSON(w, http.StatusOK, map[string]any{"issuer": b + "/oauth2/token", "token_endpoint": b + "/oauth2/token",
			"authorization_endpoint": b + "/oauth2/authorize", "introspection_endpoint": b + "/oauth2/introspect",
			"registration_endpoint": b + "/api/identity/oauth2/dcr/v1.1/register", "revocation_endpoint": b + "/oauth2/revoke",
			"userinfo_endpoint": b + "/oauth2/userinfo", "jwks_uri": b + "/oauth2/jwks",
			"grant_types_supported": []string{"authorization_code", "client_credentials", "password", "refresh_token"}})
	})
	mux.HandleFunc("POST /oauth2/introspect", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "admin" || p != "admin" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_ = r.ParseForm()
		f.mu.Lock()
		client := f.active[r.PostForm.Get("token")]
		f.mu.Unlock()
		if client == "" {
			writeJSON(w, http.StatusOK, map[string]any{"active": false})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"active": true, "client_id": client, "token_type": "Bearer",
			"exp": time.Now().Add(time.Hour).Unix(), "scope": "default"})
	})
	f.mux = mux
	f.srv = httptest.NewUnstartedServer(mux)
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes are what some tests want
	f.srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{cert.Raw}, PrivateKey: isKey}}}
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	_, port, _ := net.SplitHostPort(f.srv.Listener.Addr().String())
	f.base = "https://wso2is:" + port
	return f, simnet.Hosts{"wso2is": "127.0.0.1"}
}

// token signs an IS-style access token.
func (f *fakeIS) token(t *testing.T, c claims) string {
	t.Helper()
	f.mu.Lock()
	kid := f.kid
	f.mu.Unlock()
	tok, err := signRS256(f.signKey, map[string]any{"alg": "RS256", "typ": "at+jwt", "kid": kid}, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// is7KM is the IV2-style WSO2-IS-7 payload pointing at the fake IS.
func (f *fakeIS) is7KM(name string) map[string]any {
	return map[string]any{
		"name": name, "type": "WSO2-IS-7", "description": "IS 7", "enabled": true,
		"issuer": f.base + "/oauth2/token", "tokenEndpoint": f.base + "/oauth2/token",
		"introspectionEndpoint": f.base + "/oauth2/introspect", "revokeEndpoint": f.base + "/oauth2/revoke",
		"clientRegistrationEndpoint": f.base + "/api/identity/oauth2/dcr/v1.1/register",
		"enableTokenGeneration":      true, "enableOAuthAppCreation": true, "enableMapOAuthConsumerApps": true,
		"availableGrantTypes": []string{"client_credentials", "password"},
		"certificates":        map[string]any{"type": "JWKS", "value": f.base + "/oauth2/jwks"},
		"additionalProperties": map[string]any{"Authentication": "BasicAuth", "Username": "admin", "Password": "admin",
			"api_resource_management_endpoint": f.base + "/api/server/v1/api-resources",
			"is7_roles_endpoint":               f.base + "/scim2/v2/Roles"},
	}
}

func (sm *sim) createKM(body map[string]any) string {
	sm.t.Helper()
	r := call(sm.t, "POST", sm.admin("/key-managers"), body)
	expect(sm.t, r, http.StatusCreated)
	return str(r.json(sm.t)["id"])
}

// publishAPI creates, revisions, deploys and publishes an API pointing at backendURL.
func (sm *sim) publishAPI(name, ctx string, kms []string, backendURL string) string {
	sm.t.Helper()
	return sm.publishAPIWith(name, ctx, kms, backendURL, nil)
}

// publishAPIWith is publishAPI with a hook to edit the create body (operations, scopes).
func (sm *sim) publishAPIWith(name, ctx string, kms []string, backendURL string, edit func(map[string]any)) string {
	sm.t.Helper()
	body := map[string]any{"name": name, "context": ctx, "version": "1.0.0", "policies": []string{"Unlimited"},
		"endpointConfig": map[string]any{"endpoint_type": "http", "production_endpoints": map[string]any{"url": backendURL},
			"sandbox_endpoints": map[string]any{"url": backendURL}}}
	if kms != nil {
		body["keyManagers"] = kms
	}
	if edit != nil {
		edit(body)
	}
	r := call(sm.t, "POST", sm.pub("/apis"), body)
	expect(sm.t, r, http.StatusCreated)
	id := str(r.json(sm.t)["id"])
	sm.redeploy(id)
	expect(sm.t, call(sm.t, "POST", sm.pub("/apis/change-lifecycle?apiId="+id+"&action=Publish"), nil), http.StatusOK)
	return id
}

// redeploy creates a revision of the API's working copy and deploys it to Default/localhost.
func (sm *sim) redeploy(id string) {
	sm.t.Helper()
	r := call(sm.t, "POST", sm.pub("/apis/"+id+"/revisions"), map[string]any{"description": "r"})
	expect(sm.t, r, http.StatusCreated)
	rev := str(r.json(sm.t)["id"])
	r = call(sm.t, "POST", sm.pub("/apis/"+id+"/deploy-revision?revisionId="+rev),
		[]map[string]any{{"name": "Default", "vhost": "localhost", "displayOnDevportal": true}})
	expect(sm.t, r, http.StatusCreated)
}

// subscribedApp creates an app subscribed to apiID and returns its id.
func (sm *sim) subscribedApp(name, apiID string) string {
	sm.t.Helper()
	r := call(sm.t, "POST", sm.dev("/applications"), map[string]any{"name": name, "throttlingPolicy": "Unlimited"})
	expect(sm.t, r, http.StatusCreated)
	app := str(r.json(sm.t)["applicationId"])
	expect(sm.t, call(sm.t, "POST", sm.dev("/subscriptions"), map[string]any{"applicationId": app, "apiId": apiID,
		"throttlingPolicy": "Unlimited"}), http.StatusCreated)
	return app
}

func (sm *sim) genKeys(appID, km string) resp {
	sm.t.Helper()
	body := map[string]any{"keyType": "PRODUCTION", "grantTypesToBeSupported": []string{"client_credentials", "password"}}
	if km != "" {
		body["keyManager"] = km
	}
	return call(sm.t, "POST", sm.dev("/applications/"+appID+"/generate-keys"), body)
}

// echoBackend answers like kmsim backend and records the Authorization header it saw.
func echoBackend(t *testing.T) (*httptest.Server, *[]string) {
	t.Helper()
	var seen []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"service": "kmsim-backend", "method": r.Method, "path": r.URL.Path})
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

func (f *fakeIS) hits() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.jwksHits
}
