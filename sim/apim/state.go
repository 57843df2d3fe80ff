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
}

// tokenInfo is what a KM's validation yields for the gateway.
type tokenInfo struct {
	consumerKey string
	kmID        string
	scopes      []string
	exp         time.Time
	keyType     string // PRODUCTION or SANDBOX, from the key mapping
}
