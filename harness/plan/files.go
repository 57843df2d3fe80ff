package plan

import (
	"fmt"
	"io/fs"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/fixtures"
)

// FileKind says what a file the setup writes holds, and so how the setup makes its content.
type FileKind string

// The kinds of file the setup writes into a product home.
const (
	// Config is deployment.toml: the product's own file with [server] hostname set and the documented
	// blocks merged in.
	Config FileKind = "config"
	// KeyStore is the TLS key store: a fresh one holding the run's certificate for the node's name.
	KeyStore FileKind = "keystore"
	// TrustStore is the product's own trust store with the run's CA added.
	TrustStore FileKind = "truststore"
	// HandlerJAR is the token-revocation notification handler JAR.
	HandlerJAR FileKind = "jar"
	// ArtifactFile is a profile's artifact (Plan.Artifacts): a connector JAR, a webapp.
	ArtifactFile FileKind = "artifact"
)

// File is one file the setup writes into a product home. Files is the only list of what goes where: the
// setup writes exactly these, and 'kmconform plan' prints them.
type File struct {
	// Node is the network alias of the node that gets the file (wso2is, wso2am).
	Node    string             `json:"node"`
	Product containers.Product `json:"product"`
	// Path is relative to the product home.
	Path string      `json:"path"`
	Kind FileKind    `json:"kind"`
	Mode fs.FileMode `json:"-"`
	// StoreType is the store format (key and trust stores); Alias the entry the setup writes into it.
	StoreType string `json:"storeType,omitempty"`
	Alias     string `json:"alias,omitempty"`
	// Doc says what the file holds, in one sentence.
	Doc string `json:"doc"`
}

// Modes of the files the setup writes. A key store holds the run's private key: only the product's user
// reads it.
const (
	PublicMode  fs.FileMode = 0o644
	PrivateMode fs.FileMode = 0o600
)

// Files lists every file the setup writes, in the order it writes them: IS's, then API-M's, then the
// handler JAR (unless a setup fault leaves it out). Stores the plan leaves untouched are not listed.
func (p *Plan) Files() []File {
	is := []File{
		{Node: containers.ISAlias, Product: containers.IS, Path: ConfFile, Kind: Config, Mode: PublicMode,
			Doc: "IS's own deployment.toml with [server] hostname = " + containers.ISAlias + " and the documented blocks merged in"},
		{Node: containers.ISAlias, Product: containers.IS, Path: SecurityDir + p.IS.TLSKeyStore, Kind: KeyStore, Mode: PrivateMode,
			StoreType: p.IS.StoreType, Alias: KeyAlias,
			Doc: "a new TLS key store: the run's certificate for " + containers.ISAlias + " and its private key, minted at run time"},
	}
	if p.Trust.ISTrustsAPIM {
		is = append(is, File{Node: containers.ISAlias, Product: containers.IS, Path: SecurityDir + p.Cell.IS.TrustStore, Kind: TrustStore,
			Mode: PublicMode, StoreType: p.IS.StoreType, Alias: CAAlias,
			Doc: "IS's own trust store with the run's CA added, so that IS trusts API-M when it posts revocation notifications"})
	}
	am := []File{
		{Node: containers.APIMAlias, Product: containers.APIM, Path: ConfFile, Kind: Config, Mode: PublicMode,
			Doc: "API-M's own deployment.toml with [server] hostname = " + containers.APIMAlias + " and the documented block merged in"},
		{Node: containers.APIMAlias, Product: containers.APIM, Path: SecurityDir + p.APIM.TLSKeyStore, Kind: KeyStore, Mode: PrivateMode,
			StoreType: p.APIM.StoreType, Alias: KeyAlias,
			Doc: "a new TLS key store: the run's certificate for " + containers.APIMAlias + " and its private key, minted at run time"},
	}
	if p.Trust.APIMTrustsIS {
		am = append(am, File{Node: containers.APIMAlias, Product: containers.APIM, Path: SecurityDir + APIMTrustStoreFile, Kind: TrustStore,
			Mode: PublicMode, StoreType: p.APIM.StoreType, Alias: CAAlias,
			Doc: "API-M's own trust store with the run's CA added, so that API-M trusts IS (client registration, JWKS, introspection)"})
	}
	out := append(is, am...)
	if p.PlaceJAR {
		out = append(out, File{Node: containers.ISAlias, Product: containers.IS, Path: DropinsDir + p.JAR.Name, Kind: HandlerJAR,
			Mode: PublicMode, Doc: "the token-revocation notification handler (" + ListenerClass + ")"})
	}
	for _, a := range p.Artifacts {
		out = append(out, File{Node: a.Node, Product: a.Product, Path: a.Path, Kind: ArtifactFile, Mode: PublicMode, Doc: a.Doc})
	}
	return out
}

// ArtifactAt is the artifact written at path, if any.
func (p *Plan) ArtifactAt(path string) (Artifact, bool) {
	for _, a := range p.Artifacts {
		if a.Path == path {
			return a, true
		}
	}
	return Artifact{}, false
}

// FilesOf lists the files of one node, in order.
func (p *Plan) FilesOf(node string, kinds ...FileKind) []File {
	var out []File
	for _, f := range p.Files() {
		if f.Node != node {
			continue
		}
		if len(kinds) == 0 {
			out = append(out, f)
			continue
		}
		for _, k := range kinds {
			if f.Kind == k {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// Block is the documented deployment.toml block(s) of a node.
func (p *Plan) Block(node string) ([]byte, error) {
	if node == containers.ISAlias {
		return p.ISBlockTOML()
	}
	return p.APIMBlockTOML()
}

// KnownDefault is the default deployment.toml settings of a product's GA release as kmconform records them
// (fixtures/defaults): what 'kmconform plan' merges into when the product's image is not present locally.
// It is a record of the settings, without the file's comments; a run always reads the image's own file.
func KnownDefault(p containers.Product, version string) ([]byte, error) {
	name := map[containers.Product]string{containers.IS: "is", containers.APIM: "apim"}[p]
	raw, err := fs.ReadFile(fixtures.FS, "defaults/"+name+"-"+version+".toml")
	if err != nil {
		return nil, fmt.Errorf("kmconform has no record of the default deployment.toml of %s %s", p, version)
	}
	return raw, nil
}
