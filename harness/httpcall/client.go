package httpcall

// The HTTP client the harness talks to both products with. Requests name the products by their
// in-network names (https://wso2is:9443, https://wso2am:8243), so issuers, redirects and TLS host names stay
// what the products see; the dialer maps each name:port to the address the harness can reach (a mapped
// Docker port, or a process node's 127.0.0.x address), and TLS trusts only the run's CA.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"time"
)

// Resolve maps an in-network host and port to a reachable host:port. ok=false means "dial as given".
type Resolve func(host string, port int) (addr string, ok bool)

// ClientOptions configure NewClient.
type ClientOptions struct {
	Resolve Resolve
	Roots   *x509.CertPool // nil: the system roots (only for the attach target)
	Timeout time.Duration
	// Wrap, if set, wraps the transport (e.g. an evidence.Transcript).
	Wrap func(http.RoundTripper) http.RoundTripper
	// Cookies keeps a cookie jar (needed by browser-like flows).
	Cookies bool
}

// NewClient returns a client that never follows redirects on its own: the products' redirects carry codes and
// session keys the flows read.
func NewClient(o ClientOptions) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if o.Resolve != nil {
				if host, portStr, err := net.SplitHostPort(addr); err == nil {
					if port, err := strconv.Atoi(portStr); err == nil {
						if mapped, ok := o.Resolve(host, port); ok {
							addr = mapped
						}
					}
				}
			}
			conn, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, fmt.Errorf("dial %s: %w", addr, err)
			}
			return conn, nil
		},
		TLSClientConfig:     &tls.Config{RootCAs: o.Roots, MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     30 * time.Second,
	}
	var rt http.RoundTripper = transport
	if o.Wrap != nil {
		rt = o.Wrap(rt)
	}
	c := &http.Client{
		Transport: rt,
		Timeout:   o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	if o.Cookies {
		c.Jar, _ = cookiejar.New(nil)
	}
	return c
}
