package apim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	_ "crypto/sha512" // registers SHA-384/512 for crypto.Hash.New
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// claims is a decoded JWT payload.
type claims map[string]any

func (c claims) str(k string) string {
	s, _ := c[k].(string)
	return s
}

// time reads a NumericDate claim.
func (c claims) time(k string) (time.Time, bool) {
	switch v := c[k].(type) {
	case float64:
		return time.Unix(int64(v), 0), true
	case json.Number:
		n, err := v.Int64()
		return time.Unix(n, 0), err == nil
	}
	return time.Time{}, false
}

// scopes reads a space-separated or array scope claim.
func (c claims) scopes(k string) []string {
	switch v := c[k].(type) {
	case string:
		return strings.Fields(v)
	case []any:
		var out []string
		for _, s := range v {
			out = append(out, str(s))
		}
		return out
	}
	return nil
}

// parsedJWT is a compact JWS split into its parts; nothing is verified yet.
type parsedJWT struct {
	header  map[string]any
	claims  claims
	input   string // header.payload, the signing input
	sig     []byte
	sigText string
	raw     string // the whole token as presented
}

var errNotJWT = errors.New("not a three-part JWT")

func parseJWT(tok string) (*parsedJWT, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errNotJWT
	}
	var p parsedJWT
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("JWT header: %w", err)
	}
	if err := json.Unmarshal(hb, &p.header); err != nil {
		return nil, fmt.Errorf("JWT header: %w", err)
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("JWT payload: %w", err)
	}
	if err := json.Unmarshal(pb, &p.claims); err != nil {
		return nil, fmt.Errorf("JWT payload: %w", err)
	}
	if p.sig, err = base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return nil, fmt.Errorf("JWT signature: %w", err)
	}
	p.input, p.sigText, p.raw = parts[0]+"."+parts[1], parts[2], tok
	return &p, nil
}

// verify checks the signature with pub for the RS*, PS* and ES* algorithms Nimbus accepts.
func (p *parsedJWT) verify(pub crypto.PublicKey) error {
	alg, _ := p.header["alg"].(string)
	var h crypto.Hash
	switch alg[len(alg)-min(3, len(alg)):] {
	case "256":
		h = crypto.SHA256
	case "384":
		h = crypto.SHA384
	case "512":
		h = crypto.SHA512
	default:
		return fmt.Errorf("unsupported JWS algorithm %q", alg)
	}
	hasher := h.New()
	hasher.Write([]byte(p.input))
	digest := hasher.Sum(nil)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		switch {
		case strings.HasPrefix(alg, "RS"):
			return rsa.VerifyPKCS1v15(k, h, digest, p.sig)
		case strings.HasPrefix(alg, "PS"):
			return rsa.VerifyPSS(k, h, digest, p.sig, nil)
		}
	case *ecdsa.PublicKey:
		if strings.HasPrefix(alg, "ES") && len(p.sig)%2 == 0 {
			n := len(p.sig) / 2
			r, s := new(big.Int).SetBytes(p.sig[:n]), new(big.Int).SetBytes(p.sig[n:])
			if ecdsa.Verify(k, digest, r, s) {
				return nil
			}
			return errors.New("ECDSA signature invalid")
		}
	}
	return fmt.Errorf("algorithm %q does not match the key", alg)
}

// signRS256 produces a compact JWS.
func signRS256(key *rsa.PrivateKey, header map[string]any, c claims) (string, error) {
	hb, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	pb, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(pb)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign JWT: %w", err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}
