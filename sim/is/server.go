// Package is simulates WSO2 Identity Server 7.x in the role of API-M's third-party Key Manager: OIDC
// discovery, the token endpoint, JWKS, introspection, revocation with the ApimOauthEventInterceptor
// notification, DCR, /scim2/Me and /oauth2/userinfo. It is a test double for the kmconform harness: it
// behaves as shared/reference/identity-server-7.md says the product does, section by section, and it
// reads its whole configuration from a product home (sim/home).
package is

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kmconform/kmconform/sim/carbonlog"
	"github.com/kmconform/kmconform/sim/faults"
	"github.com/kmconform/kmconform/sim/home"
	"github.com/kmconform/kmconform/sim/simnet"
)

// Options configures a simulated IS.
type Options struct {
	Version string            // 7.0.0, 7.1.0, 7.2.0 or 7.3.0
	Bind    string            // listen address; the port is 9443 + [server] offset
	Hosts   simnet.Hosts      // peer names for outbound calls (the revocation notification)
	Log     *carbonlog.Logger // nil: discard
	Ready   func()            // called once the HTTPS listener is open
	// Faults are product regressions to play (sim/faults); none by default.
	Faults faults.Set
	// Organization, when set, is an organization the server plays as Asgardeo hosts it (organization.go).
	Organization string
}

// server is one running IS: configuration read at start-up plus in-memory state.
type server struct {
	h     *home.Home
	p     *profile
	log   *carbonlog.Logger
	keys  []signingKey // primary key store; keys[0] signs
	tls   tls.Certificate
	trust *x509.CertPool
	admin user
	rules []accessRule
	notif *notifier // nil when the interceptor is not active (§9)
	now   func() time.Time
	gs    *grantState // authorize/device/federation grants and identity providers
	m     *mgmt       // management APIs: scopes, API resources, roles, users (mgmt.go)
	// faults are the regressions this server plays; rogue is the unpublished key of
	// is-sign-with-unpublished-key.
	faults faults.Set
	rogue  *signingKey
	// issued counts JWT access tokens, for is-token-iss-flips.
	issued atomic.Uint64
	// refreshRogue is the unpublished key of fault is-refresh-token-unverifiable.
	refreshRogue *signingKey
	// org is the organization played under /t/<org>/ ("" for none; organization.go).
	org string
	// kmOps: the keymanager-operations webapp is deployed (webapps/keymanager-operations.war).
	kmOps bool

	mu      sync.Mutex
	apps    map[string]*app   // by client_id
	access  map[string]*token // by access token string
	refresh map[string]*token // by refresh token string
}

// Logger names, as the real components log.
const (
	logOAuth = "org.wso2.carbon.identity.oauth2.OAuth2Service"
	logDCR   = "org.wso2.carbon.identity.oauth.dcr.service.DCRMService"
	logCore  = "org.wso2.carbon.core.internal.StartupFinalizerServiceComponent"
)

func newServer(h *home.Home, opt Options) (*server, error) {
	p, err := newProfile(opt.Version)
	if err != nil {
		return nil, err
	}
	log := opt.Log
	if log == nil {
		log = carbonlog.Discard()
	}
	s := &server{
		h: h, p: p, log: log, now: time.Now, faults: opt.Faults, org: opt.Organization,
		apps: map[string]*app{}, access: map[string]*token{}, refresh: map[string]*token{},
	}
	if s.keys, err = loadPrimary(h, p); err != nil {
		return nil, err
	}
	if s.faults.On("is-sign-with-unpublished-key") {
		if s.rogue, err = newRogueKey(); err != nil {
			return nil, err
		}
		log.Warn(logCore, "fault is-sign-with-unpublished-key: JWT access tokens are signed with key %s, which the JWKS does not publish", s.rogue.kid)
	}
	if err := s.startGrantFaults(); err != nil {
		return nil, err
	}
	if s.tls, err = loadTLS(h, p); err != nil {
		return nil, err
	}
	if s.trust, err = h.TrustPool(h.TrustStoreSpec(p.trustStore)); err != nil {
		return nil, fmt.Errorf("trust store: %w", err)
	}
	name, pass := h.SuperAdmin()
	s.admin = user{name: name, password: pass, id: nameUUID(name)}
	s.m = newMgmt(s.admin, s.now())
	if s.rules, err = loadAccessRules(h); err != nil {
		return nil, err
	}
	// The dropins JARs are scanned once: the bundle's start-up line and the notifier both use the result.
	jar, err := s.handlerJAR()
	if err != nil {
		return nil, err
	}
	s.logNotifBundle(jar)
	if s.notif, err = newNotifier(s, opt.Hosts, jar); err != nil {
		return nil, err
	}
	s.gs = newGrantState(opt.Hosts, s)
	s.kmOps = s.logKeyManagerOperations()
	return s, nil
}

// NewHandler builds the HTTP handler of a simulated IS from home h (for httptest and for Serve).
func NewHandler(h *home.Home, opt Options) (http.Handler, error) {
	s, err := newServer(h, opt)
	if err != nil {
		return nil, err
	}
	return s.routes(), nil
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/{issuer}/.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("GET /t/{tenant}/oauth2/{issuer}/.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("POST /oauth2/token", s.tokenEndpoint)
	mux.HandleFunc("GET /oauth2/jwks", s.jwks)
	mux.HandleFunc("POST /oauth2/introspect", s.introspect)
	mux.HandleFunc("POST /oauth2/revoke", s.revoke)
	mux.HandleFunc("GET /oauth2/userinfo", s.userinfo)
	mux.HandleFunc("POST /oauth2/userinfo", s.userinfo)
	mux.HandleFunc("POST "+dcrPath, s.dcrCreate)
	mux.HandleFunc("GET "+dcrPath, s.dcrByName)
	mux.HandleFunc("GET "+dcrPath+"/{client_id}", s.dcrGet)
	mux.HandleFunc("PUT "+dcrPath+"/{client_id}", s.dcrUpdate)
	mux.HandleFunc("DELETE "+dcrPath+"/{client_id}", s.dcrDelete)
	mux.HandleFunc("GET /scim2/Me", s.scimMe)
	s.grantRoutes(mux)
	s.mgmtRoutes(mux)
	s.orgRoutes(mux)
	if s.kmOps {
		s.keyManagerOperationsRoutes(mux)
	}
	return mux
}

// Serve runs the simulated IS on Bind:9443+offset until ctx is done.
func Serve(ctx context.Context, h *home.Home, opt Options) error {
	s, err := newServer(h, opt)
	if err != nil {
		return err
	}
	addr := net.JoinHostPort(opt.Bind, strconv.Itoa(9443+h.PortOffset()))
	srv, ln, err := simnet.Listen(addr, s.routes(), &s.tls)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.log.Info("org.wso2.carbon.tomcat.ext.service.ExtendedStandardService", "Starting service Catalina")
	s.log.Info("org.apache.coyote.http11.Http11NioProtocol", "Starting ProtocolHandler [\"https-jsse-nio-%d\"]", 9443+h.PortOffset())
	s.log.Info(logCore, "Server           :  WSO2 Identity Server-%s", opt.Version)
	s.log.Info(logCore, "Mgt Console URL  : %s/console", s.baseURL())
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	if opt.Ready != nil {
		opt.Ready()
	}
	select {
	case err := <-errc:
		return fmt.Errorf("https listener: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("org.wso2.carbon.core.init.CarbonServerManager", "Shutdown hook triggered....")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	s.notif.wait()
	s.log.Info("org.wso2.carbon.core.init.CarbonServerManager", "Halting JVM")
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
