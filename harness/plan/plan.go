// Package plan is the documented setup of "WSO2 Identity Server 7 as a Key Manager of API Manager" for one
// cell, as data: the deployment.toml blocks each product gets, the notification handler JAR, which trust
// stores get the run's CA, the Key Manager registration and the API. The setup executes a plan; setup
// faults (harness/faults) change a plan before it runs; 'kmconform plan' prints one. Nothing here talks
// to a product.
package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"text/template"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/fixtures"
	"github.com/kmconform/kmconform/harness/docs"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/wso2am"
)

// In-network base URLs: what the products call each other by, and what the harness calls them by too.
const (
	ISBase      = "https://" + containers.ISAlias + ":9443"
	APIMBase    = "https://" + containers.APIMAlias + ":9443"
	GatewayBase = "https://" + containers.APIMAlias + ":8243"
	BackendURL  = "http://" + containers.BackendAlias + ":8080/echo"
	// SandboxBackendURL is the API's sandbox endpoint: the same echo backend under another path, so that a
	// check can tell which endpoint a call reached (the backend echoes the path).
	SandboxBackendURL = BackendURL + "-sandbox"
)

// Names of what the setup creates in API-M.
const (
	KeyManagerName = "kmconform-is7"
	// APIResource is the resource the checks call under the API's context and version.
	APIResource = "/ping"
)

// Product defaults the setup relies on (both images ship them).
const (
	AdminUser     = "admin"
	AdminPassword = "admin"
	// StorePassword is the password of every key and trust store in the images.
	StorePassword = "wso2carbon"
	// KeyAlias is the alias the products' [keystore.tls] names.
	KeyAlias = "wso2carbon"
	// CAAlias is the alias of the run's CA in both products' trust stores.
	CAAlias     = "kmconform-run-ca"
	SecurityDir = "repository/resources/security/"
	ConfFile    = "repository/conf/deployment.toml"
	DropinsDir  = "repository/components/dropins/"
)

// The documented token-revocation listener (API-M documentation; WSO2's own IS 7 suite notes that the
// OAuthEventInterceptor type never fires).
const (
	ListenerType   = "org.wso2.carbon.identity.core.handler.AbstractIdentityHandler"
	ListenerClass  = "org.wso2.is.notification.ApimOauthEventInterceptor"
	NotifyEndpoint = APIMBase + "/internal/data/v1/notify"
	// NotifyHeader is the X-WSO2-KEY-MANAGER value API-M dispatches to its IS event handler.
	NotifyHeader = "WSO2-IS"
)

// JAR is the notification handler JAR to place in IS's dropins.
type JAR struct {
	Name    string
	Content []byte
	// Source says where it came from (Maven URL and checksum, a local file, or the stand-in).
	Source string
	// Version is the handler version. A setup fault that sets another version and no Content asks the run
	// to fetch that version instead (harness/cellrun).
	Version string
}

// ISBlock is the data rendered into IS's deployment.toml blocks.
type ISBlock struct {
	TLSKeyStore, StoreType, StorePassword string
	AuthorizeAllScopes                    bool
	AllowSystemPrefixForRole              bool
	// SCIMMeRule is the [[resource.access_control]] entry that lets a user token read /scim2/Me.
	SCIMMeRule     bool
	EventListener  bool
	ListenerType   string
	NotifyEndpoint string
	NotifyHeader   string
}

// APIMBlock is the data rendered into API-M's deployment.toml block.
type APIMBlock struct {
	TLSKeyStore, StoreType, StorePassword string
	// TokenExpiryTime is [apim.cache] token_expiry_time in seconds, the TTL of the gateway's
	// IntrospectionCache (API-M default 900 s). It bounds how long an introspected token stays accepted
	// after IS revoked it (WSO2's integration-v2 IS 7 plan); kmconform sets it so that the introspection-mode checks
	// finish (WSO2's own validation-mode suite sets 15). 0 leaves API-M's default.
	TokenExpiryTime int
	// TokenExchangeDisabled turns API-M's token-exchange grant off ([oauth.grant_type.token_exchange]
	// enable = false); every default deployment.toml of 4.3–4.7 enables it, and the documentation leaves it.
	TokenExchangeDisabled bool
}

// Trust says which trust stores receive the run's CA.
type Trust struct {
	// APIMTrustsIS: API-M's client-truststore (API-M calls IS for DCR, JWKS, introspection).
	APIMTrustsIS bool
	// ISTrustsAPIM: IS's client-truststore (IS posts revocation notifications to API-M).
	ISTrustsAPIM bool
}

