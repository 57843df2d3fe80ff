package apim

import (
	"time"
)

// state is API-M's database plus the gateway's in-memory views. Real API-M propagates KM, API,
// subscription and key-mapping changes to gateways asynchronously (JMS events); the simulator updates
// its views synchronously, under Server.mu, so there is no propagation window to model.
type state struct {
	kms      []*keyManager // registration order (the admin API's list)
	gw       gatewayKMs    // the gateway's KeyManagerHolder view
	apis     map[string]*api
	apiOrder []string
	apps     map[string]*application
	subs     map[string]*subscription
	mappings map[string]*keyMapping
	// ghostMappings and ghostSubs are deleted applications' rows the gateway still holds (fault
	// apim-gateway-keeps-deleted-app only).
	ghostMappings []*keyMapping
	ghostSubs     []*subscription

	sharedScopes []scopeDef // publisher shared scopes, creation order

	residentClients map[string]*residentClient // Resident KM OAuth apps by client id
	restClients     map[string]*residentClient // /client-registration apps by client name

	revoked          map[string]time.Time // revoked JWT jti (or signature) → expiry
	revokedConsumers map[string]int64     // consumer key → revocation time, epoch ms
	tokenCache       map[string]cacheEntry
	invalidTokens    map[string]time.Time
	introspectCache  map[string]cacheEntry
	jwks             map[string][]jwk       // KM id → cached JWKS
	idps             map[string]*trustedIdP // KM id → identity provider of an EXCHANGED or BOTH KM (exchange.go)
}

func newState(s *Server) *state {
	st := &state{
		apis:             map[string]*api{},
		apps:             map[string]*application{},
		subs:             map[string]*subscription{},
		mappings:         map[string]*keyMapping{},
		residentClients:  map[string]*residentClient{},
		restClients:      map[string]*residentClient{},
		revoked:          map[string]time.Time{},
		revokedConsumers: map[string]int64{},
		tokenCache:       map[string]cacheEntry{},
		invalidTokens:    map[string]time.Time{},
		introspectCache:  map[string]cacheEntry{},
		jwks:             map[string][]jwk{},
		idps:             map[string]*trustedIdP{},
	}
	st.gw.issuers = map[string]string{}
	st.addKM(s.residentKM())
	return st
}

func (st *state) addKM(km *keyManager) {
	st.kms = append(st.kms, km)
	st.gw.add(km)
}

// addKMKeepIssuer is addKM under fault apim-km-issuer-first-wins: an issuer another held KM already
// owns stays with that KM.
func (st *state) addKMKeepIssuer(km *keyManager) {
	iss := km.prop("issuer")
	owner, taken := st.gw.issuers[iss]
	st.addKM(km)
	if taken {
		st.gw.issuers[iss] = owner
	}
}

func (st *state) kmByID(id string) *keyManager {
	for _, km := range st.kms {
		if km.ID == id {
			return km
		}
	}
	return nil
}

func (st *state) kmByName(name string) *keyManager {
	for _, km := range st.kms {
		if km.Name == name {
			return km
		}
	}
	return nil
}

// kmInUse is APIAdminImpl's delete guard: an application key mapping, or an API whose keyManagers
// names the KM (api-manager-4.md §2).
func (st *state) kmInUse(km *keyManager) bool {
	for _, m := range st.mappings {
		if m.KMID == km.ID {
			return true
		}
	}
	for _, a := range st.apis {
		for _, n := range a.KeyManagers {
			if n == km.Name {
				return true
			}
		}
	}
	return false
}

// cacheEntry is a validated token in the gateway token cache or the IntrospectionCache.
type cacheEntry struct {
	info    tokenInfo
	expires time.Time
	// token is the whole token the entry was validated for (gateway token cache only): the product looks
	// its cache up by jti only for a SignedJWTInfo it has validated, and that object is found by the full
	// token string (see validateJWT).
	token string
}

// tokenInfo is what a KM's validation yields for the gateway.
type tokenInfo struct {
	consumerKey string
	kmID        string
	scopes      []string
	exp         time.Time
	keyType     string // PRODUCTION or SANDBOX, from the key mapping
}
