package apim

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/kmconform/kmconform/sim/simnet"
)

// javaTLSError carries the Java exception a JVM client would raise for the same handshake.
type javaTLSError struct{ java string }

func (e *javaTLSError) Error() string { return e.java }

const pkixBuildFailed = "javax.net.ssl.SSLHandshakeException: PKIX path building failed: " +
	"sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target"

// javaClient is simnet's outbound client (mapped host names, only the client-truststore as roots) with
// the certificate check redone the way the JVM does it: a server certificate that is itself in the trust
// store is a trust anchor and is accepted even when expired, as the products' expired default certs are;
// other chains go through PKIX; host names are then checked like Apache HttpClient's
// DefaultHostnameVerifier, which the IS7 connector's clients use.
func javaClient(hosts simnet.Hosts, trust []*x509.Certificate, timeout time.Duration) *http.Client {
	pool := x509.NewCertPool()
	for _, c := range trust {
		pool.AddCert(c)
	}
	cl := hosts.Client(pool, timeout)
	tr := cl.Transport.(*http.Transport)
	cfg := tr.TLSClientConfig.Clone()
	cfg.InsecureSkipVerify = true // Go's own check is replaced by VerifyConnection below
	cfg.VerifyConnection = func(cs tls.ConnectionState) error { return verifyJava(cs, trust, pool) }
	tr.TLSClientConfig = cfg
	return cl
}

func verifyJava(cs tls.ConnectionState, trust []*x509.Certificate, pool *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return &javaTLSError{"javax.net.ssl.SSLPeerUnverifiedException: peer not authenticated"}
	}
	leaf := cs.PeerCertificates[0]
	anchored := false
	for _, c := range trust {
		if c.Equal(leaf) {
			anchored = true
			break
		}
	}
	if !anchored {
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		// PKIX builds the path first (validity aside), then validates it: an untrusted expired cert is a
		// path-building failure, a trusted chain with an expired member a validation failure.
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, CurrentTime: leaf.NotBefore.Add(time.Second)}); err != nil {
			var invalid x509.CertificateInvalidError
			if !errors.As(err, &invalid) || invalid.Reason != x509.Expired {
				return &javaTLSError{pkixBuildFailed}
			}
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter}); err != nil {
			var invalid x509.CertificateInvalidError
			if errors.As(err, &invalid) && invalid.Reason == x509.Expired {
				return &javaTLSError{"javax.net.ssl.SSLHandshakeException: PKIX path validation failed: " +
					"java.security.cert.CertPathValidatorException: validity check failed"}
			}
			return &javaTLSError{pkixBuildFailed}
		}
	}
	return verifyHostnameApache(leaf, cs.ServerName)
}

// verifyHostnameApache mirrors org.apache.http.conn.ssl.DefaultHostnameVerifier: subject alternative names
// when present (IP or DNS by host kind), else the subject CN.
func verifyHostnameApache(cert *x509.Certificate, host string) error {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if ip := net.ParseIP(host); ip != nil {
		var alts []string
		for _, a := range cert.IPAddresses {
			if a.Equal(ip) {
				return nil
			}
			alts = append(alts, a.String())
		}
		return peerUnverified(host, alts)
	}
	if len(cert.DNSNames) > 0 {
		for _, n := range cert.DNSNames {
			if matchDNS(strings.ToLower(n), host) {
				return nil
			}
		}
		return peerUnverified(host, cert.DNSNames)
	}
	cn := cert.Subject.CommonName
	if cn != "" && matchDNS(strings.ToLower(cn), host) {
		return nil
	}
	return &javaTLSError{fmt.Sprintf("javax.net.ssl.SSLPeerUnverifiedException: Certificate for <%s> doesn't match common name of the certificate subject: %s", host, cn)}
}

func peerUnverified(host string, alts []string) error {
	return &javaTLSError{fmt.Sprintf("javax.net.ssl.SSLPeerUnverifiedException: Certificate for <%s> doesn't match any of the subject alternative names: [%s]",
		host, strings.Join(alts, ", "))}
}

// matchDNS matches one name, with a single left-most "*" label.
func matchDNS(pattern, host string) bool {
	if pattern == host {
		return true
	}
	if rest, ok := strings.CutPrefix(pattern, "*."); ok {
		_, hostRest, found := strings.Cut(host, ".")
		return found && hostRest == rest
	}
	return false
}

// javaCause renders an outbound-call failure as the Java exception the real connector would log.
func javaCause(err error) string {
	var jt *javaTLSError
	var dns *net.DNSError
	var nerr net.Error
	var rec tls.RecordHeaderError
	switch {
	case errors.As(err, &jt):
		return jt.java
	case errors.Is(err, syscall.ECONNREFUSED):
		return "java.net.ConnectException: Connection refused"
	case errors.As(err, &dns):
		return fmt.Sprintf("java.net.UnknownHostException: %s: Name or service not known", dns.Name)
	case errors.As(err, &rec):
		return "javax.net.ssl.SSLException: Unsupported or unrecognized SSL message"
	case errors.As(err, &nerr) && nerr.Timeout():
		return "java.net.SocketTimeoutException: Read timed out"
	}
	return "java.io.IOException: " + err.Error()
}
