package apim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kmconform/kmconform/sim/simnet"
)

// dcrTarget is what the IS connector needs from a KM configuration, copied out under the lock.
type dcrTarget struct {
	kmType, registerURL, introspectURL, user, password, identityUser, authMode, clientID string
	// mgmtBearer: the Asgardeo connector calls DCR with a bearer token of its management application,
	// which it gets from tokenURL with client_credentials (AsgardeoDCRAuthInterceptor).
	mgmtBearer bool
	tokenURL   string
}

func dcrTargetOf(km *keyManager, clientID string) dcrTarget {
	t := dcrTarget{kmType: km.Type, registerURL: km.prop("client_registration_endpoint"),
		introspectURL: km.prop("introspection_endpoint"), user: km.text("Username"),
		password: km.text("Password"), identityUser: km.prop("IdentityUser"),
		authMode: km.prop("Authentication"), clientID: clientID}
	if km.Type == typeAsgardeo {
		// The management application's credentials authenticate introspection (Basic) and get the DCR token.
		t.user, t.password, t.mgmtBearer, t.tokenURL = km.text("mgmt_client_id"), km.text("mgmt_client_secret"), true, km.prop("token_endpoint")
	}
	return t
}

// authorize sets the connector's credentials: Basic Username:Password, or for MutualTLS (4.6+) the
// WSO2-Identity-User header (identity-server-7.md connector facts).
// UNCONFIRMED (neither reference describes the MutualTLS request beyond that header): chose to send the
// WSO2-Identity-User header only — no client certificate is presented and no Authorization header is set.
func (t dcrTarget) authorize(req *http.Request) {
	if t.authMode == "MutualTLS" {
		req.Header.Set("WSO2-Identity-User", t.identityUser)
		return
	}
	req.SetBasicAuth(t.user, t.password)
}

type dcrInput struct {
	// kmType picks the connector's body: WSO2-IS-7 (and the IS-based ObKeyManager), or Asgardeo's.
	kmType                        string
	clientName, appName, callback string
	grants                        []string
	props                         map[string]any
}

type dcrResult struct{ clientID, clientSecret string }

// dcrBody is WSO2IS7ClientInfo as Gson writes it (identity-server-7.md §7 "What API-M sends"): nulls
// omitted, primitives always present, ext_allowed_audience only from connector 2.0.5 (API-M 4.6+).
func (s *Server) dcrBody(in dcrInput) map[string]any {
	if in.kmType == typeAsgardeo {
		return asgardeoDCRBody(in)
	}
	b := dcrCommonBody(in, false)
	b["ext_application_display_name"] = in.appName
	for _, k := range []string{"backchannel_logout_session_required", "require_signed_request_object",
		"require_pushed_authorization_requests", "tls_client_certificate_bound_access_tokens"} {
		b[k] = false
	}
	if s.ver >= 6 && in.kmType == typeIS7 {
		b["ext_allowed_audience"] = "organization"
	}
	return b
}

// dcrCommonBody holds the fields WSO2IS7ClientInfo and AsgardeoDCRClientInfo share: client name, grants,
// token_type_extension JWT, the primitive lifetimes and PKCE/public-client flags (always present), the
// redirect URIs of a callback (each trimmed when trimURIs) and the optional lifetimes when set. The body is a
// map, so encoding/json writes its keys sorted whatever the order they are set in.
func dcrCommonBody(in dcrInput, trimURIs bool) map[string]any {
	b := map[string]any{
		"client_name":                in.clientName,
		"grant_types":                in.grants,
		"token_type_extension":       "JWT",
		"ext_refresh_token_lifetime": int64Prop(in.props, "ext_refresh_token_lifetime"),
		"ext_id_token_lifetime":      int64Prop(in.props, "ext_id_token_lifetime"),
		"ext_pkce_mandatory":         boolOr(in.props["ext_pkce_mandatory"], false),
		"ext_pkce_support_plain":     boolOr(in.props["ext_pkce_support_plain"], false),
		"ext_public_client":          boolOr(in.props["ext_public_client"], false),
	}
	if in.callback != "" {
		uris := strings.Split(in.callback, ",")
		if trimURIs {
			for i, u := range uris {
				uris[i] = strings.TrimSpace(u)
			}
		}
		b["redirect_uris"] = uris
	}
	for _, k := range []string{"ext_application_token_lifetime", "ext_user_token_lifetime"} {
		if _, ok := in.props[k]; ok {
			b[k] = int64Prop(in.props, k)
		}
	}
	return b
}

func int64Prop(m map[string]any, k string) int64 {
	switch v := m[k].(type) {
	case float64:
		return int64(v)
	case string:
		n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return n
	}
	return 0
}

// feignError renders a non-2xx answer the way the connector's Feign client reports it.
type feignError struct {
	status int
	method string
	url    string
	body   string
}

func (e *feignError) Error() string {
	return fmt.Sprintf("feign.FeignException: [%d %s] during [%s] to [%s]: [%s]", e.status, http.StatusText(e.status), e.method, e.url, e.body)
}

