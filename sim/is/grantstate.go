package is

import (
	"net/http"
	"sync"
	"time"

	"github.com/kmconform/kmconform/sim/simnet"
)

// grantState is the in-memory state of the browser, device and federation grants (authorize sessions,
// authorization codes, device codes, identity providers, jwt-bearer jti cache). It has its own lock so
// that these flows never hold s.mu longer than a token lookup.
type grantState struct {
	mu        sync.Mutex
	sessions  map[string]*authzSession // by sessionDataKey
	consents  map[string]*authzSession // by sessionDataKeyConsent
	remember  map[string][]string      // "approveAlways" consents: client_id → approved scopes
	codes     map[string]*authzCode    // by code
	devices   map[string]*deviceGrant  // by device_code
	userCodes map[string]*deviceGrant  // by user_code
	idps      []*idp                   // creation order
	jtis      map[string]time.Time     // jwt-bearer jti → expiry of the assertion
	client    *http.Client             // outbound (JWKS of identity providers)
}

func newGrantState(hosts simnet.Hosts, s *server) *grantState {
	return &grantState{
		sessions: map[string]*authzSession{}, consents: map[string]*authzSession{},
		remember: map[string][]string{}, codes: map[string]*authzCode{},
		devices: map[string]*deviceGrant{}, userCodes: map[string]*deviceGrant{},
		jtis: map[string]time.Time{}, client: hosts.Client(s.trust, 30*time.Second),
	}
}

// grantRoutes registers the endpoints of the grant flows and the identity-provider API.
func (s *server) grantRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /oauth2/authorize", s.authorize)
	mux.HandleFunc("POST /oauth2/authorize", s.authorize)
	mux.HandleFunc("GET /authenticationendpoint/login.do", s.loginPage)
	mux.HandleFunc("POST /commonauth", s.commonAuth)
	mux.HandleFunc("GET /authenticationendpoint/oauth2_consent.do", s.consentPage)
	mux.HandleFunc("GET /authenticationendpoint/oauth2_authz.do", s.consentPage)
	mux.HandleFunc("GET /authenticationendpoint/oauth2_error.do", s.errorPage)
	mux.HandleFunc("POST /oauth2/device_authorize", s.deviceAuthorize)
	mux.HandleFunc("GET /authenticationendpoint/device.do", s.devicePage)
	mux.HandleFunc("POST /oauth2/device", s.deviceUserCode)
	mux.HandleFunc("GET /authenticationendpoint/device_success.do", s.deviceSuccessPage)
	mux.HandleFunc("POST "+idpPath, s.idpCreate)
	mux.HandleFunc("GET "+idpPath, s.idpList)
	mux.HandleFunc("GET "+idpPath+"/{id}", s.idpGet)
	mux.HandleFunc("DELETE "+idpPath+"/{id}", s.idpDelete)
}
