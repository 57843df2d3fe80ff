package tokens

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func jwksServer(t *testing.T, key *rsa.PublicKey, kid string) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]any{{
			"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
		}}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func sign(t *testing.T, key *rsa.PrivateKey, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerify(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	srv := jwksServer(t, &key.PublicKey, "k1")
	const iss = "https://wso2is:9443/oauth2/token"
	good := jwt.MapClaims{"iss": iss, "exp": time.Now().Add(time.Hour).Unix(), "azp": "c1"}
	ctx := context.Background()

	v, err := Verify(ctx, srv.Client(), srv.URL, sign(t, key, "k1", good), iss)
	if err != nil {
		t.Fatalf("valid token refused: %v", err)
	}
	if v.Claims["azp"] != "c1" {
		t.Errorf("claims = %v", v.Claims)
	}
	cases := map[string]struct {
		token, want string
	}{
		"wrong issuer": {sign(t, key, "k1", jwt.MapClaims{"iss": "https://localhost:9443/oauth2/token", "exp": good["exp"]}), "is not the issuer IS publishes"},
		"wrong key":    {sign(t, other, "k1", good), "signature does not verify"},
		"unknown kid":  {sign(t, key, "k2", good), "no key in IS JWKS matches"},
		"expired":      {sign(t, key, "k1", jwt.MapClaims{"iss": iss, "exp": time.Now().Add(-time.Hour).Unix()}), "expired"},
	}
	for name, c := range cases {
		if _, err := Verify(ctx, srv.Client(), srv.URL, c.token, iss); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}

func TestVerifyFailsWhenJWKSIsUntrusted(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	srv := jwksServer(t, &key.PublicKey, "k1")
	_, err := Verify(context.Background(), http.DefaultClient, srv.URL, "a.b.c", "x")
	if err == nil || !strings.Contains(err.Error(), "read IS JWKS") {
		t.Fatalf("err = %v", err)
	}
}

func TestPeekRefusesOpaqueTokens(t *testing.T) {
	if _, _, err := Peek("3f1c0a4e-opaque"); err == nil {
		t.Error("opaque token decoded")
	}
}
