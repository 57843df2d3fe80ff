package apim

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kmconform/kmconform/sim/simnet"
)

// jwtSkew is the timestamp skew of the gateway's JWT expiry check.
// UNCONFIRMED (api-manager-4.md §6 says "with timestamp skew" only): chose 5 s.
const jwtSkew = 5 * time.Second

// kmForIssuer is KeyManagerHolder.getJWTValidator by issuer (api-manager-4.md §2 "Issuer collision", §6
// step 1): the issuer map names the last enabled, non-EXCHANGED KM put for that issuer (see gatewayKMs);
// only then is its validator looked at. When that KM has none (self_validate_jwt=false, or no issuer), the
// token takes the key-validation path: there is no fall-back to an earlier KM with the same issuer.
func (s *Server) kmForIssuer(iss string) *keyManager {
	if iss == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.st.gw.issuers[iss]
	if !ok {
		return nil
	}
	km := s.st.kmByID(id)
	if km == nil || !km.hasJWTValidator() {
		return nil
	}
	cp := *km
	return &cp
}

// validateJWT is JWTValidator.authenticate with the connector's JWTValidatorImpl (api-manager-4.md §6
// step 2): KM allowed for the API, revoked map, signature, expiry, then subscription.
//
// The gateway token cache is keyed by jti, but the product consults it only for a SignedJWTInfo whose
// validation status is VALID, and OAuthAuthenticator.getSignedJwt finds that object by the token's
// signature and keeps it only when the whole token string is equal; any other string (a modified
// payload or signature with the same jti) is NOT_VALIDATED and is validated in full (derived from
// carbon-apimgt OAuthAuthenticator.getSignedJwt and JWTValidator.getJwtValidationInfo, 4.x; WSO2's IV2
// is7_token_validation.feature: a JWT with an altered claim → 401). So a cache hit needs the same token.
func (s *Server) validateJWT(r *http.Request, p *parsedJWT, km *keyManager, a *apiSpec) (*tokenInfo, *gwError) {
	if !a.allowsKM(km.Name) && !s.opt.Faults.On("gateway-ignores-km-restriction") {
		return nil, errInvalidCreds()
	}
	cacheKey := p.claims.str("jti")
	if cacheKey == "" {
		cacheKey = p.sigText
	}
	claim := km.prop("consumer_key_claim")
	if s.opt.Faults.On("gateway-ignores-consumer-key-claim") {
		claim = "azp"
	}
	consumerKey := p.claims.str(claim)
	s.mu.Lock()
	_, revoked := s.st.revoked[cacheKey]
	if at, ok := s.st.revokedConsumers[consumerKey]; ok {
		if iat, has := p.claims.time("iat"); has && iat.UnixMilli() <= at {
			revoked = true
		}
	}
	cached, hit := s.st.tokenCache[cacheKey]
	s.mu.Unlock()
	if revoked {
		return nil, errInvalidJWT()
	}
	if hit && cached.token != p.raw && !s.opt.Faults.On("gateway-token-cache-by-jti") {
		hit = false
	}
	checkExp := !s.opt.Faults.On("gateway-ignores-token-expiry")
	now := s.now()
	if !(hit && s.cfg.gatewayCacheEnabled && now.Before(cached.expires) && cached.info.kmID == km.ID) {
		if !s.opt.Faults.On("gateway-skips-jwt-signature") {
			pub, gerr := s.jwtKey(r.Context(), km, p)
			if gerr != nil {
				return nil, gerr
			}
			skip := s.opt.Faults.On("gateway-pem-accepts-any-signature") && strings.EqualFold(km.prop("certificate_type"), "PEM")
			if err := p.verify(pub); err != nil && !skip {
				return nil, errInvalidCreds()
			}
		}
		exp, ok := p.claims.time("exp")
		if checkExp && (!ok || now.After(exp.Add(jwtSkew))) {
			return nil, errInvalidCreds()
		}
		if s.cfg.gatewayCacheEnabled {
			until := now.Add(s.cfg.gatewayCacheTTL)
			if exp.Before(until) && checkExp {
				until = exp
			}
			s.mu.Lock()
			s.st.tokenCache[cacheKey] = cacheEntry{info: tokenInfo{consumerKey: consumerKey, kmID: km.ID, exp: exp}, expires: until, token: p.raw}
			s.mu.Unlock()
		}
	} else if checkExp && now.After(cached.info.exp.Add(jwtSkew)) {
		return nil, errInvalidCreds()
	}
	keyType, ok := s.subscribed(consumerKey, km.ID, a)
	if !ok {
		if !s.opt.Faults.On("gateway-skips-subscription-check") {
			return nil, errNoSubscription()
		}
		keyType = "PRODUCTION"
	}
	return &tokenInfo{consumerKey: consumerKey, kmID: km.ID, scopes: p.claims.scopes(km.prop("scopes_claim")), keyType: keyType}, nil
}

