package topology

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"text/template"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/fixtures"
	"github.com/kmconform/kmconform/harness/tomlmerge"
	"github.com/kmconform/kmconform/harness/trust"
)

// notifyEndpoint is where IS posts token-revocation events: API-M's internal notify API.
const notifyEndpoint = APIMBase + "/internal/data/v1/notify"

// API-M's stores: it stays on JKS through 4.7.
const (
	apimTrustStore = "client-truststore.jks"
	apimStoreType  = trust.JKS
)

type blockData struct {
	TLSKeyStore, StoreType, StorePassword string
	AuthorizeAllScopes                    bool
	AllowSystemPrefixForRole              bool
	EventListener                         bool
	NotifyEndpoint                        string
}

func renderBlock(name string, data blockData) ([]byte, error) {
	raw, err := fs.ReadFile(fixtures.FS, "toml/"+name)
	if err != nil {
		return nil, fmt.Errorf("read fixture %s: %w", name, err)
	}
	t, err := template.New(name).Option("missingkey=error").Parse(string(raw))
	if err != nil {
		return nil, fmt.Errorf("parse fixture %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("render fixture %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// configureIS rewrites [server] hostname in place (IS builds every URL and its issuer from it), merges
// the documented blocks into IS's own default deployment.toml, writes the TLS key store and adds the run's
// CA to IS's trust store so that IS trusts API-M when it posts notifications.
func configureIS(ctx context.Context, r *run) error {
	node := r.env.Node(containers.ISAlias)
	is := r.opt.Cell.IS
	storeType, err := trust.ParseStoreType(is.StoreType)
	if err != nil {
		return err
	}
	block, err := renderBlock("is-keymanager.toml.tmpl", blockData{
		TLSKeyStore: r.ca.isKeyStore, StoreType: string(storeType), StorePassword: storePassword,
		AuthorizeAllScopes: is.AuthorizeAllScopes, AllowSystemPrefixForRole: is.AllowSystemPrefixForRole,
		EventListener: !r.opt.Faults[FaultNoEventListener], NotifyEndpoint: notifyEndpoint,
	})
	if err != nil {
		return err
	}
	if err := mergeInto(ctx, node, containers.ISAlias, block); err != nil {
		return err
	}
	if err := writeKeyStore(ctx, node, storeType, r.ca.isKeyStore, r.ca.isLeaf); err != nil {
		return err
	}
	return addTrust(ctx, node, storeType, is.TrustStore, r)
}

// configureAPIM does the same for API-M: its network name, its TLS key store, and trust in the run's CA so
// that API-M trusts IS for client registration, JWKS and introspection.
func configureAPIM(ctx context.Context, r *run) error {
	node := r.env.Node(containers.APIMAlias)
	block, err := renderBlock("apim-keymanager.toml.tmpl", blockData{
		TLSKeyStore: r.ca.amKeyStore, StoreType: string(apimStoreType), StorePassword: storePassword,
	})
	if err != nil {
		return err
	}
	if err := mergeInto(ctx, node, containers.APIMAlias, block); err != nil {
		return err
	}
	if err := writeKeyStore(ctx, node, apimStoreType, r.ca.amKeyStore, r.ca.apimLeaf); err != nil {
		return err
	}
	if r.opt.Faults[FaultNoTrust] {
		fmt.Fprintf(r.opt.Progress, "  fault %s: API-M's trust store is left without the run's CA\n", FaultNoTrust)
		return nil
	}
	return addTrust(ctx, node, apimStoreType, apimTrustStore, r)
}

// fileNode is the part of a Node the configuration steps use.
type fileNode interface {
	ReadFile(ctx context.Context, rel string) ([]byte, error)
	WriteFile(ctx context.Context, rel string, data []byte) error
}

// mergeInto sets [server] hostname in place and merges the documented blocks into the node's own
// deployment.toml.
func mergeInto(ctx context.Context, node fileNode, hostname string, block []byte) error {
	base, err := node.ReadFile(ctx, confFile)
	if err != nil {
		return err
	}
	doc, err := tomlmerge.Set(base, "server", "hostname", hostname)
	if err != nil {
		return fmt.Errorf("set [server] hostname in %s's deployment.toml: %w", hostname, err)
	}
	if doc, err = tomlmerge.Merge(doc, block); err != nil {
		return fmt.Errorf("merge the documented blocks into %s's deployment.toml: %w", hostname, err)
	}
	return node.WriteFile(ctx, confFile, doc)
}

func writeKeyStore(ctx context.Context, node containers.Node, t trust.StoreType, file string, leaf *trust.Leaf) error {
	ks, err := trust.EncodeKeyStore(t, "wso2carbon", storePassword, leaf)
	if err != nil {
		return fmt.Errorf("encode %s: %w", file, err)
	}
	return node.WriteFile(ctx, securityDir+file, ks)
}

func addTrust(ctx context.Context, node containers.Node, t trust.StoreType, file string, r *run) error {
	ts, err := node.ReadFile(ctx, securityDir+file)
	if err != nil {
		return err
	}
	ts, err = trust.AddTrustedCert(t, ts, storePassword, caAlias, r.ca.ca.Cert)
	if err != nil {
		return fmt.Errorf("add the run's CA to %s of %s: %w", file, node.Spec().Alias, err)
	}
	return node.WriteFile(ctx, securityDir+file, ts)
}

func placeJAR(ctx context.Context, r *run) error {
	if r.opt.Faults[FaultNoJAR] {
		fmt.Fprintf(r.opt.Progress, "  fault %s: the JAR is left out\n", FaultNoJAR)
		return nil
	}
	if r.opt.JAR.Name == "" || len(r.opt.JAR.Content) == 0 {
		return fmt.Errorf("no notification handler JAR was given")
	}
	return r.env.Node(containers.ISAlias).WriteFile(ctx, dropinsDir+r.opt.JAR.Name, r.opt.JAR.Content)
}