func (s *Server) callIS(ctx context.Context, t dcrTarget, method, rawURL, contentType string, body []byte) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, bytes.NewReader(body))
	if err != nil {
		return nil, 0, fmt.Errorf("build %s %s: %w", method, rawURL, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	if t.mgmtBearer {
		tok, err := s.mgmtToken(ctx, t)
		if err != nil {
			return nil, 0, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	} else {
		t.authorize(req)
	}
	resp, err := s.out.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("read %s %s: %w", method, rawURL, err)
	}
	return raw, resp.StatusCode, nil
}

// dcrRegister creates the OAuth app at IS: POST clientRegistrationEndpoint with the connector's body.
func (s *Server) dcrRegister(ctx context.Context, t dcrTarget, in dcrInput) (dcrResult, error) {
	body, err := json.Marshal(s.dcrBody(in))
	if err != nil {
		return dcrResult{}, fmt.Errorf("encode DCR request: %w", err)
	}
	raw, status, err := s.callIS(ctx, t, http.MethodPost, t.registerURL, "application/json", body)
	if err != nil {
		return dcrResult{}, err
	}
	if status != http.StatusCreated && status != http.StatusOK {
		return dcrResult{}, &feignError{status, http.MethodPost, t.registerURL, string(raw)}
	}
	var out struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.ClientID == "" {
		return dcrResult{}, fmt.Errorf("DCR response without client_id: %w", err)
	}
	return dcrResult{clientID: out.ClientID, clientSecret: out.ClientSecret}, nil
}

// clientURL is the DCR endpoint of t's client: clientRegistrationEndpoint/{client_id}.
func (t dcrTarget) clientURL() string {
	return strings.TrimSuffix(t.registerURL, "/") + "/" + url.PathEscape(t.clientID)
}

// dcrClientAnswer is an IS DCR answer about one client (dcrClient, dcrApp); id is its client_id.
type dcrClientAnswer interface{ id() string }

// dcrClientCall sends method to t's clientURL and decodes IS's 200 answer, which must carry a client_id.
// Another status is a feignError; an answer without client_id is "<what> response without client_id".
func dcrClientCall[T dcrClientAnswer](ctx context.Context, s *Server, t dcrTarget, method, contentType string, body []byte, what string) (T, error) {
	var out, zero T
	u := t.clientURL()
	raw, status, err := s.callIS(ctx, t, method, u, contentType, body)
	if err != nil {
		return zero, err
	}
	if status != http.StatusOK {
		return zero, &feignError{status, method, u, string(raw)}
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.id() == "" {
		return zero, fmt.Errorf("%s response without client_id: %w", what, err)
	}
	return out, nil
}

// dcrDelete removes the OAuth app at IS; failures are logged only, as API-M does on app deletion.
func (s *Server) dcrDelete(ctx context.Context, t dcrTarget) {
	u := t.clientURL()
	raw, status, err := s.callIS(ctx, t, http.MethodDelete, u, "", nil)
	if err == nil && status >= 300 {
		err = &feignError{status, http.MethodDelete, u, string(raw)}
	}
	if err != nil {
		s.log.Error("org.wso2.is7.client.WSO2IS7KeyManager", "Error while deleting OAuth application %s. Caused by: %s", t.clientID, simnet.JavaError(err, ""))
	}
}

// clientCredentialsToken calls the KM token endpoint with Basic client credentials.
func (s *Server) clientCredentialsToken(ctx context.Context, tokenURL, ck, cs, scope string) (map[string]any, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	t := dcrTarget{user: ck, password: cs}
	raw, status, err := s.callIS(ctx, t, http.MethodPost, tokenURL, "application/x-www-form-urlencoded", []byte(form.Encode()))
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, &feignError{status, http.MethodPost, tokenURL, string(raw)}
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("token response: %w", err)
	}
	return out, nil
}

// introspection is the part of IS's introspection answer the connector reads.
type introspection struct {
	Active    bool   `json:"active"`
	TokenType string `json:"token_type"`
	ClientID  string `json:"client_id"`
	Exp       int64  `json:"exp"`
	Scope     string `json:"scope"`
}

// introspect is the connector's getTokenMetaData: POST introspectionEndpoint with Basic admin credentials.
func (s *Server) introspect(ctx context.Context, t dcrTarget, token string) (introspection, error) {
	form := url.Values{"token": {token}}
	t.mgmtBearer = false // introspection takes Basic credentials (the Asgardeo connector: its management application's)
	raw, status, err := s.callIS(ctx, t, http.MethodPost, t.introspectURL, "application/x-www-form-urlencoded", []byte(form.Encode()))
	if err != nil {
		return introspection{}, err
	}
	if status != http.StatusOK {
		return introspection{}, &feignError{status, http.MethodPost, t.introspectURL, string(raw)}
	}
	var out introspection
	if err := json.Unmarshal(raw, &out); err != nil {
		return introspection{}, fmt.Errorf("introspection response: %w", err)
	}
	return out, nil
}
