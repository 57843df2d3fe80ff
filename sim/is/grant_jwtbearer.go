package is

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const grantJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// Validation windows of JWTBearerGrantHandler (§4): iat at most 60 minutes old; clock skew is IS's
// TimestampSkew default of 300 s (derived: JWTG uses OAuthServerConfiguration#getTimeStampSkewInSeconds).
const (
	jwtIATWindow = 60 * time.Minute
	jwtSkew      = 300 * time.Second
)

// jwksValidationEnabled is JWTValidatorConfigs.Enable. UNCONFIRMED (§4, UNCONFIRMED-2): its default in
// IS 7's identity.xml; chose true, so an IdP with a jwksUri is validated against its JWKS.
const jwksValidationEnabled = true

// fedJWT is a federated JWT (jwt-bearer assertion or token-exchange subject token) with its issuer.
type fedJWT struct {
	raw      string
	claims   jwt.MapClaims
	idp      *idp // nil: the resident IdP
	alias    string
	certs    []*x509.Certificate
	jwksURI  string
	idpLabel string
}

// fedIdP is the name of the external IdP that issued the JWT, "" for the resident IdP (whose subjects
// are local users).
func (f *fedJWT) fedIdP() string {
	if f.idp == nil {
		return ""
	}
	return f.idp.name
}

var errSignature = errors.New("Signature or Message Authentication invalid.")

// parseFederated reads the claims without verification and resolves the issuing IdP (§4): IdP by
// idpIssuerName, then by name, then the resident IdP when iss is IS's own issuer (alias: its token URL,
// certificate: the primary key's).
func (s *server) parseFederated(raw string) (*fedJWT, string, error) {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(raw, claims); err != nil {
		return nil, "", fmt.Errorf("parse JWT: %w", err)
	}
	f := &fedJWT{raw: raw, claims: claims}
	iss, _ := claims["iss"].(string)
	if p := s.idpForIssuer(iss); p != nil {
		f.idp, f.alias, f.certs, f.jwksURI, f.idpLabel = p, p.alias, p.certs, p.jwksURI, p.name
	} else if iss != "" && iss == s.issuer() {
		f.alias, f.certs, f.idpLabel = s.issuer(), []*x509.Certificate{s.keys[0].chain[0]}, "LOCAL"
	}
	return f, iss, nil // idpLabel "" when no IdP matched
}

// mandatoryPresent: iss, sub, exp and aud must all be present (§4).
func (f *fedJWT) mandatoryPresent() bool {
	iss, _ := f.claims["iss"].(string)
	sub, _ := f.claims["sub"].(string)
	_, hasExp := f.claims["exp"]
	return iss != "" && sub != "" && hasExp && len(f.audience()) > 0
}

func (f *fedJWT) audience() []string {
	aud, _ := f.claims.GetAudience()
	return aud
}

func (f *fedJWT) numeric(name string) (time.Time, bool) {
	v, ok := f.claims[name].(float64)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(int64(v), 0), true
}

// verifySignature checks the RS256/384/512 signature with the IdP's JWKS (when it has a jwksUri and
// JWKS validation is on) or its certificate, whose validity period is enforced first
// (JWTValidatorConfigs.EnforceCertificateExpiryTimeValidity, §2).
func (s *server) verifySignature(f *fedJWT) error {
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"RS256", "RS384", "RS512"}), jwt.WithoutClaimsValidation())
	var keys []*rsa.PublicKey
	if f.jwksURI != "" && jwksValidationEnabled {
		k, err := s.fetchJWKS(f.jwksURI)
		if err != nil {
			s.log.Error("org.wso2.carbon.identity.oauth2.grant.jwt.JWTBearerGrantHandler", "Error while fetching JWKS of %s: %v", f.idpLabel, err)
			return errSignature
		}
		keys = k
	} else {
		if len(f.certs) == 0 {
			return errSignature
		}
		c := f.certs[0]
		now := s.now()
		// UNCONFIRMED (§2, §4): the texts of JWTBearerGrantHandler#checkValidity; chose these.
		if now.After(c.NotAfter) {
			return errors.New("X509Certificate has expired.")
		}
		if now.Before(c.NotBefore) {
			return errors.New("X509Certificate is not yet valid.")
		}
		pk, ok := c.PublicKey.(*rsa.PublicKey)
		if !ok {
			return errSignature
		}
		keys = []*rsa.PublicKey{pk}
	}
	for _, k := range keys {
		if _, err := parser.Parse(f.raw, func(*jwt.Token) (any, error) { return k, nil }); err == nil {
			return nil
		}
	}
	return errSignature
}

