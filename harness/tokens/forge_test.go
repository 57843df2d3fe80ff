package tokens

import (
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestForgedTokensKeepWhatTheySay(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := Sign(key, "kid-1", map[string]any{"iss": "i", "sub": "s", "jti": "j", "exp": time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	keyFn := func(*jwt.Token) (any, error) { return &key.PublicKey, nil }
	parsed, err := jwt.Parse(tok, keyFn)
	if err != nil || parsed.Header["kid"] != "kid-1" || parsed.Header["typ"] != "at+jwt" {
		t.Fatalf("signed token: %v %v", err, parsed)
	}
	changed, err := WithClaim(tok, "sub", "other")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Split(changed, ".")[2] != strings.Split(tok, ".")[2] || strings.Split(changed, ".")[0] != strings.Split(tok, ".")[0] {
		t.Error("WithClaim changed the header or the signature")
	}
	if _, claims, _ := Peek(changed); claims["sub"] != "other" || claims["jti"] != "j" {
		t.Errorf("claims %v", claims)
	}
	if _, err := jwt.Parse(changed, keyFn); err == nil {
		t.Error("a changed payload still verifies")
	}
	flipped, err := WithFlippedSignature(tok)
	if err != nil {
		t.Fatal(err)
	}
	if flipped == tok || len(flipped) != len(tok) || flipped[:strings.LastIndex(flipped, ".")] != tok[:strings.LastIndex(tok, ".")] {
		t.Error("WithFlippedSignature changed more than the signature, or nothing")
	}
	if _, err := jwt.Parse(flipped, keyFn); err == nil {
		t.Error("a flipped signature still verifies")
	}
	if removed, _ := WithClaim(tok, "sub", nil); strings.Contains(removed, "sub") {
		if _, c, _ := Peek(removed); c["sub"] != nil {
			t.Error("WithClaim(nil) kept the claim")
		}
	}
	if _, err := WithClaim("opaque", "a", 1); err == nil {
		t.Error("WithClaim accepted an opaque token")
	}
}
