package apim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/kmconform/kmconform/sim/home"
)

// residentClient is an OAuth app of API-M's own (Resident) key manager.
type residentClient struct {
	ID, Secret, Owner, Name, AppID, KeyType string
	Grants                                  []string
	Callback                                string // client-registration callbackUrl
	SaaS                                    bool   // client-registration saasApp
}

// signingKey is one private-key entry of [keystore.primary].
type signingKey struct {
	kid   string
	priv  *rsa.PrivateKey
	chain []*x509.Certificate
}

type signingKeys []signingKey

func newSigningKeys(entries []home.KeyEntry) (signingKeys, error) {
	var out signingKeys
	for _, e := range entries {
		priv, ok := e.Key.(*rsa.PrivateKey)
		if !ok || len(e.Chain) == 0 {
			continue
		}
		out = append(out, signingKey{kid: keyID(e.Chain[0]), priv: priv, chain: e.Chain})
	}
	if len(out) == 0 {
		return nil, errors.New("no RSA private key with a certificate")
	}
	return out, nil
}

// keyID is IS's kid (identity-server-7.md §4): base64url-no-pad(lowercase hex(SHA-256(cert DER))) + "_RS256".
func keyID(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString([]byte(hex.EncodeToString(sum[:]))) + "_RS256"
}

func randomKey() string {
	b := make([]byte, 21)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) residentIssuer() string { return s.cfg.baseURL() + "/oauth2/token" }

const residentTokenValidity = 3600 * time.Second

// oauthError writes the token endpoint's {"error","error_description"} body.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="null"`)
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// residentToken is the Resident KM's /oauth2/token: client_credentials, password (super admin) and
// token-exchange (exchange.go) grants, issuing RS256 JWTs signed with the primary key.
func (s *Server) residentToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid request")
		return
	}
	if r.PostForm.Get("grant_type") == grantTokenExchange {
		if e := s.exchangeParams(r.PostForm); e != nil {
			oauthError(w, e.status, e.code, e.desc)
			return
		}
	}
	id, secret, basic := r.BasicAuth()
	if formID := r.PostForm.Get("client_id"); formID != "" {
		if basic && r.PostForm.Get("client_secret") != "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "The client MUST NOT use more than one authentication method in each")
			return
		}
		if !basic {
			id, secret = formID, r.PostForm.Get("client_secret")
		}
	}
	if id == "" {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Client ID not found in the request.")
		return
	}
	s.mu.Lock()
	c := s.st.residentClients[id]
	s.mu.Unlock()
	if c == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "A valid OAuth client could not be found for client_id: "+id)
		return
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) != 1 {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Client credentials are invalid.")
		return
	}
	grant := r.PostForm.Get("grant_type")
	var sub, aut string
	extra := map[string]any{}
	switch grant {
	case "client_credentials":
		// UNCONFIRMED (not in the references): chose the app owner as sub of API-M's own app tokens.
		sub, aut = c.Owner, "APPLICATION"
	case "password":
		user := r.PostForm.Get("username")
		if user != s.cfg.admin || subtle.ConstantTimeCompare([]byte(r.PostForm.Get("password")), []byte(s.cfg.password)) != 1 {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Authentication failed for "+user)
			return
		}
		sub, aut = user, "APPLICATION_USER"
	case grantTokenExchange:
		// The grant must be the app's before the subject token is looked at (AccessTokenIssuer order).
		if !slices.Contains(c.Grants, grant) && !s.opt.Faults.On("apim-exchange-ignores-app-grants") {
			oauthError(w, http.StatusBadRequest, "unauthorized_client", "The authenticated client is not authorized to use this authorization grant type")
			return
		}
		subject, e := s.exchangeSubject(r.Context(), r.PostForm)
		if e != nil {
			oauthError(w, e.status, e.code, e.desc)
			return
		}
		if s.opt.Faults.On("apim-exchange-drops-subject") {
			subject = c.Owner
		}
		// UNCONFIRMED (identity-server-7.md §4 gives the response's issued_token_type only): chose aut
		// APPLICATION_USER for the exchanged token and no refresh token.
		sub, aut = subject, "APPLICATION_USER"
		issued := r.PostForm.Get("requested_token_type")
		if issued == "" {
			issued = tokenTypeJWT
		}
		extra["issued_token_type"] = issued
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "Missing grant_type parameter value")
		return
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type : "+grant+", is used.")
		return
	}
	if !slices.Contains(c.Grants, grant) && grant != grantTokenExchange {
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "The authenticated client is not authorized to use this authorization grant type")
		return
	}
	scope := strings.Join(strings.Fields(r.PostForm.Get("scope")), " ")
	if scope == "" {
		// UNCONFIRMED (identity-server-7.md §4 and UNCONFIRMED item 3 leave it open): chose "default" as the
		// scope of a token requested without one.
		scope = "default"
	}
	tok, err := s.issueResidentJWT(c, sub, aut, scope)
	if err != nil {
		s.log.Error("org.wso2.carbon.identity.oauth2.token.JWTTokenIssuer", "Error while signing the JWT: %v", err)
		oauthError(w, http.StatusInternalServerError, "server_error", "Internal Server Error.")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	body := map[string]any{"access_token": tok, "scope": scope, "token_type": "Bearer",
		"expires_in": int(residentTokenValidity.Seconds())}
	for k, v := range extra {
		body[k] = v
	}
	writeJSON(w, http.StatusOK, body)
}

