package apim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

const (
	residentKMName = "Resident Key Manager"
	maskedValue    = "*****" // APIConstants.DEFAULT_MODIFIED_ENDPOINT_PASSWORD
	typeIS7        = "WSO2-IS-7"
	typeIS         = "WSO2-IS"
	typeDefault    = "default"
)

// keyManager is the stored KeyManagerConfigurationDTO: a few top-level columns plus the
// additionalProperties map into which the REST DTO's endpoint, claim and flag fields are folded.
type keyManager struct {
	ID, Name, DisplayName, Type, Description, Alias, TokenType string
	Enabled, Global                                            bool
	Endpoints                                                  []any
	Permissions                                                map[string]any
	AllowedOrganizations                                       []string
	Props                                                      map[string]any
	// Created is when the admin API stored it (fault apim-km-registry-lag).
	Created time.Time
}

func (km *keyManager) prop(key string) string {
	s, _ := km.Props[key].(string)
	return s
}

// text renders any stored value as a string ("" when absent).
func (km *keyManager) text(key string) string {
	switch v := km.Props[key].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

func (km *keyManager) flag(key string, def bool) bool {
	switch v := km.Props[key].(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return def
}

// Storage mapping of KeyManagerMappingUtil (api-manager-4.md §2.1): top-level field → stored key.
var foldedStrings = []struct{ field, key string }{
	{"clientRegistrationEndpoint", "client_registration_endpoint"},
	{"introspectionEndpoint", "introspection_endpoint"},
	{"tokenEndpoint", "token_endpoint"},
	{"displayTokenEndpoint", "display_token_endpoint"},
	{"revokeEndpoint", "revoke_endpoint"},
	{"displayRevokeEndpoint", "display_revoke_endpoint"},
	{"scopeManagementEndpoint", "scope_endpoint"},
	{"userInfoEndpoint", "userinfo_endpoint"},
	{"authorizeEndpoint", "authorize_endpoint"},
	{"wellKnownEndpoint", "well_known_endpoint"},
	{"issuer", "issuer"},
	{"consumerKeyClaim", "consumer_key_claim"},
	{"scopesClaim", "scopes_claim"},
}

var foldedBools = []struct {
	field, key string
	def        bool
}{
	{"enableOAuthAppCreation", "enable_oauth_app_creation", false},
	{"enableMapOAuthConsumerApps", "enable_map_oauth_consumer_apps", false},
	{"enableTokenGeneration", "enable_token_generation", false},
	{"enableTokenHashing", "enable_token_hash", false},
	{"enableTokenEncryption", "enable_token_encryption", false},
	{"enableSelfValidationJWT", "self_validate_jwt", true},
}

// kmFromDTO folds a KeyManager DTO into storage form. The booleans are always written from the DTO,
// so the top-level enableSelfValidationJWT overrides any additionalProperties.self_validate_jwt.
func (s *Server) kmFromDTO(dto map[string]any) (*keyManager, error) {
	km := &keyManager{
		Name:        str(dto["name"]),
		DisplayName: str(dto["displayName"]),
		Type:        str(dto["type"]),
		Description: str(dto["description"]),
		Alias:       str(dto["alias"]),
		TokenType:   str(dto["tokenType"]),
		// UNCONFIRMED (api-manager-4.md §2.1 lists `enabled` without a default): chose false, so a KM posted
		// without it is stored disabled.
		Enabled: boolOr(dto["enabled"], false),
		Global:  boolOr(dto["global"], false),
		Props:   map[string]any{},
	}
	if km.TokenType == "" || s.opt.Faults.On("apim-km-drops-token-type") {
		km.TokenType = "DIRECT"
	}
	if km.DisplayName == "" {
		km.DisplayName = km.Name
	}
	if ep, ok := dto["endpoints"].([]any); ok {
		km.Endpoints = ep
	}
	if p, ok := dto["permissions"].(map[string]any); ok {
		km.Permissions = p
	}
	if s.ver >= 5 {
		if orgs, ok := dto["allowedOrganizations"].([]any); ok {
			for _, o := range orgs {
				km.AllowedOrganizations = append(km.AllowedOrganizations, str(o))
			}
		}
	}
	if raw, present := dto["additionalProperties"]; present && raw != nil {
		ap, ok := raw.(map[string]any)
		if !ok {
			return nil, badRequest("additionalProperties must be an object")
		}
		for k, v := range ap {
			km.Props[k] = v
		}
	}
	for _, f := range foldedStrings {
		if v := str(dto[f.field]); v != "" {
			km.Props[f.key] = v
		}
	}
	for _, f := range foldedBools {
		km.Props[f.key] = boolOr(dto[f.field], f.def)
	}
	if g, ok := dto["availableGrantTypes"].([]any); ok {
		km.Props["grant_types"] = g
	}
	if c, ok := dto["certificates"].(map[string]any); ok {
		if t := str(c["type"]); t != "" {
			km.Props["certificate_type"] = t
		}
		if v := str(c["value"]); v != "" {
			km.Props["certificate_value"] = v
		}
	}
	if tv, ok := dto["tokenValidation"].([]any); ok {
		raw, err := json.Marshal(tv)
		if err != nil {
			return nil, badRequest("tokenValidation is malformed")
		}
		km.Props["token_format_string"] = string(raw)
	}
	if cm, ok := dto["claimMapping"].([]any); ok {
		km.Props["claim_mappings"] = cm
	}
	return km, nil
}

// kmToDTO reverses the mapping for GET. self_validate_jwt stays in additionalProperties too, and
// masked connector fields are returned as "*****" (api-manager-4.md §2.1).
func (s *Server) kmToDTO(km *keyManager) map[string]any {
	props := map[string]any{}
	for k, v := range km.Props {
		props[k] = v
	}
	dto := map[string]any{
		"id": km.ID, "name": km.Name, "displayName": km.DisplayName, "type": km.Type,
		"description": km.Description, "enabled": km.Enabled, "global": km.Global, "tokenType": km.TokenType,
	}
	if km.Alias != "" {
		dto["alias"] = km.Alias
	}
	dto["endpoints"] = orEmpty(km.Endpoints)
	if km.Permissions != nil {
		dto["permissions"] = km.Permissions
	} else {
		dto["permissions"] = map[string]any{"permissionType": "PUBLIC", "roles": []any{}}
	}
	if s.ver >= 5 {
		orgs := km.AllowedOrganizations
		if orgs == nil {
			orgs = []string{}
		}
		dto["allowedOrganizations"] = orgs
	}
	for _, f := range foldedStrings {
		if v, ok := props[f.key]; ok {
			dto[f.field] = v
			delete(props, f.key)
		}
	}
	for _, f := range foldedBools {
		dto[f.field] = boolOr(props[f.key], f.def)
		if f.key != "self_validate_jwt" {
			delete(props, f.key)
		}
	}
	if g, ok := props["grant_types"]; ok {
		dto["availableGrantTypes"] = g
		delete(props, "grant_types")
	}
	if t, ok := props["certificate_type"]; ok {
		dto["certificates"] = map[string]any{"type": t, "value": props["certificate_value"]}
		delete(props, "certificate_type")
		delete(props, "certificate_value")
	}
	if tf, ok := props["token_format_string"].(string); ok {
		var tv []any
		if json.Unmarshal([]byte(tf), &tv) == nil {
			dto["tokenValidation"] = tv
		}
		delete(props, "token_format_string")
	}
	if cm, ok := props["claim_mappings"]; ok {
		dto["claimMapping"] = cm
		delete(props, "claim_mappings")
	}
	for _, f := range s.connectorFields(km.Type) {
		if _, ok := props[f.name]; ok && f.mask && !s.opt.Faults.On("apim-km-password-unmasked") {
			props[f.name] = maskedValue
		}
	}
	dto["additionalProperties"] = props
	return dto
}

// connField is one connector configuration of KeyManagerConnectorConfiguration.
type connField struct {
	name, label, kind string
	required, mask    bool
	values            []string
	auth              bool // 4.6+ getAuthConfigurations (validated by validateAuthConfigurations)
}

// connectorFields lists the connector configurations of a KM type for this product version
// (api-manager-4.md §2.2 table). nil for an unknown type.
func (s *Server) connectorFields(kmType string) []connField {
	user := connField{name: "Username", label: "Username", kind: "input", required: true}
	pass := connField{name: "Password", label: "Password", kind: "input", required: true, mask: true}
	apiRes := connField{name: "api_resource_management_endpoint", label: "WSO2 Identity Server 7 API Resource Management Endpoint", kind: "input", required: true}
	roles := connField{name: "is7_roles_endpoint", label: "WSO2 Identity Server 7 Roles Endpoint", kind: "input", required: true}
	rolesCreate := connField{name: "enable_roles_creation", label: "Create roles in WSO2 Identity Server 7", kind: "checkbox"}
	if !s.knowsType(kmType) {
		return nil
	}
	if f := otherConnectorFields(kmType); f != nil {
		return f
	}
	switch kmType {
	case typeDefault:
		return []connField{}
	case typeIS:
		return []connField{user, pass}
	case typeIS7:
		switch {
		case s.ver == 3: // KM 2.0.2
			return []connField{user, pass}
		case s.ver == 4: // KM 2.0.3
			return []connField{user, pass, apiRes, roles}
		case s.ver == 5: // KM 2.0.4
			return []connField{user, pass, apiRes, roles, rolesCreate}
		default: // KM 2.0.8 (4.6); 4.7's 2.1.3 is assumed to keep the 2.0.8 shape
			user.auth, pass.auth = true, true
			return []connField{apiRes, roles, rolesCreate,
				{name: "user_schema_cache_enabled", label: "Enable User Schema Cache", kind: "checkbox"},
				{name: "Authentication", label: "Authentication", kind: "dropdown", auth: true, values: []string{"BasicAuth", "MutualTLS"}},
				user, pass,
				{name: "IdentityUser", label: "Identity User", kind: "input", auth: true},
				{name: "MutualTLSOptions", label: "Mutual TLS Options", kind: "dropdown", auth: true, values: []string{"ServerWide", "TenantWide"}},
			}
		}
	}
	return nil
}

func missingKMConfig(keys []string) *apiError {
	return newAPIError(http.StatusBadRequest, 901401, "Required Key Manager configuration missing",
		fmt.Sprintf("Key Manager Configuration value for %s is/are required", strings.Join(keys, ",")))
}

// validateKM is APIAdminImpl.validateKeyManagerConfiguration: type known, required connector keys
// present (key presence only), connector default claims applied.
func (s *Server) validateKM(km *keyManager) error {
	if km.Name == "" {
		// UNCONFIRMED (api-manager-4.md §2.1 gives only 400/901404): chose this message text.
		return newAPIError(http.StatusBadRequest, 901404, "Key Manager name cannot be empty", "Key Manager name cannot be empty")
	}
	if err := validateLengths(km); err != nil {
		return err
	}
	fields := s.connectorFields(km.Type)
	if fields == nil {
		return newAPIError(http.StatusBadRequest, 901400, "Key Manager Type not configured",
			fmt.Sprintf("Key Manager Type %s is invalid.", km.Type))
	}
	// Fault apim-km-mtls-without-identity-user before 4.6 (no Authentication block): a configuration that
	// says Authentication MutualTLS gets past the Username/Password requirement.
	mtlsLax := s.opt.Faults.On("apim-km-mtls-without-identity-user") && s.ver < 6 && km.prop("Authentication") == "MutualTLS"
	// Fault apim-km-required-field-not-enforced: a WSO2-IS-7 Key Manager's required connector keys are not
	// checked; the other types keep the check.
	lax := s.opt.Faults.On("apim-km-required-field-not-enforced") && km.Type == typeIS7
	var missing []string
	for _, f := range fields {
		if mtlsLax && (f.name == "Username" || f.name == "Password") {
			continue
		}
		if f.required && !f.auth && !lax {
			if _, ok := km.Props[f.name]; !ok {
				missing = append(missing, f.name)
			}
		}
	}
	if len(missing) > 0 {
		return missingKMConfig(missing)
	}
	if km.Type == typeIS7 && s.ver >= 6 {
		if err := validateIS7Auth(km, s.opt.Faults.On("apim-km-mtls-without-identity-user")); err != nil {
			return err
		}
	}
	// Connector defaults (WSO2IS7ConnectorConfiguration.getDefaultConsumerKeyClaim/ScopesClaim).
	if km.prop("consumer_key_claim") == "" {
		km.Props["consumer_key_claim"] = "azp"
	}
	if km.prop("scopes_claim") == "" {
		km.Props["scopes_claim"] = "scope"
	}
	return nil
}

// validateIS7Auth is connector 2.0.8's validateAuthConfigurations: absent Authentication means BasicAuth,
// whose Username and Password values are checked; MutualTLS needs IdentityUser and MutualTLSOptions.
func validateIS7Auth(km *keyManager, noIdentityUserCheck bool) error {
	mode := km.prop("Authentication")
	if mode == "" {
		mode = "BasicAuth"
	}
	var need []string
	if mode == "MutualTLS" {
		need = []string{"IdentityUser", "MutualTLSOptions"}
		if noIdentityUserCheck {
			need = need[1:]
		}
	} else {
		need = []string{"Username", "Password"}
		for _, k := range need {
			if _, ok := km.Props[k]; !ok {
				// UNCONFIRMED (api-manager-4.md §2.2, §11 item 12): the connector calls toString() on the
				// absent value; chose the resulting 500 rather than a clean 400.
				return internalError("The server encountered an internal error. Please contact administrator.")
			}
		}
	}
	var missing []string
	for _, k := range need {
		if strings.TrimSpace(km.text(k)) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return missingKMConfig(missing)
	}
	return nil
}

// validateLengths applies the schema's bean-validation limits (name 1..100, displayName ≤100, type 1..45,
// description ≤256).
func validateLengths(km *keyManager) error {
	// UNCONFIRMED (api-manager-4.md §2.1 says only "longer → 400"): chose the JAX-RS bean-validation body.
	check := []struct {
		field string
		val   string
		max   int
	}{{"name", km.Name, 100}, {"displayName", km.DisplayName, 100}, {"type", km.Type, 45}, {"description", km.Description, 256}}
	for _, c := range check {
		if len([]rune(c.val)) > c.max {
			e := badRequest("Invalid request body")
			e.dto.Error = []errorItem{{Code: "400", Message: fmt.Sprintf("%s size must be between 0 and %d", c.field, c.max)}}
			return e
		}
	}
	return nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func boolOr(v any, def bool) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		if strings.EqualFold(b, "true") {
			return true
		}
		if strings.EqualFold(b, "false") {
			return false
		}
	}
	return def
}

func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}
