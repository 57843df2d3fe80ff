package simnet

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type keyPair struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// issue makes a certificate for cn/dns valid until notAfter, signed by parent (self-signed when nil).
func issue(t *testing.T, cn string, dns []string, notAfter time.Time, isCA bool, parent *keyPair) keyPair {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: notAfter.Add(-365 * 24 * time.Hour), NotAfter: notAfter, DNSNames: dns, BasicConstraintsValid: true,
		IsCA: isCA, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	signer, signKey := tmpl, key
	if parent != nil {
		signer, signKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return keyPair{c, key}
}

// serve starts an HTTPS server presenting chain and returns its URL under the name wso2is.
func serve(t *testing.T, leaf keyPair, chain ...*x509.Certificate) (string, Hosts) {
	t.Helper()
	raw := [][]byte{leaf.cert.Raw}
	for _, c := range chain {
		raw = append(raw, c.Raw)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // rejected handshakes are the point of several tests
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: raw, PrivateKey: leaf.key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return "https://wso2is:" + port + "/x", Hosts{"wso2is": "127.0.0.1"}
}

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func get(t *testing.T, h Hosts, roots *x509.CertPool, u string) error {
	t.Helper()
	res, err := h.Client(roots, 5*time.Second).Get(u)
	if err == nil {
		res.Body.Close()
	}
	return err
}

var (
	past   = time.Now().Add(-24 * time.Hour)
	future = time.Now().Add(24 * time.Hour)
)

func TestTrustedExpiredAnchorAccepted(t *testing.T) {
	// The images' default certificates are self-signed and expired; peers trust them by import.
	self := issue(t, "wso2is", []string{"wso2is"}, past, false, nil)
	u, h := serve(t, self)
	if err := get(t, h, pool(self.cert), u); err != nil {
		t.Fatalf("trusted expired anchor rejected: %v", err)
	}
}

func TestUnknownCAIsPKIXBuildFailure(t *testing.T) {
	ca := issue(t, "Some CA", nil, future, true, nil)
	leaf := issue(t, "wso2is", []string{"wso2is"}, future, false, &ca)
	u, h := serve(t, leaf, ca.cert)
	other := issue(t, "wso2am", []string{"wso2am"}, future, false, nil)
	err := get(t, h, pool(other.cert), u)
	if got := JavaError(err, ""); got != pkixBuildFailed {
		t.Fatalf("got %q (err %v)", got, err)
	}
	// An empty trust store (nil roots) trusts nothing either.
	if got := JavaError(get(t, h, nil, u), ""); got != pkixBuildFailed {
		t.Fatalf("nil roots: got %q", got)
	}
	// Untrusted and expired is still a path-building failure: Java builds before it validates.
	old := issue(t, "wso2is", []string{"wso2is"}, past, false, nil)
	u2, h2 := serve(t, old)
	if got := JavaError(get(t, h2, pool(other.cert), u2), ""); got != pkixBuildFailed {
		t.Fatalf("untrusted expired: got %q", got)
	}
}

func TestWrongHostIsSANMismatch(t *testing.T) {
	self := issue(t, "localhost", []string{"localhost", "wso2am"}, past, false, nil)
	u, h := serve(t, self)
	err := get(t, h, pool(self.cert), u)
	want := "javax.net.ssl.SSLPeerUnverifiedException: Certificate for <wso2is> doesn't match any of the subject alternative names: [localhost, wso2am]"
	if got := JavaError(err, ""); got != want {
		t.Fatalf("got %q", got)
	}
}

func TestCNFallbackWithoutSANs(t *testing.T) {
	ok := issue(t, "wso2is", nil, past, false, nil)
	u, h := serve(t, ok)
	if err := get(t, h, pool(ok.cert), u); err != nil {
		t.Fatalf("CN match rejected: %v", err)
	}
	bad := issue(t, "localhost", nil, past, false, nil)
	u, h = serve(t, bad)
	got := JavaError(get(t, h, pool(bad.cert), u), "")
	if !strings.Contains(got, "doesn't match common name of the certificate subject: localhost") {
		t.Fatalf("got %q", got)
	}
}

func TestExpiredLeafUnderTrustedCAIsValidityFailure(t *testing.T) {
	ca := issue(t, "Trusted CA", nil, future, true, nil)
	leaf := issue(t, "wso2is", []string{"wso2is"}, past, false, &ca)
	u, h := serve(t, leaf, ca.cert)
	if got := JavaError(get(t, h, pool(ca.cert), u), ""); got != pkixValidityFailed {
		t.Fatalf("got %q", got)
	}
	// The same CA with a valid leaf passes; an expired anchor is not date-checked.
	good := issue(t, "wso2is", []string{"wso2is"}, future, false, &ca)
	u, h = serve(t, good, ca.cert)
	if err := get(t, h, pool(ca.cert), u); err != nil {
		t.Fatalf("valid leaf under trusted CA rejected: %v", err)
	}
}

func TestJavaErrorNetworkFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	h := Hosts{"wso2is": "127.0.0.1"}
	if got := JavaError(get(t, h, nil, "https://wso2is:"+port+"/"), ""); got != "java.net.ConnectException: Connection refused" {
		t.Fatalf("refused: got %q", got)
	}
	plain := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer plain.Close()
	_, port, _ = net.SplitHostPort(plain.Listener.Addr().String())
	if got := JavaError(get(t, h, nil, "https://wso2is:"+port+"/"), ""); !strings.HasPrefix(got, "javax.net.ssl.SSLException") {
		t.Fatalf("plain HTTP port: got %q", got)
	}
	// Go's own verifier errors map to the same texts.
	if got := JavaError(x509.UnknownAuthorityError{}, "wso2is"); got != pkixBuildFailed {
		t.Fatalf("UnknownAuthorityError: got %q", got)
	}
}

func TestParseHostsRoundTrip(t *testing.T) {
	h, err := ParseHosts(" wso2is=10.0.0.2, WSO2AM=10.0.0.3 ,")
	if err != nil || h.String() != "wso2am=10.0.0.3,wso2is=10.0.0.2" {
		t.Fatalf("%v %q", err, h.String())
	}
	if _, err := ParseHosts("wso2is"); err == nil {
		t.Fatal("want an error for a missing address")
	}
}
