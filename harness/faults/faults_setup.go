package faults

import (
	"github.com/kmconform/kmconform/harness/plan"
)

// Values users commonly write instead of the documented ones (wso2/product-apim#11274; the listener type in
// wso2/product-apim integration-v2 is7/deployment-overlay.toml; wso2/docs-apim#9387).
const (
	// NotifyHeaderConnectorType is the Key Manager connector's type, which API-M has no event handler for.
	NotifyHeaderConnectorType = "WSO2-IS-7"
	// OAuthEventInterceptorType is the interface the handler implements; as the listener type it never fires.
	OAuthEventInterceptorType = "org.wso2.carbon.identity.oauth.event.OAuthEventInterceptor"
	// DiscoveryUserInfo is what the well-known import fills in as UserInfo.
	DiscoveryUserInfo = plan.ISBase + "/oauth2/userinfo"
	// RolesV1Endpoint is SCIM's roles v1 endpoint, not the roles v2 endpoint the IS 7 connector needs.
	RolesV1Endpoint = plan.ISBase + "/scim2/Roles"
)

func init() { register(setupFaults...) }

// setupFaults break the documented setup the way users do; the setup checks (harness/checks/setup.go)
// must name each of them.
var setupFaults = []Fault{
	{Name: "notify-header-wso2-is-7", Kind: Setup,
		Doc:   "sets the revocation listener's 'header.X-WSO2-KEY-MANAGER' to WSO2-IS-7 (the connector type) instead of WSO2-IS",
		apply: func(p *plan.Plan) { p.IS.NotifyHeader = NotifyHeaderConnectorType }},
	{Name: "notify-header-km-name", Kind: Setup,
		Doc:   "sets the revocation listener's 'header.X-WSO2-KEY-MANAGER' to the Key Manager's name instead of WSO2-IS",
		apply: func(p *plan.Plan) { p.IS.NotifyHeader = p.KeyManager.Name }},
	{Name: "listener-type-oauth-event-interceptor", Kind: Setup,
		Doc:   "changes the token_revocation listener's type to OAuthEventInterceptor instead of AbstractIdentityHandler",
		apply: func(p *plan.Plan) { p.IS.ListenerType = OAuthEventInterceptorType }},
	{Name: "no-scim2-me-rule", Kind: Setup,
		Doc:   "leaves the /scim2/Me [[resource.access_control]] block out of IS's deployment.toml",
		apply: func(p *plan.Plan) { p.IS.SCIMMeRule = false }},
	{Name: "no-authorize-all-scopes", Kind: Setup,
		Doc:   "leaves [oauth] authorize_all_scopes out of IS's deployment.toml",
		apply: func(p *plan.Plan) { p.IS.AuthorizeAllScopes = false }},
	{Name: "no-system-role-prefix", Kind: Setup,
		Doc:   "leaves [role_mgt] allow_system_prefix_for_role out of IS's deployment.toml",
		apply: func(p *plan.Plan) { p.IS.AllowSystemPrefixForRole = false }},
	{Name: "is-no-trust", Kind: Setup,
		Doc:   "leaves the run's CA out of IS's client trust store, so IS does not trust API-M",
		apply: func(p *plan.Plan) { p.Trust.ISTrustsAPIM = false }},
	{Name: "wrong-jar-version", Kind: Setup,
		Doc:   "deploys the notification handler JAR version another API-M release's documentation names",
		apply: func(p *plan.Plan) { p.JAR = plan.JAR{Version: OtherJARVersion(p.Cell.APIM.NotificationJar)} }},
	{Name: "userinfo-from-discovery", Kind: Setup,
		Doc:   "registers UserInfo as discovery's /oauth2/userinfo (what the well-known import fills in) instead of /scim2/Me",
		apply: func(p *plan.Plan) { p.KeyManager.UserInfoEndpoint = DiscoveryUserInfo }},
	{Name: "roles-endpoint-v1", Kind: Setup,
		Doc:   "registers the connector's is7_roles_endpoint as /scim2/Roles (roles v1) instead of /scim2/v2/Roles",
		apply: func(p *plan.Plan) { p.KeyManager.AdditionalProperties["is7_roles_endpoint"] = RolesV1Endpoint }},
	{Name: "docs-table-verbatim", Kind: Setup,
		Doc: "registers the documentation's endpoint table verbatim (https://localhost:9444/…) instead of IS's address",
		apply: func(p *plan.Plan) {
			if p.Docs != nil {
				p.Docs.Register(p.KeyManager, p.Docs.Base)
			}
		}},
}

// OtherJARVersion is a handler version another API-M release documents: 2.0.3 (the 4.4 docs), or 2.1.3 (the
// 4.7 docs) where 2.0.3 is the documented one.
func OtherJARVersion(documented string) string {
	if documented == "2.0.3" {
		return "2.1.3"
	}
	return "2.0.3"
}
