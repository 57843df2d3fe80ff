package checks

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kmconform/kmconform/harness/env"
	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/poll"
	"github.com/kmconform/kmconform/harness/setup"
	"github.com/kmconform/kmconform/harness/wso2am"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// The keymanager area: administration of WSO2-IS-7 Key Managers through API-M's admin REST API, key
// generation at IS through API-M, and the application lifecycle through the Key Manager.

func init() {
	register(kmCreateRead, kmUpdateKeepsSecret, kmDisableEnable, kmDeleteInUse, kmDuplicateName,
		kmRequiredConnectorFields, kmAuthenticationBlock, kmDiscoverImport, kmConfigRoundTrip, kmAdminScope,
		kmKeygenAfterRegistration, kmKeygenDisabled, kmKeygenUnreachable, kmKeygenNoOAuthAppCreation, kmKeygenPermission,
		kmKeygenUnlistedGrant, kmSameIssuer,
		kmProductionSandbox, kmKeysUpdate, kmSecretRegenerate, kmAppDelete)
}

// References used by several checks.
const (
	refAdminKM     = "API-M admin REST API v4: /key-managers (https://apim.docs.wso2.com/en/latest/reference/product-apis/admin-apis/admin-v4/admin-v4/)"
	refDevportal   = "API-M devportal REST API v3: Application Keys (https://apim.docs.wso2.com/en/latest/reference/product-apis/devportal-apis/devportal-v3/devportal-v3/)"
	refIS7KM       = "API-M docs: Configure WSO2 IS 7 as a Key Manager (https://apim.docs.wso2.com/en/4.4.0/administer/key-managers/configure-wso2is7-connector/)"
	refIV2Config   = "wso2/product-apim integration-v2 key_manager_config.feature (IS 7 Key Manager suite)"
	refIV2Keygen   = "wso2/product-apim integration-v2 is7_keygen_negatives.feature"
	refIV2Plan     = "wso2/product-apim integration-v2 is7-key-manager-integration-plan.md"
	refIV2Overlay  = "wso2/product-apim integration-v2 is7/deployment-overlay.toml"
	refConnector   = "wso2-extensions/apim-km-wso2is components/wso2is7.key.manager (WSO2IS7KeyManager, WSO2IS7ConnectorConfiguration)"
	refDCRUpdate   = "WSO2 IS 7 DCR API: PUT/DELETE /api/identity/oauth2/dcr/v1.1/register/{client_id}"
	refIssuerClash = "carbon-apimgt KeyManagerHolder / OrganizationKeyManagerDto.getKeyManagerDtoByIssuer (Key Manager by issuer, last registered wins)"
)

// unreachableBound is how long key generation at a Key Manager that cannot be reached may take: a refused
// connection is immediate, and WSO2's own suite expects the refusal "within ~2s" (is7_keygen_negatives).
const unreachableBound = 5 * time.Second

// extraKM registers a private extra Key Manager and removes it when the check ends.
func extraKM(c *C, d fixture.Def[*fixture.KM]) *fixture.KM {
	km := Private(c, d)
	c.Defer(km.Remove)
	return km
}

// keygenWorks is the positive control of a check that generates keys at an extra Key Manager: key
// generation at IS through the base Key Manager works in this cell (fixture is-app exists).
func keygenWorks(c *C) { Shared(c, fixture.ISApp) }

// operationalKeys waits until a newly registered Key Manager generates keys (fixture.OperationalKeys) and
// returns the application that got them, removed when the check ends.
func operationalKeys(c *C, km *fixture.KM) *env.AppKeys {
	app, cleanup, err := fixture.OperationalKeys(c.ctx, c.Env, km.Name)
	if cleanup != nil {
		c.Defer(cleanup)
	}
	c.NoErr(err, "generate keys at the newly registered Key Manager %s", km.Name)
	return app
}

// newApplication creates an application without keys, removed when the check ends.
func newApplication(c *C, prefix string) string {
	id, err := c.Env.APIM.CreateApplication(c.ctx, prefix+"-"+fmt.Sprint(time.Now().UnixNano()))
	c.NoErr(err, "create an application")
	c.Defer(fixture.IgnoreNotFound(func(ctx context.Context) error { return c.Env.APIM.DeleteApplication(ctx, id) }))
	return id
}

// generateKeysAt asks API-M for PRODUCTION keys of an application at a Key Manager. On success the keys are
// redacted from then on.
func generateKeysAt(c *C, ctx context.Context, appID, km string) (*wso2am.ApplicationKey, error) {
	keys, err := c.Env.APIM.GenerateKeysWith(ctx, appID, wso2am.KeyRequest{KeyType: wso2am.Production, KeyManager: km,
		GrantTypes: c.Env.Plan.AppGrantTypes, CallbackURL: "https://localhost/callback", Scopes: []string{"default"}, ValidityTime: 3600})
	if err == nil {
		c.Env.Redactor.Add(keys.ConsumerSecret)
	}
	return keys, err
}

// updateKM reads a Key Manager, lets change edit it and PUTs it back with the plan's password in place of
// the mask (the checks that test the mask send it themselves).
func updateKM(c *C, id string, change func(*wso2am.KeyManager)) *wso2am.KeyManager {
	km, err := c.Env.APIM.GetKeyManager(c.ctx, id)
	c.NoErr(err, "read Key Manager %s", id)
	if pw, ok := c.Env.Plan.KeyManager.AdditionalProperties["Password"]; ok && km.AdditionalProperties != nil {
		if _, has := km.AdditionalProperties["Password"]; has {
			km.AdditionalProperties["Password"] = pw
		}
	}
	change(km)
	out, err := c.Env.APIM.UpdateKeyManager(c.ctx, id, km)
	c.NoErr(err, "update Key Manager %s", km.Name)
	return out
}

// expectRESTError asserts a refusal with an exact status and ErrorDTO code, and that err is one.
func expectRESTError(c *C, err error, status int, code int64, what string) *wso2am.RESTError {
	var re *wso2am.RESTError
	if !errors.As(err, &re) {
		c.NoErr(err, "%s", what)
		c.Failf("%s: expected HTTP %d with code %d, got no refusal", what, status, code)
	}
	if re.Status != status || re.Code != code {
		c.Failf("%s: expected HTTP %d with code %d, got %v", what, status, code, re)
	}
	return re
}

// expectKMRefused registers km and asserts API-M refuses it with 400 901401 naming every one of keys in
// the description. attempt is what was being done; accepted is the failure when API-M registers km
// (deleted again at the end of the check); refusal names the refusal when it leaves a key out.
func expectKMRefused(c *C, km *wso2am.KeyManager, keys []string, attempt, accepted, refusal string) {
	e := c.Env
	created, err := e.APIM.CreateKeyManager(c.ctx, km)
	if err == nil {
		c.Defer(func(ctx context.Context) error { return e.APIM.DeleteKeyManager(ctx, created.ID) })
		c.Failf("%s", accepted)
	}
	re := expectRESTError(c, err, http.StatusBadRequest, 901401, attempt)
	for _, k := range keys {
		if !strings.Contains(re.Description, k) {
			c.Failf("%s does not name %s: %v", refusal, k, re)
		}
	}
}

// listed finds a Key Manager in the admin list by name.
func listed(c *C, name string) (wso2am.KeyManagerInfo, bool) {
	list, err := c.Env.APIM.ListKeyManagers(c.ctx)
	c.NoErr(err, "list Key Managers")
	for _, k := range list {
		if k.Name == name {
			return k, true
		}
	}
	return wso2am.KeyManagerInfo{}, false
}

// ---- administration ----

