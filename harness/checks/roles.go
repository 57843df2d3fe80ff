package checks

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/wso2am"
	"github.com/kmconform/kmconform/harness/wso2is"
)

func init() {
	register(rolesCreatedInIS, rolesScopesRegistered, rolesScopeEnforced, rolesSharedScopeNoDescription, rolesSharedScopeNoDescriptionInAPI)
}

// is7ScopeResource is the API resource where API-M's IS 7 connector (2.0.3+) keeps every scope
// (apim-km-wso2is WSO2IS7KeyManager.registerWSO2IS7Scopes, WSO2IS7APIResourceManagementClient).
const is7ScopeResource = "User-defined-oauth2-resource"

// legacyScopes says whether the cell's connector registers scopes with IS's legacy OAuth2 scopes API:
// the connector differs per version (apim-km-wso2is WSO2IS7KeyManager: v2.0.2, API-M 4.3.0 GA, uses the
// scope management endpoint; from v2.0.3 scopes go to the API resource User-defined-oauth2-resource).
func legacyScopes(c *C) bool {
	v, err := semver.NewVersion(c.Env.Cell.APIM.Connector)
	c.NoErr(err, "read the connector version of API-M %s from the matrix", c.Env.Cell.APIM.Version)
	return v.LessThan(semver.MustParse("2.0.3"))
}

// scopeAtIS looks a scope up where the cell's connector registers it; where names the place for messages.
func scopeAtIS(c *C, name string) (found bool, where string) {
	e := c.Env
	if legacyScopes(c) {
		ok, err := e.IS.OAuthScopeExists(c.ctx, name)
		c.NoErr(err, "look scope %s up in IS's OAuth2 scopes API", name)
		return ok, "IS's OAuth2 scopes API " + wso2is.OAuthScopesPath
	}
	return scopeIsAPIResourceScope(c, name), "IS API resource " + is7ScopeResource
}

// scopeIsAPIResourceScope says whether IS holds the scope in its API resource (where roles can carry it).
func scopeIsAPIResourceScope(c *C, name string) bool {
	res, err := c.Env.IS.FindAPIResource(c.ctx, is7ScopeResource)
	c.NoErr(err, "read IS API resource %s", is7ScopeResource)
	return res != nil && res.HasScope(name)
}

