package simnet

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// Listen opens a product connector on addr and returns the server for handler, not yet serving. With
// cert it is an HTTPS connector: srv.TLSConfig holds that certificate at TLS 1.2 and above, and ln is
// still the plain TCP listener, so the caller chooses how TLS goes on it (srv.Serve on a tls.NewListener,
// or srv.ServeTLS, which also offers HTTP/2). Without cert it is a plain HTTP connector.
func Listen(addr string, handler http.Handler, cert *tls.Certificate) (srv *http.Server, ln net.Listener, err error) {
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	srv = &http.Server{Handler: handler, ReadHeaderTimeout: 30 * time.Second}
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}
	}
	return srv, ln, nil
}