var kmCreateRead = &Check{
	ID: "keymanager.create-read", Area: "keymanager", Capability: "km.admin", Level: MUST,
	Title: "a WSO2-IS-7 Key Manager registers (201), reads back as sent with its Password masked as *****, and is listed unused",
	Refs: []string{refAdminKM, refIS7KM, "wso2/product-apim v4.4.0 KeyManagersTestCase (GET masks Password as *****)",
		"carbon-apimgt APIAdminImpl.maskValues", refIV2Config + " (CRUD, minimal config, list)"},
	Fixtures: []string{fixture.SpareKM.Name},
	Faults:   []Proof{{"apim-km-password-unmasked", "not masked"}},
	Run: func(c *C) {
		km := extraKM(c, fixture.SpareKM)
		got, err := c.Env.APIM.GetKeyManager(c.ctx, km.ID)
		c.NoErr(err, "read Key Manager %s back", km.Name)
		sent := km.Sent
		same := []struct{ field, got, want string }{
			{"name", got.Name, sent.Name}, {"type", got.Type, "WSO2-IS-7"}, {"issuer", got.Issuer, sent.Issuer},
			{"clientRegistrationEndpoint", got.ClientRegistrationEndpoint, sent.ClientRegistrationEndpoint},
			{"introspectionEndpoint", got.IntrospectionEndpoint, sent.IntrospectionEndpoint},
			{"tokenEndpoint", got.TokenEndpoint, sent.TokenEndpoint}, {"revokeEndpoint", got.RevokeEndpoint, sent.RevokeEndpoint},
			{"userInfoEndpoint", got.UserInfoEndpoint, sent.UserInfoEndpoint}, {"authorizeEndpoint", got.AuthorizeEndpoint, sent.AuthorizeEndpoint},
			{"consumerKeyClaim", got.ConsumerKeyClaim, "azp"}, {"scopesClaim", got.ScopesClaim, "scope"},
		}
		for _, f := range same {
			if f.got != f.want {
				c.Failf("Key Manager %s reads back %s %q, but %q was registered", km.Name, f.field, f.got, f.want)
			}
		}
		if got.Certificates == nil || got.Certificates.Type != "JWKS" || got.Certificates.Value != sent.Certificates.Value {
			c.Failf("Key Manager %s reads back certificates %+v, but JWKS %s was registered", km.Name, got.Certificates, sent.Certificates.Value)
		}
		if !slices.Equal(got.AvailableGrantTypes, sent.AvailableGrantTypes) {
			c.Failf("Key Manager %s reads back grant types %v, but %v were registered", km.Name, got.AvailableGrantTypes, sent.AvailableGrantTypes)
		}
		if !got.Enabled || !got.EnableSelfValidationJWT || !got.EnableOAuthAppCreation {
			c.Failf("Key Manager %s reads back enabled=%t enableSelfValidationJWT=%t enableOAuthAppCreation=%t, but all were registered true",
				km.Name, got.Enabled, got.EnableSelfValidationJWT, got.EnableOAuthAppCreation)
		}
		if u := got.AdditionalProperties["Username"]; u != sent.AdditionalProperties["Username"] {
			c.Failf("Key Manager %s reads back Username %v, but %v was registered", km.Name, u, sent.AdditionalProperties["Username"])
		}
		if pw := got.AdditionalProperties["Password"]; pw != wso2am.MaskedValue {
			shown := "another value"
			if pw == nil {
				shown = "no value"
			}
			c.Failf("GET /key-managers/%s answers the connector Password with %s: the secret is not masked as %s, so anyone who can read the admin API reads IS's admin password",
				km.ID, shown, wso2am.MaskedValue)
		}
		info, ok := listed(c, km.Name)
		if !ok {
			c.Failf("the admin Key Manager list does not contain %s, which was just registered", km.Name)
		}
		if info.Type != "WSO2-IS-7" || !info.Enabled || info.IsUsed {
			c.Failf("the admin list shows %s as type %s, enabled=%t, isUsed=%t; registered as WSO2-IS-7, enabled, and nothing uses it yet",
				km.Name, info.Type, info.Enabled, info.IsUsed)
		}
	},
}

var kmUpdateKeepsSecret = &Check{
	ID: "keymanager.update-keeps-secret", Area: "keymanager", Capability: "km.keygen", Level: MUST,
	Title: "a Key Manager PUT that sends the masked Password ***** keeps the stored one: key generation (DCR with it) still works at IS",
	Refs: []string{refAdminKM, "carbon-apimgt APIAdminImpl.encryptKeyManagerConfigurationValues (***** keeps the stored value)",
		refIV2Config + " (PUT description)", refConnector + " (DCR with Basic Username:Password)"},
	Fixtures: []string{fixture.ISApp.Name, fixture.SpareKM.Name},
	Faults:   []Proof{{"apim-km-mask-overwrites-password", "did not survive"}},
	Run: func(c *C) {
		keygenWorks(c)
		km := extraKM(c, fixture.SpareKM)
		// Positive control: the Key Manager generates keys with the password it was registered with.
		operationalKeys(c, km)
		got, err := c.Env.APIM.GetKeyManager(c.ctx, km.ID)
		c.NoErr(err, "read Key Manager %s", km.Name)
		if got.AdditionalProperties["Password"] != wso2am.MaskedValue {
			c.Failf("GET /key-managers/%s does not answer the Password as %s, so a PUT cannot send the mask back", km.ID, wso2am.MaskedValue)
		}
		got.Description = "updated by kmconform"
		_, err = c.Env.APIM.UpdateKeyManager(c.ctx, km.ID, got)
		c.NoErr(err, "update Key Manager %s sending the Password as %s", km.Name, wso2am.MaskedValue)
		again, err := c.Env.APIM.GetKeyManager(c.ctx, km.ID)
		c.NoErr(err, "read Key Manager %s after the update", km.Name)
		if again.Description != got.Description {
			c.Failf("Key Manager %s reads back description %q after a PUT that set %q", km.Name, again.Description, got.Description)
		}
		app, cleanup, err := fixture.NewApp(c.ctx, c.Env, fixture.AppSpec{Name: "kmconform-after-update", KeyManager: km.Name})
		if cleanup != nil {
			c.Defer(cleanup)
		}
		if err != nil {
			c.Failf("the stored Password did not survive a PUT that sent the mask %s: key generation at Key Manager %s, which worked before the update, now fails (%v) — API-M must keep the stored secret when a PUT sends the mask back",
				wso2am.MaskedValue, km.Name, err)
		}
		_, err = c.Env.IS.ClientCredentials(c.ctx, c.Env.Discovery.TokenEndpoint, app.ConsumerKey, app.ConsumerSecret)
		c.NoErr(err, "get a token from IS for the OAuth client API-M registered after the update")
	},
}

var kmDisableEnable = &Check{
	ID: "keymanager.disable-enable", Area: "keymanager", Capability: "km.admin", Level: MUST,
	Title: "a disabled Key Manager's tokens are refused by the gateway (401 900901); enabled again, its tokens are accepted again",
	Refs: []string{refAdminKM, "API-M docs: Key Manager overview — a Key Manager counts for validation only while enabled (https://apim.docs.wso2.com/en/4.4.0/administer/key-managers/overview/)",
		refIV2Config + " (enabled toggled off and on)"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults:   []Proof{{"apim-gateway-keeps-disabled-km", "still accepted"}},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.ISApp)
		expectGatewayAccepts(c, appToken(c, app), "an IS token while Key Manager "+e.KeyManager.Name+" is enabled")
		disabled := false
		c.Defer(func(ctx context.Context) error {
			if !disabled {
				return nil
			}
			return fixture.UpdateBaseKeyManager(ctx, e, func(km *wso2am.KeyManager) { km.Enabled = true })
		})
		disabled = true
		c.NoErr(fixture.UpdateBaseKeyManager(c.ctx, e, func(km *wso2am.KeyManager) { km.Enabled = false }), "disable the IS Key Manager")
		if got, err := e.APIM.GetKeyManager(c.ctx, e.KeyManager.ID); err != nil || got.Enabled {
			c.NoErr(err, "read the IS Key Manager after disabling it")
			c.Failf("Key Manager %s reads back enabled=true after a PUT with enabled=false", e.KeyManager.Name)
		}
		tok := appToken(c, app)
		_, err := poll.Until(c.ctx, poll.Options{What: "the gateway to refuse IS's token with 401 900901 while its Key Manager is disabled",
			Interval: intervals.GatewayPropagation, Backoff: true, Progress: c.log},
			func(ctx context.Context) (bool, string, error) {
				a, err := e.APIM.CallAPI(ctx, e.APIPath, tok)
				if err != nil {
					return false, err.Error(), nil
				}
				return a.Status == http.StatusUnauthorized && a.Code == "900901", a.String(), nil
			})
		if err != nil {
			c.Failf("the gateway still accepted an IS token after Key Manager %s was disabled (%v): a disabled Key Manager must not validate tokens any more",
				e.KeyManager.Name, err)
		}
		c.NoErr(fixture.UpdateBaseKeyManager(c.ctx, e, func(km *wso2am.KeyManager) { km.Enabled = true }), "enable the IS Key Manager again")
		disabled = false
		if got, err := e.APIM.GetKeyManager(c.ctx, e.KeyManager.ID); err != nil || !got.Enabled {
			c.NoErr(err, "read the IS Key Manager after enabling it")
			c.Failf("Key Manager %s reads back enabled=false after a PUT with enabled=true", e.KeyManager.Name)
		}
		expectGatewayAccepts(c, appToken(c, app), "an IS token after Key Manager "+e.KeyManager.Name+" was enabled again")
	},
}

