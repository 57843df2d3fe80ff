package setup

import (
	"context"
	"fmt"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/tomlmerge"
	"github.com/kmconform/kmconform/harness/trust"
)

// configureIS rewrites [server] hostname in place (IS builds every URL and its issuer from it), merges
// the documented blocks into IS's own default deployment.toml, writes the TLS key store and adds the run's
// CA to IS's trust store so that IS trusts API-M when it posts notifications.
func configureIS(ctx context.Context, r *run) error {
	node := r.env.Node(containers.ISAlias)
	p := r.plan
	storeType, err := trust.ParseStoreType(p.IS.StoreType)
	if err != nil {
		return err
	}
	block, err := p.ISBlockTOML()
	if err != nil {
		return err
	}
	if err := MergeInto(ctx, node, containers.ISAlias, block); err != nil {
		return err
	}
	if err := writeKeyStore(ctx, node, storeType, p.IS.TLSKeyStore, r.ca.isLeaf); err != nil {
		return err
	}
	if !p.Trust.ISTrustsAPIM {
		return nil
	}
	return addTrust(ctx, node, storeType, p.Cell.IS.TrustStore, r)
}

// configureAPIM does the same for API-M: its network name, its TLS key store, and trust in the run's CA so
// that API-M trusts IS for client registration, JWKS and introspection.
func configureAPIM(ctx context.Context, r *run) error {
	node := r.env.Node(containers.APIMAlias)
	p := r.plan
	storeType, err := trust.ParseStoreType(p.APIM.StoreType)
	if err != nil {
		return err
	}
	block, err := p.APIMBlockTOML()
	if err != nil {
		return err
	}
	if err := MergeInto(ctx, node, containers.APIMAlias, block); err != nil {
		return err
	}
	if err := writeKeyStore(ctx, node, storeType, p.APIM.TLSKeyStore, r.ca.apimLeaf); err != nil {
		return err
	}
	if !p.Trust.APIMTrustsIS {
		return nil
	}
	return addTrust(ctx, node, storeType, plan.APIMTrustStoreFile, r)
}

// FileNode is the part of a Node the configuration steps use.
type FileNode interface {
	ReadFile(ctx context.Context, rel string) ([]byte, error)
	WriteFile(ctx context.Context, rel string, data []byte) error
}

// MergeInto sets [server] hostname in place and merges the documented blocks into the node's own
// deployment.toml.
func MergeInto(ctx context.Context, node FileNode, hostname string, block []byte) error {
	base, err := node.ReadFile(ctx, plan.ConfFile)
	if err != nil {
		return err
	}
	doc, err := Merged(base, hostname, block)
	if err != nil {
		return err
	}
	return node.WriteFile(ctx, plan.ConfFile, doc)
}

// Merged is a product's default deployment.toml with [server] hostname set and the blocks merged in.
func Merged(base []byte, hostname string, block []byte) ([]byte, error) {
	doc, err := tomlmerge.Set(base, "server", "hostname", hostname)
	if err != nil {
		return nil, fmt.Errorf("set [server] hostname in %s's deployment.toml: %w", hostname, err)
	}
	if doc, err = tomlmerge.Merge(doc, block); err != nil {
		return nil, fmt.Errorf("merge the documented blocks into %s's deployment.toml: %w", hostname, err)
	}
	return doc, nil
}

func writeKeyStore(ctx context.Context, node containers.Node, t trust.StoreType, file string, leaf *trust.Leaf) error {
	ks, err := trust.EncodeKeyStore(t, plan.KeyAlias, plan.StorePassword, leaf)
	if err != nil {
		return fmt.Errorf("encode %s: %w", file, err)
	}
	return node.WriteFile(ctx, plan.SecurityDir+file, ks)
}

func addTrust(ctx context.Context, node containers.Node, t trust.StoreType, file string, r *run) error {
	ts, err := node.ReadFile(ctx, plan.SecurityDir+file)
	if err != nil {
		return err
	}
	ts, err = trust.AddTrustedCert(t, ts, plan.StorePassword, plan.CAAlias, r.ca.ca.Cert)
	if err != nil {
		return fmt.Errorf("add the run's CA to %s of %s: %w", file, node.Spec().Alias, err)
	}
	return node.WriteFile(ctx, plan.SecurityDir+file, ts)
}

func placeJAR(ctx context.Context, r *run) error {
	p := r.plan
	if !p.PlaceJAR {
		return nil
	}
	if p.JAR.Name == "" || len(p.JAR.Content) == 0 {
		return fmt.Errorf("no notification handler JAR was given")
	}
	return r.env.Node(containers.ISAlias).WriteFile(ctx, plan.DropinsDir+p.JAR.Name, p.JAR.Content)
}
