package is

import (
	"encoding/json"
	"slices"
	"time"
)

// user is a user of the super tenant: the [super_admin], or one created through SCIM2 (users.go).
type user struct {
	name, password, id string
}

// app is an OAuth application registered through DCR.
type app struct {
	clientID, clientSecret string
	name                   string
	owner                  string
	grantTypes             []string
	redirectURIs           []string
	tokenType              string // as registered (ext_token_type, else token_type_extension, else "Default")
	appTokenLifetime       int64  // seconds, client_credentials tokens
	userTokenLifetime      int64  // seconds, user tokens
	refreshTokenLifetime   int64
	idTokenLifetime        int64
	publicClient           bool
	fields                 map[string]json.RawMessage // request fields, echoed in the DCR response
	org                    string                     // the organization it was registered in ("" root; organization.go)
}

// jwtTokens reports whether the app issues JWT access tokens. UNCONFIRMED (identity-server-7.md
// UNCONFIRMED-10): values other than "JWT" (e.g. API-M's TOKEN_TYPE_DEFAULT) — chose to issue opaque
// tokens, as for "Default".
func (a *app) jwtTokens() bool { return a.tokenType == "JWT" }

func (a *app) allows(grant string) bool { return slices.Contains(a.grantTypes, grant) }

// token is one issued access token with its refresh token.
type token struct {
	access, jti, refresh string
	clientID             string
	user                 string // authorized user (the app owner for client_credentials)
	appToken             bool   // client_credentials: aut APPLICATION, JWT sub = client_id
	subjectID            string // the user's id, fixed at issue time ("" for application tokens)
	fedIdP               string // external IdP of a federated user, "" for a local user
	scopes               []string
	jwt                  bool
	tokenType            string // the app's token type when issued, for the notification
	issued               time.Time
	validity             time.Duration
	refreshIssued        time.Time
	refreshValidity      time.Duration
	accessRevoked        bool
	refreshRevoked       bool
	renewed              bool   // issued by the refresh_token grant
	org                  string // the organization of its application ("" root)
}

func (t *token) expiry() time.Time        { return t.issued.Add(t.validity) }
func (t *token) refreshExpiry() time.Time { return t.refreshIssued.Add(t.refreshValidity) }

func (t *token) accessActive(now time.Time) bool {
	return !t.accessRevoked && now.Before(t.expiry())
}

func (t *token) refreshActive(now time.Time) bool {
	return t.refresh != "" && !t.refreshRevoked && now.Before(t.refreshExpiry())
}

// lookupAccess returns the token whose access token is tok (nil if unknown). Callers hold s.mu.
func (s *server) lookupAccess(tok string) *token { return s.access[tok] }

// lookupRefresh returns the token whose refresh token is tok. Callers hold s.mu.
func (s *server) lookupRefresh(tok string) *token { return s.refresh[tok] }
