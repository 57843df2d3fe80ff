package is

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"testing"
)

// kidFixturePEM is a fixed certificate; kidFixture is its kid computed outside Go with
//
//	openssl x509 -in c.pem -outform DER | sha256sum | cut -d' ' -f1 | tr -d '\n' | basenc --base64url | tr -d '=\n'
//
// followed by "_RS256".
const kidFixturePEM = `-----BEGIN CERTIFICATE-----
MIIBgjCCASegAwIBAgIUVdv0tlx5zqBKdUrAIHaLwtQ9fpYwCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLa2lkLWZpeHR1cmUwHhcNMjYxMTIzMDQwMjM2WhcNMzYxMTIw
MDQwMjM2WjAWMRQwEgYDVQQDDAtraWQtZml4dHVyZTBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABKaLujZ8kPTNQbfiFdoz0LV+3Fz3ZWe+W6vRV357gRzfMX7cZ33e
jm+t2M1I3FvUiG+ChijmJCu+0BN6WIHCBA+jUzBRMB0GA1UdDgQWBBRFO/P6nbSo
0fYlqAJKZKiIWyYTpjAfBgNVHSMEGDAWgBRFO/P6nbSo0fYlqAJKZKiIWyYTpjAP
BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQDgudzdd0CuDBERKZYq
fvPvY/N21OpyLSkmb6Ndr5GawgIhANB4yMWy9y1L4eG+Dzl5wS/TBiN2Zrul3JeD
G2Z5iIbS
-----END CERTIFICATE-----
`

const kidFixture = "YTU1ZmNmYTJkNDE4NWNkMTU3M2Y2NmM1Njg5ZTljY2UyYmViODZjNTI1MTJhNGViNDgwN2I4MDk0YzcwNzMxMw_RS256"

// independentKid computes §4's kid through another path than keyID: a streaming hash, fmt's %x and the
// padded base64url encoder with the padding trimmed.
func independentKid(der []byte) string {
	h := sha256.New()
	h.Write(der)
	hexs := fmt.Sprintf("%x", h.Sum(nil))
	return strings.TrimRight(base64.URLEncoding.EncodeToString([]byte(hexs)), "=") + "_RS256"
}

// TestKeyIDFormula: §2/§4 — kid = base64url-no-pad(lowercase-hex(SHA-256(DER))) + "_RS256". keyID is
// checked against a kid computed outside Go for a fixed certificate, and the kids of every version's
// default home (generated keys) against independentKid.
func TestKeyIDFormula(t *testing.T) {
	blk, _ := pem.Decode([]byte(kidFixturePEM))
	if blk == nil {
		t.Fatal("fixture PEM")
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if got := keyID(cert); got != kidFixture {
		t.Errorf("keyID(fixture) = %s, want %s", got, kidFixture)
	}
	if got := independentKid(cert.Raw); got != kidFixture {
		t.Fatalf("independentKid(fixture) = %s, want %s", got, kidFixture)
	}
	for v, aliases := range map[string][]string{"7.0.0": {"wso2carbon", "newkey"}, "7.1.0": {"wso2carbon"},
		"7.2.0": {"wso2carbon"}, "7.3.0": {"wso2carbon"}} {
		s := startDefault(t, v)
		if len(s.s.keys) != len(aliases) {
			t.Fatalf("%s: %d keys, want %v", v, len(s.s.keys), aliases)
		}
		for i, k := range s.s.keys {
			if want := independentKid(k.chain[0].Raw); k.kid != want || k.alias != aliases[i] {
				t.Errorf("%s %s: kid %s, want %s (alias want %s)", v, k.alias, k.kid, want, aliases[i])
			}
		}
	}
	// The documented 7.0.0 kid decodes to 64 lowercase hex characters, as the formula implies.
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
			if hdr["typ"] != "at+jwt" || hdr["alg"] != "RS256" || hdr["kid"] != independentKid(cert.Raw) {
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
			if e["kid"] != independentKid(cert.Raw) || e["kty"] != "RSA" || e["alg"] != "RS256" || e["use"] != "sig" || e["x5t#S256"] == nil {
				t.Errorf("%s key %d: %v", v, i, e)
			}
		}
	}
}