var kmDeleteInUse = &Check{
	ID: "keymanager.delete-in-use", Area: "keymanager", Capability: "km.keygen", Level: MUST,
	Title: "deleting a Key Manager an application has keys at is refused (412 902015); once free it is deleted (200) and gone (404 901411, also for a second DELETE)",
	Refs: []string{refAdminKM, "carbon-apimgt APIAdminImpl.deleteKeyManagerConfigurationById (902015 KEY_MANAGER_IN_USE)",
		refIV2Config + " (delete, unknown id → 404)"},
	Fixtures: []string{fixture.ISApp.Name, fixture.SpareKM.Name},
	Faults:   []Proof{{"apim-km-delete-in-use", "902015"}},
	Run: func(c *C) {
		keygenWorks(c)
		e := c.Env
		km := extraKM(c, fixture.SpareKM)
		app, cleanup, err := fixture.OperationalKeys(c.ctx, e, km.Name)
		removeApp := onceCleanup(cleanup)
		c.Defer(removeApp)
		c.NoErr(err, "generate keys at the newly registered Key Manager %s", km.Name)
		err = e.APIM.DeleteKeyManager(c.ctx, km.ID)
		if err == nil {
			c.Failf("API-M deleted Key Manager %s although application %s has keys at it: expected 412 with code 902015 (Key Manager is already used by an API or an Application)",
				km.Name, app.Name)
		}
		re := expectRESTError(c, err, http.StatusPreconditionFailed, 902015, "delete Key Manager "+km.Name+" while an application has keys at it")
		if !strings.Contains(re.Message+re.Description, "already used by an API or an Application") {
			c.Failf("the refusal has code 902015 but not the documented message \"Key Manager is already used by an API or an Application.\": %v", re)
		}
		if _, err := e.APIM.GetKeyManager(c.ctx, km.ID); err != nil {
			c.Failf("Key Manager %s cannot be read after its deletion was refused: %v", km.Name, err)
		}
		c.NoErr(removeApp(c.ctx), "delete the application that uses Key Manager %s", km.Name)
		c.NoErr(e.APIM.DeleteKeyManager(c.ctx, km.ID), "delete Key Manager %s once no application uses it", km.Name)
		_, err = e.APIM.GetKeyManager(c.ctx, km.ID)
		if err == nil {
			c.Failf("Key Manager %s can still be read after DELETE answered 200", km.Name)
		}
		expectRESTError(c, err, http.StatusNotFound, 901411, "read Key Manager "+km.Name+" after deleting it")
		if _, ok := listed(c, km.Name); ok {
			c.Failf("the admin Key Manager list still contains %s after DELETE answered 200", km.Name)
		}
		// Row 39 of WSO2's suite: deleting an id that does not exist is a 404, not a silent 200.
		err = e.APIM.DeleteKeyManager(c.ctx, km.ID)
		if err == nil {
			c.Failf("DELETE of Key Manager id %s, deleted just before, answered 200: an unknown id must be a 404", km.ID)
		}
		expectRESTError(c, err, http.StatusNotFound, 901411, "delete Key Manager id "+km.ID+" a second time")
	},
}

// onceCleanup runs a cleanup once, whether the check calls it or its deferral does.
func onceCleanup(cl fixture.Cleanup) func(context.Context) error {
	done := false
	return func(ctx context.Context) error {
		if done || cl == nil {
			return nil
		}
		done = true
		return cl(ctx)
	}
}

var kmDuplicateName = &Check{
	ID: "keymanager.duplicate-name", Area: "keymanager", Capability: "km.admin", Level: MUST,
	Title:    "a second Key Manager with an existing name is refused with 409 901402 (the same payload under its own name is accepted)",
	Refs:     []string{refAdminKM, "carbon-apimgt APIAdminImpl.addKeyManagerConfiguration (901402 Key Manager Already Exists)", refIV2Config + " (duplicate IS7 name → 409)"},
	Fixtures: []string{fixture.SpareKM.Name},
	Faults:   []Proof{{"apim-km-duplicate-name-accepted", "901402"}},
	Run: func(c *C) {
		e := c.Env
		existing := extraKM(c, fixture.SpareKM)
		// Positive control: the payload itself is acceptable.
		other, cleanup, err := fixture.NewKeyManager(c.ctx, e, fixture.ExtraKeyManager(e, "dup"))
		c.NoErr(err, "register a second Key Manager under a name of its own")
		c.Defer(cleanup)
		c.NoErr(other.Remove(c.ctx), "remove the second Key Manager")
		dup := fixture.ExtraKeyManager(e, "dup")
		dup.Name = existing.Name
		created, err := e.APIM.CreateKeyManager(c.ctx, dup)
		if err == nil {
			c.Defer(func(ctx context.Context) error { return e.APIM.DeleteKeyManager(ctx, created.ID) })
			c.Failf("API-M registered a second Key Manager named %s: expected 409 with code 901402 (Key Manager Already Exists); two Key Managers now share a name that generate-keys resolves first",
				existing.Name)
		}
		re := expectRESTError(c, err, http.StatusConflict, 901402, "register a second Key Manager named "+existing.Name)
		if !strings.Contains(re.Message+re.Description, "Already Exists") {
			c.Failf("the refusal has code 901402 but not the message \"Key Manager Already Exists\": %v", re)
		}
	},
}

// is7EndpointKeys are the connector keys some versions require and others ignore (apim-km-wso2is
// WSO2IS7ConnectorConfiguration: absent in v2.0.2, required from v2.0.3).
var is7EndpointKeys = []string{"api_resource_management_endpoint", "is7_roles_endpoint"}

var kmRequiredConnectorFields = &Check{
	ID: "keymanager.required-connector-fields", Area: "keymanager", Capability: "km.admin", Level: MUST,
	Title: "a WSO2-IS-7 Key Manager without a connector field its version requires is refused with 400 901401 naming it; fields the version does not require may be left out",
	Refs: []string{refAdminKM, refIS7KM + " (connector fields per version)", refConnector + " getConnectionConfigurations / validateAuthConfigurations",
		refIV2Config + " (missing connector config → 400; IS7 without the api-resource and roles endpoints → 400)"},
	Faults: []Proof{{"apim-km-required-field-not-enforced", "901401"}},
	Run: func(c *C) {
		e := c.Env
		am := e.Cell.APIM
		// Positive control: the documented payload is accepted.
		ok, cleanup, err := fixture.NewKeyManager(c.ctx, e, fixture.ExtraKeyManager(e, "required"))
		c.NoErr(err, "register the documented WSO2-IS-7 payload")
		c.Defer(cleanup)
		c.NoErr(ok.Remove(c.ctx), "remove the Key Manager")

		refused := func(km *wso2am.KeyManager, what string, keys ...string) {
			expectKMRefused(c, km, keys, "register a WSO2-IS-7 Key Manager "+what,
				fmt.Sprintf("API-M %s registered a WSO2-IS-7 Key Manager %s: expected 400 with code 901401 (Required Key Manager configuration missing) — the connector (%s) needs %s, and key generation at such a Key Manager fails later",
					am.Version, what, am.Connector, strings.Join(keys, ", ")),
				"the 901401 refusal of a Key Manager "+what)
		}
		for _, key := range am.ConnectorKeys {
			km := fixture.ExtraKeyManager(e, "required")
			if am.AuthenticationBlock && (key == "Username" || key == "Password") {
				// Connector 2.0.8 checks the values of the BasicAuth fields (validateAuthConfigurations); what
				// it does with an absent key is undocumented, so send it empty.
				km.AdditionalProperties[key] = ""
				refused(km, "with an empty "+key, key)
				continue
			}
			delete(km.AdditionalProperties, key)
			refused(km, "without "+key, key)
		}
		for _, key := range is7EndpointKeys {
			if slices.Contains(am.ConnectorKeys, key) {
				continue
			}
			// This version's connector does not require the key: it may be left out (WSO2IS7ConnectorConfiguration).
			km := fixture.ExtraKeyManager(e, "optional")
			delete(km.AdditionalProperties, key)
			k, cleanup, err := fixture.NewKeyManager(c.ctx, e, km)
			c.NoErr(err, "register a WSO2-IS-7 Key Manager without %s, which connector %s does not require", key, am.Connector)
			c.Defer(cleanup)
			c.NoErr(k.Remove(c.ctx), "remove the Key Manager")
		}
		// Row 37 of WSO2's suite: no connector configuration at all.
		none := fixture.ExtraKeyManager(e, "required")
		var keys []string
		for _, k := range am.ConnectorKeys {
			if !am.AuthenticationBlock || (k != "Username" && k != "Password") {
				keys = append(keys, k)
			}
		}
		none.AdditionalProperties = nil
		refused(none, "without any connector configuration", keys...)
	},
}

