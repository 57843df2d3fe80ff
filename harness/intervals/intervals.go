// Package intervals is the one place that holds every timeout and poll interval of a run, by name, so that a
// slow machine or a mirror can stretch them without touching code (KMCONFORM_INTERVALS or --interval).
package intervals

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Interval is how long to wait for something and how often to look.
type Interval struct {
	Timeout time.Duration
	Poll    time.Duration
}

// The named intervals. Defaults follow WSO2's own budgets where they publish one (compose and Helm probes,
// the integration-v2 suite) and are generous enough for the official images on a 2-core machine.
const (
	ISReady            = "is-ready"            // IS discovery answers 200 (WSO2 Helm: up to 210 s)
	APIMReady          = "apim-ready"          // API-M startup health check answers 200 (WSO2 integration-v2: 300 s)
	BackendReady       = "backend-ready"       // the echo backend accepts connections
	ProcessStop        = "process-stop"        // a stopped node exits after SIGTERM before it is killed
	HTTPRequest        = "http-request"        // one HTTP request to a product
	SetupRetry         = "setup-retry"         // transient setup errors (DCR not yet deployed, revision 500s)
	GatewayPropagation = "gateway-propagation" // a newly deployed API or subscription reaches the gateway
	Revocation         = "revocation"          // a revoked token is refused by the gateway (WSO2 integration-v2 polls 30 s)
	// TokenExpiry is how long after a token's exp the gateway may still accept it: its timestamp skew and a
	// margin. UNCONFIRMED (carbon-apimgt JWTValidator checks "with timestamp skew" only): the gateway reads
	// identity.xml TimestampSkew, 300 s by default per WSO2's token documentation.
	TokenExpiry = "token-expiry"
)

var defaults = map[string]Interval{
	ISReady:            {5 * time.Minute, 2 * time.Second},
	APIMReady:          {8 * time.Minute, 2 * time.Second},
	BackendReady:       {1 * time.Minute, 200 * time.Millisecond},
	ProcessStop:        {10 * time.Second, 100 * time.Millisecond},
	HTTPRequest:        {30 * time.Second, 0},
	SetupRetry:         {3 * time.Minute, 2 * time.Second},
	GatewayPropagation: {2 * time.Minute, 500 * time.Millisecond},
	Revocation:         {30 * time.Second, 10 * time.Millisecond}, // 10 ms: revocation latency is measured, not just awaited
	TokenExpiry:        {330 * time.Second, 250 * time.Millisecond},
}

var (
	mu        sync.RWMutex
	overrides = map[string]Interval{}
)

// Get returns the named interval. An unknown name panics: it is a programming error.
func Get(name string) Interval {
	mu.RLock()
	defer mu.RUnlock()
	if iv, ok := overrides[name]; ok {
		return iv
	}
	iv, ok := defaults[name]
	if !ok {
		panic("intervals: unknown interval " + name)
	}
	return iv
}

// Names lists the known interval names, sorted.
func Names() []string {
	var names []string
	for n := range defaults {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Override parses "name=timeout[/poll],…" (e.g. "revocation=60s/250ms,apim-ready=15m") and applies it.
func Override(spec string) error {
	parsed := map[string]Interval{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return fmt.Errorf("interval %q: want name=timeout[/poll]", part)
		}
		base, known := defaults[name]
		if !known {
			return fmt.Errorf("unknown interval %q: known intervals are %s", name, strings.Join(Names(), ", "))
		}
		timeout, poll, hasPoll := strings.Cut(value, "/")
		t, err := time.ParseDuration(timeout)
		if err != nil || t <= 0 {
			return fmt.Errorf("interval %s: timeout %q is not a positive duration such as 90s or 5m", name, timeout)
		}
		base.Timeout = t
		if hasPoll {
			p, err := time.ParseDuration(poll)
			if err != nil || p <= 0 {
				return fmt.Errorf("interval %s: poll %q is not a positive duration such as 500ms", name, poll)
			}
			base.Poll = p
		}
		parsed[name] = base
	}
	mu.Lock()
	defer mu.Unlock()
	for n, iv := range parsed {
		overrides[n] = iv
	}
	return nil
}

// Reset drops every override (for tests).
func Reset() {
	mu.Lock()
	defer mu.Unlock()
	overrides = map[string]Interval{}
}
