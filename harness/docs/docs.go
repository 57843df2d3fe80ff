// Package docs is what each API Manager release's documentation prints for "Configure WSO2 IS 7.x as a Key
// Manager": the endpoint table, the grant types, the JWKS URL and the connector endpoints, carried verbatim
// as fixtures/docs/apim-<docs>-is7-endpoints.yaml with the page and revision they come from.
//
// The documented setup registers those values (under IS's in-network name instead of the page's
// localhost:9444). After IS starts, every documented value that IS's discovery document also publishes is
// compared with what IS serves: a difference is documentation drift — reported with the documented value,
// the served value and the source, never as a product failure — and the harness registers the served
// value instead, but only in fields that still hold the documented value, so that a setup fault that
// changed a field on purpose stays in effect.
package docs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kmconform/kmconform/fixtures"
	"github.com/kmconform/kmconform/harness/results"
	"github.com/kmconform/kmconform/harness/wso2am"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// Source says where a table was read.
type Source struct {
	// Page is the published page a user opens.
	Page string `yaml:"page"`
	// File is the documentation repository and path.
	File string `yaml:"file"`
	// Revision is the commit or the revision read.
	Revision string `yaml:"revision"`
	// Note records what the page says besides the table (update levels, known mistakes).
	Note string `yaml:"note"`
}

// Endpoints is the "Key Manager Endpoints" table plus the Well-known URL and the JWKS URL of the page.
type Endpoints struct {
	WellKnownEndpoint          string `yaml:"wellKnownEndpoint"`
	Issuer                     string `yaml:"issuer"`
	ClientRegistrationEndpoint string `yaml:"clientRegistrationEndpoint"`
	IntrospectionEndpoint      string `yaml:"introspectionEndpoint"`
	TokenEndpoint              string `yaml:"tokenEndpoint"`
	DisplayTokenEndpoint       string `yaml:"displayTokenEndpoint"`
	RevokeEndpoint             string `yaml:"revokeEndpoint"`
	DisplayRevokeEndpoint      string `yaml:"displayRevokeEndpoint"`
	UserInfoEndpoint           string `yaml:"userInfoEndpoint"`
	AuthorizeEndpoint          string `yaml:"authorizeEndpoint"`
	ScopeManagementEndpoint    string `yaml:"scopeManagementEndpoint"`
	JWKS                       string `yaml:"jwks"`
}

// Table is one documentation version's values, as printed.
type Table struct {
	// Docs is the documentation version, e.g. "4.5".
	Docs   string `yaml:"docs"`
	Source Source `yaml:"source"`
	// Base is the IS address the page assumes (https://localhost:9444).
	Base       string            `yaml:"base"`
	Endpoints  Endpoints         `yaml:"endpoints"`
	GrantTypes []string          `yaml:"grantTypes"`
	Connector  map[string]string `yaml:"connector"`
}

// FileName is the fixture of a documentation version.
func FileName(docs string) string { return "docs/apim-" + docs + "-is7-endpoints.yaml" }

// Load reads the embedded table of a documentation version.
func Load(docs string) (*Table, error) {
	raw, err := fs.ReadFile(fixtures.FS, FileName(docs))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no documented endpoint table for API-M documentation %q: add fixtures/%s (the values of that release's \"Configure WSO2 IS 7.x as a Key Manager\" page)", docs, FileName(docs))
	}
	if err != nil {
		return nil, fmt.Errorf("read fixture %s: %w", FileName(docs), err)
	}
	return Parse(raw, "fixtures/"+FileName(docs))
}

// Parse reads and checks a table; name is used in error messages.
func Parse(raw []byte, name string) (*Table, error) {
	var t Table
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("%s is not a documented endpoint table: %w", name, err)
	}
	var missing []string
	for _, f := range fields {
		if f.doc(&t.Endpoints) == "" {
			missing = append(missing, f.name)
		}
	}
	if t.Docs == "" || t.Base == "" || t.Source.Page == "" || len(t.GrantTypes) == 0 {
		missing = append(missing, "docs, base, source.page or grantTypes")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s lacks %s", name, strings.Join(missing, ", "))
	}
	return &t, nil
}

// SourceText names the page and revision, for drift entries and messages.
func (t *Table) SourceText() string {
	s := t.Source.Page
	if t.Source.Revision != "" {
		s += " (" + t.Source.Revision + ")"
	}
	return s
}

// Rebase reads a documented URL relative to base instead of the page's IS address: the page's
// https://localhost:9444/oauth2/token is https://wso2is:9443/oauth2/token for IS under its network name. A
// value outside the page's base is returned as printed.
func (t *Table) Rebase(value, base string) string {
	if rest, ok := strings.CutPrefix(value, t.Base); ok {
		return strings.TrimRight(base, "/") + rest
	}
	return value
}