var kmAuthenticationBlock = &Check{
	ID: "keymanager.authentication-block", Area: "keymanager", Capability: "km.authentication-block", Level: MUST,
	Title: "how the Key Manager authenticates to IS: from 4.6 the Authentication block stores BasicAuth and MutualTLS (with IdentityUser) and refuses MutualTLS without IdentityUser (400 901401); before 4.6 Username/Password are required whatever the configuration says",
	Refs: []string{refAdminKM, refIS7KM + " (4.6: Authentication BasicAuth / MutualTLS)",
		"wso2-extensions/apim-km-wso2is v2.0.8 WSO2IS7ConnectorConfiguration.validateAuthConfigurations",
		refIV2Config + " (mTLS config stored; mTLS without IdentityUser → 400)"},
	Faults: []Proof{{"apim-km-mtls-without-identity-user", "MutualTLS"}},
	Run: func(c *C) {
		e := c.Env
		am := e.Cell.APIM
		stored := func(km *wso2am.KeyManager, what string, want map[string]string) {
			k, cleanup, err := fixture.NewKeyManager(c.ctx, e, km)
			c.NoErr(err, "register a WSO2-IS-7 Key Manager with %s", what)
			c.Defer(cleanup)
			got, err := e.APIM.GetKeyManager(c.ctx, k.ID)
			c.NoErr(err, "read the Key Manager with %s back", what)
			for key, v := range want {
				if fmt.Sprint(got.AdditionalProperties[key]) != v {
					c.Failf("the Key Manager registered with %s reads back %s=%v, want %s", what, key, got.AdditionalProperties[key], v)
				}
			}
			c.NoErr(k.Remove(c.ctx), "remove the Key Manager")
		}
		refused := func(km *wso2am.KeyManager, what, why string, keys ...string) {
			expectKMRefused(c, km, keys, "register a Key Manager with "+what,
				fmt.Sprintf("API-M %s registered a Key Manager with %s: expected 400 with code 901401 naming %s — %s",
					am.Version, what, strings.Join(keys, " and "), why),
				"the refusal of a Key Manager with "+what)
		}
		mtls := func(identityUser, basic bool) *wso2am.KeyManager {
			km := fixture.ExtraKeyManager(e, "mtls")
			km.AdditionalProperties["Authentication"] = "MutualTLS"
			km.AdditionalProperties["MutualTLSOptions"] = "ServerWide"
			if identityUser {
				km.AdditionalProperties["IdentityUser"] = plan.AdminUser
			}
			if !basic {
				delete(km.AdditionalProperties, "Username")
				delete(km.AdditionalProperties, "Password")
			}
			return km
		}
		if !am.AuthenticationBlock {
			// Connectors before 2.0.8 know Basic credentials only: Authentication, IdentityUser and
			// MutualTLSOptions are extra keys, stored as sent, and Username/Password stay required
			// (apim-km-wso2is WSO2IS7ConnectorConfiguration before v2.0.8).
			stored(mtls(true, true), "MutualTLS keys next to Username and Password",
				map[string]string{"Authentication": "MutualTLS", "IdentityUser": plan.AdminUser, "Username": plan.AdminUser})
			refused(mtls(true, false), "Authentication MutualTLS and no Username/Password",
				"connector "+am.Connector+" has no Authentication block and authenticates to IS with Basic credentials only", "Username", "Password")
			return
		}
		basic := fixture.ExtraKeyManager(e, "basicauth")
		basic.AdditionalProperties["Authentication"] = "BasicAuth"
		stored(basic, "Authentication BasicAuth", map[string]string{"Authentication": "BasicAuth", "Username": plan.AdminUser})
		stored(mtls(true, false), "Authentication MutualTLS", map[string]string{"Authentication": "MutualTLS", "IdentityUser": plan.AdminUser,
			"MutualTLSOptions": "ServerWide"})
		refused(mtls(false, false), "Authentication MutualTLS and no IdentityUser",
			"the connector cannot tell IS whom it acts for", "IdentityUser")
	},
}

var kmDiscoverImport = &Check{
	ID: "keymanager.discover-import", Area: "keymanager", Capability: "km.discover", Level: MUST,
	Title: "the discover import maps IS's discovery document (and fills UserInfo with /oauth2/userinfo, which must be replaced by /scim2/Me); the registered Key Manager uses /scim2/Me",
	Refs: []string{refAdminKM + " (POST /key-managers/discover)", refIS7KM + " (UserInfo endpoint: /scim2/Me)",
		"wso2/docs-apim#9387–#9389 (import fills oauth2/userinfo)",
		"wso2/product-apim integration-v2 is7_wellknown_discovery.feature"},
	Faults: []Proof{
		{"apim-discover-userinfo-scim2-me", "userInfoEndpoint"},
		{"userinfo-from-discovery", "/scim2/Me"},
	},
	Run: func(c *C) {
		e := c.Env
		d := e.Discovery
		before, err := e.APIM.ListKeyManagers(c.ctx)
		c.NoErr(err, "list Key Managers")
		wellKnown := plan.ISBase + "/oauth2/token/.well-known/openid-configuration"
		got, err := e.APIM.DiscoverKeyManager(c.ctx, wellKnown, "WSO2-IS-7")
		c.NoErr(err, "import IS's discovery document %s", wellKnown)
		if !got.Valid || got.Value == nil {
			c.Failf("the discover import of %s answered valid=%t without a Key Manager: API-M could not read IS's discovery document", wellKnown, got.Valid)
		}
		v := got.Value
		for _, f := range []struct{ field, got, want string }{
			{"issuer", v.Issuer, d.Issuer}, {"tokenEndpoint", v.TokenEndpoint, d.TokenEndpoint},
			{"authorizeEndpoint", v.AuthorizeEndpoint, d.AuthorizationEndpoint}, {"revokeEndpoint", v.RevokeEndpoint, d.RevocationEndpoint},
			{"introspectionEndpoint", v.IntrospectionEndpoint, d.IntrospectionEndpoint},
			{"clientRegistrationEndpoint", v.ClientRegistrationEndpoint, d.RegistrationEndpoint},
			{"wellKnownEndpoint", v.WellKnownEndpoint, wellKnown}, {"type", v.Type, "WSO2-IS-7"},
		} {
			if f.got != f.want {
				c.Failf("the discover import maps %s to %q, but IS's discovery document gives %q", f.field, f.got, f.want)
			}
		}
		if v.Certificates == nil || v.Certificates.Type != "JWKS" || v.Certificates.Value != d.JWKSURI {
			c.Failf("the discover import maps certificates to %+v, but IS's discovery document gives jwks_uri %s", v.Certificates, d.JWKSURI)
		}
		for _, g := range d.GrantTypesSupported {
			if !slices.Contains(v.AvailableGrantTypes, g) {
				c.Failf("the discover import's availableGrantTypes %v lack %s, which IS's discovery document lists", v.AvailableGrantTypes, g)
			}
		}
		if v.UserInfoEndpoint != d.UserinfoEndpoint {
			c.Failf("the discover import fills userInfoEndpoint with %q, not IS's userinfo_endpoint %q as documented (wso2/docs-apim#9387; the documentation tells users to replace it with /scim2/Me): the import changed — update the documentation pitfall and this check",
				v.UserInfoEndpoint, d.UserinfoEndpoint)
		}
		after, err := e.APIM.ListKeyManagers(c.ctx)
		c.NoErr(err, "list Key Managers")
		if len(after) != len(before) {
			c.Failf("the discover import changed the number of registered Key Managers from %d to %d: it must only return a configuration", len(before), len(after))
		}
		registered := e.KeyManager.UserInfoEndpoint
		if !strings.HasSuffix(registered, "/scim2/Me") || registered == d.UserinfoEndpoint {
			c.Failf("Key Manager %s is registered with UserInfo endpoint %q (the discover import fills in %q): API-M's connector reads user claims there with API tokens, which IS refuses at /oauth2/userinfo without openid (403 insufficient_scope) — register %s/scim2/Me (wso2/docs-apim#9387)",
				e.KeyManager.Name, registered, d.UserinfoEndpoint, strings.TrimSuffix(plan.ISBase, "/"))
		}
	},
}

