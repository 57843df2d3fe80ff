package setup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/harness/env"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/tomlmerge"
	"github.com/kmconform/kmconform/harness/trust"
)

// configureIS writes IS's files of the plan (plan.Files): its deployment.toml with [server] hostname set in
// place (IS builds every URL and its issuer from it) and the documented blocks merged in, the TLS key store,
// and its trust store with the run's CA, so that IS trusts API-M when it posts notifications.
func configureIS(ctx context.Context, r *run) error {
	return r.writeFiles(ctx, containers.ISAlias, plan.Config, plan.KeyStore, plan.TrustStore)
}

// configureAPIM does the same for API-M: its network name, its TLS key store, and trust in the run's CA so
// that API-M trusts IS for client registration, JWKS and introspection.
func configureAPIM(ctx context.Context, r *run) error {
	return r.writeFiles(ctx, containers.APIMAlias, plan.Config, plan.KeyStore, plan.TrustStore)
}

// placeJAR writes the notification handler JAR into IS's dropins, unless the plan leaves it out.
func placeJAR(ctx context.Context, r *run) error {
	if r.plan.PlaceJAR && (r.plan.JAR.Name == "" || len(r.plan.JAR.Content) == 0) {
		return fmt.Errorf("no notification handler JAR was given")
	}
	return r.writeFiles(ctx, containers.ISAlias, plan.HandlerJAR)
}

// writeFiles makes and writes the plan's files of one node and kinds, and records each write.
func (r *run) writeFiles(ctx context.Context, alias string, kinds ...plan.FileKind) error {
	node := r.env.Node(alias)
	for _, f := range r.plan.FilesOf(alias, kinds...) {
		data, err := r.content(ctx, node, f)
		if err != nil {
			return err
		}
		if err := node.WriteFile(ctx, f.Path, data, f.Mode); err != nil {
			return err
		}
		// What the product sees, read back: the record is evidence, not a copy of the plan.
		st, err := node.Stat(ctx, f.Path)
		if err != nil {
			return err
		}
		w := env.WrittenFile{Node: alias, Path: f.Path, Kind: string(f.Kind), Owner: st.Owner,
			Mode: fmt.Sprintf("%04o", st.Mode.Perm()), Size: int(st.Size)}
		if f.Kind != plan.Config { // the applied deployment.toml is kept, redacted, as evidence instead
			sum := sha256.Sum256(data)
			w.SHA256 = hex.EncodeToString(sum[:])
		}
		r.env.Written = append(r.env.Written, w)
	}
	return nil
}

// content makes one file's bytes: what each kind of file holds is decided here and only here.
func (r *run) content(ctx context.Context, node containers.Node, f plan.File) ([]byte, error) {
	switch f.Kind {
	case plan.Config:
		block, err := r.plan.Block(f.Node)
		if err != nil {
			return nil, err
		}
		base, err := node.ReadFile(ctx, f.Path)
		if err != nil {
			return nil, err
		}
		return Merged(base, f.Node, block)
	case plan.KeyStore:
		t, err := trust.ParseStoreType(f.StoreType)
		if err != nil {
			return nil, err
		}
		leaf := map[string]*trust.Leaf{containers.ISAlias: r.ca.isLeaf, containers.APIMAlias: r.ca.apimLeaf}[f.Node]
		ks, err := trust.EncodeKeyStore(t, f.Alias, plan.StorePassword, leaf)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", f.Path, err)
		}
		return ks, nil
	case plan.TrustStore:
		t, err := trust.ParseStoreType(f.StoreType)
		if err != nil {
			return nil, err
		}
		ts, err := node.ReadFile(ctx, f.Path)
		if err != nil {
			return nil, err
		}
		ts, err = trust.AddTrustedCert(t, ts, plan.StorePassword, f.Alias, r.ca.ca.Cert)
		if err != nil {
			return nil, fmt.Errorf("add the run's CA to %s of %s: %w", f.Path, f.Node, err)
		}
		return ts, nil
	case plan.HandlerJAR:
		return r.plan.JAR.Content, nil
	case plan.ArtifactFile:
		if a, ok := r.plan.ArtifactAt(f.Path); ok && len(a.Content) > 0 {
			return a.Content, nil
		}
	}
	return nil, fmt.Errorf("kmconform defect: no content for %s file %s", f.Kind, f.Path)
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
