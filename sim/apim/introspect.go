package apim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kmconform/kmconform/sim/simnet"
)

// validateOpaque is the key-validation path for opaque tokens and for JWTs whose KM has no validator
// (api-manager-4.md §6 step 3): invalid-token cache, KM election, then the IntrospectionCache in front of
// the elected KM's introspection. The IntrospectionCache (TTL apim.cache.token_expiry_time, default 900 s)
// is the only cache on this path: a revocation at the KM is seen when its entry expires (§7); no cache with
// the [apim.cache.gateway_token] TTL sits in front of it.
// UNCONFIRMED (§7 "Introspection mode does not converge through notify … the gateway caches by full token
// while IS sends the jti"): chose that this cache, keyed by the full token, is the one the revocation
// listener's removeTokenFromGatewayCache clears, so only a notification carrying the full token itself
// (an opaque Default token) ends an entry early; IS sends a JWT app's jti, which never matches. Whether
// [apim.cache.gateway_token] enable=false also turns it off: chose no.
func (s *Server) validateOpaque(r *http.Request, tok string, a *apiSpec) (*tokenInfo, *gwError) {
	now := s.now()
	fail := func(code string) *gwError { return accessFailure(a, code) }
	s.mu.Lock()
	if until, bad := s.st.invalidTokens[tok]; bad && now.Before(until) {
		s.mu.Unlock()
		return nil, fail("900901")
	}
	km := s.electKM(tok, a)
	s.mu.Unlock()
	if km == nil {
		return nil, fail("900901")
	}
	info, gerr := s.tokenMetadata(r, km, tok, a)
	if gerr != nil {
		return nil, gerr
	}
	if now.After(info.exp) {
		return nil, fail("900901")
	}
	keyType, ok := s.subscribed(info.consumerKey, info.kmID, a)
	if !ok {
		return nil, fail("900908")
	}
	info.keyType = keyType
	return info, nil
}

// accessFailure renders the key-validation path's description.
// UNCONFIRMED (api-manager-4.md §11 item 9): chose the context with its version for <ctx>.
func accessFailure(a *apiSpec, code string) *gwError {
	if code == "900908" {
		return &gwError{code, msgForbidden, fmt.Sprintf("Access failure for API: %s/%s, version: %s status: (%s) - %s",
			a.Context, a.Version, a.Version, code, msgForbidden)}
	}
	return &gwError{code, msgInvalidCredentials, fmt.Sprintf("Access failure for API: %s/%s, version: %s status: (%s) - %s",
		a.Context, a.Version, a.Version, code, descInvalidCreds)}
}

// electKM is DefaultKeyValidationHandler's choice (api-manager-4.md §6 step 3): the only KM of the tenant
// if there is one (when allowed); for keyManagers=["all"] the first KM whose canHandleToken holds; else the
// API's listed KMs in order. "The tenant's KMs" are those the gateway holds, in keyManagerMap order: the
// Resident KM first (derived and UNCONFIRMED, see gatewayKMs), then put order (an update re-puts a KM at
// the end). Called with s.mu held.
func (s *Server) electKM(tok string, a *apiSpec) *keyManager {
	kms := s.st.heldKMs()
	pick := func(km *keyManager) *keyManager { cp := *km; return &cp }
	if s.opt.Faults.On("gateway-opaque-ignores-km-restriction") {
		for _, km := range kms {
			if canHandleToken(km, tok) {
				return pick(km)
			}
		}
		return nil
	}
	if len(kms) == 1 {
		if a.allowsKM(kms[0].Name) {
			return pick(kms[0])
		}
		return nil
	}
	if slices.Contains(a.KeyManagers, "all") {
		for _, km := range kms {
			if canHandleToken(km, tok) {
				return pick(km)
			}
		}
		return nil
	}
	for _, name := range a.KeyManagers {
		for _, km := range kms {
			if km.Name == name && canHandleToken(km, tok) {
				return pick(km)
			}
		}
	}
	return nil
}

// canHandleToken applies the KM's tokenValidation rules; without enabled rules every token qualifies.
func canHandleToken(km *keyManager, tok string) bool {
	raw := km.prop("token_format_string")
	if raw == "" {
		return true
	}
	var rules []map[string]any
	if err := json.Unmarshal([]byte(raw), &rules); err != nil {
		return true
	}
	enabled := 0
	for _, r := range rules {
		if !boolOr(r["enable"], false) {
			continue
		}
		enabled++
		switch strings.ToUpper(str(r["type"])) {
		case "JWT":
			if strings.Count(tok, ".") == 2 {
				return true
			}
		case "REFERENCE", "CUSTOM":
			if re, err := regexp.Compile(fmt.Sprint(r["value"])); err == nil && re.MatchString(tok) {
				return true
			}
		}
	}
	return enabled == 0
}

// tokenMetadata consults the IntrospectionCache, then the KM (AbstractKeyManager.getTokenMetaData).
func (s *Server) tokenMetadata(r *http.Request, km *keyManager, tok string, a *apiSpec) (*tokenInfo, *gwError) {
	now := s.now()
	s.mu.Lock()
	e, ok := s.st.introspectCache[tok]
	s.mu.Unlock()
	if ok && now.Before(e.expires) && e.info.kmID == km.ID {
		cp := e.info
		return &cp, nil
	}
	var info tokenInfo
	if km.Type == typeDefault {
		c, err := s.verifyResidentJWT(tok)
		if err != nil {
			return nil, accessFailure(a, "900901")
		}
		exp, _ := c.time("exp")
		info = tokenInfo{consumerKey: c.str("azp"), kmID: km.ID, exp: exp, scopes: c.scopes("scope")}
	} else {
		res, err := s.introspect(r.Context(), dcrTargetOf(km, ""), tok)
		if err != nil {
			s.log.Error("org.wso2.carbon.apimgt.keymgt.service.APIKeyValidationService",
				"Error while validating the access token with Key Manager %s. Caused by: %s", km.Name, simnet.JavaError(err, ""))
			// UNCONFIRMED (not in the references): chose 900900 / 500 for an unreachable introspection endpoint.
			return nil, errUnclassified("Error while validating the access token")
		}
		// active:false or token_type=Refresh is invalid (connector getTokenMetaData, api-manager-4.md §2.2).
		inactive := !res.Active && !s.opt.Faults.On("gateway-introspection-ignores-inactive")
		if inactive || strings.EqualFold(res.TokenType, "Refresh") {
			return nil, accessFailure(a, "900901")
		}
		info = tokenInfo{consumerKey: res.ClientID, kmID: km.ID, exp: time.Unix(res.Exp, 0), scopes: strings.Fields(res.Scope)}
		if res.Exp == 0 {
			info.exp = now.Add(s.cfg.introspectCacheTTL)
		}
	}
	s.mu.Lock()
	s.st.introspectCache[tok] = cacheEntry{info: info, expires: earliest(now.Add(s.cfg.introspectCacheTTL), info.exp)}
	s.mu.Unlock()
	return &info, nil
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