var kmConfigRoundTrip = &Check{
	ID: "keymanager.config-round-trip", Area: "keymanager", Capability: "km.admin", Level: MUST,
	Title: "Key Manager settings are stored as sent: a minimal configuration, the full grant set, roles creation, PEM certificate, unvalidated URLs, tokenType EXCHANGED (no certificate needed) and BOTH→EXCHANGED→DIRECT, display endpoints in the devportal",
	Refs: []string{refAdminKM, refIV2Config + " (minimal config, roles-creation flag, full grant set, EXCHANGED, BOTH transitions, display endpoints, EXCHANGED without cert, PEM, malformed URLs)",
		"API-M devportal REST API v3: GET /key-managers (tokenEndpoint = display endpoint when set)"},
	Faults: []Proof{{"apim-km-drops-token-type", "tokenType"}},
	Run: func(c *C) {
		e := c.Env
		register := func(km *wso2am.KeyManager, what string) *wso2am.KeyManager {
			k, cleanup, err := fixture.NewKeyManager(c.ctx, e, km)
			c.NoErr(err, "register a Key Manager with %s", what)
			c.Defer(cleanup)
			got, err := e.APIM.GetKeyManager(c.ctx, k.ID)
			c.NoErr(err, "read the Key Manager with %s back", what)
			return got
		}
		// A minimal configuration (row 44): no certificate, no flags, one grant type.
		minimal := fixture.ExtraKeyManager(e, "minimal")
		minimal.Certificates, minimal.AvailableGrantTypes = nil, []string{"client_credentials"}
		minimal.EnableTokenGeneration, minimal.EnableOAuthAppCreation, minimal.EnableMapOAuthConsumerApps = false, false, false
		if got := register(minimal, "a minimal configuration"); got.Type != "WSO2-IS-7" || !slices.Equal(got.AvailableGrantTypes, minimal.AvailableGrantTypes) {
			c.Failf("a minimal WSO2-IS-7 Key Manager reads back type %q and grant types %v", got.Type, got.AvailableGrantTypes)
		}
		// The full grant set and roles creation (rows 41, 45).
		full := fixture.ExtraKeyManager(e, "grants")
		full.AdditionalProperties["enable_roles_creation"] = true
		got := register(full, "every IS 7 grant type and roles creation on")
		if !slices.Equal(got.AvailableGrantTypes, plan.ISGrantTypes) {
			c.Failf("a Key Manager registered with grant types %v reads back %v", plan.ISGrantTypes, got.AvailableGrantTypes)
		}
		if got.AdditionalProperties["enable_roles_creation"] != true {
			c.Failf("a Key Manager registered with enable_roles_creation true (a JSON boolean, as the connector reads it) reads back %v",
				got.AdditionalProperties["enable_roles_creation"])
		}
		// A PEM certificate (row 51): the value is the URL-safe base64 of the PEM file, as WSO2's suite sends it.
		pem := fixture.ExtraKeyManager(e, "pem")
		pemValue := url.QueryEscape(base64Std(e.CAPEM))
		pem.Certificates = &wso2am.Certificates{Type: "PEM", Value: pemValue}
		if got := register(pem, "a PEM certificate"); got.Certificates == nil || got.Certificates.Type != "PEM" || got.Certificates.Value != pemValue {
			c.Failf("a Key Manager registered with a PEM certificate reads back certificates %+v", got.Certificates)
		}
		// URLs are not validated (row 54).
		odd := fixture.ExtraKeyManager(e, "malformed")
		odd.TokenEndpoint, odd.Issuer = "is7.example.com:9444/oauth2/token", "not-a-valid-url-"+fmt.Sprint(time.Now().UnixNano())
		if got := register(odd, "malformed URLs"); got.TokenEndpoint != odd.TokenEndpoint || got.Issuer != odd.Issuer {
			c.Failf("a Key Manager registered with tokenEndpoint %q and issuer %q reads back %q and %q: API-M stores URLs as given",
				odd.TokenEndpoint, odd.Issuer, got.TokenEndpoint, got.Issuer)
		}
		// tokenType EXCHANGED without a certificate (rows 46, 49).
		ex := fixture.ExtraKeyManager(e, "exchanged")
		ex.TokenType, ex.Certificates, ex.Alias = "EXCHANGED", nil, ex.TokenEndpoint
		if got := register(ex, "tokenType EXCHANGED and no certificate"); got.TokenType != "EXCHANGED" {
			c.Failf("a Key Manager registered with tokenType EXCHANGED reads back tokenType %q: the invocation method is lost", got.TokenType)
		}
		// BOTH, then EXCHANGED, then DIRECT (row 47).
		both := fixture.ExtraKeyManager(e, "both")
		both.TokenType = "BOTH"
		got = register(both, "tokenType BOTH")
		for _, want := range []string{"BOTH", "EXCHANGED", "DIRECT"} {
			if got.TokenType != want {
				c.Failf("Key Manager %s reads back tokenType %q where %q was stored", got.Name, got.TokenType, want)
			}
			next := map[string]string{"BOTH": "EXCHANGED", "EXCHANGED": "DIRECT"}[want]
			if next == "" {
				break
			}
			updateKM(c, got.ID, func(km *wso2am.KeyManager) { km.TokenType = next })
			var err error
			got, err = e.APIM.GetKeyManager(c.ctx, got.ID)
			c.NoErr(err, "read Key Manager %s after changing tokenType to %s", both.Name, next)
		}
		// Display endpoints (row 48): the devportal shows them instead of the real ones, and the real ones
		// when they are blank.
		disp := fixture.ExtraKeyManager(e, "display")
		disp.DisplayTokenEndpoint, disp.DisplayRevokeEndpoint = "https://display.is7.example.com:9444/oauth2/token", "https://display.is7.example.com:9444/oauth2/revoke"
		register(disp, "display endpoints")
		plain := fixture.ExtraKeyManager(e, "display-blank")
		register(plain, "no display endpoints")
		kms, err := e.APIM.DevportalKeyManagers(c.ctx)
		c.NoErr(err, "list the devportal's Key Managers")
		seen := 0
		for _, k := range kms {
			switch k.Name {
			case disp.Name:
				seen++
				if k.TokenEndpoint != disp.DisplayTokenEndpoint || k.RevokeEndpoint != disp.DisplayRevokeEndpoint {
					c.Failf("the devportal shows Key Manager %s with token/revoke endpoints %s and %s, not its display endpoints %s and %s",
						k.Name, k.TokenEndpoint, k.RevokeEndpoint, disp.DisplayTokenEndpoint, disp.DisplayRevokeEndpoint)
				}
			case plain.Name:
				seen++
				if k.TokenEndpoint != plain.TokenEndpoint || k.RevokeEndpoint != plain.RevokeEndpoint {
					c.Failf("the devportal shows Key Manager %s, which has no display endpoints, with token/revoke endpoints %s and %s instead of %s and %s",
						k.Name, k.TokenEndpoint, k.RevokeEndpoint, plain.TokenEndpoint, plain.RevokeEndpoint)
				}
			}
		}
		if seen != 2 {
			c.Failf("the devportal lists %d of the 2 Key Managers just registered", seen)
		}
	},
}

var kmAdminScope = &Check{
	ID: "keymanager.admin-scope", Area: "keymanager", Capability: "km.admin", Level: MUST,
	Title: "registering a Key Manager needs apim:admin or apim:admin_operations: a token without them is refused with 401, one with apim:admin is accepted",
	Refs: []string{refAdminKM + " (security: apim:admin, apim:admin_operations)", "API-M docs: REST API OAuth route (client-registration v0.17, password grant with scopes)",
		refIV2Config + " (a non-admin cannot create a Key Manager → 401)"},
	Faults: []Proof{{"apim-admin-scope-not-enforced", "without apim:admin"}},
	Run: func(c *C) {
		e := c.Env
		client, err := e.APIM.RegisterRESTClient(c.ctx, "kmconform_admin_scope_check")
		c.NoErr(err, "register a REST API client at API-M (client-registration v0.17)")
		token := func(scope string) string {
			tok, err := e.APIM.ResidentPasswordToken(c.ctx, client.ClientID, client.ClientSecret, e.APIM.AdminUser, e.APIM.AdminPassword, scope)
			c.NoErr(err, "get a password-grant token for the admin with scope %s from API-M", scope)
			return tok.AccessToken
		}
		// Positive control: the same call with apim:admin is accepted.
		k, err := e.APIM.CreateKeyManagerAs(c.ctx, fixture.ExtraKeyManager(e, "scoped"), token("apim:admin"))
		c.NoErr(err, "register a Key Manager with a token that has apim:admin")
		c.Defer(func(ctx context.Context) error { return e.APIM.DeleteKeyManager(ctx, k.ID) })
		k2, err := e.APIM.CreateKeyManagerAs(c.ctx, fixture.ExtraKeyManager(e, "unscoped"), token("apim:subscribe"))
		if err == nil {
			c.Defer(func(ctx context.Context) error { return e.APIM.DeleteKeyManager(ctx, k2.ID) })
			c.Failf("API-M registered Key Manager %s for a token without apim:admin or apim:admin_operations (only apim:subscribe): the admin API's scope gate is not enforced", k2.Name)
		}
		var re *wso2am.RESTError
		if !errors.As(err, &re) || re.Status != http.StatusUnauthorized {
			c.Failf("registering a Key Manager with a token without apim:admin (only apim:subscribe) was refused, but not with 401: %v", err)
		}
	},
}

// ---- key generation ----

