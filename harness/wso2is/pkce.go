package wso2is

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// PKCE is a proof key for one authorization (RFC 7636).
type PKCE struct {
	Verifier  string
	Challenge string
	// Method is S256 or plain.
	Method string
}

// NewPKCE makes a fresh S256 proof key: 32 random octets, base64url without padding: the 43-character
// verifier RFC 7636 §4.1 recommends.
func NewPKCE() (*PKCE, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("make a PKCE verifier: %w", err)
	}
	return PKCES256(base64.RawURLEncoding.EncodeToString(b))
}

// PKCES256 derives the S256 challenge of a given verifier: BASE64URL(SHA256(ASCII(verifier))), §4.2.
func PKCES256(verifier string) (*PKCE, error) {
	if err := checkVerifier(verifier); err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(verifier))
	return &PKCE{Verifier: verifier, Challenge: base64.RawURLEncoding.EncodeToString(sum[:]), Method: "S256"}, nil
}

// PKCEPlain is the plain method (challenge = verifier), which IS accepts only for apps registered with
// ext_pkce_support_plain.
func PKCEPlain(verifier string) (*PKCE, error) {
	if err := checkVerifier(verifier); err != nil {
		return nil, err
	}
	return &PKCE{Verifier: verifier, Challenge: verifier, Method: "plain"}, nil
}

// checkVerifier enforces §4.1: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
func checkVerifier(v string) error {
	if len(v) < 43 || len(v) > 128 {
		return fmt.Errorf("PKCE verifier: %d characters, RFC 7636 wants 43 to 128", len(v))
	}
	for _, r := range v {
		ok := r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' || r == '~'
		if !ok {
			return fmt.Errorf("PKCE verifier: character %q is not unreserved (RFC 7636 §4.1)", r)
		}
	}
	return nil
}
