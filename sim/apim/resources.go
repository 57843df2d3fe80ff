package apim

import (
	"net/http"
	"slices"
	"strings"
)

// operation is one API resource as the gateway's synapse API holds it: a verb, a URL template and the
// scopes that guard it (publisher APIDTO.operations[], api-manager-4.md §4).
type operation struct {
	verb, target string
	scopes       []string
}

// ops reads the snapshot's operations.
func (a *apiSpec) ops() []operation {
	var out []operation
	for _, raw := range a.Operations {
		m, _ := raw.(map[string]any)
		op := operation{verb: strings.ToUpper(str(m["verb"])), target: str(m["target"])}
		if sc, ok := m["scopes"].([]any); ok {
			for _, x := range sc {
				if n := str(x); n != "" {
					op.scopes = append(op.scopes, n)
				}
			}
		}
		out = append(out, op)
	}
	return out
}

// Texts of CORSRequestHandler's resource dispatch failures (APIMgtGatewayConstants
// METHOD_NOT_FOUND_ERROR_MSG / RESOURCE_NOT_FOUND_ERROR_MSG). Not in api-manager-4.md; the texts and
// 405/404 split are pinned by IV2's rest-invocation feature ("Method not allowed for given API resource"
// for a known path with another verb, "No matching resource found for given API Request" otherwise).
// UNCONFIRMED (derived from public client tests, not the reference): the JSON body shape
// {"code":"<status>","type":"Status report","message":"Runtime Error","description":<text>}.
const (
	descMethodNotAllowed = "Method not allowed for given API resource"
	descNoResource       = "No matching resource found for given API Request"
)

// writeDispatchFailure answers 405 or 404 as matchOperation decided.
func writeDispatchFailure(w http.ResponseWriter, status int) {
	code, desc := "404", descNoResource
	if status == http.StatusMethodNotAllowed {
		code, desc = "405", descMethodNotAllowed
	}
	writeJSON(w, status, map[string]string{"code": code, "type": "Status report", "message": "Runtime Error", "description": desc})
}

// matchOperation is the synapse REST dispatch CORSRequestHandler runs before authentication: among the
// resources with the request's verb, a template match beats a "/*" wildcard, and a longer wildcard prefix
// beats a shorter one. No match with the verb → 405 if some resource matches the path with another verb,
// else 404. rest is the path after /<context>/<version>.
func (a *apiSpec) matchOperation(method, rest string) (*operation, int) {
	path := normalisePath(rest)
	var best *operation
	bestScore := -1
	pathKnown := false
	for _, op := range a.ops() {
		score, ok := templateMatch(op.target, path)
		if !ok {
			continue
		}
		pathKnown = true
		if op.verb != method || score <= bestScore {
			continue
		}
		cp := op
		best, bestScore = &cp, score
	}
	switch {
	case best != nil:
		return best, 0
	case pathKnown:
		return nil, http.StatusMethodNotAllowed
	}
	return nil, http.StatusNotFound
}

// normalisePath makes "" into "/" and drops one trailing slash: IV2 invokes GET /customers/123/ against
// the template /customers/{id} and expects the backend to answer.
func normalisePath(p string) string {
	if p == "" {
		return "/"
	}
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	return p
}

// templateMatch matches a URL template: "/*" (everything), "/x/*" (x and everything below it), literal
// segments, and {param} segments that match one non-empty segment. The score ranks matches: exact
// templates above wildcards, longer wildcard prefixes above shorter ones.
func templateMatch(target, path string) (int, bool) {
	target = normalisePath(target)
	if prefix, ok := strings.CutSuffix(target, "/*"); ok {
		if prefix == "" || path == prefix || strings.HasPrefix(path, prefix+"/") {
			return len(prefix), true
		}
		return 0, false
	}
	ts, ps := strings.Split(target, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return 0, false
	}
	for i, seg := range ts {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			if ps[i] == "" {
				return 0, false
			}
			continue
		}
		if seg != ps[i] {
			return 0, false
		}
	}
	return 1 << 20, true
}

// errScope is 900910 (api-manager-4.md §6), with <resource> rendered as the matched operation's URL
// template. UNCONFIRMED: the template (not the request path) stands for <resource>, and the opaque
// (key-validation) path answers with the same description as the JWT path.
func errScope(op *operation) *gwError {
	return &gwError{"900910", "The access token does not allow you to access the requested resource",
		"User is NOT authorized to access the Resource: " + op.target + ". Scope validation failed."}
}

// scopesAllow is the gateway's scope validation: an operation without scopes is open to any valid token;
// otherwise the token must carry at least one of them.
func (op *operation) scopesAllow(have []string) bool {
	if len(op.scopes) == 0 {
		return true
	}
	for _, s := range op.scopes {
		if slices.Contains(have, s) {
			return true
		}
	}
	return false
}
