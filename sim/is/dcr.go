package is

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
)

const dcrPath = "/api/identity/oauth2/dcr/v1.1/register"

// dcrRequest holds the registration/update fields the simulator acts on; every other known field is
// kept raw and echoed (identity-server-7.md §7).
type dcrRequest struct {
	ClientName                  *string  `json:"client_name"`
	ClientID                    string   `json:"client_id"`
	ClientSecret                string   `json:"client_secret"`
	RedirectURIs                []string `json:"redirect_uris"`
	GrantTypes                  []string `json:"grant_types"`
	ExtParamClientID            string   `json:"ext_param_client_id"`
	ExtParamClientSecret        string   `json:"ext_param_client_secret"`
	TokenTypeExtension          string   `json:"token_type_extension"`
	ExtTokenType                string   `json:"ext_token_type"`
	ExtApplicationTokenLifetime *int64   `json:"ext_application_token_lifetime"`
	ExtUserTokenLifetime        *int64   `json:"ext_user_token_lifetime"`
	ExtRefreshTokenLifetime     *int64   `json:"ext_refresh_token_lifetime"`
	ExtIDTokenLifetime          *int64   `json:"ext_id_token_lifetime"`
	ExtPublicClient             *bool    `json:"ext_public_client"`
}

// dcrError is the DCRMUtils error body {"error","error_description","traceId"} (§7).
func dcrError(w http.ResponseWriter, code, desc string) {
	dcrErrorStatus(w, http.StatusBadRequest, code, desc)
}

// dcrErrorStatus is dcrError with another status (fault is-dcr-duplicate-409).
func dcrErrorStatus(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(orderedJSON([]kv{{"error", code}, {"error_description", desc}, {"traceId", newUUID()}}))
}

// dcrStatus answers with a bare status: unknown client 401, unauthenticated 401 (§7).
func dcrStatus(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
}

// dcrJSON writes an ApplicationDTO body (dcrBody).
func dcrJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// decodeDCR reads a request body the way Jackson with fail-on-unknown-properties does: the first
// unknown field in document order is "Unrecognized field : <name>" (§7).
func decodeDCR(r *http.Request, known map[string]bool) (*dcrRequest, map[string]json.RawMessage, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("read body: %w", err)
	}
	keys, err := objectKeys(raw)
	if err != nil {
		// UNCONFIRMED (§7): the JsonProcessingExceptionMapper text for malformed JSON; chose this one.
		return nil, nil, errors.New("Invalid request body")
	}
	for _, k := range keys {
		if !known[k] {
			return nil, nil, errors.New("Unrecognized field : " + k)
		}
	}
	var req dcrRequest
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, nil, errors.New("Invalid request body")
	}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, nil, errors.New("Invalid request body")
	}
	// The DTO fields are typed (§7; dcr-v1.1 registrationRequest/updateRequest): a value of another
	// JSON type is refused rather than echoed with the wrong type in the ApplicationDTO.
	// UNCONFIRMED (§7): Jackson's scalar coercion ("5" for a String, "true" for a boolean) and the text
	// of the mapped error; chose to refuse every mismatch with the malformed-body text.
	for k, v := range fields {
		if !dcrKindOK(k, v) {
			return nil, nil, errors.New("Invalid request body")
		}
	}
	return &req, fields, nil
}

// dcrKind is the JSON type of each DCR request field (§7 field lists, types from dcr-v1.1.yaml):
// 'a' array of strings, 'b' boolean, 'i' integer; every other field is a string.
var dcrKind = map[string]byte{
	"redirect_uris": 'a', "grant_types": 'a', "contacts": 'a', "post_logout_redirect_uris": 'a',
	"request_uris": 'a', "response_types": 'a',
	"backchannel_logout_session_required": 'b', "is_management_app": 'b', "ext_pkce_mandatory": 'b',
	"ext_pkce_support_plain": 'b', "ext_public_client": 'b', "require_pushed_authorization_requests": 'b',
	"require_signed_request_object": 'b', "tls_client_certificate_bound_access_tokens": 'b',
	"token_endpoint_allow_reuse_pvt_key_jwt": 'b',
	"ext_application_token_lifetime":         'i', "ext_user_token_lifetime": 'i', "ext_refresh_token_lifetime": 'i',
	"ext_id_token_lifetime": 'i',
}

