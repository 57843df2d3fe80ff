package setup

import (
	"context"
	"crypto/x509"
	"net"
	"time"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/harness/trust"
)

// certValidity is long enough for a nightly and short enough that a leaked run CA is worthless.
const certValidity = 7 * 24 * time.Hour

type trustMaterial struct {
	ca       *trust.CA
	isLeaf   *trust.Leaf
	apimLeaf *trust.Leaf
}

// mintTrust creates the run's CA and a TLS certificate for each product's in-network name. The images'
// default certificates have expired, and they name localhost, not the names the products call each other.
func mintTrust(_ context.Context, r *run) error {
	now := time.Now().Add(-time.Hour) // tolerate small clock differences between harness and containers
	ca, err := trust.NewCA("kmconform run CA", now, certValidity+24*time.Hour)
	if err != nil {
		return err
	}
	loopback := []net.IP{net.ParseIP("127.0.0.1")}
	isLeaf, err := ca.IssueServer(containers.ISAlias, []string{containers.ISAlias, "localhost"}, loopback, now, certValidity)
	if err != nil {
		return err
	}
	amLeaf, err := ca.IssueServer(containers.APIMAlias, []string{containers.APIMAlias, "localhost"}, loopback, now, certValidity)
	if err != nil {
		return err
	}
	r.ca = &trustMaterial{ca: ca, isLeaf: isLeaf, apimLeaf: amLeaf}
	r.env.CAPEM = ca.CertPEM()
	r.roots = x509.NewCertPool()
	r.roots.AddCert(ca.Cert)
	r.newClients()
	return nil
}