var kmKeygenAfterRegistration = &Check{
	ID: "keymanager.keygen-after-registration", Area: "keymanager", Capability: "km.keygen", Level: MUST,
	Title: "key generation right after registering a Key Manager succeeds once API-M lists it, retried on the same application without the 409 901409 a failed attempt can leave behind",
	Refs: []string{refDevportal + " (generate-keys)",
		refIV2Plan + " (Key Manager registration propagates asynchronously; a failed key generation leaves its key mapping, 901409)",
		"carbon-apimgt ExceptionCodes 901409 (Key Mappings already exists)"},
	Fixtures: []string{fixture.ISApp.Name, fixture.SpareKM.Name},
	Faults: []Proof{
		{"apim-km-registry-lag", "901409"},
		{"no-trust", "TLS trust is missing"},
	},
	Run: func(c *C) {
		e := c.Env
		km := extraKM(c, fixture.SpareKM)
		c.NoErr(setup.WaitListed(c.ctx, e.APIM, km.Name, c.log), "wait until the devportal lists Key Manager %s", km.Name)
		appID := newApplication(c, "kmconform-fresh-km")
		var failures []string
		var keys *wso2am.ApplicationKey
		var trapped bool
		var final error
		_, err := poll.Until(c.ctx, poll.Options{What: "key generation at newly registered Key Manager " + km.Name,
			Interval: intervals.SetupRetry, Backoff: true, Progress: c.log},
			func(ctx context.Context) (bool, string, error) {
				k, err := generateKeysAt(c, ctx, appID, km.Name)
				if err == nil {
					keys = k
					return true, "", nil
				}
				if wso2am.IsRESTError(err, http.StatusConflict, 901409) && len(failures) > 0 {
					trapped = true
					return false, "", err
				}
				explained := fixture.Diagnose(ctx, e, err)
				var re *wso2am.RESTError
				transient := errors.As(err, &re) && explained.Error() == err.Error() &&
					(re.Status >= http.StatusInternalServerError || re.Code == 901403 || re.Code == 901408)
				if !transient {
					final = explained
					return false, "", explained
				}
				failures = append(failures, re.Error())
				return false, re.Error(), nil
			})
		switch {
		case trapped:
			c.Failf("key generation at newly registered Key Manager %s was refused with 409/901409 \"Key Mappings already exists\" after an earlier attempt on the same application failed (%s): the failed attempt left its key mapping behind, so every retry is refused (wso2/product-apim integration-v2 is7-key-manager-integration-plan.md) — API-M must not keep a key mapping for a failed key generation; the devportal's clean-up (POST …/oauth-keys/{keyMappingId}/clean-up) removes it",
				km.Name, failures[0])
		case final != nil:
			// Does key generation at IS work in this cell at all? If not, that is the cause (and a known one
			// in some cells), not the new Key Manager.
			keygenWorks(c)
			c.NoErr(final, "generate keys at newly registered Key Manager %s", km.Name)
		case err != nil:
			c.NoErr(err, "generate keys at newly registered Key Manager %s", km.Name)
		}
		c.Measure("km-keygen-ready-ms", float64(time.Since(km.Registered).Milliseconds()))
		if len(failures) > 0 {
			c.Logf("key generation at %s failed %d time(s) before it worked: %s", km.Name, len(failures), failures[0])
		}
		_, err = e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, keys.ConsumerKey, keys.ConsumerSecret)
		c.NoErr(err, "get a token from IS for the OAuth client API-M registered at Key Manager %s", km.Name)
	},
}

var kmKeygenDisabled = &Check{
	ID: "keymanager.keygen-disabled-km", Area: "keymanager", Capability: "km.keygen", Level: MUST,
	Title: "key generation at a disabled Key Manager is refused with 400 901403 (it worked while the Key Manager was enabled)",
	Refs: []string{refDevportal + " (generate-keys)", "carbon-apimgt APIConsumerImpl (901403 Key Manager … doesn't exist in Tenant — missing or disabled)",
		refIV2Keygen + " (disabled Key Manager → 400)"},
	Fixtures: []string{fixture.ISApp.Name, fixture.SpareKM.Name},
	Faults:   []Proof{{"apim-keygen-on-disabled-km", "901403"}},
	Run: func(c *C) {
		keygenWorks(c)
		km := extraKM(c, fixture.SpareKM)
		operationalKeys(c, km)
		updateKM(c, km.ID, func(k *wso2am.KeyManager) { k.Enabled = false })
		appID := newApplication(c, "kmconform-disabled-km")
		keys, err := generateKeysAt(c, c.ctx, appID, km.Name)
		if err == nil {
			c.Failf("API-M generated keys (client %s) at disabled Key Manager %s: expected 400 with code 901403 — a disabled Key Manager must not register OAuth clients",
				keys.ConsumerKey, km.Name)
		}
		expectRESTError(c, err, http.StatusBadRequest, 901403, "generate keys at disabled Key Manager "+km.Name)
	},
}

var kmKeygenUnreachable = &Check{
	ID: "keymanager.keygen-unreachable-km", Area: "keymanager", Capability: "km.keygen", Level: MUST,
	Title:    "key generation at a Key Manager that cannot be reached fails within 5 s instead of hanging",
	Refs:     []string{refDevportal + " (generate-keys)", refIV2Keygen + " (unreachable Key Manager fails fast)", refIV2Plan + " (a failed keygen can leave its key mapping behind)"},
	Fixtures: []string{fixture.ISApp.Name, fixture.UnreachableKM.Name},
	Faults:   []Proof{{"apim-keygen-hangs-on-unreachable-km", "did not answer within"}},
	Run: func(c *C) {
		e := c.Env
		keygenWorks(c) // positive control: key generation works at a Key Manager that can be reached
		km := extraKM(c, fixture.UnreachableKM)
		c.NoErr(setup.WaitListed(c.ctx, e.APIM, km.Name, c.log), "wait until the devportal lists Key Manager %s", km.Name)
		appID := newApplication(c, "kmconform-unreachable-km")
		ctx, cancel := context.WithTimeout(c.ctx, unreachableBound)
		defer cancel()
		start := time.Now()
		keys, err := generateKeysAt(c, ctx, appID, km.Name)
		took := time.Since(start)
		c.Measure("keygen-unreachable-ms", float64(took.Milliseconds()))
		switch {
		case err == nil:
			c.Failf("API-M generated keys (client %s) at Key Manager %s, whose endpoints (https://localhost:1) cannot be reached", keys.ConsumerKey, km.Name)
		case ctx.Err() != nil:
			c.Failf("key generation at Key Manager %s, whose endpoints (https://localhost:1) cannot be reached, did not answer within %s: it hangs instead of failing fast",
				km.Name, unreachableBound)
		}
		var re *wso2am.RESTError
		if !errors.As(err, &re) || re.Status < http.StatusBadRequest {
			c.NoErr(err, "generate keys at unreachable Key Manager %s", km.Name)
		}
		c.Logf("key generation at unreachable Key Manager %s refused after %d ms: %v", km.Name, took.Milliseconds(), re)
	},
}

var kmKeygenNoOAuthAppCreation = &Check{
	ID: "keymanager.keygen-no-oauth-app-creation", Area: "keymanager", Capability: "km.keygen", Level: MUST,
	Title:    "key generation at a Key Manager with OAuth app creation off is refused with 400 901405 \"Key Manager doesn't support generating OAuth applications\"",
	Refs:     []string{refDevportal + " (generate-keys)", "carbon-apimgt ExceptionCodes 901405", refIV2Keygen + " (no OAuth app creation → 400 901405)"},
	Fixtures: []string{fixture.ISApp.Name, fixture.NoOAuthAppCreationKM.Name},
	Faults:   []Proof{{"apim-keygen-ignores-oauth-app-creation", "901405"}},
	Run: func(c *C) {
		e := c.Env
		keygenWorks(c) // positive control: key generation works at a Key Manager that creates OAuth apps
		km := extraKM(c, fixture.NoOAuthAppCreationKM)
		c.NoErr(setup.WaitListed(c.ctx, e.APIM, km.Name, c.log), "wait until the devportal lists Key Manager %s", km.Name)
		appID := newApplication(c, "kmconform-no-app-creation")
		keys, err := generateKeysAt(c, c.ctx, appID, km.Name)
		if err == nil {
			c.Failf("API-M generated keys (client %s) at Key Manager %s, registered with enableOAuthAppCreation false: expected 400 with code 901405",
				keys.ConsumerKey, km.Name)
		}
		re := expectRESTError(c, err, http.StatusBadRequest, 901405, "generate keys at Key Manager "+km.Name+" (OAuth app creation off)")
		if !strings.Contains(re.Message+" "+re.Description, "Key Manager doesn't support generating OAuth applications") {
			c.Failf("the 901405 refusal lacks the message \"Key Manager doesn't support generating OAuth applications\": %v", re)
		}
	},
}

// adminRole is the super admin's role in API-M's default user store ([super_admin] sets no admin_role, so
// Carbon's default).
const adminRole = "admin"

var kmKeygenPermission = &Check{
	ID: "keymanager.keygen-permission-deny", Area: "keymanager", Capability: "km.keygen", Level: MUST,
	Title: "key generation by a user whose role the Key Manager's permissions DENY is refused with 403 902013 (the Key Manager named by UUID); it worked while the Key Manager was PUBLIC",
	Refs: []string{refAdminKM + " (KeyManager.permissions: PUBLIC, ALLOW, DENY)", refDevportal + " (generate-keys)",
		"wso2/product-apim integration-v2 is7_km_extra.feature (DENY role blocks keygen → 403; permissions resolve by UUID)"},
	Fixtures: []string{fixture.ISApp.Name, fixture.SpareKM.Name},
	Faults:   []Proof{{"apim-keygen-ignores-km-permissions", "902013"}},
	Run: func(c *C) {
		keygenWorks(c)
		km := extraKM(c, fixture.SpareKM)
		operationalKeys(c, km)
		updateKM(c, km.ID, func(k *wso2am.KeyManager) {
			k.Permissions = &wso2am.KeyManagerPermissions{PermissionType: "DENY", Roles: []string{adminRole}}
		})
		// WSO2's suite names the Key Manager by UUID: by name API-M skips the permission check
		// (wso2/product-apim integration-v2 is7_km_extra.feature).
		appID := newApplication(c, "kmconform-denied")
		keys, err := generateKeysAt(c, c.ctx, appID, km.ID)
		if err == nil {
			c.Failf("API-M generated keys (client %s) for %s at Key Manager %s, whose permissions DENY role %s: expected 403 with code 902013",
				keys.ConsumerKey, c.Env.APIM.AdminUser, km.Name, adminRole)
		}
		expectRESTError(c, err, http.StatusForbidden, 902013, "generate keys at Key Manager "+km.Name+" (by UUID) whose permissions DENY role "+adminRole)
	},
}