// field is one documented Key Manager value: how to read it from the table and from a Key Manager, and
// what IS serves for it (empty when IS publishes no counterpart, e.g. the userinfo the page asks for).
type field struct {
	name   string
	doc    func(*Endpoints) string
	get    func(*wso2am.KeyManager) string
	set    func(*wso2am.KeyManager, string)
	served func(d *wso2is.Discovery, discoveryURL string) string
}

// fields lists the documented values in the page's order. UserInfo and the scope endpoint have no served
// counterpart: discovery's userinfo_endpoint (/oauth2/userinfo) is exactly the value the page tells users
// not to register (wso2/docs-apim#9387), and the scope endpoint is not in discovery.
var fields = []field{
	{"wellKnownEndpoint", func(e *Endpoints) string { return e.WellKnownEndpoint },
		func(k *wso2am.KeyManager) string { return k.WellKnownEndpoint },
		func(k *wso2am.KeyManager, v string) { k.WellKnownEndpoint = v },
		func(_ *wso2is.Discovery, u string) string { return u }},
	{"issuer", func(e *Endpoints) string { return e.Issuer },
		func(k *wso2am.KeyManager) string { return k.Issuer },
		func(k *wso2am.KeyManager, v string) { k.Issuer = v },
		func(d *wso2is.Discovery, _ string) string { return d.Issuer }},
	{"clientRegistrationEndpoint", func(e *Endpoints) string { return e.ClientRegistrationEndpoint },
		func(k *wso2am.KeyManager) string { return k.ClientRegistrationEndpoint },
		func(k *wso2am.KeyManager, v string) { k.ClientRegistrationEndpoint = v },
		func(d *wso2is.Discovery, _ string) string { return d.RegistrationEndpoint }},
	{"introspectionEndpoint", func(e *Endpoints) string { return e.IntrospectionEndpoint },
		func(k *wso2am.KeyManager) string { return k.IntrospectionEndpoint },
		func(k *wso2am.KeyManager, v string) { k.IntrospectionEndpoint = v },
		func(d *wso2is.Discovery, _ string) string { return d.IntrospectionEndpoint }},
	{"tokenEndpoint", func(e *Endpoints) string { return e.TokenEndpoint },
		func(k *wso2am.KeyManager) string { return k.TokenEndpoint },
		func(k *wso2am.KeyManager, v string) { k.TokenEndpoint = v },
		func(d *wso2is.Discovery, _ string) string { return d.TokenEndpoint }},
	{"displayTokenEndpoint", func(e *Endpoints) string { return e.DisplayTokenEndpoint },
		func(k *wso2am.KeyManager) string { return k.DisplayTokenEndpoint },
		func(k *wso2am.KeyManager, v string) { k.DisplayTokenEndpoint = v },
		func(d *wso2is.Discovery, _ string) string { return d.TokenEndpoint }},
	{"revokeEndpoint", func(e *Endpoints) string { return e.RevokeEndpoint },
		func(k *wso2am.KeyManager) string { return k.RevokeEndpoint },
		func(k *wso2am.KeyManager, v string) { k.RevokeEndpoint = v },
		func(d *wso2is.Discovery, _ string) string { return d.RevocationEndpoint }},
	{"displayRevokeEndpoint", func(e *Endpoints) string { return e.DisplayRevokeEndpoint },
		func(k *wso2am.KeyManager) string { return k.DisplayRevokeEndpoint },
		func(k *wso2am.KeyManager, v string) { k.DisplayRevokeEndpoint = v },
		func(d *wso2is.Discovery, _ string) string { return d.RevocationEndpoint }},
	{"userInfoEndpoint", func(e *Endpoints) string { return e.UserInfoEndpoint },
		func(k *wso2am.KeyManager) string { return k.UserInfoEndpoint },
		func(k *wso2am.KeyManager, v string) { k.UserInfoEndpoint = v },
		nil},
	{"authorizeEndpoint", func(e *Endpoints) string { return e.AuthorizeEndpoint },
		func(k *wso2am.KeyManager) string { return k.AuthorizeEndpoint },
		func(k *wso2am.KeyManager, v string) { k.AuthorizeEndpoint = v },
		func(d *wso2is.Discovery, _ string) string { return d.AuthorizationEndpoint }},
	{"scopeManagementEndpoint", func(e *Endpoints) string { return e.ScopeManagementEndpoint },
		func(k *wso2am.KeyManager) string { return k.ScopeManagementEndpoint },
		func(k *wso2am.KeyManager, v string) { k.ScopeManagementEndpoint = v },
		nil},
	{"certificates.value", func(e *Endpoints) string { return e.JWKS },
		func(k *wso2am.KeyManager) string {
			if k.Certificates == nil {
				return ""
			}
			return k.Certificates.Value
		},
		func(k *wso2am.KeyManager, v string) { k.Certificates = &wso2am.Certificates{Type: "JWKS", Value: v} },
		func(d *wso2is.Discovery, _ string) string { return d.JWKSURI }},
}

