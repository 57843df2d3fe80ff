package is

import (
	"net/http"
	"net/url"
	"slices"
	"time"
)

// grantResult is what a grant handler decides: who the token is for and what it carries.
type grantResult struct {
	user         string
	appToken     bool
	scopes       []string
	issueRefresh bool
	previous     *token       // refresh_token grant: the token being renewed
	onIssued     func(*token) // called with the issued token (authorization_code: replay revocation)
	extra        []kv         // custom response parameters (token exchange: issued_token_type)
	// fedIdP names the external identity provider that asserted user (jwt-bearer, token exchange,
	// saml2-bearer); "" for a user of the local store.
	fedIdP string
	// subject is the user's id when the grant already knows it (refresh_token: the renewed token's).
	subject string
	nonce   string // authorization_code: the authorize request's nonce, put in the ID token
}

// grantHandler validates one grant for an authenticated client.
type grantHandler struct {
	required []string // parameters Oltu's validator requires
	handle   func(s *server, a *app, params url.Values) (*grantResult, *oauthError)
}

// grants is the server-wide grant registry; a grant not in it is unsupported_grant_type (§4).
var grants = map[string]grantHandler{
	"client_credentials":    {handle: grantClientCredentials},
	"password":              {required: []string{"username", "password"}, handle: grantPassword},
	"refresh_token":         {required: []string{"refresh_token"}, handle: grantRefresh},
	"authorization_code":    {required: []string{"code"}, handle: grantAuthorizationCode},
	grantDeviceCode:         {required: []string{"device_code"}, handle: grantDevice},
	grantJWTBearer:          {required: []string{"assertion"}, handle: grantJWT},
	grantTokenExchange:      {required: []string{"subject_token", "subject_token_type"}, handle: grantExchange},
	grantSAML2Bearer:        {required: []string{"assertion"}, handle: grantSAML},
	grantNTLM:               {required: []string{"windows_token"}, handle: grantIWANTLM},
	grantAccountSwitch:      {handle: grantSwitch},
	grantOrganizationSwitch: {handle: grantSwitch},
}

// tokenEndpoint serves POST /oauth2/token (identity-server-7.md §4). Order of checks follows
// OAuth2TokenEndpoint: repeated parameters, request validation, client authentication, grant allowed
// for the app, grant validation.
func (s *server) tokenEndpoint(w http.ResponseWriter, r *http.Request) {
	params, err := readParams(r)
	if err != nil {
		(&oauthError{status: 400, code: "invalid_request", desc: "Invalid request"}).write(w)
		return
	}
	if repeated(params) {
		(&oauthError{status: 400, code: "invalid_request", desc: "Invalid request with repeated parameters."}).write(w)
		return
	}
	gt := params.Get("grant_type")
	if gt == "" {
		(&oauthError{status: 400, code: "invalid_request", desc: "Missing grant_type parameter value"}).write(w)
		return
	}
	g, ok := grants[gt]
	if gt == grantNTLM && s.faults.On("is-ntlm-grant-unregistered") {
		ok = false // fault is-ntlm-grant-unregistered: the handler is missing from the registry
	}
	if !ok {
		(&oauthError{status: 400, code: "unsupported_grant_type", desc: "Unsupported grant type : " + gt + ", is used."}).write(w)
		return
	}
	var missing []string
	for _, p := range g.required {
		if params.Get(p) == "" {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		// derived (Oltu AbstractValidator): "Missing parameters: a b".
		(&oauthError{status: 400, code: "invalid_request", desc: "Missing parameters: " + joinSpace(missing)}).write(w)
		return
	}
	a, oerr := s.authenticateClientIn(readClientCreds(r, params), orgOf(r))
	if oerr != nil {
		oerr.write(w)
		return
	}
	allowed := a.allows(gt) || s.faults.On("is-token-ignores-app-grants")
	if gt == grantDeviceCode && s.faults.On("is-device-grant-refused") {
		allowed = false
	}
	if !allowed {
		(&oauthError{status: 400, code: "unauthorized_client",
			desc: "The authenticated client is not authorized to use this authorization grant type"}).write(w)
		return
	}
	res, oerr := g.handle(s, a, params)
	if oerr != nil {
		oerr.write(w)
		return
	}
	t, err := s.issue(a, res)
	if err != nil {
		s.log.Error(logOAuth, "Error while issuing access token for client %s: %v", a.clientID, err)
		(&oauthError{status: 500, code: "server_error", desc: "Internal Server Error."}).write(w)
		return
	}
	if res.previous != nil && !s.faults.On("is-no-renewal-event") {
		s.notif.renewed(res.previous) // §9 point 3
	}
	if res.onIssued != nil {
		res.onIssued(t)
	}
	pairs := []kv{{"access_token", t.access}}
	if t.refresh != "" {
		pairs = append(pairs, kv{"refresh_token", t.refresh})
	}
	// UNCONFIRMED (§4, UNCONFIRMED-3): whether "scope" appears when no scope was granted; chose to omit it.
	if len(t.scopes) > 0 {
		pairs = append(pairs, kv{"scope", joinSpace(t.scopes)})
	}
	// §4: id_token when the token carries openid (user tokens only; an application token never gets it).
	if !t.appToken && slices.Contains(t.scopes, "openid") {
		idt, err := s.signIDToken(a, t, res.nonce)
		if err != nil {
			s.log.Error(logOAuth, "Error while signing the ID token for client %s: %v", a.clientID, err)
			(&oauthError{status: 500, code: "server_error", desc: "Internal Server Error."}).write(w)
			return
		}
		pairs = append(pairs, kv{"id_token", idt})
	}
	pairs = append(pairs, kv{"token_type", "Bearer"}, kv{"expires_in", int64(t.validity / time.Second)})
	pairs = append(pairs, res.extra...)
	w.Header().Set("Content-Type", "application/json")
	if !s.faults.On("is-token-response-cacheable") {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(orderedJSON(pairs))
}

func joinSpace(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}