// dcrKindOK reports whether v has field k's JSON type; null is always accepted (an absent value).
func dcrKindOK(k string, v json.RawMessage) bool {
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return false
	}
	if x == nil {
		return true
	}
	switch dcrKind[k] {
	case 'a':
		arr, ok := x.([]any)
		for _, e := range arr {
			if _, isStr := e.(string); !isStr {
				return false
			}
		}
		return ok
	case 'b':
		_, ok := x.(bool)
		return ok
	case 'i':
		f, ok := x.(float64)
		return ok && f == float64(int64(f))
	}
	_, ok := x.(string)
	return ok
}

// objectKeys lists the top-level keys of a JSON object in document order.
func objectKeys(raw []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	t, err := dec.Token()
	if err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// tokenTypeOf applies §4: ext_token_type wins over token_type_extension; neither → "Default".
func tokenTypeOf(req *dcrRequest) string {
	switch {
	case req.ExtTokenType != "":
		return req.ExtTokenType
	case req.TokenTypeExtension != "":
		return req.TokenTypeExtension
	}
	return "Default"
}

// dcrCreate serves POST /register → 201 (§7).
func (s *server) dcrCreate(w http.ResponseWriter, r *http.Request) {
	if !s.dcrAuth(r, "internal_dcr_create") {
		// UNCONFIRMED (§7): body of an unauthenticated DCR call; chose 401 without body.
		dcrStatus(w, http.StatusUnauthorized)
		return
	}
	req, fields, err := decodeDCR(r, s.p.dcrFields)
	if err != nil {
		dcrError(w, "invalid_client_metadata", err.Error())
		return
	}
	if bad := s.refusedRedirect(req.RedirectURIs); bad != "" {
		dcrError(w, "invalid_redirect_uri", "Invalid redirect URI: "+bad)
		return
	}
	if s.faults.On("is-dcr-refuses-token-exchange") && slices.Contains(req.GrantTypes, grantTokenExchange) {
		// fault is-dcr-refuses-token-exchange: the regression older IS DCRs had (api-manager#1371).
		dcrError(w, "invalid_client_metadata", "Invalid grant type : "+grantTokenExchange)
		return
	}
	name := ""
	if req.ClientName != nil {
		name = *req.ClientName
	}
	a := &app{
		clientID: req.ExtParamClientID, clientSecret: req.ExtParamClientSecret, name: name,
		owner: s.admin.name, grantTypes: req.GrantTypes, redirectURIs: req.RedirectURIs,
		tokenType: tokenTypeOf(req), fields: fields,
		appTokenLifetime: defaultTokenLifetime, userTokenLifetime: defaultTokenLifetime,
		refreshTokenLifetime: defaultRefreshLifetime, idTokenLifetime: defaultTokenLifetime, org: orgOf(r),
	}
	applyLifetimes(a, req)
	if a.clientID == "" {
		a.clientID = newClientKey()
	}
	if a.clientSecret == "" {
		a.clientSecret = newClientKey()
	}
	s.mu.Lock()
	for _, other := range s.apps {
		if other.name == a.name {
			s.mu.Unlock()
			status := http.StatusBadRequest
			if s.faults.On("is-dcr-duplicate-409") {
				status = http.StatusConflict
			}
			dcrErrorStatus(w, status, "invalid_client_metadata", "Application with the name "+a.name+" already exist in the system")
			return
		}
	}
	if s.apps[a.clientID] != nil {
		s.mu.Unlock()
		dcrError(w, "invalid_client_metadata", "Client id "+a.clientID+" already exist in the system")
		return
	}
	s.apps[a.clientID] = a
	body := s.dcrBody(a)
	s.mu.Unlock()
	s.log.Info(logDCR, "OAuth application %s registered with client id %s (token type %s)", a.name, a.clientID, a.tokenType)
	dcrJSON(w, http.StatusCreated, body)
}

func applyLifetimes(a *app, req *dcrRequest) {
	if v := req.ExtApplicationTokenLifetime; v != nil && *v > 0 {
		a.appTokenLifetime = *v
	}
	if v := req.ExtUserTokenLifetime; v != nil && *v > 0 {
		a.userTokenLifetime = *v
	}
	if v := req.ExtRefreshTokenLifetime; v != nil && *v > 0 {
		a.refreshTokenLifetime = *v
	}
	if v := req.ExtIDTokenLifetime; v != nil && *v > 0 {
		a.idTokenLifetime = *v
	}
	if v := req.ExtPublicClient; v != nil {
		a.publicClient = *v
	}
}

// dcrGet serves GET /register/{client_id}: 200, or 401 without body for an unknown client (§7).
func (s *server) dcrGet(w http.ResponseWriter, r *http.Request) {
	s.dcrLookup(w, r, func() *app { return s.apps[r.PathValue("client_id")] })
}

// dcrByName serves GET /register?client_name=<name>. derived (§7): a missing application is a NOT_FOUND
// error code, which maps to 401 without body like the client-id lookups.
func (s *server) dcrByName(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("client_name")
	s.dcrLookup(w, r, func() *app {
		for _, a := range s.apps {
			if name != "" && a.name == name {
				return a
			}
		}
		return nil
	})
}

// dcrLookup answers 200 with the application find picks (called under s.mu), or 401 without body when
// it picks none or the caller is not the admin (§7).
func (s *server) dcrLookup(w http.ResponseWriter, r *http.Request, find func() *app) {
	if !s.dcrAuth(r, "internal_dcr_view") {
		dcrStatus(w, http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	var body []byte
	if a := find(); a != nil && a.org == orgOf(r) {
		body = s.dcrBody(a)
	}
	s.mu.Unlock()
	if body == nil {
		dcrStatus(w, http.StatusUnauthorized)
		return
	}
	dcrJSON(w, http.StatusOK, body)
}

// dcrUpdate serves PUT /register/{client_id} → 200. UNCONFIRMED (§7): fields absent from the update
// keep their values; chose merge semantics, with client_secret replacing the secret when given.
func (s *server) dcrUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.dcrAuth(r, "internal_dcr_update") {
		dcrStatus(w, http.StatusUnauthorized)
		return
	}
	id := r.PathValue("client_id")
	// §7: Jackson binds the body (JsonProcessingExceptionMapper → 400 on an unknown field) before
	// RegisterApiServiceImpl looks the client up (unknown client → 401, no body).
	req, fields, err := decodeDCR(r, s.p.dcrUpdateFields)
	if err != nil {
		dcrError(w, "invalid_client_metadata", err.Error())
		return
	}
	s.mu.Lock()
	a := s.apps[id]
	if a == nil || a.org != orgOf(r) {
		s.mu.Unlock()
		dcrStatus(w, http.StatusUnauthorized)
		return
	}
	if bad := s.refusedRedirect(req.RedirectURIs); bad != "" {
		s.mu.Unlock()
		dcrError(w, "invalid_redirect_uri", "Invalid redirect URI: "+bad)
		return
	}
	if req.ClientName != nil && *req.ClientName != a.name {
		for _, other := range s.apps {
			if other != a && other.name == *req.ClientName {
				s.mu.Unlock()
				dcrError(w, "invalid_client_metadata", "Application with the name "+*req.ClientName+" already exist in the system")
				return
			}
		}
		a.name = *req.ClientName
	}
	if req.GrantTypes != nil {
		a.grantTypes = req.GrantTypes
	}
	if req.RedirectURIs != nil {
		a.redirectURIs = req.RedirectURIs
	}
	if req.ExtTokenType != "" || req.TokenTypeExtension != "" {
		a.tokenType = tokenTypeOf(req)
	}
	if req.ClientSecret != "" {
		a.clientSecret = req.ClientSecret
	}
	applyLifetimes(a, req)
	for k, v := range fields {
		a.fields[k] = v
	}
	body := s.dcrBody(a)
	s.mu.Unlock()
	s.log.Info(logDCR, "OAuth application with client id %s updated", id)
	dcrJSON(w, http.StatusOK, body)
}

// dcrDelete serves DELETE /register/{client_id} → 204. The app's tokens stop being valid.
// UNCONFIRMED (§9 point 5): whether deletion notifies API-M; chose no notification.
func (s *server) dcrDelete(w http.ResponseWriter, r *http.Request) {
	if !s.dcrAuth(r, "internal_dcr_delete") {
		dcrStatus(w, http.StatusUnauthorized)
		return
	}
	id := r.PathValue("client_id")
	s.mu.Lock()
	a := s.apps[id]
	if a != nil && a.org != orgOf(r) {
		a = nil
	}
	if a != nil {
		delete(s.apps, id)
	}
	if a != nil && !s.faults.On("is-dcr-delete-keeps-tokens") {
		for k, t := range s.access {
			if t.clientID == id {
				delete(s.access, k)
			}
		}
		for k, t := range s.refresh {
			if t.clientID == id {
				delete(s.refresh, k)
			}
		}
	}
	s.mu.Unlock()
	if a == nil {
		dcrStatus(w, http.StatusUnauthorized)
		return
	}
	s.log.Info(logDCR, "OAuth application with client id %s deleted", id)
	w.WriteHeader(http.StatusNoContent)
}

// dcrBody renders ApplicationDTO in declaration order (§7). UNCONFIRMED (§7): whether absent values are
// written as null; chose null, Jackson's default without @JsonInclude. Callers hold s.mu.
func (s *server) dcrBody(a *app) []byte {
	echo := func(k string) any {
		if v, ok := a.fields[k]; ok {
			return v
		}
		return nil
	}
	flag := func(k string) any {
		var b bool
		if v, ok := a.fields[k]; ok {
			_ = json.Unmarshal(v, &b)
		}
		return b
	}
	displayName := echo("ext_application_display_name")
	pairs := []kv{
		{"client_id", a.clientID},
		{"client_secret", a.clientSecret},
		{"client_secret_expires_at", 0},
		{"redirect_uris", nonNil(a.redirectURIs)},
		{"grant_types", nonNil(a.grantTypes)},
		{"client_name", a.name},
		{"ext_application_display_name", displayName},
		{"ext_application_owner", a.owner},
		{"ext_application_token_lifetime", a.appTokenLifetime},
		{"ext_user_token_lifetime", a.userTokenLifetime},
		{"ext_refresh_token_lifetime", a.refreshTokenLifetime},
		{"ext_id_token_lifetime", a.idTokenLifetime},
		{"ext_pkce_mandatory", flag("ext_pkce_mandatory")},
		{"ext_pkce_support_plain", flag("ext_pkce_support_plain")},
		{"ext_public_client", a.publicClient},
		{"token_type_extension", a.tokenType},
		{"ext_token_type", a.tokenType},
	}
	for _, k := range []string{"jwks_uri", "token_endpoint_auth_method", "token_endpoint_auth_signing_alg",
		"sector_identifier_uri", "id_token_signed_response_alg", "id_token_encrypted_response_alg",
		"id_token_encrypted_response_enc", "request_object_signing_alg", "tls_client_auth_subject_dn"} {
		pairs = append(pairs, kv{k, echo(k)})
	}
	pairs = append(pairs,
		kv{"require_pushed_authorization_requests", flag("require_pushed_authorization_requests")},
		kv{"require_signed_request_object", flag("require_signed_request_object")},
		kv{"tls_client_certificate_bound_access_tokens", flag("tls_client_certificate_bound_access_tokens")},
	)
	for _, k := range []string{"subject_type", "request_object_encryption_alg", "request_object_encryption_enc", "software_statement"} {
		pairs = append(pairs, kv{k, echo(k)})
	}
	if s.p.dcrNewFields {
		pairs = append(pairs,
			kv{"ext_application_version", echo("ext_application_version")},
			kv{"token_endpoint_allow_reuse_pvt_key_jwt", flag("token_endpoint_allow_reuse_pvt_key_jwt")},
			kv{"ext_allowed_audience", echo("ext_allowed_audience")},
		)
	}
	return orderedJSON(pairs)
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
