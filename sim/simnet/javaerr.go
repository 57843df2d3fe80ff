package simnet

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
)

// JavaError renders an outbound-call failure as the Java exception a JVM client (Apache HttpClient on
// the products' side) would log for the same event, so that simulated logs read like real ones.
// host names the peer for texts that carry it; when empty it is taken from the *url.Error that
// http.Client returns. Go's own x509 errors (a caller that kept Go verification) are mapped as well.
func JavaError(err error, host string) string {
	if err == nil {
		return ""
	}
	if host == "" {
		var ue *url.Error
		if errors.As(err, &ue) {
			if u, perr := url.Parse(ue.URL); perr == nil {
				host = u.Hostname()
			}
		}
	}
	if h, _, e := net.SplitHostPort(host); e == nil {
		host = h
	}
	var (
		jt   *javaTLSError
		ua   x509.UnknownAuthorityError
		hn   x509.HostnameError
		ci   x509.CertificateInvalidError
		dns  *net.DNSError
		rec  tls.RecordHeaderError
		nerr net.Error
	)
	switch {
	case errors.As(err, &jt):
		return jt.java
	case errors.As(err, &ua):
		return pkixBuildFailed
	case errors.As(err, &hn):
		var alts []string
		if hn.Certificate != nil {
			alts = hn.Certificate.DNSNames
		}
		return sanMismatch(strings.ToLower(host), alts).Error()
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		return pkixValidityFailed
	case errors.As(err, &ci):
		return pkixBuildFailed
	case errors.Is(err, syscall.ECONNREFUSED):
		return "java.net.ConnectException: Connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "java.net.SocketException: Connection reset"
	case errors.As(err, &dns):
		name := dns.Name
		if name == "" {
			name = host
		}
		return fmt.Sprintf("java.net.UnknownHostException: %s: Name or service not known", name)
	case errors.As(err, &rec), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		// A TLS client talking to a plain-HTTP port (net/http replaces the record error with its own text).
		return "javax.net.ssl.SSLException: Unsupported or unrecognized SSL message"
	case errors.As(err, &nerr) && nerr.Timeout():
		// UNCONFIRMED: connect and read timeouts are not told apart; the read timeout is the common one.
		return "java.net.SocketTimeoutException: Read timed out"
	}
	return "java.io.IOException: " + err.Error()
}
