package is

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"testing"
)

// TestKeyIDFormula: §2/§4 — kid = base64url-no-pad(lowercase-hex(SHA-256(DER))) + "_RS256", computed
// here through a different path (fmt %x, padded encoder then trimmed).
func TestKeyIDFormula(t *testing.T) {
	s := startDefault(t, "7.0.0")
	for _, k := range s.s.keys {
		cert := k.chain[0]
		h := sha256.New()
		h.Write(cert.Raw)
		hexs := fmt.Sprintf("%x", h.Sum(nil))
		want := strings.TrimRight(base64.URLEncoding.EncodeToString([]byte(hexs)), "=") + "_RS256"
		if k.kid != want || keyID(cert) != want {
			t.Errorf("%s: kid %s, want %s", k.alias, k.kid, want)
		}
	}
	// The documented 7.0.0 kid starts with the base64url of the hex digest's first characters: check the
	// decoding property on a reference value from §2 too (it must decode to 64 lowercase hex chars).
	ref := "OWRiMzZiYTExYTIxZGFkNTU2NTM3MjdhYmNlMTVkNzQ1NzkzZTg5MTk4M2ZlN2FhZGZjZTFiMzllM2I3Yzg2Mg"
	dec, err := base64.RawURLEncoding.DecodeString(ref)
	if err != nil || len(dec) != 64 || strings.ToLower(string(dec)) != string(dec) {
		t.Errorf("reference kid does not decode to lowercase hex: %q %v", dec, err)
	}
}

func decodeJWT(t *testing.T, tok string) (header, claims map[string]any, parts []string) {
	t.Helper()
	parts = strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", tok)
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims, parts
}

// TestJWTAccessToken: §4 — header typ at+jwt, kid, x5t per version (7.0.0 hex SHA-256, 7.1.0+ SHA-1),
// claims for client_credentials (sub = client_id, aut APPLICATION), signature verifiable with the JWKS key.
// The scope claim follows §10: API-resource scopes with authorize_all_scopes, which 7.0.0 ignores.
func TestJWTAccessToken(t *testing.T) {
	for _, v := range []string{"7.0.0", "7.1.0"} {
		t.Run(v, func(t *testing.T) {
			s := start(t, v, newHome(t, v, authorizeAll), Options{})
			s.apiResource(t, "jwt-api", "read", "write")
			wantScope := any("read write")
			if v == "7.0.0" {
				wantScope = nil
			}
			id, secret := s.app("jwtapp", "JWT", "client_credentials")
			r := s.token(id, secret, url.Values{"grant_type": {"client_credentials"}, "scope": {"read write"}})
			if r.status != 200 {
				t.Fatalf("token: %d %s", r.status, r.body)
			}
			m := r.json(t)
			if _, ok := m["refresh_token"]; ok {
				t.Errorf("client_credentials must not issue a refresh token (§4)")
			}
			hdr, cl, parts := decodeJWT(t, m["access_token"].(string))
			cert := s.s.keys[0].chain[0]
			if hdr["typ"] != "at+jwt" || hdr["alg"] != "RS256" || hdr["kid"] != keyID(cert) {
				t.Errorf("header %v", hdr)
			}
			var wantX5t string
			if v == "7.0.0" {
				sum := sha256.Sum256(cert.Raw)
				wantX5t = base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%x", sum)))
			} else {
				sum := sha1.Sum(cert.Raw)
				wantX5t = base64.RawURLEncoding.EncodeToString(sum[:])
			}
			if hdr["x5t"] != wantX5t {
				t.Errorf("x5t %v, want %s", hdr["x5t"], wantX5t)
			}
			if cl["iss"] != "https://localhost:9443/oauth2/token" || cl["sub"] != id || cl["azp"] != id ||
				cl["client_id"] != id || cl["aut"] != "APPLICATION" || cl["scope"] != wantScope || cl["jti"] == nil {
				t.Errorf("claims %v", cl)
			}
			// derived: Nimbus writes a one-element audience as a string.
			if cl["aud"] != id {
				t.Errorf("aud %v", cl["aud"])
			}
			if realm, _ := cl["realm"].(map[string]any); realm["signing_tenant"] != "carbon.super" {
				t.Errorf("realm %v", cl["realm"])
			}
			if exp, iat := cl["exp"].(float64), cl["iat"].(float64); exp-iat != 3600 || cl["nbf"] != cl["iat"] {
				t.Errorf("exp-iat = %v", exp-iat)
			}
			// verify with the key published in the JWKS
			jw := s.do("GET", "/oauth2/jwks", nil, nil).json(t)
			k0 := jw["keys"].([]any)[0].(map[string]any)
			nb, _ := base64.RawURLEncoding.DecodeString(k0["n"].(string))
			pub := &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: 65537}
			sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
			sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil || k0["kid"] != hdr["kid"] {
				t.Errorf("signature does not verify with JWKS key %v: %v", k0["kid"], err)
			}
		})
	}
}

// TestJWKS: §4 — one entry per private-key entry of the primary store: two on 7.0.0 GA, one on 7.1.0.
func TestJWKS(t *testing.T) {
	for v, n := range map[string]int{"7.0.0": 2, "7.1.0": 1} {
		s := startDefault(t, v)
		keys := s.do("GET", "/oauth2/jwks", nil, nil).json(t)["keys"].([]any)
		if len(keys) != n {
			t.Fatalf("%s: %d keys, want %d", v, len(keys), n)
		}
		for i, k := range keys {
			e := k.(map[string]any)
			x5c := e["x5c"].([]any)
			der, _ := base64.StdEncoding.DecodeString(x5c[0].(string))
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			if e["kid"] != keyID(cert) || e["kty"] != "RSA" || e["alg"] != "RS256" || e["use"] != "sig" || e["x5t#S256"] == nil {
				t.Errorf("%s key %d: %v", v, i, e)
			}
		}
	}
}
