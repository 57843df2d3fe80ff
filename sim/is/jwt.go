package is

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// signAccessJWT builds the JWT access token of identity-server-7.md §4 (JWTTokenIssuer): header
// {x5t, kid, typ "at+jwt", alg RS256}, claims iss, sub, aut, azp, client_id, aud, iat, nbf, exp, jti,
// scope (omitted when empty) and realm.
func (s *server) signAccessJWT(a *app, t *token) (string, error) {
	k := s.keys[0]
	x5t := hexThumb256(k.chain[0])
	if s.p.x5tSHA1 {
		x5t = thumbSHA1(k.chain[0])
	}
	header := orderedJSON([]kv{{"x5t", x5t}, {"kid", k.kid}, {"typ", "at+jwt"}, {"alg", "RS256"}})
	aut := "APPLICATION_USER"
	if t.appToken {
		aut = "APPLICATION"
	}
	claims := []kv{
		{"sub", s.subject(t)},
		{"aut", aut},
		{"iss", s.issuer()},
		{"client_id", a.clientID},
		// derived (Nimbus JWTClaimsSet serialises a one-element audience list as a plain string):
		// the default audience [client_id] appears as "aud":"<client_id>".
		{"aud", a.clientID},
		{"nbf", t.issued.Unix()},
		{"azp", a.clientID},
	}
	if len(t.scopes) > 0 {
		claims = append(claims, kv{"scope", joinSpace(t.scopes)})
	}
	claims = append(claims,
		kv{"exp", t.expiry().Unix()},
		kv{"iat", t.issued.Unix()},
		kv{"jti", t.jti},
		kv{"realm", map[string]string{"signing_tenant": "carbon.super"}},
	)
	return signRS256(k.key, header, orderedJSON(claims))
}

// subject is the JWT sub: client_id for application tokens (useClientIdAsSubClaimForAppTokens, §4),
// else the user's subject identifier. UNCONFIRMED (§4): IS 7's default subject for user tokens; chose
// the user id (a UUID), as IS 7 uses user ids as the default subject.
func (s *server) subject(t *token) string {
	if t.appToken {
		return t.clientID
	}
	return s.subjectID(t.user)
}

func signRS256(key crypto.Signer, header, claims []byte) (string, error) {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(input))
	sig, err := key.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("RS256: %w", err)
	}
	return input + "." + enc.EncodeToString(sig), nil
}
