// Package containers turns a matrix cell into running product instances. A Node is one product instance
// (IS, API-M, or the echo backend the published API points at); a Backend creates Nodes — as Docker
// containers, or as local kmsim processes. The setup and the specs never ask which backend they run on.
package containers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
)

// ErrEngineGone matches (errors.Is) a node's Exited when the engine running it stopped answering: the
// product may still run, but nothing can reach, read or remove it.
var ErrEngineGone = errors.New("the Docker engine stopped answering")

// Product is what a Node runs.
type Product string

// The products a cell needs.
const (
	IS   Product = "is"
	APIM Product = "apim"
	Echo Product = "backend"
)

// Network aliases: the names the products use to reach each other, as in WSO2's own compose files.
const (
	ISAlias      = "wso2is"
	APIMAlias    = "wso2am"
	BackendAlias = "backend"
)

// Ports each product listens on (without [server] offset).
var Ports = map[Product][]int{
	IS:   {9443},
	APIM: {9443, 9763, 8243, 8280},
	Echo: {8080},
}

// Spec describes one Node to create.
type Spec struct {
	Product Product
	Version string // product version; empty for the backend
	Alias   string // network alias
	Image   string // container image (docker backend only)
	// Env is extra environment for the product's process (e.g. the simulator's KMSIM_FAULTS).
	Env map[string]string
}

// Node is one product instance. Files are addressed relative to the product home
// (e.g. "repository/conf/deployment.toml").
type Node interface {
	Spec() Spec
	// Home is the product home as the product sees it, for messages.
	Home() string
	ReadFile(ctx context.Context, rel string) ([]byte, error)
	// WriteFile replaces or creates a file with exactly mode, owned by the product's user, creating
	// missing folders.
	WriteFile(ctx context.Context, rel string, data []byte, mode fs.FileMode) error
	// Stat reads back a file's owner and permission bits, as the product sees them.
	Stat(ctx context.Context, rel string) (FileInfo, error)
	// Start starts the product once; it does not wait for readiness.
	Start(ctx context.Context) error
	// Exited reports a product that stopped on its own, with its cause; nil while running.
	Exited() error
	// Addr is the host:port the harness dials to reach the node's port.
	Addr(ctx context.Context, port int) (string, error)
	// Logs returns the product's console output (what docker logs shows).
	Logs(ctx context.Context) ([]byte, error)
}

// FileInfo is a file's owner (uid:gid) and permission bits.
type FileInfo struct {
	Owner string
	Mode  fs.FileMode
	Size  int64
}

// Handle identifies what a backend created, so that another process can find and remove it later
// (kmconform up, then kmconform down).
type Handle struct {
	Backend string `json:"backend"`
	// RunID labels the containers of the docker backend.
	RunID string `json:"runId,omitempty"`
	// WorkDir and PIDs are the process backend's folder and processes.
	WorkDir string         `json:"workDir,omitempty"`
	PIDs    map[string]int `json:"pids,omitempty"`
}

// Backend creates the Nodes of one cell on one network and removes them.
type Backend interface {
	Name() string
	// Handle describes what the backend created so far.
	Handle() Handle
	// Create creates every Node without starting it.
	Create(ctx context.Context, specs []Spec) ([]Node, error)
	// Close stops and removes everything Create made. It is safe to call more than once.
	Close(ctx context.Context) error
}

// ByAlias finds a node by its network alias.
func ByAlias(nodes []Node, alias string) (Node, error) {
	for _, n := range nodes {
		if n.Spec().Alias == alias {
			return n, nil
		}
	}
	return nil, fmt.Errorf("no node with alias %s", alias)
}
