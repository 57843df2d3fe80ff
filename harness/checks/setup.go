package checks

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kmconform/kmconform/harness/docs"
	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/notifjar"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/poll"
	"github.com/kmconform/kmconform/harness/wso2am"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// The setup area: the documented setup of "Configure WSO2 IS 7.x as a Key Manager" is in effect in both
// products, not only written — each block proven by behaviour where it is observable, and read back from
// the node where it is not; the handler JAR the API-M release documents is loaded; the products trust each
// other by their in-network names; the registered Key Manager holds the documented values; and the
// documentation's endpoint table is compared with what IS serves.
func init() {
	register(setupDeploymentTOML, setupRevocationListener, setupNotificationJAR, setupAuthorizeAllScopes,
		setupSCIMMeAccess, setupSystemRolePrefix, setupTrustAPIMToIS, setupTrustISToAPIM, setupTrustStores,
		setupKeyManagerRegistration, setupDocumentationDrift)
}

// The documentation pages the setup follows, per release (fixtures/docs carries their values).
const (
	refIS7Page    = "API-M docs: Configure WSO2 IS 7.x as a Key Manager (Step 1, deployment.toml)"
	refIS7Table   = "API-M docs: Configure WSO2 IS 7.x as a Key Manager (Step 2, Key Manager Endpoints, Grant types, Certificates, Connector Configurations)"
	refRoleCreate = "API-M docs: Configure WSO2 IS 7.x as a Key Manager (Role Creation in WSO2 Identity Server 7.x)"
)

var setupDeploymentTOML = &Check{
	ID: "setup.deployment-toml", Area: "setup", Capability: "setup.deployment-toml", Level: MUST, Files: true,
	Title: "each product's applied deployment.toml holds the documented blocks with the documented values, under its in-network hostname",
	Refs: []string{refIS7Page, refRoleCreate, "wso2/product-is#21545 (allow_system_prefix_for_role)",
		"wso2/product-apim#11274 (header.X-WSO2-KEY-MANAGER)", refIV2Overlay + " (listener type)",
		"wso2/docs-apim#9387 (/scim2/Me)", "wso2/api-manager#3221 (system_ role names)"},
	Faults: []Proof{
		{"notify-header-wso2-is-7", `'header.X-WSO2-KEY-MANAGER' = "WSO2-IS-7"`},
		{"notify-header-km-name", `'header.X-WSO2-KEY-MANAGER' = "kmconform-is7"`},
		{"listener-type-oauth-event-interceptor", "OAuthEventInterceptor"},
		{"no-event-listener", "no token_revocation [[event_listener]]"},
		{"no-scim2-me-rule", "no [[resource.access_control]] rule for (.*)/scim2/Me"},
		{"no-authorize-all-scopes", "[oauth] authorize_all_scopes is not true"},
		{"no-system-role-prefix", "[role_mgt] allow_system_prefix_for_role is not true"},
	},
	Run: func(c *C) {
		cell := c.Env.Cell
		is := appliedTOML(c, isAlias)
		var problems []string
		if h := tomlGet(is, "server", "hostname"); h != isAlias {
			problems = append(problems, fmt.Sprintf("IS's [server] hostname is %v, not its in-network name %s: IS builds its issuer and every URL from it", h, isAlias))
		}
		// Keys a version does not know are facts of the matrix (identityServer entries) with their source;
		// their behaviour checks are NOT_SUPPORTED there (fixtures/matrix.yaml expectations).
		if cell.IS.AuthorizeAllScopes {
			if v := tomlGet(is, "oauth", "authorize_all_scopes"); v != true {
				problems = append(problems, fmt.Sprintf("IS's [oauth] authorize_all_scopes is not true (%v): API-M applications get no API-resource scopes", v))
			}
		} else {
			c.Logf("[oauth] authorize_all_scopes not expected: IS %s does not know the key (matrix fact)", cell.IS.Version)
		}
		if cell.IS.AllowSystemPrefixForRole {
			if v := tomlGet(is, "role_mgt", "allow_system_prefix_for_role"); v != true {
				problems = append(problems, fmt.Sprintf("IS's [role_mgt] allow_system_prefix_for_role is not true (%v): IS refuses the system_primary_ roles the connector creates", v))
			}
		} else {
			c.Logf("[role_mgt] allow_system_prefix_for_role not expected: IS %s does not know the key (matrix fact)", cell.IS.Version)
		}
		problems = append(problems, scimMeRuleProblems(is)...)
		problems = append(problems, listenerProblems(is)...)
		am := appliedTOML(c, amAlias)
		if h := tomlGet(am, "server", "hostname"); h != amAlias {
			problems = append(problems, fmt.Sprintf("API-M's [server] hostname is %v, not its in-network name %s", h, amAlias))
		}
		if len(problems) > 0 {
			c.Failf("the applied deployment.toml differs from the documented setup (read back from the nodes): %s", strings.Join(problems, "; "))
		}
	},
}

