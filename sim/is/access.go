package is

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/kmconform/kmconform/sim/home"
)

// accessRule is one identity.xml ResourceAccessControl/Resource entry (identity-server-7.md §6).
type accessRule struct {
	context  *regexp.Regexp
	method   string // "" or "all": any method
	secure   bool
	scopes   []string
	handlers []string // allowed_auth_handlers; empty: the defaults
}

// Built-in rules, after the deployment.toml ones. Matching is first match in document order (§6).
// UNCONFIRMED (§6, UNCONFIRMED-5): that [[resource.access_control]] entries come before the defaults,
// and that GET /scim2/Me needs scope internal_login by default; chose both.
var defaultRules = []accessRule{
	{context: regexp.MustCompile(`^(?:(.*)/scim2/Me)$`), method: "GET", secure: true, scopes: []string{"internal_login"}},
	{context: regexp.MustCompile(`^(?:(.*)/oauth2/introspect(.*))$`), secure: true, handlers: []string{"BasicAuthentication"}},
}

func loadAccessRules(h *home.Home) ([]accessRule, error) {
	var rules []accessRule
	for i, t := range h.Tables("resource", "access_control") {
		ctx, _ := t["context"].(string)
		re, err := regexp.Compile("^(?:" + ctx + ")$")
		if err != nil {
			return nil, fmt.Errorf("[[resource.access_control]] #%d context %q: %w", i+1, ctx, err)
		}
		r := accessRule{context: re, secure: true}
		r.method, _ = t["http_method"].(string)
		if b, ok := t["secure"].(bool); ok {
			r.secure = b
		}
		r.scopes = stringList(t["scopes"])
		r.handlers = stringList(t["allowed_auth_handlers"])
		rules = append(rules, r)
	}
	return append(rules, defaultRules...), nil
}

// stringList reads a TOML array of strings, or a comma-separated string.
func stringList(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	case string:
		for _, s := range strings.Split(x, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// rule returns the first rule matching path and method, or nil.
func (s *server) rule(path, method string) *accessRule {
	for i := range s.rules {
		r := &s.rules[i]
		if r.method != "" && !strings.EqualFold(r.method, "all") && !strings.EqualFold(r.method, method) {
			continue
		}
		if r.context.MatchString(path) {
			return r
		}
	}
	return nil
}

func (r *accessRule) allowsHandler(name string) bool {
	for _, h := range r.handlers {
		if h == name {
			return true
		}
	}
	return false
}