var kmKeygenUnlistedGrant = &Check{
	ID: "keymanager.keygen-unlisted-grant", Area: "keymanager", Capability: "km.keygen", Level: MUST,
	Title: "key generation with a grant type the Key Manager does not list is accepted and the grant reaches IS's OAuth client (availableGrantTypes is not enforced)",
	Refs: []string{refDevportal + " (generate-keys grantTypesToBeSupported)", refIV2Plan + " (availableGrantTypes not enforced at key generation)",
		"wso2/product-apim integration-v2 is7_km_extra.feature (keygen with an unlisted grant is accepted)"},
	Fixtures: []string{fixture.ISApp.Name, fixture.FewGrantsKM.Name},
	Faults:   []Proof{{"apim-keygen-drops-unlisted-grants", "lacks"}},
	Run: func(c *C) {
		e := c.Env
		keygenWorks(c)
		km := extraKM(c, fixture.FewGrantsKM)
		const saml = "urn:ietf:params:oauth:grant-type:saml2-bearer"
		if slices.Contains(km.AvailableGrantTypes, saml) {
			c.Failf("Key Manager %s lists %s, so the check would prove nothing (WSO2's own suite's stale premise)", km.Name, saml)
		}
		keys, cleanup, err := fixture.OperationalKeysWith(c.ctx, e, km.Name, []string{"client_credentials", saml})
		if cleanup != nil {
			c.Defer(cleanup)
		}
		c.NoErr(err, "generate keys with grant types client_credentials and %s at Key Manager %s, which lists only %v", saml, km.Name, km.AvailableGrantTypes)
		client, err := e.IS.GetApp(c.ctx, keys.ConsumerKey)
		c.NoErr(err, "read OAuth client %s at IS", keys.ConsumerKey)
		if !slices.Contains(client.GrantTypes, saml) {
			c.Failf("IS's OAuth client %s lacks %s (it has %v) although key generation asked for it and API-M answered 200: the grant was dropped on the way, so the application cannot use it",
				keys.ConsumerKey, saml, client.GrantTypes)
		}
	},
}

var kmSameIssuer = &Check{
	ID: "keymanager.same-issuer", Area: "keymanager", Capability: "km.admin", Level: MUST,
	Title: "a second Key Manager with IS's issuer is accepted (issuers are not checked for uniqueness) and takes IS's tokens: the gateway refuses them (401 900901 on the API restricted to the first) until it is removed",
	Refs: []string{refAdminKM, refIssuerClash,
		refIV2Plan + " (same-issuer Key Managers make gateway resolution nondeterministic)"},
	Fixtures: []string{fixture.ISApp.Name, fixture.SameIssuerKM.Name},
	Faults:   []Proof{{"apim-km-issuer-first-wins", "still accepted"}},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.ISApp)
		expectGatewayAccepts(c, appToken(c, app), "an IS token before a second Key Manager registers IS's issuer")
		dup := extraKM(c, fixture.SameIssuerKM)
		if dup.Issuer != e.KeyManager.Issuer {
			c.Failf("Key Manager %s reads back issuer %q, but it was registered with %q", dup.Name, dup.Issuer, e.KeyManager.Issuer)
		}
		// The second Key Manager takes IS's tokens. On an API restricted to the first it is not allowed
		// (401 900901); on an API open to every Key Manager no application has keys at it (403 900908).
		status, code, why := http.StatusUnauthorized, "900901", "is not allowed on API "+e.API.Name
		if slices.Contains(e.API.KeyManagers, "all") {
			status, code, why = http.StatusForbidden, "900908", "has no key mapping for the application"
		}
		tok := appToken(c, app)
		_, err := poll.Until(c.ctx, poll.Options{What: fmt.Sprintf("the gateway to attribute IS's tokens to the last Key Manager registered with their issuer (%d %s)", status, code),
			Interval: intervals.GatewayPropagation, Backoff: true, Progress: c.log},
			func(ctx context.Context) (bool, string, error) {
				a, err := e.APIM.CallAPI(ctx, e.APIPath, tok)
				if err != nil {
					return false, err.Error(), nil
				}
				return a.Status == status && a.Code == code, a.String(), nil
			})
		if err != nil {
			c.Failf("the gateway still accepted IS's token after Key Manager %s registered the same issuer %s (%v): API-M documents that the last Key Manager registered with an issuer takes its tokens, and %s %s",
				dup.Name, e.KeyManager.Issuer, err, dup.Name, why)
		}
		c.NoErr(dup.Remove(c.ctx), "remove Key Manager %s and update %s so that it owns its issuer again", dup.Name, e.KeyManager.Name)
		expectGatewayAccepts(c, appToken(c, app), "an IS token once the second Key Manager is gone and "+e.KeyManager.Name+" is updated")
	},
}

// ---- the application lifecycle through the Key Manager ----

// gatewayAnswer calls the API until the gateway answers 200 and returns that answer.
func gatewayAnswer(c *C, token, what string) wso2am.GatewayAnswer {
	var last wso2am.GatewayAnswer
	_, err := poll.Until(c.ctx, poll.Options{What: "the gateway to accept " + what + " on " + c.Env.APIPath,
		Interval: intervals.GatewayPropagation, Backoff: true, Progress: c.log},
		func(ctx context.Context) (bool, string, error) {
			a, err := c.Env.APIM.CallAPI(ctx, c.Env.APIPath, token)
			if err != nil {
				return false, err.Error(), nil
			}
			last = a
			return a.Status == http.StatusOK, a.String(), nil
		})
	if err != nil {
		c.Failf("the gateway did not accept %s: %v", what, err)
	}
	return last
}

// backendPath is the path the echo backend reports for a call of the API through an endpoint URL.
func backendPath(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return endpoint
	}
	return strings.TrimSuffix(u.Path, "/") + plan.APIResource
}

var kmProductionSandbox = &Check{
	ID: "keymanager.production-sandbox-keys", Area: "keymanager", Capability: "km.app-lifecycle", Level: MUST,
	Title: "PRODUCTION and SANDBOX keys are two OAuth clients at IS (<owner>_<app>_PRODUCTION / _SANDBOX); a SANDBOX key's token reaches the API's sandbox endpoint",
	Refs: []string{refDevportal + " (generate-keys keyType PRODUCTION|SANDBOX)", refConnector + " createApplication (client name <user>_<appUUID>_<keyType>)",
		"API-M docs: Sandbox and production endpoints of an API"},
	Fixtures: []string{fixture.SandboxApp.Name},
	Faults:   []Proof{{"apim-sandbox-key-to-production", "sandbox endpoint"}},
	Run: func(c *C) {
		e := c.Env
		k := Shared(c, fixture.SandboxApp)
		if k.Production.ConsumerKey == k.Sandbox.ConsumerKey {
			c.Failf("PRODUCTION and SANDBOX keys of application %s share the consumer key %s: they must be two OAuth clients", k.Production.Name, k.Sandbox.ConsumerKey)
		}
		for _, kt := range []*env.AppKeys{k.Production, k.Sandbox} {
			client, err := e.IS.GetApp(c.ctx, kt.ConsumerKey)
			c.NoErr(err, "read the %s OAuth client %s at IS", kt.KeyType, kt.ConsumerKey)
			if suffix := "_" + kt.AppID + "_" + kt.KeyType; !strings.HasSuffix(client.ClientName, suffix) {
				c.Failf("IS has the %s OAuth client of application %s named %q, not <owner>%s", kt.KeyType, kt.AppID, client.ClientName, suffix)
			}
		}
		for _, kt := range []struct {
			keys     *env.AppKeys
			endpoint string
			name     string
		}{{k.Production, plan.BackendURL, "production endpoint"}, {k.Sandbox, plan.SandboxBackendURL, "sandbox endpoint"}} {
			tok, err := e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, kt.keys.ConsumerKey, kt.keys.ConsumerSecret)
			c.NoErr(err, "get a client_credentials token for the %s keys from IS", kt.keys.KeyType)
			a := gatewayAnswer(c, tok.AccessToken, "a token of the "+kt.keys.KeyType+" keys")
			want := backendPath(kt.endpoint)
			if !strings.Contains(a.Body, `"path":"`+want+`"`) {
				c.Failf("a call with a token of the %s keys did not reach the API's %s %s (the backend saw %s): the gateway must route %s keys there",
					kt.keys.KeyType, kt.name, kt.endpoint, a.String(), kt.keys.KeyType)
			}
		}
	},
}