// Plan is one cell's documented setup.
type Plan struct {
	Cell matrix.Cell
	IS   ISBlock
	APIM APIMBlock
	JAR  JAR
	// PlaceJAR is false when the JAR is left out.
	PlaceJAR bool
	Trust    Trust
	// KeyManager is the registration payload for IS.
	KeyManager *wso2am.KeyManager
	// ExtraKeyManagers are registered before KeyManager (empty in the documented setup; a setup fault adds
	// an earlier registration a user left behind, e.g. one with IS's issuer).
	ExtraKeyManagers []*wso2am.KeyManager `json:",omitempty"`
	// Docs is the endpoint table of the API-M release's documentation the payload was filled from.
	Docs *docs.Table
	// API is the publisher APIDTO of the API the checks call.
	API map[string]any
	// AppGrantTypes are the grants the base applications' keys are generated with.
	AppGrantTypes []string
	// PEMCertificate is which IS certificate a Key Manager registered with a PEM certificate instead of a
	// JWKS gets (validation checks): "" the token-signing certificate IS publishes in its JWKS x5c (the
	// documented one), PEMFromTLS the TLS certificate IS serves on 9443 (the wrong one).
	PEMCertificate string
	// Grants is how the grants checks' fixtures set up identity providers and the token-exchange Key
	// Manager (grants.go).
	Grants Grants
	// Faults lists the setup faults applied to this plan, in order.
	Faults []string
	// Profile is the Key Manager profile the plan registers (ForProfile; Documented leaves it nil, which is
	// the default profile).
	Profile *Profile `json:"-"`
	// Artifacts are what the profile installs beside the base setup (connector JARs, webapps).
	Artifacts []Artifact `json:",omitempty"`
	// PairOnly brings the pair up without registering anything: 'kmconform up' of a profile whose attached
	// run reads the provider's discovery document and registers it (oidc, asgardeo).
	PairOnly bool `json:",omitempty"`
}

// ProfileOrDefault is the plan's profile.
func (p *Plan) ProfileOrDefault() *Profile {
	if p.Profile != nil {
		return p.Profile
	}
	d, _ := ProfileNamed(DefaultProfile)
	return d
}

// APIM's stores stay JKS through 4.7.
const apimStoreType = "JKS"

// APIMTrustStoreFile is API-M's client trust store.
const APIMTrustStoreFile = "client-truststore.jks"

// Documented returns the plan the documentation describes for cell, with jar as the handler JAR.
func Documented(cell matrix.Cell, jar JAR) (*Plan, error) {
	ext := ".p12"
	if cell.IS.StoreType == "JKS" {
		ext = ".jks"
	}
	api, err := apiDTO()
	if err != nil {
		return nil, err
	}
	if cell.APIM.Docs == "" {
		return nil, fmt.Errorf("API-M %s names no documentation version (docs: in the matrix file)", cell.APIM.Version)
	}
	table, err := docs.Load(cell.APIM.Docs)
	if err != nil {
		return nil, err
	}
	// The release's own page decides the registered values (4.3 prints another authorize endpoint).
	km := KeyManagerPayload(cell.APIM, DocumentedIssuer)
	table.Register(km, ISBase)
	return &Plan{
		Cell: cell,
		IS: ISBlock{
			TLSKeyStore: containers.ISAlias + ext, StoreType: cell.IS.StoreType, StorePassword: StorePassword,
			AuthorizeAllScopes: cell.IS.AuthorizeAllScopes, AllowSystemPrefixForRole: cell.IS.AllowSystemPrefixForRole,
			SCIMMeRule: true, EventListener: true, ListenerType: ListenerType, NotifyEndpoint: NotifyEndpoint,
			NotifyHeader: NotifyHeader,
		},
		APIM: APIMBlock{TLSKeyStore: containers.APIMAlias + ".jks", StoreType: apimStoreType, StorePassword: StorePassword,
			TokenExpiryTime: IntrospectionCacheTTL},
		JAR:           jar,
		PlaceJAR:      true,
		Trust:         Trust{APIMTrustsIS: true, ISTrustsAPIM: true},
		KeyManager:    km,
		Docs:          table,
		API:           api,
		AppGrantTypes: []string{"client_credentials", "password", "refresh_token"},
		Grants:        DocumentedGrants(),
	}, nil
}

// APIPath is the gateway path of APIResource, e.g. /kmconform-echo/1.0.0/ping.
func (p *Plan) APIPath() string {
	return "/" + strings.TrimLeft(fmt.Sprint(p.API["context"]), "/") + "/" + fmt.Sprint(p.API["version"]) + APIResource
}

func apiDTO() (map[string]any, error) {
	raw, err := fs.ReadFile(fixtures.FS, "api/echo-api.json")
	if err != nil {
		return nil, fmt.Errorf("read API fixture: %w", err)
	}
	var dto map[string]any
	if err := json.Unmarshal(raw, &dto); err != nil {
		return nil, fmt.Errorf("parse API fixture: %w", err)
	}
	dto["endpointConfig"] = map[string]any{"endpoint_type": "http", "production_endpoints": map[string]any{"url": BackendURL},
		"sandbox_endpoints": map[string]any{"url": SandboxBackendURL}}
	dto["keyManagers"] = []string{KeyManagerName}
	return dto, nil
}

// ISBlockTOML renders IS's documented deployment.toml blocks.
func (p *Plan) ISBlockTOML() ([]byte, error) { return render("is-keymanager.toml.tmpl", p.IS) }

// APIMBlockTOML renders API-M's documented deployment.toml block.
func (p *Plan) APIMBlockTOML() ([]byte, error) { return render("apim-keymanager.toml.tmpl", p.APIM) }

func render(name string, data any) ([]byte, error) {
	raw, err := fs.ReadFile(fixtures.FS, "toml/"+name)
	if err != nil {
		return nil, fmt.Errorf("read fixture %s: %w", name, err)
	}
	t, err := template.New(name).Option("missingkey=error").Parse(string(raw))
	if err != nil {
		return nil, fmt.Errorf("parse fixture %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("render fixture %s: %w", name, err)
	}
	return b.Bytes(), nil
}
