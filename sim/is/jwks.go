package is

import (
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"net/http"
)

// jwks serves GET /oauth2/jwks: one RS256 entry per private-key entry of the primary key store
// (identity-server-7.md §4; two on 7.0.0 GA: wso2carbon and newkey).
func (s *server) jwks(w http.ResponseWriter, r *http.Request) {
	keys := []map[string]any{}
	for _, k := range s.keys {
		pub, ok := k.key.Public().(*rsa.PublicKey)
		if !ok {
			continue // only RSA keys sign RS256
		}
		var x5c []string
		for _, c := range k.chain {
			x5c = append(x5c, base64.StdEncoding.EncodeToString(c.Raw))
		}
		entry := map[string]any{
			"kty":      "RSA",
			"e":        base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
			"n":        base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			"kid":      k.kid,
			"alg":      "RS256",
			"use":      "sig",
			"x5c":      x5c,
			"x5t#S256": thumbSHA256(k.chain[0]),
		}
		if s.faults.On("is-jwks-drops-kid") {
			delete(entry, "kid")
		}
		keys = append(keys, entry)
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}