var kmKeysUpdate = &Check{
	ID: "keymanager.keys-update", Area: "keymanager", Capability: "km.app-lifecycle", Level: MUST,
	Title: "updating an application's keys (grant types, callback URL) updates its OAuth client at IS",
	Refs: []string{refDevportal + " (PUT /applications/{id}/oauth-keys/{keyMappingId})", refConnector + " updateApplication",
		refDCRUpdate, "wso2/product-apim integration-v2 IS 7 Key Manager features: key update not covered"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults:   []Proof{{"apim-keys-update-not-sent-to-is", "IS still has"}},
	Run: func(c *C) {
		e := c.Env
		app := Private(c, fixture.ISApp)
		before, err := e.IS.GetApp(c.ctx, app.ConsumerKey)
		c.NoErr(err, "read application %s's OAuth client %s at IS", app.Name, app.ConsumerKey)
		grants := append(slices.Clone(app.GrantTypes), "authorization_code")
		callback := "https://localhost/kmconform-updated-callback"
		if slices.Contains(before.GrantTypes, "authorization_code") || slices.Contains(before.RedirectURIs, callback) {
			c.Failf("IS's OAuth client %s already has authorization_code or %s before the update: the check would prove nothing", app.ConsumerKey, callback)
		}
		out, err := e.APIM.UpdateOAuthKeys(c.ctx, app.AppID, app.KeyMappingID, wso2am.OAuthKeyUpdate{SupportedGrantTypes: grants,
			CallbackURL: callback, KeyType: app.KeyType, KeyManager: app.KeyManager})
		c.NoErr(err, "update application %s's keys (grant types %v, callback %s)", app.Name, grants, callback)
		if out.ConsumerKey != app.ConsumerKey || !slices.Contains(out.SupportedGrantTypes, "authorization_code") || out.CallbackURL != callback {
			c.Failf("API-M answered the key update with consumer key %s, grant types %v and callback %q; expected %s, %v and %q",
				out.ConsumerKey, out.SupportedGrantTypes, out.CallbackURL, app.ConsumerKey, grants, callback)
		}
		after, err := e.IS.GetApp(c.ctx, app.ConsumerKey)
		c.NoErr(err, "read OAuth client %s at IS after the update", app.ConsumerKey)
		if !slices.Contains(after.GrantTypes, "authorization_code") || !slices.Equal(after.RedirectURIs, []string{callback}) {
			c.Failf("IS still has grant types %v and redirect URIs %v for OAuth client %s after API-M answered the key update with 200 (grant types %v, callback %s): the update did not reach IS (the connector's PUT /register/{client_id})",
				after.GrantTypes, after.RedirectURIs, app.ConsumerKey, grants, callback)
		}
		_, err = e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, app.ConsumerKey, app.ConsumerSecret)
		c.NoErr(err, "get a token from IS with application %s's keys after the update", app.Name)
	},
}

// regenerated is the regenerate-secret answer as sent.
type regenerated struct {
	ConsumerKey string
	// Secret is the consumerSecret member; Present is false when it is absent or null.
	Secret  string
	Present bool
}

// regenerateSecret asks API-M to regenerate an application's consumer secret and returns the answer.
func regenerateSecret(c *C, app *env.AppKeys) regenerated {
	out, err := c.Env.APIM.RegenerateSecret(c.ctx, app.AppID, app.KeyMappingID)
	c.NoErr(err, "regenerate the consumer secret of application %s", app.Name)
	r := regenerated{ConsumerKey: out.ConsumerKey}
	if s := out.ConsumerSecret; s != "" {
		c.Env.Redactor.Add(s)
		r.Secret, r.Present = s, true
	}
	return r
}

// expectNoRegeneration asserts what regenerate-secret does with an IS 7 Key Manager: the connector does not
// implement it (WSO2IS7KeyManager.getNewApplicationConsumerSecret returns null, apim-km-wso2is v2.0.2 …
// v2.1.2), so API-M answers 200 without a secret and IS keeps the client's secret. A secret in the answer
// is checked at IS, so that the failure says whether the devportal now hands out a secret that works.
func expectNoRegeneration(c *C, app *env.AppKeys) {
	e := c.Env
	r := regenerateSecret(c, app)
	if r.ConsumerKey != app.ConsumerKey {
		c.Failf("regenerate-secret answered consumer key %s for application %s, whose consumer key is %s", r.ConsumerKey, app.Name, app.ConsumerKey)
	}
	if r.Present {
		_, newErr := e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, app.ConsumerKey, r.Secret)
		if newErr != nil {
			c.Failf("regenerate-secret answered a new consumer secret, but it is refused by IS's token endpoint (%v): the devportal hands out a secret IS never got — the IS 7 connector does not regenerate secrets at IS", newErr)
		}
		c.Failf("regenerate-secret answered a new consumer secret that IS accepts: the IS 7 connector now regenerates secrets (apim-km-wso2is v2.0.2–v2.1.2 did not) — update this check to the new behaviour (old secret refused, its tokens per IS's documentation)")
	}
	client, err := e.IS.GetApp(c.ctx, app.ConsumerKey)
	c.NoErr(err, "read OAuth client %s at IS after the regeneration", app.ConsumerKey)
	if client.ClientSecret != app.ConsumerSecret {
		c.Failf("IS's OAuth client %s has another secret after regenerate-secret, although API-M answered none: the application has no secret the devportal knows", app.ConsumerKey)
	}
	_, err = e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, app.ConsumerKey, app.ConsumerSecret)
	c.NoErr(err, "get a token from IS with the consumer secret that regenerate-secret left in place")
}

var kmSecretRegenerate = &Check{
	ID: "keymanager.secret-regenerate", Area: "keymanager", Capability: "km.app-lifecycle", Level: MUST,
	Title: "regenerate-secret with the IS 7 Key Manager answers 200 without a new secret and leaves IS's client secret as it was (the IS 7 connector does not implement regeneration)",
	Refs: []string{refDevportal + " (POST …/oauth-keys/{keyMappingId}/regenerate-secret)",
		"wso2-extensions/apim-km-wso2is WSO2IS7KeyManager.getNewApplicationConsumerSecret (returns null, v2.0.2–v2.1.2)",
		"carbon-apimgt APIConsumerImpl.renewConsumerSecret", "wso2/product-apim integration-v2 IS 7 Key Manager features: secret regeneration not covered"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults:   []Proof{{"apim-regenerate-secret-not-at-is", "refused by IS"}},
	Run: func(c *C) {
		e := c.Env
		app := Private(c, fixture.ISApp)
		_, err := e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, app.ConsumerKey, app.ConsumerSecret)
		c.NoErr(err, "get a token from IS with application %s's consumer secret before the regeneration", app.Name)
		expectNoRegeneration(c, app)
	},
}

var kmAppDelete = &Check{
	ID: "keymanager.app-delete", Area: "keymanager", Capability: "km.app-lifecycle", Level: MUST,
	Title: "deleting an application deletes its OAuth client at IS (DCR GET then answers 401)",
	Refs: []string{refDevportal + " (DELETE /applications/{applicationId})", refConnector + " deleteApplication", refDCRUpdate + " (unknown client → 401 without body)",
		"wso2/product-apim integration-v2 IS 7 Key Manager features: application deletion not covered"},
	Fixtures: []string{fixture.LifecycleApp.Name},
	Faults:   []Proof{{"apim-app-delete-keeps-is-client", "IS still has"}},
	Run: func(c *C) {
		e := c.Env
		app := Private(c, fixture.LifecycleApp)
		_, err := e.IS.GetApp(c.ctx, app.ConsumerKey)
		c.NoErr(err, "read application %s's OAuth client %s at IS before the deletion", app.Name, app.ConsumerKey)
		c.NoErr(e.APIM.DeleteApplication(c.ctx, app.AppID), "delete application %s", app.Name)
		expectISClientGone(c, app)
	},
}

// expectISClientGone asserts that IS no longer has an application's OAuth client: DCR answers 401 without
// a body for an unknown client_id (identity-inbound-auth-oauth DCRMUtils.handleErrorResponse).
func expectISClientGone(c *C, app *env.AppKeys) {
	_, err := c.Env.IS.GetApp(c.ctx, app.ConsumerKey)
	if err == nil {
		c.Failf("IS still has OAuth client %s after API-M deleted application %s: the client and its secret outlive the application", app.ConsumerKey, app.Name)
	}
	var f *wso2is.DCRFailure
	if !errors.As(err, &f) || f.Status != http.StatusUnauthorized {
		c.Failf("reading OAuth client %s at IS after application %s was deleted: expected 401 (unknown client), got %v", app.ConsumerKey, app.Name, err)
	}
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
