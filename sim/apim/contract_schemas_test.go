package apim

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// jsonSchema is one OpenAPI schema, transcribed by hand: the JSON type of each property, the required
// properties and the enums. Types are "string", "integer", "number", "boolean", "object" (free-form),
// "any", "date-time" (an RFC 3339 string), "array<T>", or the name of another jsonSchema; a trailing "?"
// also allows JSON null (the products' JSON providers write null for unset optional properties).
// A property the body has and the table lacks is a failure: the simulator may only send the schema's names.
type jsonSchema struct {
	fields   map[string]string
	required []string
	enums    map[string][]string
}

// contractSchemas returns the schema tables for one product version. Names carry the file they come from
// where two files define a schema of the same name differently (admin. / dev. / pub.).
func contractSchemas(ver string) map[string]jsonSchema {
	v, _ := parseVersion(ver)
	tokenTypes := []string{"EXCHANGED", "DIRECT", "BOTH"}
	m := map[string]jsonSchema{
		// ---- shared by admin-api-v4.yaml, publisher-api-v4.yaml, devportal-api-v3.yaml ----
		// Error: code is an integer (int64) in the REST APIs.
		"Error": {fields: map[string]string{"code": "integer", "message": "string", "description": "string",
			"moreInfo": "string", "error": "array<ErrorListItem>"}, required: []string{"code", "message"}},
		// ErrorListItem (publisher-api-v4.yaml adds description).
		"ErrorListItem": {fields: map[string]string{"code": "string", "message": "string", "description": "string"},
			required: []string{"code", "message"}},
		// Pagination (publisher-api-v4.yaml, devportal-api-v3.yaml).
		"Pagination": {fields: map[string]string{"offset": "integer", "limit": "integer", "total": "integer",
			"next": "string", "previous": "string"}},

		// ---- admin-api-v4.yaml ----
		// KeyManagerList.
		"admin.KeyManagerList": {fields: map[string]string{"count": "integer", "list": "array<admin.KeyManagerInfo>"}},
		// KeyManagerInfo (admin): no displayName.
		"admin.KeyManagerInfo": {fields: map[string]string{"id": "string", "name": "string", "type": "string",
			"description": "string", "enabled": "boolean", "isGlobal": "boolean", "isUsed": "boolean", "tokenType": "string"},
			required: []string{"name", "type"}, enums: map[string][]string{"tokenType": tokenTypes}},
		// KeyManager; allowedOrganizations from 4.5 (added below).
		"KeyManager": {fields: map[string]string{"id": "string", "name": "string", "displayName": "string", "type": "string",
			"description": "string", "wellKnownEndpoint": "string", "introspectionEndpoint": "string",
			"clientRegistrationEndpoint": "string", "tokenEndpoint": "string", "displayTokenEndpoint": "string",
			"revokeEndpoint": "string", "displayRevokeEndpoint": "string", "userInfoEndpoint": "string",
			"authorizeEndpoint": "string", "endpoints": "array<KeyManagerEndpoint>", "certificates": "KeyManagerCertificates",
			"issuer": "string", "alias": "string", "scopeManagementEndpoint": "string", "availableGrantTypes": "array<string>",
			"enableTokenGeneration": "boolean", "enableTokenEncryption": "boolean", "enableTokenHashing": "boolean",
			"enableMapOAuthConsumerApps": "boolean", "enableOAuthAppCreation": "boolean", "enableSelfValidationJWT": "boolean",
			"claimMapping": "array<ClaimMappingEntry>", "consumerKeyClaim": "string", "scopesClaim": "string",
			"tokenValidation": "array<TokenValidation>", "enabled": "boolean", "global": "boolean",
			"additionalProperties": "object", "permissions": "KeyManagerPermissions", "tokenType": "string"},
			required: []string{"name", "type"}, enums: map[string][]string{"tokenType": tokenTypes}},
		// KeyManager.certificates (inline object).
		"KeyManagerCertificates": {fields: map[string]string{"type": "string", "value": "string"},
			enums: map[string][]string{"type": {"JWKS", "PEM"}}},
		// KeyManager.permissions (inline object).
		"KeyManagerPermissions": {fields: map[string]string{"permissionType": "string", "roles": "array<string>"},
			enums: map[string][]string{"permissionType": {"PUBLIC", "ALLOW", "DENY"}}},
		// KeyManagerEndpoint.
		"KeyManagerEndpoint": {fields: map[string]string{"name": "string", "value": "string"}, required: []string{"name", "value"}},
		// ClaimMappingEntry.
		"ClaimMappingEntry": {fields: map[string]string{"remoteClaim": "string", "localClaim": "string"}},
		// TokenValidation.
		"TokenValidation": {fields: map[string]string{"id": "integer", "enable": "boolean", "type": "string", "value": "any"},
			enums: map[string][]string{"type": {"REFERENCE", "JWT", "CUSTOM"}}},
		// KeyManagerWellKnownResponse. value is a KeyManager, but the product's discover mapping sets no name
		// (api-manager-4.md §2 "Discover" lists what it fills), so the required name is not checked there.
		"KeyManagerWellKnownResponse": {fields: map[string]string{"valid": "boolean", "value": "DiscoveredKeyManager"}},
		// Settings.
		"Settings": {fields: map[string]string{"scopes": "array<string>", "gatewayTypes": "array<string>",
			"IsJWTEnabledForLoginTokens": "boolean", "keyManagerConfiguration": "array<SettingsKeyManagerConfiguration>",
			"analyticsEnabled": "boolean"}},
		// Settings.keyManagerConfiguration[] (inline object); authConfigurations from 4.6 (api-manager-4.md §2).
		"SettingsKeyManagerConfiguration": {fields: map[string]string{"type": "string", "displayName": "string",
			"defaultConsumerKeyClaim": "string", "defaultScopesClaim": "string",
			"configurations": "array<KeyManagerConfiguration>", "endpointConfigurations": "array<KeyManagerConfiguration>"}},
		// KeyManagerConfiguration. default is "object" in the spec, but the connectors put strings or
		// booleans there; values[] likewise: both are "any" here.
		"KeyManagerConfiguration": {fields: map[string]string{"name": "string", "label": "string", "type": "string",
			"required": "boolean", "mask": "boolean", "multiple": "boolean", "tooltip": "string", "default": "any",
			"values": "array<any>"}},

		// ---- publisher-api-v4.yaml ----
		// API: the properties the simulator sends or echoes (the schema has many more). keyManagers is a
		// free-form object in the spec; api-manager-4.md §4: an array such as ["all"].
		"API": {fields: map[string]string{"id": "string", "name": "string", "description": "string", "context": "string",
			"version": "string", "provider": "string", "lifeCycleStatus": "string", "isDefaultVersion": "boolean",
			"type": "string", "transport": "array<string>", "tags": "array<string>", "policies": "array<string>",
			"authorizationHeader": "string", "apiKeyHeader": "string", "securityScheme": "array<string>",
			"visibility": "string", "visibleRoles": "array<string>", "endpointConfig": "object",
			"scopes": "array<APIScope>", "operations": "array<APIOperations>", "keyManagers": "array<string>"},
			required: []string{"name", "context", "version"},
			enums: map[string][]string{"type": {"HTTP", "WS", "SOAPTOREST", "SOAP", "GRAPHQL", "WEBSUB", "SSE", "WEBHOOK", "ASYNC"},
				"visibility": {"PUBLIC", "PRIVATE", "RESTRICTED"}}},
		// APIOperations.
		"APIOperations": {fields: map[string]string{"id": "string", "target": "string", "verb": "string",
			"authType": "string", "throttlingPolicy": "string", "scopes": "array<string>", "usedProductIds": "array<string>",
			"amznResourceName": "string", "amznResourceTimeout": "integer", "amznResourceContentEncode": "boolean",
			"payloadSchema": "string", "uriMapping": "string", "operationPolicies": "object"}},
		// APIScope.
		"APIScope": {fields: map[string]string{"scope": "Scope", "shared": "boolean"}, required: []string{"scope"}},
		// APIList.
		"APIList": {fields: map[string]string{"count": "integer", "list": "array<pub.APIInfo>", "pagination": "Pagination"}},
		// APIInfo (publisher): the properties the simulator sends.
		"pub.APIInfo": {fields: map[string]string{"id": "string", "name": "string", "description": "string",
			"context": "string", "version": "string", "provider": "string", "type": "string", "lifeCycleStatus": "string",
			"workflowStatus": "string", "hasThumbnail": "boolean", "securityScheme": "array<string>",
			"createdTime": "string", "updatedTime": "string"}},
		// APIRevision: createdTime is a date-time string.
		"APIRevision": {fields: map[string]string{"displayName": "string", "id": "string", "description": "string",
			"createdTime": "date-time", "apiInfo": "APIRevisionAPIInfo", "deploymentInfo": "array<APIRevisionDeployment>"}},
		// APIRevisionAPIInfo.
		"APIRevisionAPIInfo": {fields: map[string]string{"id": "string"}},
		// APIRevisionDeployment.
		"APIRevisionDeployment": {fields: map[string]string{"revisionUuid": "string", "name": "string", "status": "string",
			"vhost": "string", "displayOnDevportal": "boolean", "deployedTime": "date-time", "successDeployedTime": "date-time"},
			enums: map[string][]string{"status": {"CREATED", "APPROVED", "REJECTED"}}},
		// WorkflowResponse (publisher, with lifecycleState).
		"WorkflowResponse": {fields: map[string]string{"workflowStatus": "string", "jsonPayload": "string",
			"lifecycleState": "LifecycleState"}, required: []string{"workflowStatus"},
			enums: map[string][]string{"workflowStatus": {"CREATED", "APPROVED", "REJECTED", "REGISTERED"}}},
		// LifecycleState.
		"LifecycleState": {fields: map[string]string{"state": "string", "checkItems": "array<LifecycleCheckItem>",
			"availableTransitions": "array<LifecycleTransition>"}},
		// LifecycleState.checkItems[] (inline object).
		"LifecycleCheckItem": {fields: map[string]string{"name": "string", "value": "boolean", "requiredStates": "array<string>"}},
		// LifecycleState.availableTransitions[] (inline object).
		"LifecycleTransition": {fields: map[string]string{"event": "string", "targetState": "string"}},
		// Scope.
		"Scope": {fields: map[string]string{"id": "string", "name": "string", "displayName": "string",
			"description": "string", "bindings": "array<string>", "usageCount": "integer"}, required: []string{"name"}},
		// ScopeList.
		"ScopeList": {fields: map[string]string{"count": "integer", "list": "array<Scope>", "pagination": "Pagination"}},

		// ---- devportal-api-v3.yaml ----
		// Application.
		"Application": {fields: map[string]string{"applicationId": "string", "name": "string", "throttlingPolicy": "string",
			"description": "string", "tokenType": "string", "status": "string", "groups": "array<string>",
			"subscriptionCount": "integer", "keys": "array<ApplicationKey>", "attributes": "object",
			"subscriptionScopes": "array<object>", "owner": "string", "hashEnabled": "boolean",
			"createdTime": "string", "updatedTime": "string"},
			required: []string{"name", "throttlingPolicy"}, enums: map[string][]string{"tokenType": {"OAUTH", "JWT"}}},
		// ApplicationInfo.
		"ApplicationInfo": {fields: map[string]string{"applicationId": "string", "name": "string", "throttlingPolicy": "string",
			"description": "string", "status": "string", "groups": "array<string>", "subscriptionCount": "integer",
			"attributes": "object", "owner": "string", "tokenType": "string", "createdTime": "string", "updatedTime": "string"}},
		// ApplicationList.
		"ApplicationList": {fields: map[string]string{"count": "integer", "list": "array<ApplicationInfo>", "pagination": "Pagination"}},
		// ApplicationKey. consumerKey/consumerSecret are null while a mapping is incomplete; groupId null without groups.
		"ApplicationKey": {fields: map[string]string{"keyMappingId": "string", "keyManager": "string",
			"consumerKey": "string?", "consumerSecret": "string?", "supportedGrantTypes": "array<string>",
			"callbackUrl": "string", "keyState": "string", "keyType": "string", "mode": "string", "groupId": "string?",
			"token": "ApplicationToken", "additionalProperties": "object"},
			enums: map[string][]string{"keyType": {"PRODUCTION", "SANDBOX"}, "mode": {"MAPPED", "CREATED"}}},
		// ApplicationKeyList.
		"ApplicationKeyList": {fields: map[string]string{"count": "integer", "list": "array<ApplicationKey>"}},
		// ApplicationToken.
		"ApplicationToken": {fields: map[string]string{"accessToken": "string", "tokenScopes": "array<string>",
			"validityTime": "integer"}},
		// Subscription.
		"Subscription": {fields: map[string]string{"subscriptionId": "string", "applicationId": "string", "apiId": "string",
			"apiInfo": "dev.APIInfo", "applicationInfo": "ApplicationInfo", "throttlingPolicy": "string",
			"requestedThrottlingPolicy": "string", "status": "string", "redirectionParams": "string"},
			required: []string{"applicationId", "throttlingPolicy"},
			enums: map[string][]string{"status": {"BLOCKED", "PROD_ONLY_BLOCKED", "UNBLOCKED", "ON_HOLD", "REJECTED",
				"TIER_UPDATE_PENDING", "DELETE_PENDING"}}},
		// SubscriptionList.
		"SubscriptionList": {fields: map[string]string{"count": "integer", "list": "array<Subscription>", "pagination": "Pagination"}},
		// APIInfo (devportal): the properties the simulator sends.
		"dev.APIInfo": {fields: map[string]string{"id": "string", "name": "string", "description": "string",
			"context": "string", "version": "string", "type": "string", "createdTime": "string", "provider": "string",
			"lifeCycleStatus": "string", "throttlingPolicies": "array<string>", "isSubscriptionAvailable": "boolean"}},
		// KeyManagerList (devportal).
		"dev.KeyManagerList": {fields: map[string]string{"count": "integer", "list": "array<dev.KeyManagerInfo>"}},
		// KeyManagerInfo (devportal).
		"dev.KeyManagerInfo": {fields: map[string]string{"id": "string", "name": "string", "type": "string",
			"displayName": "string", "description": "string", "enabled": "boolean", "availableGrantTypes": "array<string>",
			"tokenEndpoint": "string", "revokeEndpoint": "string", "userInfoEndpoint": "string",
			"enableTokenGeneration": "boolean", "enableTokenEncryption": "boolean", "enableTokenHashing": "boolean",
			"enableOAuthAppCreation": "boolean", "enableMapOAuthConsumerApps": "boolean",
			"applicationConfiguration": "array<KeyManagerApplicationConfiguration>", "alias": "string",
			"additionalProperties": "object", "tokenType": "string"},
			required: []string{"name", "type"}, enums: map[string][]string{"tokenType": tokenTypes}},
		// KeyManagerApplicationConfiguration (default and values as in KeyManagerConfiguration).
		"KeyManagerApplicationConfiguration": {fields: map[string]string{"name": "string", "label": "string", "type": "string",
			"required": "boolean", "mask": "boolean", "multiple": "boolean", "tooltip": "string", "default": "any",
			"values": "array<any>"}},

		// ---- not in the OpenAPI files ----
		// client-registration v0.17 response: the sample response in the description of the three REST
		// APIs' OpenAPI files and api-manager-4.md §3 (tokenType null in the sample).
		"DCRResponse": {fields: map[string]string{"clientId": "string", "clientName": "string", "callBackURL": "string",
			"clientSecret": "string", "isSaasApplication": "boolean", "appOwner": "string", "jsonString": "string",
			"jsonAppAttribute": "string", "tokenType": "string?"},
			required: []string{"clientId", "clientName", "clientSecret"}},
		// Token response of the Resident KM's /oauth2/token (RFC 6749 §5.1).
		"OAuthTokenResponse": {fields: map[string]string{"access_token": "string", "token_type": "string",
			"expires_in": "integer", "refresh_token": "string", "scope": "string"},
			required: []string{"access_token", "token_type"}},
		// OAuth error response (RFC 6749 §5.2).
		"OAuthError": {fields: map[string]string{"error": "string", "error_description": "string"}, required: []string{"error"}},
		// JWK Set of the Resident KM's /oauth2/jwks (RFC 7517).
		"JWKSet": {fields: map[string]string{"keys": "array<JWK>"}, required: []string{"keys"}},
		"JWK": {fields: map[string]string{"kty": "string", "alg": "string", "use": "string", "kid": "string",
			"n": "string", "e": "string", "x5c": "array<string>", "x5t#S256": "string", "x5t": "string"},
			required: []string{"kty", "kid", "n", "e"}},
		// Gateway auth-failure body (api-manager-4.md §6): code is a string here, unlike the REST ErrorDTO.
		"GatewayAuthFailure": {fields: map[string]string{"code": "string", "message": "string", "description": "string"},
			required: []string{"code", "message", "description"}},
		// Gateway main-sequence 404 (api-manager-4.md §6).
		"GatewayStatusReport": {fields: map[string]string{"code": "string", "type": "string", "message": "string",
			"description": "string"}, required: []string{"code", "type", "message", "description"}},
	}
	km := m["KeyManager"]
	if v >= 5 {
		km.fields["allowedOrganizations"] = "array<string>"
		settings := m["Settings"]
		settings.fields["orgAccessControlEnabled"] = "boolean"
		settings.fields["transactionCounterEnable"] = "boolean"
		settings.fields["gatewayConfiguration"] = "array<object>"
	}
	if v >= 6 {
		m["SettingsKeyManagerConfiguration"].fields["authConfigurations"] = "array<KeyManagerConfiguration>"
	}
	disc := jsonSchema{fields: map[string]string{}, enums: km.enums}
	for k, t := range km.fields {
		disc.fields[k] = t
	}
	m["DiscoveredKeyManager"] = disc
	return m
}

