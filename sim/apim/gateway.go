package apim

import (
	"encoding/json"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/kmconform/kmconform/sim/simnet"
)

// gwError is a gateway authentication failure (APIAuthenticationHandler.handleAuthFailure).
type gwError struct {
	code, message, description string
}

// Messages of APISecurityConstants (api-manager-4.md §6).
const (
	msgInvalidCredentials = "Invalid Credentials"
	descInvalidCreds      = "Invalid Credentials. Make sure you have provided the correct security credentials"
	descInvalidJWT        = "Invalid JWT token. Make sure you have provided the correct security credentials"
	msgForbidden          = "Resource forbidden " // the trailing space is the product's
	descNoSubscription    = "User is NOT authorized to access the Resource. API Subscription validation failed."
	msgUnclassified       = "Unclassified Authentication Failure"
)

func errMissingCreds() *gwError {
	return &gwError{"900902", "Missing Credentials", "Invalid Credentials. Make sure your API invocation call has a header: " +
		"'Authorization : Bearer ACCESS_TOKEN' or 'Authorization : Basic ACCESS_TOKEN' or 'ApiKey : API_KEY'"}
}
func errInvalidCreds() *gwError { return &gwError{"900901", msgInvalidCredentials, descInvalidCreds} }
func errInvalidJWT() *gwError   { return &gwError{"900901", msgInvalidCredentials, descInvalidJWT} }
func errNoSubscription() *gwError {
	return &gwError{"900908", msgForbidden, descNoSubscription}
}
func errUnclassified(desc string) *gwError { return &gwError{"900900", msgUnclassified, desc} }

// status maps codes to HTTP: 403 for 900906/900908/900910/900914, 500 for 900900/900911, else 401.
func (e *gwError) status() int {
	switch e.code {
	case "900906", "900908", "900910", "900914":
		return http.StatusForbidden
	case "900900", "900911":
		return http.StatusInternalServerError
	}
	return http.StatusUnauthorized
}

// wwwAuthenticate is the 401 challenge header of the gateway (see writeGatewayError).
const wwwAuthenticate = `Bearer realm="WSO2 API Manager" error="invalid_token", error_description="The provided token is invalid"`

func writeGatewayError(w http.ResponseWriter, e *gwError) {
	st := e.status()
	if st == http.StatusUnauthorized {
		// api-manager-4.md §6: `<challenges> error="invalid_token", error_description="…"` — the challenge
		// list and error= are separated by a space only.
		// UNCONFIRMED (§6, §11 item 10): chose the OAuth authenticator's challenge alone as <challenges>.
		w.Header().Set("WWW-Authenticate", wwwAuthenticate)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(st)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": e.code, "message": e.message, "description": e.description})
}

// gateway serves deployed APIs: route, authenticate, then proxy to the production (or sandbox) endpoint.
func (s *Server) gateway(w http.ResponseWriter, r *http.Request) {
	snap, rest := s.route(r.URL.Path)
	if snap == nil {
		// main.xml's answer when no API matches the context.
		writeJSON(w, http.StatusNotFound, map[string]string{"code": "404", "type": "Status report",
			"message": "Not Found", "description": "The requested resource is not available."})
		return
	}
	// Resource dispatch (CORSRequestHandler) precedes APIAuthenticationHandler in the API's handler chain,
	// so an unmatched resource is refused before credentials are looked at.
	// UNCONFIRMED (handler order not in api-manager-4.md): chose dispatch first.
	op, status := snap.matchOperation(r.Method, rest)
	if op == nil {
		writeDispatchFailure(w, status)
		return
	}
	info, gerr := s.authenticate(r, snap)
	if gerr != nil {
		writeGatewayError(w, gerr)
		return
	}
	// Scope validation follows subscription validation (api-manager-4.md §6 step 2).
	if !op.scopesAllow(info.scopes) && !s.opt.Faults.On("gateway-skips-scope-validation") {
		writeGatewayError(w, errScope(op))
		return
	}
	s.proxy(w, r, snap, rest, info.keyType)
}

// route finds the deployed API whose /<context>/<version> (or /<context> for the default version) is the
// longest prefix of the path.
func (s *Server) route(path string) (*apiSpec, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best *apiSpec
	var bestLen int
	for _, id := range s.st.apiOrder {
		a := s.st.apis[id]
		for _, d := range a.Deployed {
			snap := d.snap
			prefixes := []string{snap.Context + "/" + snap.Version}
			if snap.IsDefaultVersion {
				prefixes = append(prefixes, snap.Context)
			}
			for _, p := range prefixes {
				if (path == p || strings.HasPrefix(path, p+"/")) && len(p) > bestLen {
					best, bestLen = &snap, len(p)
				}
			}
		}
	}
	if best == nil {
		return nil, ""
	}
	return best, path[bestLen:]
}

// authenticate is OAuthAuthenticator.authenticate (api-manager-4.md §6): JWTs go to the KM whose issuer
// matches and that has a validator; everything else takes the key-validation (introspection) path.
func (s *Server) authenticate(r *http.Request, a *apiSpec) (*tokenInfo, *gwError) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, errMissingCreds()
	}
	if strings.Contains(tok, ".") {
		p, err := parseJWT(tok)
		if err != nil {
			return nil, errInvalidJWT()
		}
		if km := s.kmForIssuer(p.claims.str("iss")); km != nil {
			return s.validateJWT(r, p, km, a)
		}
		if info := s.trustUnknownIssuer(p, a); info != nil {
			return info, nil
		}
	}
	return s.validateOpaque(r, tok, a)
}

