// Package apim simulates WSO2 API Manager 4.3–4.7 with WSO2 IS 7 as a third-party Key Manager: the
// servlet transport (admin, publisher and devportal REST APIs, the Resident Key Manager's token
// endpoint, /internal/data/v1/notify) and the gateway. It is a test double for the kmconform harness;
// every behaviour follows the API-M reference (api-manager-4.md) and is never shaped to make a check pass.
package apim

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
	"time"

	"github.com/kmconform/kmconform/sim/carbonlog"
	"github.com/kmconform/kmconform/sim/faults"
	"github.com/kmconform/kmconform/sim/home"
	"github.com/kmconform/kmconform/sim/simnet"
)

// Options configure one simulated API-M node.
type Options struct {
	Version string       // "4.3.0" … "4.7.0"
	Bind    string       // IP to listen on
	Hosts   simnet.Hosts // name → IP for outbound calls (wso2is, backend)
	Log     *carbonlog.Logger
	Ready   func() // called once every listener is up
	// Faults are product regressions to play (sim/faults); none by default.
	Faults faults.Set
}

// Server is one API-M node: its configuration, its in-memory database and its gateway views.
type Server struct {
	home *home.Home
	opt  Options
	ver  version
	log  *carbonlog.Logger
	cfg  config

	tlsCert tls.Certificate
	signer  signingKeys
	out     *http.Client // outbound TLS trusting only the client-truststore, Java-style
	backend *http.Transport

	now func() time.Time

	// connectors are the Key Manager types whose connector JARs are in dropins (connector_others.go).
	connectors map[string]bool

	mu sync.Mutex
	st *state
}

// New reads the home (keystores, trust store, deployment.toml) and builds a server. A home the real
// product would not start with (unreadable keystore, unknown version) is an error.
func New(h *home.Home, opt Options) (*Server, error) {
	ver, err := parseVersion(opt.Version)
	if err != nil {
		return nil, err
	}
	if opt.Log == nil {
		opt.Log = carbonlog.Discard()
	}
	if opt.Hosts == nil {
		opt.Hosts = simnet.Hosts{}
	}
	s := &Server{home: h, opt: opt, ver: ver, log: opt.Log, now: time.Now}
	s.cfg = readConfig(h)

	tlsKeys, err := h.LoadKeyStore(h.KeyStoreSpec("tls", defaultKeyStore))
	if err != nil {
		return nil, fmt.Errorf("load TLS keystore: %w", err)
	}
	if len(tlsKeys[0].Chain) == 0 {
		return nil, fmt.Errorf("TLS keystore entry %s has no certificate", tlsKeys[0].Alias)
	}
	s.tlsCert = tlsCertificate(tlsKeys[0])

	primary, err := h.LoadKeyStore(h.KeyStoreSpec("primary", defaultKeyStore))
	if err != nil {
		return nil, fmt.Errorf("load primary keystore: %w", err)
	}
	if s.signer, err = newSigningKeys(primary); err != nil {
		return nil, fmt.Errorf("primary keystore: %w", err)
	}

	trust, err := h.LoadTrustStore(h.TrustStoreSpec(defaultTrustStore))
	if err != nil {
		return nil, fmt.Errorf("load client trust store: %w", err)
	}
	roots := x509.NewCertPool()
	for _, c := range trust {
		roots.AddCert(c)
	}
	s.out = opt.Hosts.Client(roots, 30*time.Second)
	s.backend = &http.Transport{DialContext: opt.Hosts.DialContext, TLSClientConfig: simnet.JavaTLSConfig(roots)}

	s.connectors = s.scanConnectors()
	s.st = newState(s)
	s.warnGrantFaults()
	return s, nil
}

// Serve starts the four listeners (9443, 9763, 8243, 8280, each plus [server] offset) and blocks until ctx
// is done or a listener fails.
func Serve(ctx context.Context, h *home.Home, opt Options) error {
	s, err := New(h, opt)
	if err != nil {
		return err
	}
	return s.Serve(ctx)
}

// Serve runs the listeners of an already built server.
func (s *Server) Serve(ctx context.Context) error {
	bind := s.opt.Bind
	if bind == "" {
		bind = "0.0.0.0"
	}
	off := s.home.PortOffset()
	servlet, gateway := s.Servlet(), s.Gateway()
	specs := []struct {
		port    int
		handler http.Handler
		tls     bool
		name    string
	}{
		{9443 + off, servlet, true, "HTTPS servlet"},
		{9763 + off, servlet, false, "HTTP servlet"},
		{8243 + off, gateway, true, "gateway pass-through HTTPS"},
		{8280 + off, gateway, false, "gateway pass-through HTTP"},
	}
	var servers []*http.Server
	errc := make(chan error, len(specs))
	for _, sp := range specs {
		addr := net.JoinHostPort(bind, strconv.Itoa(sp.port))
		var cert *tls.Certificate
		if sp.tls {
			cert = &s.tlsCert
		}
		srv, ln, err := simnet.Listen(addr, sp.handler, cert)
		if err != nil {
			for _, srv := range servers {
				_ = srv.Close()
			}
			s.log.Error("org.apache.catalina.core.StandardService", "Failed to start %s on %s: %v", sp.name, addr, err)
			return fmt.Errorf("listen %s (%s): %w", addr, sp.name, err)
		}
		if sp.tls {
			ln = tls.NewListener(ln, srv.TLSConfig)
		}
		servers = append(servers, srv)
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("%s: %w", sp.name, err)
			}
		}()
		s.log.Info("org.wso2.carbon.core.transports", "%s listener started on port %d", sp.name, sp.port)
	}
	s.log.Info("org.wso2.carbon.core.internal.StartupFinalizerServiceComponent",
		"Server           :  WSO2 API Manager-%s", s.opt.Version)
	s.log.Info("org.wso2.carbon.core.internal.StartupFinalizerServiceComponent", "WSO2 Carbon started")
	if s.opt.Ready != nil {
		s.opt.Ready()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range servers {
		_ = srv.Shutdown(shut)
	}
	s.log.Info("org.wso2.carbon.core.ServerManagement", "Shutdown complete")
	return err
}

// Servlet is the 9443/9763 handler: REST APIs, Resident KM OAuth endpoints, notify, readiness.
func (s *Server) Servlet() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/am/gateway/v2/server-startup-healthcheck", s.healthcheck)
	s.routeAdmin(mux)
	s.routePublisher(mux)
	s.routeDevPortal(mux)
	s.routeMapKeys(mux)
	mux.HandleFunc("POST /internal/data/v1/notify", s.requireBasicAdmin(s.notify))
	mux.HandleFunc("POST /oauth2/token", s.residentToken)
	mux.HandleFunc("GET /oauth2/jwks", s.residentJWKS)
	mux.HandleFunc("POST /client-registration/v0.17/register", s.requireBasicAdmin(s.clientRegistration))
	return mux
}

// Gateway is the 8243/8280 handler.
func (s *Server) Gateway() http.Handler { return http.HandlerFunc(s.gateway) }

// healthcheck answers 200 once serving: the simulator deploys no APIs or policies at start-up, so
// GatewayUtils.isAllApisDeployed() holds as soon as the handler exists (api-manager-4.md §1).
func (s *Server) healthcheck(w http.ResponseWriter, _ *http.Request) {
	w.WriteHeader(http.StatusOK)
}
