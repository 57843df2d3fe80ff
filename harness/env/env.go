// Package env is a cell after its base setup: the nodes, the clients that reach them, what the setup
// registered and read back, and the evidence recorders. Checks and fixtures work on an Env; the setup
// (harness/setup) makes one.
package env

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/harness/docs"
	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/results"
	"github.com/kmconform/kmconform/harness/wso2am"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// AppKeys is a devportal application and the OAuth client a Key Manager created for it.
type AppKeys struct {
	AppID          string `json:"appId"`
	Name           string `json:"name"`
	KeyManager     string `json:"keyManager"`
	KeyType        string `json:"keyType"`
	KeyMappingID   string `json:"keyMappingId"`
	ConsumerKey    string `json:"consumerKey"`
	ConsumerSecret string `json:"consumerSecret"`
	// SubscriptionID is the application's subscription to the API ("" when not subscribed).
	SubscriptionID string   `json:"subscriptionId,omitempty"`
	GrantTypes     []string `json:"grantTypes,omitempty"`
}

// WrittenFile is one file the setup wrote into a product home: what 'kmconform plan' said it would write.
type WrittenFile struct {
	Node   string `json:"node"`
	Path   string `json:"path"`
	Kind   string `json:"kind"`
	Owner  string `json:"owner"`
	Mode   string `json:"mode"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

// StepResult is one setup step's outcome.
type StepResult struct {
	ID       string
	Name     string
	Duration time.Duration
}

// Provider is the Key Manager's authorization server as a profile other than the default sees it: the
// discovery document every value comes from, and the client the provider's own checks (harness/checks
// oidc.go) get tokens with.
type Provider struct {
	// Base is the provider's base URL: IS's, or an Asgardeo organization's (…/t/{org}).
	Base string
	// WellKnown is the discovery document's URL.
	WellKnown string
	// Discovery is the document as read (an endpoint the provider does not advertise is "").
	Discovery *wso2is.Discovery
	// Document is the document's raw keys, for the discovery check.
	Document map[string]any
	// ClientID and ClientSecret are the client: from the credentials file, or registered by DCR.
	ClientID, ClientSecret string
	// IntrospectAuth authenticates introspection calls (RFC 7662 §2.1 leaves the method to the provider).
	IntrospectAuth wso2is.ClientAuth
	// Missing says, per capability, why it cannot be checked here (not advertised, no API-M, opaque tokens).
	Missing map[string]string
}

// Env is a cell after its base setup.
type Env struct {
	// Provider is set by the setup of a profile other than the default; nil for WSO2 IS 7.
	Provider *Provider
	Cell     matrix.Cell
	Plan     *plan.Plan
	Nodes    []containers.Node
	HTTP     *http.Client

	IS   *wso2is.Client
	APIM *wso2am.Client
	// Discovery is IS's discovery document as read after start.
	Discovery *wso2is.Discovery
	// KeyManager is the IS Key Manager as API-M stores it (read back after registration).
	KeyManager *wso2am.KeyManager
	// DocumentationDrift lists the values the API-M release's documentation prints that differ from what IS
	// serves (results.json documentationDrift); DriftRegistered says which of them the setup registered
	// with the served value instead.
	DocumentationDrift []results.Drift
	DriftRegistered    []docs.Registered
	API                *wso2am.API
	// APIPath is the gateway path of plan.APIResource, e.g. /kmconform-echo/1.0.0/ping.
	APIPath string
	// CAPEM is the run's CA certificate: what the products' TLS certificates chain to.
	CAPEM []byte
	// Redactor knows every secret the run saw (client secrets), for evidence and failure messages.
	Redactor *evidence.Redactor
	// Transcript records every HTTP exchange; nil when nothing is recorded.
	Transcript *evidence.Transcript
	// Progress receives progress lines (setup steps, long waits).
	Progress io.Writer
	// Steps records each setup step and how long it took.
	Steps []StepResult
	// Written lists every file the setup wrote, in order.
	Written []WrittenFile
}

// Node returns the node with a network alias.
func (e *Env) Node(alias string) containers.Node {
	n, err := containers.ByAlias(e.Nodes, alias)
	if err != nil {
		panic(err)
	}
	return n
}

// NodeLogs returns a node's console output; a pair kmconform did not start has no nodes, which is an
// error, not a panic, so that a diagnosis from the logs is simply skipped there.
func (e *Env) NodeLogs(ctx context.Context, alias string) ([]byte, error) {
	n, err := containers.ByAlias(e.Nodes, alias)
	if err != nil {
		return nil, err
	}
	return n.Logs(ctx)
}

// Redact masks every secret the run knows and every secret-shaped value.
func (e *Env) Redact(s string) string {
	if e == nil || e.Redactor == nil {
		return evidence.Redact(s)
	}
	return e.Redactor.Redact(s)
}

// LogTail is the end of a node's console output, redacted, for failure messages.
func (e *Env) LogTail(ctx context.Context, alias string, lines int) string {
	n, err := containers.ByAlias(e.Nodes, alias)
	if err != nil {
		return "(no such node)"
	}
	b, err := n.Logs(ctx)
	if err != nil || len(b) == 0 {
		return "(no output)"
	}
	return e.Redact(evidence.Tail(b, lines))
}