// shapeProblems compares a decoded JSON value with a schema type and lists every mismatch, with its path.
func shapeProblems(reg map[string]jsonSchema, path string, v any, typ string) []string {
	if strings.HasSuffix(typ, "?") {
		if v == nil {
			return nil
		}
		typ = strings.TrimSuffix(typ, "?")
	}
	bad := func(want string) []string {
		return []string{fmt.Sprintf("%s: want %s, got %s", path, want, jsonKind(v))}
	}
	switch {
	case typ == "any":
		return nil
	case typ == "string":
		if _, ok := v.(string); !ok {
			return bad("string")
		}
	case typ == "date-time":
		s, ok := v.(string)
		if !ok {
			return bad("date-time string")
		}
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return []string{fmt.Sprintf("%s: %q is not an RFC 3339 date-time", path, s)}
		}
	case typ == "integer":
		f, ok := v.(float64)
		if !ok || f != float64(int64(f)) {
			return bad("integer")
		}
	case typ == "number":
		if _, ok := v.(float64); !ok {
			return bad("number")
		}
	case typ == "boolean":
		if _, ok := v.(bool); !ok {
			return bad("boolean")
		}
	case typ == "object":
		if _, ok := v.(map[string]any); !ok {
			return bad("object")
		}
	case strings.HasPrefix(typ, "array<"):
		arr, ok := v.([]any)
		if !ok {
			return bad("array")
		}
		elem := strings.TrimSuffix(strings.TrimPrefix(typ, "array<"), ">")
		var out []string
		for i, e := range arr {
			out = append(out, shapeProblems(reg, fmt.Sprintf("%s[%d]", path, i), e, elem)...)
		}
		return out
	default:
		sch, ok := reg[typ]
		if !ok {
			return []string{fmt.Sprintf("%s: no schema table %q", path, typ)}
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return bad("object " + typ)
		}
		var out []string
		for _, r := range sch.required {
			if _, ok := obj[r]; !ok {
				out = append(out, fmt.Sprintf("%s: required %s.%s missing", path, typ, r))
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, known := sch.fields[k]
			if !known {
				out = append(out, fmt.Sprintf("%s.%s: not a property of %s", path, k, typ))
				continue
			}
			out = append(out, shapeProblems(reg, path+"."+k, obj[k], ft)...)
			if allowed, ok := sch.enums[k]; ok {
				if s, isStr := obj[k].(string); isStr && !slices.Contains(allowed, s) {
					out = append(out, fmt.Sprintf("%s.%s: %q not in enum %v", path, k, s, allowed))
				}
			}
		}
		return out
	}
	return nil
}

func jsonKind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