// jwtKey finds the verification key: API-M's own key for the Resident KM, the pinned PEM certificate, or
// the JWKS entry by kid with one refetch when the kid is unknown. A JWKS that cannot be fetched is an
// exception in the validator: 900900 / HTTP 500.
func (s *Server) jwtKey(ctx context.Context, km *keyManager, p *parsedJWT) (crypto.PublicKey, *gwError) {
	kid, _ := p.header["kid"].(string)
	if km.Type == typeDefault && km.Name == residentKMName {
		for _, k := range s.signer {
			if k.kid == kid {
				return &k.priv.PublicKey, nil
			}
		}
		return nil, errInvalidCreds()
	}
	switch strings.ToUpper(km.prop("certificate_type")) {
	case "PEM":
		cert, err := parsePEMValue(km.prop("certificate_value"))
		if err != nil {
			s.log.Error("org.wso2.carbon.apimgt.impl.jwt.JWTValidatorImpl", "Error while reading the certificate of Key Manager %s: %v", km.Name, err)
			return nil, errInvalidCreds()
		}
		return cert.PublicKey, nil
	case "JWKS":
		s.mu.Lock()
		keys := s.st.jwks[km.ID]
		s.mu.Unlock()
		if k := findJWK(keys, kid); k != nil {
			return k, nil
		}
		fresh, err := s.fetchJWKS(ctx, km.prop("certificate_value"))
		if err != nil {
			s.log.Error("org.wso2.carbon.apimgt.impl.jwt.JWTValidatorImpl", "Error while retrieving JWKS of Key Manager %s from %s. Caused by: %s",
				km.Name, km.prop("certificate_value"), simnet.JavaError(err, ""))
			// UNCONFIRMED (api-manager-4.md §6 gives code 900900, HTTP 500 and the message only): chose the
			// description "Error while retrieving JWKS".
			return nil, errUnclassified("Error while retrieving JWKS")
		}
		s.mu.Lock()
		s.st.jwks[km.ID] = fresh
		s.mu.Unlock()
		if k := findJWK(fresh, kid); k != nil {
			return k, nil
		}
		return nil, errInvalidCreds()
	}
	return nil, errInvalidCreds()
}

// jwk is one parsed key of a JWKS.
type jwk struct {
	kid string
	key crypto.PublicKey
}

func findJWK(keys []jwk, kid string) crypto.PublicKey {
	for _, k := range keys {
		if k.kid == kid {
			return k.key
		}
	}
	return nil
}

// fetchJWKS GETs a JWKS over the outbound client that trusts only the client-truststore.
func (s *Server) fetchJWKS(ctx context.Context, rawURL string) ([]jwk, error) {
	if _, err := url.ParseRequestURI(rawURL); err != nil {
		return nil, fmt.Errorf("JWKS URL %q: %w", rawURL, err)
	}
	raw, err := s.outboundGET(ctx, rawURL, "JWKS", "JWKS")
	if err != nil {
		return nil, err
	}
	return parseJWKS(raw)
}

func parseJWKS(raw []byte) ([]jwk, error) {
	var set struct {
		Keys []struct {
			Kty, Kid, N, E, Crv, X, Y string
			X5c                       []string `json:"x5c"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, fmt.Errorf("parse JWKS: %w", err)
	}
	var out []jwk
	for _, k := range set.Keys {
		b := func(s string) *big.Int {
			v, _ := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
			return new(big.Int).SetBytes(v)
		}
		switch k.Kty {
		case "RSA":
			out = append(out, jwk{k.Kid, &rsa.PublicKey{N: b(k.N), E: int(b(k.E).Int64())}})
		case "EC":
			var curve elliptic.Curve
			switch k.Crv {
			case "P-256":
				curve = elliptic.P256()
			case "P-384":
				curve = elliptic.P384()
			case "P-521":
				curve = elliptic.P521()
			default:
				continue
			}
			out = append(out, jwk{k.Kid, &ecdsa.PublicKey{Curve: curve, X: b(k.X), Y: b(k.Y)}})
		}
	}
	return out, nil
}

// parsePEMValue is APIUtil.retrieveCertificateFromURLEncodedContent: URL-decode, strip the PEM markers,
// Base64-decode, parse X.509. Like Java's CertificateFactory it accepts either DER or a PEM text inside,
// which is what base64(<whole PEM file>) yields (api-manager-4.md §2.1).
func parsePEMValue(v string) (*x509.Certificate, error) {
	dec, err := url.QueryUnescape(v)
	if err != nil {
		return nil, fmt.Errorf("URL-decode certificate: %w", err)
	}
	dec = strings.ReplaceAll(dec, "-----BEGIN CERTIFICATE-----", "")
	dec = strings.ReplaceAll(dec, "-----END CERTIFICATE-----", "")
	dec = strings.Join(strings.Fields(dec), "")
	raw, err := base64.StdEncoding.DecodeString(dec)
	if err != nil {
		return nil, fmt.Errorf("Base64-decode certificate: %w", err)
	}
	if blk, _ := pem.Decode(raw); blk != nil {
		raw = blk.Bytes
	}
	cert, err := x509.ParseCertificate(raw)
	if err != nil {
		return nil, errors.Join(errors.New("parse X.509 certificate"), err)
	}
	return cert, nil
}
