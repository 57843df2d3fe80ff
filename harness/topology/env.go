// Package topology applies the documented setup of "WSO2 Identity Server 7 as a Key Manager of API
// Manager" to two Nodes, as ordered, named steps: TLS material, deployment.toml blocks, the notification
// handler JAR, one start of both products, Key Manager registration, an API restricted to that Key Manager
// and applications with keys. Its result, an Env, is everything the specs need.
package topology

import (
	"net/http"
	"time"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/wso2am"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// In-network base URLs: what the products call each other by, and what the harness calls them by too.
const (
	ISBase      = "https://" + containers.ISAlias + ":9443"
	APIMBase    = "https://" + containers.APIMAlias + ":9443"
	GatewayBase = "https://" + containers.APIMAlias + ":8243"
	BackendURL  = "http://" + containers.BackendAlias + ":8080/echo"
)

// Names of what the setup creates in API-M.
const (
	KeyManagerName  = "kmconform-is7"
	ISAppName       = "kmconform-is7-app"
	ResidentAppName = "kmconform-resident-app"
	// APIResource is the resource the specs call under the API's context and version.
	APIResource = "/ping"
)

// AppKeys is an application and the OAuth client a Key Manager created for it.
type AppKeys struct {
	AppID          string
	KeyManager     string
	ConsumerKey    string
	ConsumerSecret string
}

// Env is a cell after setup.
type Env struct {
	Cell  matrix.Cell
	Nodes []containers.Node
	HTTP  *http.Client

	IS   *wso2is.Client
	APIM *wso2am.Client

	// Discovery is IS's discovery document as read after start.
	Discovery *wso2is.Discovery
	// KeyManager is the IS Key Manager as API-M stores it (read back after registration).
	KeyManager *wso2am.KeyManager
	API        *wso2am.API
	// APIPath is the gateway path of APIResource, e.g. /kmconform-echo/1.0.0/ping.
	APIPath     string
	ISApp       AppKeys
	ResidentApp AppKeys

	// CAPEM is the run's CA certificate: what the products' TLS certificates chain to.
	CAPEM []byte
	// Redactor knows every secret the setup saw (client secrets), for evidence and failure messages.
	Redactor *evidence.Redactor
	// Steps records each setup step and how long it took.
	Steps []StepResult
}

// StepResult is one setup step's outcome.
type StepResult struct {
	Name     string
	Duration time.Duration
}

// Node returns the node with a network alias.
func (e *Env) Node(alias string) containers.Node {
	n, err := containers.ByAlias(e.Nodes, alias)
	if err != nil {
		panic(err)
	}
	return n
}