// subscribed finds the key mapping (consumerKey, KM) and an unblocked subscription of its application.
func (s *Server) subscribed(consumerKey, kmID string, a *apiSpec) (keyType string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.st.mappings {
		if m.ConsumerKey != consumerKey || m.KMID != kmID || m.State != "COMPLETED" {
			continue
		}
		for _, sub := range s.st.subs {
			if sub.AppID == m.AppID && sub.APIID == a.ID && sub.Status == "UNBLOCKED" {
				return m.KeyType, true
			}
		}
	}
	// Fault apim-gateway-keeps-deleted-app: the gateway's view still holds deleted applications.
	for _, m := range s.st.ghostMappings {
		if m.ConsumerKey != consumerKey || m.KMID != kmID || m.State != "COMPLETED" {
			continue
		}
		for _, sub := range s.st.ghostSubs {
			if sub.AppID == m.AppID && sub.APIID == a.ID && sub.Status == "UNBLOCKED" {
				return m.KeyType, true
			}
		}
	}
	return "", false
}

// allowsKM applies the API's keyManagers list ("all" allows every KM).
func (a *apiSpec) allowsKM(name string) bool {
	for _, n := range a.KeyManagers {
		if n == "all" || n == name {
			return true
		}
	}
	return false
}

// proxy forwards to the backend without the Authorization header, which the gateway strips.
func (s *Server) proxy(w http.ResponseWriter, r *http.Request, a *apiSpec, rest, keyType string) {
	epKey := "production_endpoints"
	if keyType == "SANDBOX" && !s.opt.Faults.On("apim-sandbox-key-to-production") {
		epKey = "sandbox_endpoints"
	}
	ep, _ := a.EndpointConfig[epKey].(map[string]any)
	target, err := url.Parse(str(ep["url"]))
	if err != nil || target.Host == "" {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"code": "101503", "type": "Status report",
			"message": "Runtime Error", "description": "Error connecting to the back end"})
		return
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = target.Scheme, target.Host
			pr.Out.URL.Path = strings.TrimSuffix(target.Path, "/") + rest
			pr.Out.URL.RawPath = ""
			pr.Out.Host = target.Host
			pr.Out.Header.Del("Authorization")
		},
		Transport: s.backend,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			s.log.Warn("org.apache.synapse.transport.passthru.TargetHandler", "Error connecting to the back end %s: %s", target.Host, simnet.JavaError(err, target.Hostname()))
			// UNCONFIRMED (not in the references): chose the 101503 "Error connecting to the back end" fault as 503.
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"code": "101503", "type": "Status report",
				"message": "Runtime Error", "description": "Error connecting to the back end"})
		},
	}
	rp.ServeHTTP(w, r)
}
