package is

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"testing"
)

// Contract tests: the IS REST APIs kmsim serves, checked against hand-transcribed schema tables of the
// 7.1.0 OpenAPI files (dcr-v1.1, oauth2-scopes-v1.0, identity-providers-v1, api-resources-v1). Where
// identity-server-7.md disagrees with a file, the table follows the reference and says so.

type jkind int

const (
	jString jkind = iota
	jBool
	jInt
	jArray
	jObject
)

func (k jkind) String() string {
	return [...]string{"string", "boolean", "integer", "array", "object"}[k]
}

// prop is one property of a schema: its JSON type, whether it is required, whether null is accepted,
// and for arrays the element type (of: element schema for arrays of objects, or the object's schema).
type prop struct {
	name string
	kind jkind
	req  bool
	null bool
	item jkind
	of   *schema
}

// schema is a transcribed OpenAPI object schema; name cites the file's schema name.
type schema struct {
	name  string
	props []prop
}

func (s *schema) with(extra ...prop) *schema {
	return &schema{name: s.name, props: append(slices.Clone(s.props), extra...)}
}

// checkSchema walks a decoded JSON value: every key must be a property of s with the declared JSON type,
// every required property must be present. It returns the problems found.
func checkSchema(where string, v any, s *schema) []string {
	obj, ok := v.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s: want object (%s), got %T", where, s.name, v)}
	}
	var errs []string
	for _, p := range s.props {
		if _, present := obj[p.name]; p.req && !present {
			errs = append(errs, fmt.Sprintf("%s: required %s.%s missing", where, s.name, p.name))
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		i := slices.IndexFunc(s.props, func(p prop) bool { return p.name == k })
		if i < 0 {
			errs = append(errs, fmt.Sprintf("%s: field %q is not in %s", where, k, s.name))
			continue
		}
		errs = append(errs, checkValue(where+"."+k, obj[k], s.props[i])...)
	}
	return errs
}

func checkValue(where string, v any, p prop) []string {
	if v == nil {
		if p.null {
			return nil
		}
		return []string{fmt.Sprintf("%s: null, want %s", where, p.kind)}
	}
	switch p.kind {
	case jString:
		if _, ok := v.(string); !ok {
			return []string{fmt.Sprintf("%s: %T, want string", where, v)}
		}
	case jBool:
		if _, ok := v.(bool); !ok {
			return []string{fmt.Sprintf("%s: %T, want boolean", where, v)}
		}
	case jInt:
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) {
			return []string{fmt.Sprintf("%s: %v, want integer", where, v)}
		}
	case jObject:
		if p.of == nil {
			if _, ok := v.(map[string]any); !ok {
				return []string{fmt.Sprintf("%s: %T, want object", where, v)}
			}
			return nil
		}
		return checkSchema(where, v, p.of)
	case jArray:
		arr, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want array", where, v)}
		}
		var errs []string
		for i, e := range arr {
			errs = append(errs, checkValue(fmt.Sprintf("%s[%d]", where, i), e, prop{kind: p.item, of: p.of})...)
		}
		return errs
	}
	return nil
}

func str(name string) prop              { return prop{name: name, kind: jString} }
func reqStr(name string) prop           { return prop{name: name, kind: jString, req: true} }
func nullStr(name string) prop          { return prop{name: name, kind: jString, null: true} }
func boolean(name string) prop          { return prop{name: name, kind: jBool} }
func integer(name string) prop          { return prop{name: name, kind: jInt} }
func strArray(name string) prop         { return prop{name: name, kind: jArray, item: jString} }
func objArray(n string, s *schema) prop { return prop{name: n, kind: jArray, item: jObject, of: s} }
func object(n string, s *schema) prop   { return prop{name: n, kind: jObject, of: s} }

// --- dcr-v1.1.yaml ---