// API-M 4.5+ (connector 2.0.4+) with "Create roles in WSO2 Identity Server 7": a role bound to a scope that
// IS lacks is created there, PRIMARY role X as system_primary_X and Internal/X as X (API-M 4.4 docs, Role
// Creation; apim-km-wso2is v2.0.4 getWSO2IS7RoleName). WSO2's own suite: is7_role_creation.feature.
var rolesCreatedInIS = &Check{
	ID: "roles.created-in-is", Area: "roles", Capability: "roles.creation", Level: MUST,
	Title: "with enable_roles_creation, API-M roles bound to a shared scope are created in IS as system_primary_<role> and <role> for Internal/<role>, holding the scope",
	Refs: []string{"API-M docs: Configure WSO2 IS 7 as a Key Manager (Create roles in WSO2 Identity Server 7)",
		"wso2-extensions/apim-km-wso2is v2.0.4 WSO2IS7KeyManager.java (loadConfiguration: enable_roles_creation read only as a JSON boolean; getWSO2IS7RoleName: role naming)",
		"wso2/docs-is apis/restapis/roles-v2.yaml (roles v2)", "wso2/carbon-identity-framework#6188 (system_ prefix)",
		"wso2/api-manager#3221, #3310, #3866; wso2/product-is#21545", "wso2/product-apim integration-v2 is7_role_creation.feature"},
	Faults: []Proof{
		{"connector-roles-under-apim-name", "under its API-M name"},
		{"roles-creation-as-string", "enable_roles_creation"},
	},
	Run: func(c *C) {
		e := c.Env
		km := e.KeyManager
		id := randomSuffix(8)
		roles := []struct{ apim, is string }{
			{"Internal/kmconform-int-" + id, "kmconform-int-" + id},
			{"kmconform-pri-" + id, "system_primary_kmconform-pri-" + id},
		}
		// Whatever the connector creates, under either name, goes at the end.
		c.Defer(func(ctx context.Context) error {
			for _, r := range roles {
				for _, name := range []string{r.is, r.apim} {
					if found, err := e.IS.FindRole(ctx, name); err == nil && found != nil {
						_ = e.IS.DeleteRole(ctx, found.ID)
					}
				}
			}
			return nil
		})
		scope, err := e.APIM.CreateSharedScope(c.ctx, wso2am.Scope{Name: "kmconform_roles_" + id, DisplayName: "kmconform roles " + id,
			Description: "kmconform role creation", Bindings: []string{roles[0].apim, roles[1].apim}})
		c.NoErr(err, "create a shared scope bound to roles %s and %s", roles[0].apim, roles[1].apim)
		c.Defer(func(ctx context.Context) error { return e.APIM.DeleteSharedScope(ctx, scope.ID) })
		// The connector creates the roles while API-M handles the request (registerScope →
		// createWSO2IS7RoleToScopeBindings, apim-km-wso2is v2.0.4), so they exist once API-M has answered 201.
		m := []string{}
		atIS := make([]*wso2is.Role, len(roles))
		for i, r := range roles {
			found, err := e.IS.FindRole(c.ctx, r.is)
			c.NoErr(err, "search IS for role %s", r.is)
			if found == nil {
				m = append(m, r.is)
			}
			atIS[i] = found
		}
		if len(m) > 0 {
			var diag []string
			for _, r := range roles {
				if slices.Contains(m, r.is) {
					if found, _ := e.IS.FindRole(c.ctx, r.apim); found != nil {
						diag = append(diag, fmt.Sprintf("IS has role %q instead: the connector created it under its API-M name", r.apim))
					}
				}
			}
			if flag := km.AdditionalProperties["enable_roles_creation"]; e.Cell.APIM.RolesCreation && flag != true {
				diag = append(diag, fmt.Sprintf("Key Manager %s stores enable_roles_creation as %T %v; the connector reads it only as the JSON boolean true",
					km.Name, flag, flag))
			}
			quoted := make([]string, len(m))
			for i, n := range m {
				quoted[i] = fmt.Sprintf("%q", n)
			}
			c.Failf("after shared scope %s bound to %s and %s was created (201), IS has no role %s; the connector of Key Manager %s should create system_primary_<role> for a primary role and <role> for Internal/<role>. %s",
				scope.Name, roles[0].apim, roles[1].apim, strings.Join(quoted, ", no role "), km.Name, strings.Join(diag, "; "))
		}
		for i, r := range roles {
			full, err := e.IS.GetRole(c.ctx, atIS[i].ID)
			c.NoErr(err, "read role %s in IS", r.is)
			if !full.HasPermission(scope.Name) {
				c.Failf("IS role %s, created for API-M role %s, does not hold scope %s as a permission: users given the role would not get the scope", r.is, r.apim, scope.Name)
			}
		}
		// Each API-M name differs from its IS name (Internal/ dropped, system_primary_ added).
		for _, r := range roles {
			if found, _ := e.IS.FindRole(c.ctx, r.apim); found != nil {
				c.Failf("IS also has role %q: the connector created it under its API-M name as well as %q", r.apim, r.is)
			}
		}
	},
}

// API-M registers every scope an API uses and every shared scope at each IS Key Manager (apim-km-wso2is
// WSO2IS7KeyManager.registerScope; identity-api-server APIResources.yaml): IS can grant only scopes it knows.
var rolesScopesRegistered = &Check{
	ID: "roles.scopes-registered", Area: "roles", Capability: "scopes.registration", Level: MUST,
	Title: "an API's scope and a shared scope are registered at IS (legacy scopes API with connector 2.0.2, API resource User-defined-oauth2-resource from 2.0.3)",
	Refs: []string{"wso2-extensions/apim-km-wso2is v2.0.2, v2.0.3 WSO2IS7KeyManager.java (scopes: 2.0.2 scope management endpoint; 2.0.3+ API resources)",
		"wso2/identity-api-server APIResources.yaml (API resources and their scopes)",
		"API-M docs: Configure WSO2 IS 7 as a Key Manager (Scope Management Endpoint)"},
	Faults: []Proof{{"connector-skips-scope-registration", "is not registered at IS"}},
	Run: func(c *C) {
		e := c.Env
		id := randomSuffix(8)
		shared, err := e.APIM.CreateSharedScope(c.ctx, wso2am.Scope{Name: "kmconform_shared_" + id, DisplayName: "kmconform shared " + id,
			Description: "kmconform shared scope"})
		c.NoErr(err, "create a shared scope")
		c.Defer(func(ctx context.Context) error { return e.APIM.DeleteSharedScope(ctx, shared.ID) })
		local := "kmconform_local_" + id
		spec := fixture.EchoAPISpec("kmconform-scopes", []string{plan.KeyManagerName}, local)
		spec.Scopes = []wso2am.APIScope{wso2am.LocalScope(local)}
		api, err := e.APIM.CreateAPI(c.ctx, spec.DTO())
		c.NoErr(err, "create an API with scope %s", local)
		c.Defer(func(ctx context.Context) error { return e.APIM.DeleteAPI(ctx, api.ID) })
		for _, sc := range []struct{ name, what string }{{local, "of API " + api.Name}, {shared.Name, "(shared)"}} {
			found, where := scopeAtIS(c, sc.name)
			if !found {
				c.Failf("scope %s %s is not registered at IS (%s, where connector %s of API-M %s puts scopes): IS cannot grant a scope it does not know",
					sc.name, sc.what, where, e.Cell.APIM.Connector, e.Cell.APIM.Version)
			}
		}
	},
}