var setupRevocationListener = &Check{
	ID: "setup.revocation-listener", Area: "setup", Capability: "setup.revocation-listener", Level: MUST,
	Title: "IS's token_revocation listener is in effect: its notification of a revoked token reaches API-M's WSO2-IS event handler, which makes the gateway refuse the token",
	Refs: []string{refIS7Page, "carbon-apimgt NotificationEventService (X-WSO2-KEY-MANAGER selects the event handler; an unknown value is a silent 200)",
		refIV2Overlay + " (header and listener type)", "wso2/product-apim#11274"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults: []Proof{
		{"notify-header-wso2-is-7", `'header.X-WSO2-KEY-MANAGER' = "WSO2-IS-7"`},
		{"notify-header-km-name", `'header.X-WSO2-KEY-MANAGER' = "kmconform-is7"`},
		{"listener-type-oauth-event-interceptor", "OAuthEventInterceptor"},
	},
	Run: func(c *C) {
		err := revocationReachesGateway(c)
		if err == nil {
			return
		}
		cause := "IS's applied deployment.toml could not be read to say why"
		if raw, rerr := nodeFile(c, isAlias, plan.ConfFile); rerr == nil {
			if doc, perr := parseTOML(raw); perr == nil {
				if p := listenerProblems(doc); len(p) > 0 {
					cause = strings.Join(p, "; ")
				} else {
					cause = "the listener block holds the documented values" + sendErrors(c)
				}
			}
		}
		c.Failf("the revocation notification did not reach API-M's WSO2-IS event handler (%v): %s", err, cause)
	},
}

var setupNotificationJAR = &Check{
	ID: "setup.notification-jar", Area: "setup", Capability: "setup.notification-jar", Level: MUST, Files: true,
	Title: "the token-revocation handler JAR in IS's dropins is the version the API-M release's documentation names, and IS's log reports no failure to load it",
	Refs: []string{refIS7Page + " (step 3: the notification handler JAR in dropins)",
		"apim-km-wso2is 2.x wso2is.notification.event.handlers (NotificationServiceComponent)"},
	Faults: []Proof{
		{"no-jar", "no notification handler JAR"},
		{"wrong-jar-version", "documentation names"},
	},
	Run: func(c *C) {
		e := c.Env
		jarName := e.Plan.JAR.Name
		raw, err := nodeFile(c, isAlias, plan.DropinsDir+jarName)
		if err != nil || jarName == "" {
			c.Failf("no notification handler JAR %s in IS's %s (%v): IS cannot notify API-M of revoked tokens", jarName, plan.DropinsDir, err)
		}
		version, err := notifjar.Version(raw)
		c.NoErr(err, "read the version of %s from its manifest", jarName)
		if want := e.Cell.APIM.NotificationJar; want == "" {
			c.Logf("the matrix names no handler version for API-M %s; %s is %s", e.Cell.APIM.Version, jarName, version)
		} else if version != want {
			c.Failf("the handler JAR in IS's dropins (%s) is version %s, but API-M %s's documentation names %s (%s): deploy the JAR of that release's documentation",
				jarName, version, e.Cell.APIM.Version, want, e.Cell.APIM.NotificationJarSource)
		}
		// The bundle's own component logs nothing at INFO when it starts (apim-km-wso2is 2.x), so a missing
		// start line proves nothing; OSGi does log a bundle it cannot resolve. That the handler really works is
		// setup.revocation-listener's behaviour check.
		logs := nodeLogs(c, isAlias)
		if bad := bundleFailureLine(logs, jarName); bad != "" {
			c.Failf("IS's log reports that the handler bundle %s did not load: %q", jarName, bad)
		}
		if line := handlerBundleLine(logs); line != "" {
			if !strings.HasSuffix(line, " "+version) {
				c.Failf("IS's log says %q, but the JAR in dropins is version %s: IS loaded another handler bundle", line, version)
			}
			c.Logf("%s", line)
		}
	},
}

var setupAuthorizeAllScopes = &Check{
	ID: "setup.authorize-all-scopes", Area: "setup", Capability: "toml.authorize-all-scopes", Level: MUST,
	Title:  "[oauth] authorize_all_scopes is in effect: the token of a DCR application gets a scope of an API resource the application was never authorized for",
	Refs:   []string{refIS7Page, "carbon-identity-framework#5814 (authorize_all_scopes)"},
	Faults: []Proof{{"no-authorize-all-scopes", "authorize_all_scopes is not in effect"}},
	Run: func(c *C) {
		e := c.Env
		// Registered as API-M's connector registers applications (DCR, JWT tokens), but directly at IS, so
		// that the check does not depend on API-M's key generation.
		app := dcrApp(c, "client_credentials")
		suffix := randomSuffix(8)
		scope := "kmconform_setup_" + suffix
		res, err := e.IS.CreateAPIResource(c.ctx, wso2is.NewAPIResource{
			Name: "kmconform setup " + suffix, Identifier: "https://kmconform.example/setup/" + suffix,
			RequiresAuthorization: true, Scopes: []wso2is.APIScope{{Name: scope, DisplayName: scope}},
		})
		c.NoErr(err, "create an API resource with scope %s at IS", scope)
		c.Defer(func(ctx context.Context) error { return e.IS.DeleteAPIResource(ctx, res.ID) })
		tok, err := e.IS.ClientCredentialsWith(c.ctx, e.Discovery.TokenEndpoint, app.Auth(), scope)
		c.NoErr(err, "get a client_credentials token with scope %s from IS", scope)
		if !slices.Contains(tok.Scopes(), scope) {
			c.Failf("IS granted scopes %q, not the API-resource scope %s, to DCR application %s: [oauth] authorize_all_scopes is not in effect, so API-M applications get no API-resource scopes",
				tok.Scope, scope, app.ClientName)
		}
	},
}

var setupSCIMMeAccess = &Check{
	ID: "setup.scim2-me-access", Area: "setup", Capability: "toml.scim2-me-access", Level: MUST,
	Title: "the /scim2/Me access-control rule is in effect: a user token without extra scopes reads /scim2/Me with 200",
	Refs: []string{refIS7Page + " ([[resource.access_control]] for /scim2/Me)", "wso2/docs-apim#9387–#9389",
		"wso2/product-apim integration-v2 is7_token_validation.feature (UserInfo through /scim2/Me)"},
	Faults: []Proof{{"no-scim2-me-rule", "rule is not in effect"}},
	Run: func(c *C) {
		e := c.Env
		app := dcrApp(c, "password")
		tok, err := e.IS.Password(c.ctx, e.Discovery.TokenEndpoint, app.Auth(), plan.AdminUser, plan.AdminPassword)
		c.NoErr(err, "get a password-grant token for %s from IS", plan.AdminUser)
		me, err := e.IS.SCIMMe(c.ctx, tok.AccessToken)
		c.NoErr(err, "read /scim2/Me")
		if me.Status != http.StatusOK {
			c.Failf("GET /scim2/Me with %s's token answered %d: the documented /scim2/Me [[resource.access_control]] rule is not in effect, so API-M cannot read user claims",
				plan.AdminUser, me.Status)
		}
		if me.User == nil || me.User.UserName != plan.AdminUser {
			c.Failf("GET /scim2/Me answered 200 without the token owner's SCIM user (userName %s): %s", plan.AdminUser, e.Redact(string(me.Body)))
		}
	},
}

var setupSystemRolePrefix = &Check{
	ID: "setup.system-role-prefix", Area: "setup", Capability: "toml.system-role-prefix", Level: MUST,
	Title: "[role_mgt] allow_system_prefix_for_role is in effect: IS creates a system_primary_<role> role, as the connector names API-M's PRIMARY roles",
	Refs: []string{refRoleCreate, "wso2/product-is#21545",
		"wso2/api-manager#3221, #3310, #3866"},
	Faults: []Proof{{"no-system-role-prefix", "allow_system_prefix_for_role is not in effect"}},
	Run: func(c *C) {
		e := c.Env
		name := "system_primary_kmconform_" + randomSuffix(8)
		role, err := e.IS.CreateRole(c.ctx, wso2is.NewRole{DisplayName: name})
		if err != nil {
			c.Failf("IS refused to create role %s (%v): [role_mgt] allow_system_prefix_for_role is not in effect, so the connector cannot create roles for API-M's PRIMARY roles", name, err)
		}
		c.Defer(func(ctx context.Context) error { return e.IS.DeleteRole(ctx, role.ID) })
		if role.DisplayName != name {
			c.Failf("IS created role %q when asked for %q", role.DisplayName, name)
		}
	},
}

var setupTrustAPIMToIS = &Check{
	ID: "setup.trust.apim-to-is", Area: "setup", Capability: "setup.trust", Level: MUST,
	Title: "API-M trusts IS under its in-network name: API-M's Key Manager discover call reads IS's discovery document over TLS and maps its endpoints",
	Refs: []string{refIS7Page + " (Before you begin: import each product's certificate into the other's trust store)",
		"carbon-apimgt KeyManagersApiServiceImpl.keyManagersDiscoverPost", refIV2Plan + " (TLS names and trust)",
		"wso2/product-apim integration-v2 is7_wellknown_discovery.feature"},
	Faults: []Proof{{"no-trust", "API-M does not trust IS"}},
	Run: func(c *C) {
		e := c.Env
		url := plan.ISBase + wso2is.DiscoveryPath
		d, err := e.APIM.DiscoverKeyManager(c.ctx, url, "WSO2-IS-7")
		if err != nil {
			if line := tlsErrorLine(nodeLogs(c, amAlias), isAlias); line != "" {
				c.Failf("API-M does not trust IS: its discover call for %s failed (%v); API-M's log: %s", url, err, line)
			}
			c.Failf("API-M's discover call for %s failed (%v), and API-M's log shows no TLS error", url, err)
		}
		if !d.Valid || d.Value == nil {
			c.Failf("API-M read IS's discovery document but answered valid=%t without a Key Manager configuration", d.Valid)
		}
		// What the import maps (carbon-apimgt KeyManagerMappingUtil; WSO2's own suite, is7_wellknown_discovery):
		// each endpoint exactly as IS publishes it.
		v, want := d.Value, e.Discovery
		var wrong []string
		for _, f := range []struct{ name, got, want string }{
			{"issuer", v.Issuer, want.Issuer},
			{"tokenEndpoint", v.TokenEndpoint, want.TokenEndpoint},
			{"revokeEndpoint", v.RevokeEndpoint, want.RevocationEndpoint},
			{"introspectionEndpoint", v.IntrospectionEndpoint, want.IntrospectionEndpoint},
			{"authorizeEndpoint", v.AuthorizeEndpoint, want.AuthorizationEndpoint},
			{"clientRegistrationEndpoint", v.ClientRegistrationEndpoint, want.RegistrationEndpoint},
			{"certificates.value", certValue(v), want.JWKSURI},
		} {
			if f.got != f.want {
				wrong = append(wrong, fmt.Sprintf("%s %s instead of %s", f.name, orNone(f.got), f.want))
			}
		}
		for _, g := range []string{"client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer",
			"urn:ietf:params:oauth:grant-type:saml2-bearer", "urn:ietf:params:oauth:grant-type:token-exchange"} {
			if slices.Contains(want.GrantTypesSupported, g) && !slices.Contains(v.AvailableGrantTypes, g) {
				wrong = append(wrong, "grant types without "+g)
			}
		}
		if len(wrong) > 0 {
			c.Failf("API-M read IS's discovery document over TLS but mapped it wrongly: %s", strings.Join(wrong, "; "))
		}
		if v.UserInfoEndpoint != "" && v.UserInfoEndpoint == want.UserinfoEndpoint {
			c.Logf("the import fills UserInfo with %s: the documentation asks for /scim2/Me instead (wso2/docs-apim#9387)", v.UserInfoEndpoint)
		}
	},
}

var setupTrustISToAPIM = &Check{
	ID: "setup.trust.is-to-apim", Area: "setup", Capability: "setup.trust", Level: MUST,
	Title: "IS trusts API-M under its in-network name: IS's revocation notification reaches API-M over TLS",
	Refs: []string{refIS7Page + " (Before you begin: import each product's certificate into the other's trust store)",
		"apim-km-wso2is 2.x EventSender (IS's trust store, host name verified)", refIV2Plan + " (TLS names and trust)"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults:   []Proof{{"is-no-trust", "IS does not trust API-M"}},
	Run: func(c *C) {
		err := revocationReachesGateway(c)
		line := tlsErrorLine(nodeLogs(c, isAlias), amAlias)
		switch {
		case err != nil && line != "":
			c.Failf("IS does not trust API-M: its revocation notification to %s failed over TLS, so the gateway kept accepting the revoked token (%v); IS's log: %s", plan.NotifyEndpoint, err, line)
		case err != nil:
			c.Failf("the revocation notification did not reach API-M (%v), and IS's log shows no TLS error towards %s", err, amAlias)
		case line != "":
			c.Failf("the notification arrived, but IS's log shows a TLS failure towards API-M: %s", line)
		}
	},
}

var setupTrustStores = &Check{
	ID: "setup.trust.stores", Area: "setup", Capability: "setup.trust", Level: MUST, Files: true,
	Title: "each product's trust store (read from the node) verifies the other's and its own served TLS certificate for the in-network names",
	Refs: []string{refIS7Page + " (Before you begin)", refIV2Plan + " (each server trusts its own new TLS certificate; CN/SAN match the in-network name)",
		"WSO2 docs: Importing certificates to the truststore"},
	Faults: []Proof{
		{"no-trust", "API-M does not trust IS"},
		{"is-no-trust", "IS does not trust API-M"},
	},
	Run: func(c *C) {
		var problems []string
		for _, p := range trustPairs(c) {
			if err := p.verify(c); err != nil {
				problems = append(problems, err.Error())
			}
		}
		if len(problems) > 0 {
			c.Failf("%s", strings.Join(problems, "; "))
		}
	},
}

var setupKeyManagerRegistration = &Check{
	ID: "setup.keymanager-registration", Area: "setup", Capability: "setup.keymanager-registration", Level: MUST,
	Title: "the registered Key Manager holds the documented endpoints, grant types, JWKS certificate and connector configuration of the API-M release, and they agree with IS's discovery document",
	Refs: []string{refIS7Table, "apim-km-wso2is WSO2IS7ConnectorConfiguration (connector keys per version)", "wso2/docs-apim#9387–#9389 (UserInfo from the well-known import)",
		"wso2/product-apim integration-v2 is7_wellknown_discovery.feature"},
	Faults: []Proof{
		{"userinfo-from-discovery", "UserInfo is registered as IS discovery's userinfo_endpoint"},
		{"roles-endpoint-v1", "connector key is7_roles_endpoint"},
		{"docs-table-verbatim", "https://localhost:9444"},
		{"wrong-issuer", "issuer is registered as"},
	},
	Run: func(c *C) {
		e := c.Env
		tab := docsTable(c)
		km, err := e.APIM.GetKeyManager(c.ctx, e.KeyManager.ID)
		c.NoErr(err, "read Key Manager %s back from API-M", e.KeyManager.Name)
		d, err := e.IS.Discover(c.ctx)
		c.NoErr(err, "read IS's discovery document")
		url := plan.ISBase + wso2is.DiscoveryPath
		drifted := map[string]bool{}
		for _, dr := range tab.Compare(d, url, plan.ISBase) {
			drifted[dr.Field+"="+dr.Documented] = true
			drifted[dr.Field] = true
		}
		var problems []string
		if km.Type != "WSO2-IS-7" {
			problems = append(problems, fmt.Sprintf("the type is %q, not WSO2-IS-7", km.Type))
		}
		for _, v := range tab.Values(km, plan.ISBase) {
			served := docs.ServedFor(v.Field, d, url)
			want := v.Documented
			if drifted[v.Field] && served != "" {
				want = served // documentation drift: the harness registers what IS serves
			}
			if v.Registered == want {
				continue
			}
			switch {
			case v.Field == "userInfoEndpoint" && v.Registered == d.UserinfoEndpoint:
				problems = append(problems, fmt.Sprintf("UserInfo is registered as IS discovery's userinfo_endpoint %s (what the well-known import fills in), not %s: API-M calls it with API tokens, which lack the openid scope, so reading user claims fails", v.Registered, want))
			case served != "":
				problems = append(problems, fmt.Sprintf("%s is registered as %s; the documentation gives %s and IS's discovery document publishes %s", v.Field, orNone(v.Registered), v.Printed, served))
			default:
				problems = append(problems, fmt.Sprintf("%s is registered as %s; the documentation gives %s (%s under IS's network name)", v.Field, orNone(v.Registered), v.Printed, want))
			}
		}
		if km.Certificates == nil || km.Certificates.Type != "JWKS" {
			problems = append(problems, fmt.Sprintf("the certificate is %+v, not the documented JWKS URL", km.Certificates))
		}
		for _, g := range tab.GrantTypes {
			if !drifted[docs.GrantTypesField+"="+g] && !slices.Contains(km.AvailableGrantTypes, g) {
				problems = append(problems, fmt.Sprintf("grant type %s is not registered (the documentation lists it)", g))
			}
		}
		problems = append(problems, connectorProblems(e.Cell.APIM.ConnectorKeys, e.Cell.APIM.AuthenticationBlock, tab, km)...)
		if len(problems) > 0 {
			c.Failf("Key Manager %q does not hold the values API-M %s's documentation gives (%s): %s",
				km.Name, e.Cell.APIM.Version, tab.Source.Page, strings.Join(problems, "; "))
		}
	},
}

var setupDocumentationDrift = &Check{
	ID: "setup.documentation-drift", Area: "setup", Capability: "setup.documentation-drift", Level: SHOULD,
	Title: "each value of the API-M release's documented endpoint table that IS's discovery publishes is compared with what IS serves; drift is reported (results.json documentationDrift) and the Key Manager holds the served value",
	Refs: []string{refIS7Table, "OIDC Discovery 1.0 §3", "wso2/docs-apim#7758 (a documented issuer that matched no token)",
		"fixtures/docs (each release's table with its source)"},
	Faults: []Proof{
		{"docs-table-verbatim", "but IS serves"},
		{"wrong-issuer", "but IS serves"},
	},
	Run: func(c *C) {
		e := c.Env
		tab := docsTable(c)
		d, err := e.IS.Discover(c.ctx)
		c.NoErr(err, "read IS's discovery document")
		url := plan.ISBase + wso2is.DiscoveryPath
		drift := tab.Compare(d, url, plan.ISBase)
		if !slices.Equal(drift, e.DocumentationDrift) {
			c.Failf("IS now serves other values than when the setup compared them with the documentation: %+v at setup, %+v now", e.DocumentationDrift, drift)
		}
		c.Measure("documentation-drift", float64(len(drift)))
		for _, dr := range drift {
			c.Measure("documentation-drift:"+dr.Field, 1)
			c.Logf("documentation drift: %s is documented as %s, IS serves %s (%s)", dr.Field, dr.Documented, dr.Served, dr.Source)
		}
		km, err := e.APIM.GetKeyManager(c.ctx, e.KeyManager.ID)
		c.NoErr(err, "read Key Manager %s back from API-M", e.KeyManager.Name)
		var wrong []string
		for _, v := range tab.Values(km, plan.ISBase) {
			if served := docs.ServedFor(v.Field, d, url); served != "" && v.Registered != served {
				wrong = append(wrong, fmt.Sprintf("%s holds %s, but IS serves %s (the documentation prints %s)", v.Field, orNone(v.Registered), served, v.Printed))
			}
		}
		if len(wrong) > 0 {
			c.Failf("Key Manager %q does not hold what IS serves: %s (%d drift entries between API-M %s's documentation and IS)",
				km.Name, strings.Join(wrong, "; "), len(drift), e.Cell.APIM.Version)
		}
	},
}

// revocationReachesGateway revokes a fresh IS token of the IS application and waits until the gateway
// refuses it with 900901: the path a revocation notification takes from IS's listener to API-M. The token
// must be accepted first (positive control).
func revocationReachesGateway(c *C) error {
	e := c.Env
	app := Shared(c, fixture.ISApp)
	tok := appToken(c, app)
	expectGatewayAccepts(c, tok, "the token before revocation")
	revokedAt := time.Now()
	c.NoErr(e.IS.Revoke(c.ctx, e.Discovery.RevocationEndpoint, app.ConsumerKey, app.ConsumerSecret, tok, "access_token"),
		"revoke the token at IS")
	_, err := poll.Until(c.ctx, poll.Options{What: "the gateway to refuse the revoked token with 900901",
		Interval: intervals.Revocation, Since: revokedAt, Progress: c.log},
		func(ctx context.Context) (bool, string, error) {
			a, err := e.APIM.CallAPI(ctx, e.APIPath, tok)
			if err != nil {
				return false, err.Error(), nil
			}
			return a.Status == http.StatusUnauthorized && a.Code == "900901", a.String(), nil
		})
	return err
}

// dcrApp registers a JWT application at IS by DCR, as API-M's connector does, and removes it after the check.
func dcrApp(c *C, grants ...string) *wso2is.DCRApp {
	e := c.Env
	app, err := e.IS.RegisterApp(c.ctx, wso2is.DCRRequest{ClientName: "kmconform_setup_" + randomSuffix(8),
		GrantTypes: grants, TokenTypeExtension: "JWT"})
	c.NoErr(err, "register an application at IS by DCR")
	e.Redactor.Add(app.ClientSecret)
	c.Defer(func(ctx context.Context) error { return e.IS.DeleteApp(ctx, app.ClientID) })
	return app
}

// certValue is a Key Manager's certificate value ("" when it has none).
func certValue(km *wso2am.KeyManager) string {
	if km.Certificates == nil {
		return ""
	}
	return km.Certificates.Value
}

func orNone(s string) string {
	if s == "" {
		return "(nothing)"
	}
	return s
}