// dcrApplication is definitions/application with the ApplicationDTO names of identity-server-7.md §7
// (the reference wins over the file's require_push_authorization_request,
// tls_client_certificate_bound_access_token, request_object_encryption_algorithm/_method). Values the
// client did not send are written as null (UNCONFIRMED in dcr.go), so echoed strings accept null.
var dcrApplication70 = &schema{name: "dcr application", props: []prop{
	reqStr("client_id"), reqStr("client_secret"), {name: "client_secret_expires_at", kind: jInt, req: true},
	{name: "redirect_uris", kind: jArray, item: jString, req: true},
	{name: "grant_types", kind: jArray, item: jString, req: true},
	reqStr("client_name"), nullStr("ext_application_display_name"), str("ext_application_owner"),
	integer("ext_application_token_lifetime"), integer("ext_user_token_lifetime"),
	integer("ext_refresh_token_lifetime"), integer("ext_id_token_lifetime"),
	boolean("ext_pkce_mandatory"), boolean("ext_pkce_support_plain"), boolean("ext_public_client"),
	str("token_type_extension"), str("ext_token_type"), nullStr("jwks_uri"),
	nullStr("token_endpoint_auth_method"), nullStr("token_endpoint_auth_signing_alg"),
	nullStr("sector_identifier_uri"), nullStr("id_token_signed_response_alg"),
	nullStr("id_token_encrypted_response_alg"), nullStr("id_token_encrypted_response_enc"),
	nullStr("request_object_signing_alg"), nullStr("tls_client_auth_subject_dn"),
	boolean("require_pushed_authorization_requests"), boolean("require_signed_request_object"),
	boolean("tls_client_certificate_bound_access_tokens"), nullStr("subject_type"),
	nullStr("request_object_encryption_alg"), nullStr("request_object_encryption_enc"),
	nullStr("software_statement"),
}}

// 7.1.0+ add ext_application_version, token_endpoint_allow_reuse_pvt_key_jwt, ext_allowed_audience (§7).
var dcrApplication71 = dcrApplication70.with(nullStr("ext_application_version"),
	boolean("token_endpoint_allow_reuse_pvt_key_jwt"), nullStr("ext_allowed_audience"))

// dcrErrorSchema is definitions/error.
var dcrErrorSchema = &schema{name: "dcr error", props: []prop{str("error"), str("error_description"), str("traceId")}}

// --- oauth2-scopes-v1.0.yaml ---

var scopeBindingSchema = &schema{name: "scopeBinding", props: []prop{str("bindingType"), strArray("binding")}}

var legacyScopeSchema = &schema{name: "scope", props: []prop{
	reqStr("name"), reqStr("displayName"), str("description"), strArray("bindings"),
	objArray("scopeBindings", scopeBindingSchema),
}}

// restErrorSchema is the Error object of oauth2-scopes-v1.0, identity-providers-v1 and api-resources-v1.
var restErrorSchema = &schema{name: "Error", props: []prop{str("code"), str("message"), str("description"), str("traceId")}}

// --- identity-providers-v1.yaml ---

var idpCertificateSchema = &schema{name: "Certificate", props: []prop{strArray("certificates"), str("jwksUri")}}

var fedAuthListItemSchema = &schema{name: "FederatedAuthenticatorListItem", props: []prop{
	str("authenticatorId"), str("name"), boolean("isEnabled"), str("definedBy"), strArray("tags"), str("self"),
}}

var fedAuthListSchema = &schema{name: "FederatedAuthenticatorListResponse", props: []prop{
	str("defaultAuthenticatorId"), objArray("authenticators", fedAuthListItemSchema),
}}

var idpResponseSchema = &schema{name: "IdentityProviderResponse", props: []prop{
	str("id"), str("name"), str("description"), str("templateId"), boolean("isEnabled"), boolean("isPrimary"),
	str("image"), boolean("isFederationHub"), str("homeRealmIdentifier"), object("certificate", idpCertificateSchema),
	str("alias"), str("idpIssuerName"), object("claims", nil), object("roles", nil),
	{name: "groups", kind: jArray, item: jObject}, object("federatedAuthenticators", fedAuthListSchema),
	object("provisioning", nil), object("implicitAssociation", nil),
}}

