// Package simnet gives a simulated product the network view it would have on a container network:
// peer names such as wso2is and wso2am resolve to the addresses given with --hosts (the process
// backend's stand-in for Docker's network aliases), and outbound TLS trusts only the product's own
// trust store, verified as Java and Apache HttpClient verify (javatls.go), and failures read as the
// Java exceptions the real products would log (javaerr.go).
package simnet

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Hosts maps host names to IP addresses, like /etc/hosts entries.
type Hosts map[string]string

// ParseHosts reads "name=ip,name=ip". Empty input is an empty map.
func ParseHosts(s string) (Hosts, error) {
	h := Hosts{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, ip, ok := strings.Cut(part, "=")
		if !ok || net.ParseIP(strings.TrimSpace(ip)) == nil || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("bad hosts entry %q: want name=ip", part)
		}
		h[strings.ToLower(strings.TrimSpace(name))] = strings.TrimSpace(ip)
	}
	return h, nil
}

// String renders the map in ParseHosts form, sorted.
func (h Hosts) String() string {
	var parts []string
	for n, ip := range h {
		parts = append(parts, n+"="+ip)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// DialContext dials addr, first rewriting a mapped host name to its address.
func (h Hosts) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err == nil {
		if ip, ok := h[strings.ToLower(host)]; ok {
			addr = net.JoinHostPort(ip, port)
		}
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	return d.DialContext(ctx, network, addr)
}

// Client returns an HTTP client that resolves through h and checks server certificates the way the
// products' JVM clients do (Java PKIX + Apache HttpClient's DefaultHostnameVerifier, see JavaTLSConfig)
// against roots, the product's trust store. nil roots trust nothing, which is what an empty Java trust
// store means. Failures can be rendered as the Java log text with JavaError.
func (h Hosts) Client(roots *x509.CertPool, timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:         h.DialContext,
			TLSClientConfig:     JavaTLSConfig(roots),
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}
