package apim

import (
	"crypto/tls"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kmconform/kmconform/sim/home"
)

// version is the API-M minor release (3 for 4.3.0 … 7 for 4.7.0); per-version behaviour keys on it.
type version int

var supportedVersions = []string{"4.3.0", "4.4.0", "4.5.0", "4.6.0", "4.7.0"}

func parseVersion(v string) (version, error) {
	for i, s := range supportedVersions {
		if v == s {
			return version(3 + i), nil
		}
	}
	return 0, fmt.Errorf("unsupported API Manager version %q: supported versions are %s", v, strings.Join(supportedVersions, ", "))
}

// Default stores of every API-M 4.x home (api-manager-4.md §1 "Keystores"): JKS, password wso2carbon.
var (
	defaultKeyStore = home.StoreSpec{File: "wso2carbon.jks", Type: "JKS", Password: "wso2carbon",
		Alias: "wso2carbon", KeyPassword: "wso2carbon"}
	defaultTrustStore = home.StoreSpec{File: "client-truststore.jks", Type: "JKS", Password: "wso2carbon"}
)

// environment is one [[apim.gateway.environment]] with the vhosts the publisher accepts for it.
type environment struct {
	Name   string
	VHosts []string
}

// config is what the simulator reads from deployment.toml besides stores.
type config struct {
	hostname string
	offset   int
	admin    string
	password string
	envs     []environment

	gatewayCacheEnabled bool
	gatewayCacheTTL     time.Duration // [apim.cache.gateway_token] expiry_time (JWT path only)
	introspectCacheTTL  time.Duration // apim.cache.token_expiry_time (the IntrospectionCache)

	tokenExchange bool // [oauth.grant_type.token_exchange] enable (exchange.go)
}

func readConfig(h *home.Home) config {
	c := config{hostname: h.Hostname(), offset: h.PortOffset()}
	c.admin, c.password = h.SuperAdmin()
	c.gatewayCacheEnabled = h.Bool(true, "apim", "cache", "gateway_token", "enable")
	c.gatewayCacheTTL = durationAt(h, 900*time.Second, "apim", "cache", "gateway_token", "expiry_time")
	// The IntrospectionCache TTL is apim.cache.token_expiry_time, default 900 s (api-manager-4.md §7),
	// independent of [apim.cache.gateway_token].
	c.introspectCacheTTL = durationAt(h, 900*time.Second, "apim", "cache", "token_expiry_time")
	// Every 4.3–4.7 default deployment.toml sets [oauth.grant_type.token_exchange] enable = true.
	// UNCONFIRMED (the references give only those defaults): chose the grant off when the key is absent, as
	// the shipped file enabling it explicitly suggests the template's default is off.
	c.tokenExchange = h.Bool(false, "oauth", "grant_type", "token_exchange", "enable")
	for _, t := range h.Tables("apim", "gateway", "environment") {
		name, _ := t["name"].(string)
		if name == "" {
			continue
		}
		c.envs = append(c.envs, environment{Name: name, VHosts: envVHosts(t)})
	}
	return c
}

// envVHosts derives the vhosts of an environment from its endpoint URLs, as API-M builds the default
// vhost from http_endpoint/https_endpoint (the default toml's "localhost").
func envVHosts(t map[string]any) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range []string{"https_endpoint", "http_endpoint", "ws_endpoint", "wss_endpoint"} {
		raw, _ := t[k].(string)
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" || seen[u.Hostname()] {
			continue
		}
		seen[u.Hostname()] = true
		out = append(out, u.Hostname())
	}
	if len(out) == 0 {
		out = []string{"localhost"}
	}
	return out
}

// durationAt reads "900s", "15m" or a bare number of seconds.
func durationAt(h *home.Home, def time.Duration, path ...string) time.Duration {
	v, ok := h.Lookup(path...)
	if !ok {
		return def
	}
	switch n := v.(type) {
	case int64:
		return time.Duration(n) * time.Second
	case float64:
		return time.Duration(n * float64(time.Second))
	case string:
		if secs, err := strconv.Atoi(strings.TrimSpace(n)); err == nil {
			return time.Duration(secs) * time.Second
		}
		if d, err := time.ParseDuration(strings.TrimSpace(n)); err == nil {
			return d
		}
	}
	return def
}

// baseURL is how API-M renders its own servlet URLs: [server] hostname and 9443 + offset.
func (c config) baseURL() string {
	return fmt.Sprintf("https://%s:%d", c.hostname, 9443+c.offset)
}

func tlsCertificate(e home.KeyEntry) tls.Certificate {
	var chain [][]byte
	for _, c := range e.Chain {
		chain = append(chain, c.Raw)
	}
	var leaf = e.Chain[0]
	return tls.Certificate{Certificate: chain, PrivateKey: e.Key, Leaf: leaf}
}