// fetchJWKS reads the RSA keys of a JWKS document.
func (s *server) fetchJWKS(uri string) ([]*rsa.PublicKey, error) {
	resp, err := s.gs.client.Get(uri)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", uri, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get %s: status %d", uri, resp.StatusCode)
	}
	var doc struct {
		Keys []struct{ Kty, N, E string } `json:"keys"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode JWKS %s: %w", uri, err)
	}
	var out []*rsa.PublicKey
	for _, k := range doc.Keys {
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if k.Kty != "RSA" || err1 != nil || err2 != nil {
			continue
		}
		out = append(out, &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())})
	}
	return out, nil
}

// checkTimes applies exp, nbf and iat (60-minute window), each with the clock skew (§4).
func (s *server) checkTimes(f *fedJWT) string {
	now := s.now()
	if exp, _ := f.numeric("exp"); !now.Before(exp.Add(jwtSkew)) {
		return "JSON Web Token is expired."
	}
	if nbf, ok := f.numeric("nbf"); ok && now.Add(jwtSkew).Before(nbf) {
		// UNCONFIRMED (§4): the nbf text; chose JWTBearerGrantHandler's as known from the product.
		return "JSON Web Token is used before Not_Before_Time."
	}
	if iat, ok := f.numeric("iat"); ok && now.Sub(iat) > jwtIATWindow+jwtSkew {
		// UNCONFIRMED (§4): the iat text; chose this one.
		return "JSON Web Token is issued before the allowed time."
	}
	return ""
}

func jwtGrantErr(desc string) *oauthError {
	return &oauthError{status: 400, code: "invalid_grant", desc: desc}
}

// grantJWT is JWTBearerGrantHandler (§4): mandatory claims, IdP, signature, audience = IdP alias,
// exp/nbf/iat, jti replay; every failure 400 invalid_grant.
func grantJWT(s *server, a *app, params url.Values) (*grantResult, *oauthError) {
	f, iss, err := s.parseFederated(params.Get("assertion"))
	if err != nil {
		// UNCONFIRMED (§4): the text for an unparsable assertion; chose this one.
		return nil, jwtGrantErr("Error while parsing the JWT.")
	}
	if !f.mandatoryPresent() {
		return nil, jwtGrantErr("Mandatory fields(Issuer, Subject, Expiration time or Audience) are empty in the given JSON Web Token.")
	}
	if f.idpLabel == "" {
		return nil, jwtGrantErr("No registered identity provider found for the JWT with issuer name : " + iss)
	}
	if err := s.verifySignature(f); err != nil {
		return nil, jwtGrantErr(err.Error())
	}
	if !slices.Contains(f.audience(), f.alias) && !s.faults.On("is-jwt-bearer-ignores-audience") {
		return nil, jwtGrantErr("None of the audience values matched the tokenEndpoint Alias " + f.alias)
	}
	if msg := s.checkTimes(f); msg != "" {
		return nil, jwtGrantErr(msg)
	}
	if jti, _ := f.claims["jti"].(string); jti != "" {
		exp, _ := f.numeric("exp")
		g := s.gs
		g.mu.Lock()
		until, seen := g.jtis[jti]
		if !seen || !s.now().Before(until) {
			g.jtis[jti] = exp.Add(jwtSkew)
		}
		g.mu.Unlock()
		if seen && s.now().Before(until) {
			// UNCONFIRMED (§4): the replay text; chose this one.
			return nil, jwtGrantErr("JWT Token with jti: " + jti + " has been replayed")
		}
	}
	sub, _ := f.claims["sub"].(string)
	return &grantResult{user: sub, fedIdP: f.fedIdP(), scopes: grantedScopes(scopesOf(params.Get("scope")), false),
		// UNCONFIRMED (§4): chose a refresh token only when the app has refresh_token, as for password.
		issueRefresh: a.allows("refresh_token")}, nil
}
