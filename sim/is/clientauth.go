package is

import (
	"crypto/subtle"
	"net/http"
	"net/url"
)

// clientCreds are the client credentials of a request: client_secret_basic or client_secret_post.
type clientCreds struct {
	id, secret  string
	basic, post bool
}

func readClientCreds(r *http.Request, params url.Values) clientCreds {
	var c clientCreds
	if id, secret, ok := r.BasicAuth(); ok {
		c.id, c.secret, c.basic = id, secret, true
	}
	switch {
	case params.Has("client_secret") && c.basic:
		c.post = true // both methods: refused by authenticateClient
	case params.Has("client_secret"):
		c.id, c.secret, c.post = params.Get("client_id"), params.Get("client_secret"), true
	case !c.basic:
		c.id = params.Get("client_id") // public clients send client_id only
	}
	return c
}

// authenticateClient authenticates the client of a token request (identity-server-7.md §4 error
// table). A public client (ext_public_client) needs only its client_id.
func (s *server) authenticateClient(c clientCreds) (*app, *oauthError) {
	if c.basic && c.post {
		return nil, &oauthError{status: 400, code: "invalid_request",
			desc: "The client MUST NOT use more than one authentication method in each"}
	}
	if c.id == "" {
		return nil, s.invalidClient("Client ID not found in the request.")
	}
	s.mu.Lock()
	a := s.apps[c.id]
	s.mu.Unlock()
	if a == nil {
		return nil, s.invalidClient("A valid OAuth client could not be found for client_id: " + c.id)
	}
	if a.publicClient && !c.basic && !c.post {
		return a, nil
	}
	if subtle.ConstantTimeCompare([]byte(c.secret), []byte(a.clientSecret)) != 1 || (!c.basic && !c.post) {
		return nil, s.invalidClient("Client credentials are invalid.")
	}
	return a, nil
}

// authenticateClientIn is authenticateClient for a request made in organization org ("" for the root
// tenant): an application of another organization (or of the root tenant) is unknown there
// (organization.go), a check made after every other so the errors of authenticateClient come first.
func (s *server) authenticateClientIn(c clientCreds, org string) (*app, *oauthError) {
	a, oerr := s.authenticateClient(c)
	if oerr == nil && a.org != org {
		return nil, s.invalidClient("A valid OAuth client could not be found for client_id: " + a.clientID)
	}
	return a, oerr
}

// invalidClient is 401 invalid_client with WWW-Authenticate (OAuth2TokenEndpoint#handleBasicAuthFailure).
// UNCONFIRMED (identity-server-7.md §4): the header value; chose Basic realm=<hostname> after
// EndpointUtil#getRealmInfo.
func (s *server) invalidClient(desc string) *oauthError {
	return &oauthError{status: 401, code: "invalid_client", desc: desc, wwwAuth: "Basic realm=" + s.h.Hostname()}
}

// adminAuth checks Basic credentials of the super admin (DCR, introspection).
func (s *server) adminAuth(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	if !ok {
		return false
	}
	return s.isAdmin(u, p)
}

// isAdmin authenticates the super admin through the user store, so a password changed over SCIM2 (or
// a locked admin account) applies here as on the product.
func (s *server) isAdmin(name, password string) bool {
	u := s.authenticateUser(name, password)
	return u != nil && u.id == s.admin.id
}
