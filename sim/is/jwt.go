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
	if s.rogue != nil {
		k = *s.rogue // fault is-sign-with-unpublished-key
	}
	if t.renewed && s.refreshRogue != nil {
		k = *s.refreshRogue // fault is-refresh-token-unverifiable
	}
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
		{"iss", s.accessIssuer(a)},
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

// signIDToken builds the ID token of a token response carrying openid (identity-server-7.md §4 lists
// id_token in the response but not its contents). UNCONFIRMED (§4): chose header {x5t, kid, alg RS256}
// without typ, and claims iss, sub, aud, azp, iat, exp (ext_id_token_lifetime), at_hash, jti and nonce
// when the authorize request had one — the OIDC Core minimum plus IS's azp.
func (s *server) signIDToken(a *app, t *token, nonce string) (string, error) {
	k := s.keys[0]
	x5t := hexThumb256(k.chain[0])
	if s.p.x5tSHA1 {
		x5t = thumbSHA1(k.chain[0])
	}
	fields := []kv{{"x5t", x5t}, {"kid", k.kid}}
	if s.faults.On("is-id-token-typed-at-jwt") {
		fields = append(fields, kv{"typ", "at+jwt"}) // the access token's typ, in its place before alg
	}
	header := orderedJSON(append(fields, kv{"alg", "RS256"}))
	sum := sha256.Sum256([]byte(t.access))
	lifetime := a.idTokenLifetime
	if lifetime <= 0 {
		lifetime = defaultTokenLifetime
	}
	claims := []kv{
		{"at_hash", base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])},
		{"sub", s.subject(t)},
		{"aud", a.clientID},
		{"azp", a.clientID},
		{"iss", s.issuer()},
		{"exp", t.issued.Unix() + lifetime},
		{"iat", t.issued.Unix()},
		{"jti", newUUID()},
	}
	if nonce != "" {
		claims = append(claims, kv{"nonce", nonce})
	}
	return signRS256(k.key, header, orderedJSON(claims))
}

// subject is the JWT sub: client_id for application tokens (useClientIdAsSubClaimForAppTokens, §4),
// else the id of the token's own user, fixed when the token was issued (subjectOf). UNCONFIRMED (§4): IS 7's default subject for user tokens; chose
// the user id (a UUID), as IS 7 uses user ids as the default subject.
func (s *server) subject(t *token) string {
	if t.appToken {
		return t.clientID
	}
	if t.subjectID != "" {
		return t.subjectID
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