var idpListItemSchema = &schema{name: "IdentityProviderListItem", props: []prop{
	str("id"), str("name"), str("description"), boolean("isEnabled"), str("image"), boolean("isPrimary"),
	boolean("isFederationHub"), str("homeRealmIdentifier"), object("certificate", idpCertificateSchema),
	str("alias"), object("claims", nil), object("roles", nil), {name: "groups", kind: jArray, item: jObject},
	object("federatedAuthenticators", fedAuthListSchema), object("provisioning", nil), str("self"),
}}

var linkSchema = &schema{name: "Link", props: []prop{str("href"), str("rel")}}

var idpListSchema = &schema{name: "IdentityProviderListResponse", props: []prop{
	integer("totalResults"), integer("startIndex"), integer("count"), objArray("links", linkSchema),
	objArray("identityProviders", idpListItemSchema),
}}

// --- api-resources-v1.yaml ---

// scopeGetModel is ScopeGetModel: description is optional, and absent for a scope created without one
// (wso2/api-manager#4064, see resScope).
var scopeGetModel = &schema{name: "ScopeGetModel", props: []prop{
	reqStr("id"), reqStr("displayName"), reqStr("name"), str("description"),
}}

var propertySchema = &schema{name: "Property", props: []prop{reqStr("name"), reqStr("value")}}

var subscribedAppSchema = &schema{name: "SubscribedApplicationGetModel", props: []prop{str("name"), str("id")}}

var apiResourceResponse = &schema{name: "APIResourceResponse", props: []prop{
	reqStr("id"), reqStr("name"), str("description"), reqStr("identifier"), str("type"),
	boolean("requiresAuthorization"), objArray("scopes", scopeGetModel),
	{name: "authorizationDetailsTypes", kind: jArray, item: jObject},
	objArray("subscribedApplications", subscribedAppSchema), objArray("properties", propertySchema), reqStr("self"),
}}

var apiResourceListItem = &schema{name: "APIResourceListItem", props: []prop{
	reqStr("id"), reqStr("name"), reqStr("identifier"), str("type"), boolean("requiresAuthorization"),
	objArray("properties", propertySchema), reqStr("self"),
}}

var paginationLink = &schema{name: "PaginationLink", props: []prop{str("rel"), str("href")}}

// apiResourceList is APIResourceListResponse with the list property "apiResources" (identity-server-7.md
// §8: the generated DTO; the YAML says APIResources).
var apiResourceList = &schema{name: "APIResourceListResponse", props: []prop{
	integer("totalResults"), {name: "links", kind: jArray, item: jObject, of: paginationLink, req: true},
	objArray("apiResources", apiResourceListItem),
}}

// TestCheckSchema: the walker itself — unknown names, wrong types, missing required fields, nesting.
func TestCheckSchema(t *testing.T) {
	cases := []struct {
		name string
		v    any
		want int
	}{
		{"ok", map[string]any{"id": "1", "name": "n", "displayName": "d", "description": ""}, 0},
		{"missing required", map[string]any{"id": "1", "name": "n", "description": ""}, 1},
		{"unknown field", map[string]any{"id": "1", "name": "n", "displayName": "d", "description": "", "x": 1.0}, 1},
		{"wrong type", map[string]any{"id": 1.0, "name": "n", "displayName": "d", "description": ""}, 1},
		{"null not allowed", map[string]any{"id": nil, "name": "n", "displayName": "d", "description": ""}, 1},
		{"not an object", []any{}, 1},
	}
	for _, c := range cases {
		if got := checkSchema("$", c.v, scopeGetModel); len(got) != c.want {
			t.Errorf("%s: %d problems %v, want %d", c.name, len(got), got, c.want)
		}
	}
	nested := map[string]any{"totalResults": 1.0, "links": []any{}, "apiResources": []any{map[string]any{"id": "x"}}}
	if got := checkSchema("$", nested, apiResourceList); len(got) != 3 { // name, identifier, self missing
		t.Errorf("nested: %v", got)
	}
}