// issueResidentJWT signs a Resident-KM access token. API-M's Resident KM is its embedded IS, whose JWT
// issuer identity-server-7.md §4 describes for IS 7; the API-M references do not describe its tokens.
func (s *Server) issueResidentJWT(c *residentClient, sub, aut, scope string) (string, error) {
	now := s.now()
	k := s.signer[0]
	// UNCONFIRMED (api-manager-4.md has no Resident-KM token header): chose IS 7's typ "at+jwt" and kid
	// formula (identity-server-7.md §4) for the embedded IS, and no x5t header.
	header := map[string]any{"typ": "at+jwt", "alg": "RS256", "kid": k.kid}
	cl := claims{
		// derived (identity-server-7.md §4: Nimbus JWTClaimsSet writes a one-element audience list as a
		// plain string): the default audience [client_id] is "aud":"<client_id>", as for IS 7.
		"iss": s.residentIssuer(), "sub": sub, "aut": aut, "aud": c.ID, "azp": c.ID, "client_id": c.ID,
		"scope": scope, "nbf": now.Unix(), "iat": now.Unix(), "exp": now.Add(residentTokenValidity).Unix(),
		"jti": uuid.NewString(), "realm": map[string]any{"signing_tenant": "carbon.super"},
	}
	if c.KeyType != "" {
		// UNCONFIRMED (not in the references): chose a "keytype" claim (PRODUCTION/SANDBOX) on tokens of
		// devportal-created apps, as API-M's key manager adds for its own apps.
		cl["keytype"] = c.KeyType
	}
	return signRS256(k.priv, header, cl)
}

// verifyResidentJWT validates a token API-M issued itself: signature by kid, expiry, issuer, revocation.
func (s *Server) verifyResidentJWT(tok string) (claims, error) {
	p, err := parseJWT(tok)
	if err != nil {
		return nil, err
	}
	kid, _ := p.header["kid"].(string)
	var key *signingKey
	for i := range s.signer {
		if s.signer[i].kid == kid {
			key = &s.signer[i]
		}
	}
	if key == nil {
		return nil, fmt.Errorf("unknown kid %q", kid)
	}
	if err := p.verify(&key.priv.PublicKey); err != nil {
		return nil, err
	}
	if p.claims.str("iss") != s.residentIssuer() {
		return nil, errors.New("issuer mismatch")
	}
	if exp, ok := p.claims.time("exp"); !ok || s.now().After(exp) {
		return nil, errors.New("token expired")
	}
	s.mu.Lock()
	_, revoked := s.st.revoked[p.claims.str("jti")]
	s.mu.Unlock()
	if revoked {
		return nil, errors.New("token revoked")
	}
	return p.claims, nil
}

// residentJWKS publishes one JWK per private-key entry of the primary keystore.
func (s *Server) residentJWKS(w http.ResponseWriter, _ *http.Request) {
	keys := []map[string]any{}
	for _, k := range s.signer {
		var x5c []string
		for _, c := range k.chain {
			x5c = append(x5c, base64.StdEncoding.EncodeToString(c.Raw))
		}
		sum := sha256.Sum256(k.chain[0].Raw)
		keys = append(keys, map[string]any{
			"kty": "RSA", "alg": "RS256", "use": "sig", "kid": k.kid,
			"n":   base64.RawURLEncoding.EncodeToString(k.priv.N.Bytes()),
			"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.priv.E)).Bytes()),
			"x5c": x5c, "x5t#S256": base64.RawURLEncoding.EncodeToString(sum[:]),
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}