// WSO2 suite rows 20, 21, 27 (is7_role_enforcement.feature): a user holding an IS role that carries the
// scope gets it and reaches the scope-protected resource; a user without it is refused with 403 900910.
var rolesScopeEnforced = &Check{
	ID: "roles.scope-enforced", Area: "roles", Capability: "roles.rbac", Level: MUST,
	Title: "a scope-protected resource accepts a user holding an IS role with the scope and refuses a user without it with 403 900910",
	Refs: []string{"RFC 6749 §3.3 (scope)", "wso2/carbon-apimgt v9.30.67 APISecurityConstants.java (scope validation → 900910)",
		"wso2/docs-is apis/restapis/roles-v2.yaml (role permissions)", "wso2/carbon-identity-framework#5814 (authorize_all_scopes; user tokens still need a role holding the scope)",
		"wso2/docs-apim#8009", "wso2/api-manager#2937", "wso2/product-apim integration-v2 is7_role_enforcement.feature"},
	Fixtures: []string{fixture.ScopeProtectedAPI.Name},
	Faults: []Proof{
		{"gateway-skips-scope-validation", "the gateway does not validate scopes"},
		{"is-grants-scope-without-role", "who holds no role carrying it"},
	},
	Run: func(c *C) {
		e := c.Env
		f := Private(c, fixture.ScopeProtectedAPI)
		scope := f.Scope.Name
		if !scopeIsAPIResourceScope(c, scope) {
			found, where := scopeAtIS(c, scope)
			c.Failf("scope %s is not a scope of IS API resource %s (found in %s: %t): IS 7 grants roles API-resource scopes only, so there is no role-based authorization for it with connector %s of API-M %s",
				scope, is7ScopeResource, where, found, e.Cell.APIM.Connector, e.Cell.APIM.Version)
		}
		role, err := e.IS.CreateRole(c.ctx, wso2is.NewRole{DisplayName: "kmconform-scope-holder-" + randomSuffix(8),
			Users: []string{f.Holder.ID}, Permissions: []string{scope}})
		c.NoErr(err, "create an IS role holding scope %s for user %s", scope, f.Holder.Name)
		c.Defer(func(ctx context.Context) error { return e.IS.DeleteRole(ctx, role.ID) })
		auth := wso2is.BasicAuth(f.App.ConsumerKey, f.App.ConsumerSecret)
		userToken := func(u *fixture.User) *wso2is.Token {
			t, err := e.IS.Password(c.ctx, e.Discovery.TokenEndpoint, auth, u.Name, u.Password, scope)
			c.NoErr(err, "get a password-grant token with scope %s for user %s", scope, u.Name)
			return t
		}
		holder := userToken(f.Holder)
		if !slices.Contains(holder.Scopes(), scope) {
			c.Failf("IS did not grant scope %s to user %s, who holds role %s carrying it (granted: %q): users cannot reach resources that require it",
				scope, f.Holder.Name, role.DisplayName, holder.Scope)
		}
		expectAcceptedOn(c, f.Path, "the token of a user holding the scope", fixedToken(holder.AccessToken))
		other := userToken(f.NonHolder)
		if slices.Contains(other.Scopes(), scope) {
			c.Failf("IS granted scope %s to user %s, who holds no role carrying it: the scope protects nothing", scope, f.NonHolder.Name)
		}
		a := callPath(c, f.Path, other.AccessToken, "the token of a user without the scope")
		if a.Status == http.StatusOK {
			c.Failf("the gateway answered %s to a token without scope %s on a resource that requires it: the gateway does not validate scopes", a.String(), scope)
		}
		const msgScope = "The access token does not allow you to access the requested resource"
		if !refused(a, http.StatusForbidden, "900910", msgScope) ||
			!strings.HasPrefix(a.Description, "User is NOT authorized to access the Resource: ") || !strings.HasSuffix(a.Description, ". Scope validation failed.") {
			c.Failf("a token without scope %s was refused with %s, not 403 900910 %q (User is NOT authorized to access the Resource: <resource>. Scope validation failed.)",
				scope, a.String(), msgScope)
		}
	},
}

