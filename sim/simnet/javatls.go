package simnet

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
	"time"
)

// Java exception texts for the certificate failures a JVM client raises. The products log these, and the
// harness reads logs, so the wording is part of what is simulated.
const (
	pkixBuildFailed = "javax.net.ssl.SSLHandshakeException: PKIX path building failed: " +
		"sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target"
	pkixValidityFailed = "javax.net.ssl.SSLHandshakeException: PKIX path validation failed: " +
		"java.security.cert.CertPathValidatorException: validity check failed"
	peerNotAuthenticated = "javax.net.ssl.SSLPeerUnverifiedException: peer not authenticated"
)

// javaTLSError carries the Java exception text for a handshake Go has rejected on Java's terms.
type javaTLSError struct{ java string }

func (e *javaTLSError) Error() string { return e.java }

// JavaTLSConfig is a client TLS configuration whose certificate check is the JVM's instead of Go's:
//   - a server certificate that is itself in roots is a trust anchor and is accepted even when expired
//     (Java's PKIXValidator returns a trusted end-entity at once); the products' default certificates are
//     self-signed and expired, and peers trust each other by importing exactly those certificates;
//   - otherwise a path is built from roots (Java builds first, then validates, so an untrusted chain is a
//     path-building failure whatever its dates), then every member but the anchor must be within its
//     validity period ("validity check failed"; PKIX does not date-check the trust anchor);
//   - finally the host name is matched like Apache HttpClient's DefaultHostnameVerifier.
//
// nil roots trust nothing.
func JavaTLSConfig(roots *x509.CertPool) *tls.Config {
	if roots == nil {
		roots = x509.NewCertPool()
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// Go's own verification is replaced, not added to: it would reject the expired trust anchors the
		// JVM accepts.
		InsecureSkipVerify: true,
		VerifyConnection:   func(cs tls.ConnectionState) error { return verifyJava(cs, roots, time.Now()) },
	}
}

func verifyJava(cs tls.ConnectionState, roots *x509.CertPool, now time.Time) error {
	if len(cs.PeerCertificates) == 0 {
		return &javaTLSError{peerNotAuthenticated}
	}
	leaf := cs.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	chain, err := buildPath(leaf, roots, inter, now)
	if err != nil {
		return err
	}
	// chain[len-1] is the anchor, which PKIX does not date-check; a lone anchor (the leaf itself is
	// trusted) is therefore never expired.
	for _, c := range chain[:len(chain)-1] {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return &javaTLSError{pkixValidityFailed}
		}
	}
	return verifyHostname(leaf, cs.ServerName)
}

// buildPath finds a chain from leaf to a certificate in roots regardless of dates, which Go's verifier
// cannot be told to ignore: it is asked at instants when the leaf is valid and at now. A chain of length
// one means the leaf itself is in roots (Go checks that before building).
// Limitation: chain members whose validity periods share none of those instants are reported as a
// path-building failure, where Java would build the path and then fail validation.
func buildPath(leaf *x509.Certificate, roots, inter *x509.CertPool, now time.Time) ([]*x509.Certificate, error) {
	mid := leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)
	for _, at := range []time.Time{mid, leaf.NotAfter, leaf.NotBefore, now} {
		chains, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if err == nil && len(chains) > 0 {
			return chains[0], nil
		}
	}
	return nil, &javaTLSError{pkixBuildFailed}
}

// verifyHostname mirrors org.apache.http.conn.ssl.DefaultHostnameVerifier: an IP host against the IP
// SANs; a name against the DNS SANs when there are any, else against the subject CN.
func verifyHostname(cert *x509.Certificate, host string) error {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if ip := net.ParseIP(host); ip != nil {
		var alts []string
		for _, a := range cert.IPAddresses {
			if a.Equal(ip) {
				return nil
			}
			alts = append(alts, a.String())
		}
		return sanMismatch(host, alts)
	}
	if len(cert.DNSNames) > 0 {
		for _, n := range cert.DNSNames {
			if matchDNS(strings.ToLower(n), host) {
				return nil
			}
		}
		return sanMismatch(host, cert.DNSNames)
	}
	cn := cert.Subject.CommonName
	if cn != "" && matchDNS(strings.ToLower(cn), host) {
		return nil
	}
	return &javaTLSError{fmt.Sprintf("javax.net.ssl.SSLPeerUnverifiedException: Certificate for <%s> doesn't match common name of the certificate subject: %s", host, cn)}
}

func sanMismatch(host string, alts []string) error {
	return &javaTLSError{fmt.Sprintf("javax.net.ssl.SSLPeerUnverifiedException: Certificate for <%s> doesn't match any of the subject alternative names: [%s]",
		host, strings.Join(alts, ", "))}
}

// matchDNS matches one name, allowing a single left-most "*" label as DefaultHostnameVerifier does.
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