// GrantTypesField names the grant types in drift entries.
const GrantTypesField = "availableGrantTypes"

// Value is one documented value of a Key Manager field, under IS's in-network name.
type Value struct {
	Field string
	// Printed is the value as the page prints it; Documented is the same under base.
	Printed, Documented string
	// Registered is what a Key Manager holds for the field.
	Registered string
}

// Values lists every documented endpoint of the table with what km holds for it.
func (t *Table) Values(km *wso2am.KeyManager, base string) []Value {
	out := make([]Value, 0, len(fields))
	for _, f := range fields {
		v := Value{Field: f.name, Printed: f.doc(&t.Endpoints), Registered: f.get(km)}
		v.Documented = t.Rebase(v.Printed, base)
		out = append(out, v)
	}
	return out
}

// Register writes the documented values into a Key Manager payload, under base: every endpoint, the JWKS
// certificate, the grant types and the connector endpoints the page lists.
func (t *Table) Register(km *wso2am.KeyManager, base string) {
	for _, f := range fields {
		f.set(km, t.Rebase(f.doc(&t.Endpoints), base))
	}
	km.AvailableGrantTypes = slices.Clone(t.GrantTypes)
	if km.AdditionalProperties == nil {
		km.AdditionalProperties = map[string]any{}
	}
	for k, v := range t.Connector {
		km.AdditionalProperties[k] = t.Rebase(v, base)
	}
}

// Compare returns the drift between the table (read under base) and what IS serves: its discovery
// document, read at discoveryURL. Only values with a served counterpart are compared; every documented
// grant type IS does not list in grant_types_supported is one entry.
func (t *Table) Compare(d *wso2is.Discovery, discoveryURL, base string) []results.Drift {
	var out []results.Drift
	src := t.SourceText()
	for _, f := range fields {
		if f.served == nil {
			continue
		}
		printed := f.doc(&t.Endpoints)
		served := f.served(d, discoveryURL)
		if t.Rebase(printed, base) == served {
			continue
		}
		if served == "" {
			served = "(not published in IS's discovery document)"
		}
		out = append(out, results.Drift{Field: f.name, Documented: printed, Served: served, Source: src})
	}
	for _, g := range t.GrantTypes {
		if !slices.Contains(d.GrantTypesSupported, g) {
			out = append(out, results.Drift{Field: GrantTypesField, Documented: g,
				Served: "(absent from grant_types_supported)", Source: src})
		}
	}
	return out
}

// Registered is what the harness changed in a Key Manager payload because of drift.
type Registered struct {
	Field, From, To string
}

// RegisterServed replaces, in km, each drifted value that still holds the documented value (under base)
// with the value IS serves, and drops documented grant types IS does not support. A field a setup fault
// changed on purpose no longer holds the documented value and is left alone.
func (t *Table) RegisterServed(km *wso2am.KeyManager, drift []results.Drift, base string) []Registered {
	var out []Registered
	for _, dr := range drift {
		if dr.Field == GrantTypesField {
			if i := slices.Index(km.AvailableGrantTypes, dr.Documented); i >= 0 {
				km.AvailableGrantTypes = slices.Delete(km.AvailableGrantTypes, i, i+1)
				out = append(out, Registered{Field: dr.Field, From: dr.Documented, To: "(removed)"})
			}
			continue
		}
		i := slices.IndexFunc(fields, func(f field) bool { return f.name == dr.Field })
		if i < 0 || strings.HasPrefix(dr.Served, "(") {
			continue // nothing served to register instead
		}
		f := fields[i]
		if cur := f.get(km); cur == t.Rebase(dr.Documented, base) {
			f.set(km, dr.Served)
			out = append(out, Registered{Field: dr.Field, From: cur, To: dr.Served})
		}
	}
	return out
}

// ServedFor returns what IS serves for a documented field ("" when IS publishes no counterpart).
func ServedFor(fieldName string, d *wso2is.Discovery, discoveryURL string) string {
	for _, f := range fields {
		if f.name == fieldName && f.served != nil {
			return f.served(d, discoveryURL)
		}
	}
	return ""
}