// wso2/api-manager#4064: a shared scope needs no description (publisher-api-v4.yaml Scope: only name is
// required).
var rolesSharedScopeNoDescription = &Check{
	ID: "roles.shared-scope-no-description", Area: "roles", Capability: "scopes.shared", Level: MUST,
	Title: "a shared scope without a description is created (201) and registered at IS",
	Refs: []string{"API-M publisher REST API v4: POST /scopes (Scope: name required)", "wso2/api-manager#4064", "apim-km-wso2is 6df2bdf",
		"wso2-extensions/apim-km-wso2is WSO2IS7KeyManager.registerScope (shared scopes registered at IS)"},
	Faults: []Proof{{"apim-shared-scope-requires-description", "refused a shared scope without a description"}},
	Run: func(c *C) {
		e := c.Env
		scope := createScopeWithoutDescription(c)
		if scope.Description != "" {
			c.Failf("API-M returned shared scope %s with description %q although none was sent", scope.Name, scope.Description)
		}
		if found, where := scopeAtIS(c, scope.Name); !found {
			c.Failf("shared scope %s without a description is not registered at IS (%s)", scope.Name, where)
		}
		_, err := e.APIM.GetSharedScope(c.ctx, scope.ID)
		c.NoErr(err, "read shared scope %s back", scope.Name)
	},
}

// wso2/api-manager#4064 (API-M 4.5.0 with IS 7.1.0): updating an API to use a shared scope without a
// description failed with a NullPointerException in the IS 7 connector's getScopeByName, which reads the
// description IS does not send (fixed in apim-km-wso2is 89b0b4c, connector 2.0.8).
var rolesSharedScopeNoDescriptionInAPI = &Check{
	ID: "roles.shared-scope-no-description-in-api", Area: "roles", Capability: "scopes.shared-in-api", Level: MUST,
	Title: "an API can be updated to require a shared scope that has no description",
	Refs: []string{"API-M publisher REST API v4: PUT /apis/{apiId}", "wso2/api-manager#4064",
		"apim-km-wso2is 89b0b4c (WSO2IS7KeyManager.getScopeByName: missing description)"},
	Faults: []Proof{{"apim-shared-scope-requires-description", "refused a shared scope without a description"}},
	Run: func(c *C) {
		e := c.Env
		scope := createScopeWithoutDescription(c)
		spec := fixture.EchoAPISpec("kmconform-shared-scope", []string{plan.KeyManagerName})
		api, err := e.APIM.CreateAPI(c.ctx, spec.DTO())
		c.NoErr(err, "create an API without scopes")
		c.Defer(func(ctx context.Context) error { return e.APIM.DeleteAPI(ctx, api.ID) })
		// What the publisher portal does: read the API, make its resource require the scope, save it.
		dto, err := e.APIM.GetAPIDTO(c.ctx, api.ID)
		c.NoErr(err, "read API %s", api.Name)
		spec.Operations = []wso2am.APIOperation{wso2am.Operation("GET", plan.APIResource, scope.Name)}
		spec.Scopes = []wso2am.APIScope{wso2am.SharedScopeRef(*scope)}
		changed := spec.DTO()
		dto["operations"], dto["scopes"] = changed["operations"], changed["scopes"]
		if _, err := e.APIM.UpdateAPI(c.ctx, api.ID, dto); err != nil {
			c.Failf("API-M refused to update API %s to require shared scope %s, which has no description: %v — the Key Manager connector fails reading the scope back from IS (wso2/api-manager#4064)",
				api.Name, scope.Name, err)
		}
		got, err := e.APIM.GetAPI(c.ctx, api.ID)
		c.NoErr(err, "read API %s back", api.Name)
		if !slices.ContainsFunc(got.Operations, func(o wso2am.APIOperation) bool { return slices.Contains(o.Scopes, scope.Name) }) {
			c.Failf("API %s was updated (200) but none of its operations requires shared scope %s", api.Name, scope.Name)
		}
	},
}

// createScopeWithoutDescription creates a shared scope with a name and display name only, removed after
// the check.
func createScopeWithoutDescription(c *C) *wso2am.Scope {
	e := c.Env
	id := randomSuffix(8)
	scope, err := e.APIM.CreateSharedScope(c.ctx, wso2am.Scope{Name: "kmconform_nodesc_" + id, DisplayName: "kmconform no description " + id})
	if err != nil {
		c.Failf("API-M refused a shared scope without a description: %v (a description is optional, wso2/api-manager#4064)", err)
	}
	c.Defer(func(ctx context.Context) error { return e.APIM.DeleteSharedScope(ctx, scope.ID) })
	return scope
}
