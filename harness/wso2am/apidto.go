package wso2am

// APISpec describes an HTTP API to create, including scope-protected resources: each operation names the
// scopes it requires, and the API lists them in its scopes (local scopes with their role bindings, or shared
// scopes created with CreateSharedScope). DTO turns it into the publisher APIDTO.
type APISpec struct {
	Name, Context, Version string
	Description            string
	// Backend is the production and sandbox endpoint URL.
	Backend string
	// KeyManagers restricts the API to these Key Managers by name; nil is not sent (API-M: ["all"]).
	KeyManagers []string
	// Policies are subscription policies; nil sends ["Unlimited"].
	Policies         []string
	Operations       []APIOperation
	Scopes           []APIScope
	IsDefaultVersion bool
	// SecurityScheme, e.g. ["oauth2"]; nil is not sent (API-M defaults to oauth2).
	SecurityScheme []string
}

// Operation is a resource requiring every one of scopes (none: any valid token), with the throttling
// policy and auth type WSO2's own payloads use.
func Operation(verb, target string, scopes ...string) APIOperation {
	if scopes == nil {
		scopes = []string{}
	}
	return APIOperation{Verb: verb, Target: target, Scopes: scopes, ThrottlingPolicy: "Unlimited", AuthType: "Application & Application User"}
}

// LocalScope is a scope of the API itself, bound to roles (empty: any user).
func LocalScope(name string, roles ...string) APIScope {
	if roles == nil {
		roles = []string{}
	}
	return APIScope{Scope: Scope{Name: name, DisplayName: name, Description: "kmconform scope " + name, Bindings: roles}}
}

// SharedScopeRef lists a shared scope in an API's scopes, so that its operations can require it.
func SharedScopeRef(s Scope) APIScope {
	if s.Bindings == nil {
		s.Bindings = []string{}
	}
	return APIScope{Scope: s, Shared: true}
}

// DTO is the publisher APIDTO for CreateAPI or UpdateAPI. Values are plain JSON shapes (maps and slices), so
// a check can still change any field before sending.
func (s APISpec) DTO() map[string]any {
	policies := s.Policies
	if policies == nil {
		policies = []string{"Unlimited"}
	}
	ops := make([]any, 0, len(s.Operations))
	for _, o := range s.Operations {
		scopes := o.Scopes
		if scopes == nil {
			scopes = []string{}
		}
		m := map[string]any{"verb": o.Verb, "target": o.Target, "scopes": toAny(scopes)}
		if o.ThrottlingPolicy != "" {
			m["throttlingPolicy"] = o.ThrottlingPolicy
		}
		if o.AuthType != "" {
			m["authType"] = o.AuthType
		}
		ops = append(ops, m)
	}
	scopes := make([]any, 0, len(s.Scopes))
	for _, sc := range s.Scopes {
		bindings := sc.Scope.Bindings
		if bindings == nil {
			bindings = []string{}
		}
		inner := map[string]any{"name": sc.Scope.Name, "bindings": toAny(bindings)}
		if sc.Scope.ID != "" {
			inner["id"] = sc.Scope.ID
		}
		if sc.Scope.DisplayName != "" {
			inner["displayName"] = sc.Scope.DisplayName
		}
		if sc.Scope.Description != "" {
			inner["description"] = sc.Scope.Description
		}
		scopes = append(scopes, map[string]any{"scope": inner, "shared": sc.Shared})
	}
	dto := map[string]any{
		"name":    s.Name,
		"context": s.Context,
		"version": s.Version,
		"endpointConfig": map[string]any{"endpoint_type": "http",
			"production_endpoints": map[string]any{"url": s.Backend}, "sandbox_endpoints": map[string]any{"url": s.Backend}},
		"policies":         toAny(policies),
		"operations":       ops,
		"scopes":           scopes,
		"isDefaultVersion": s.IsDefaultVersion,
	}
	if s.Description != "" {
		dto["description"] = s.Description
	}
	if s.KeyManagers != nil {
		dto["keyManagers"] = toAny(s.KeyManagers)
	}
	if s.SecurityScheme != nil {
		dto["securityScheme"] = toAny(s.SecurityScheme)
	}
	return dto
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
