// Package docker is the Backend that runs each product as a Docker container through testcontainers-go:
// one network per cell, each container created (not started) on it under its network alias, so that
// configuration can be written into the product home before the product's first start. Everything it makes
// carries the labels kmconform=true and kmconform.run=<RunID>, which Close and Clean use as a safety net.
package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/network"

	"github.com/kmconform/kmconform/containers"
)

// Labels on every container and network the backend creates.
const (
	LabelManaged = "kmconform"     // always "true"
	LabelRun     = "kmconform.run" // the RunID
	// LabelOwner is the process that created it (containers.Owner): 'kmconform clean' leaves a live run's.
	LabelOwner = "kmconform.owner"
	// LabelDetached marks a cell brought up with 'kmconform up': it outlives its creator on purpose.
	LabelDetached = "kmconform.detached"
)

// Owner is the uid:gid a product's image runs as; written files get it so that the product can replace them.
type Owner struct{ UID, GID int }

func (o Owner) String() string { return strconv.Itoa(o.UID) + ":" + strconv.Itoa(o.GID) }

// DefaultOwners are the users of the official images (IS: wso2carbon 802, API-M: wso2carbon 10001).
var DefaultOwners = map[containers.Product]Owner{
	containers.IS:   {802, 802},
	containers.APIM: {10001, 10001},
	containers.Echo: {10001, 10001},
}

// Options configure the backend.
type Options struct {
	// RunID names and labels everything this backend creates; Close removes everything labelled with it, so
	// it must not be shared with another live Backend. Generated when empty.
	RunID string
	// Progress gets one line per image pull and container create, and periodic lines during a long pull.
	Progress io.Writer
	// Owners overrides DefaultOwners per product.
	Owners map[containers.Product]Owner
	// StopTimeout is how long a container has to stop before it is killed (default 10 s); RequestTimeout
	// bounds one call to the engine (default 30 s).
	StopTimeout, RequestTimeout time.Duration
	// Detach labels the containers as a cell meant to outlive this process (kmconform up).
	Detach bool
}

// Backend runs nodes as Docker containers.
type Backend struct {
	runID    string
	detach   bool
	progress io.Writer
	stop     time.Duration
	request  time.Duration
	owners   map[containers.Product]Owner
	cli      *client.Client

	mu        sync.Mutex
	cliClosed bool
	nodes     []*node
	networks  []*testcontainers.DockerNetwork

	hostMu sync.Mutex
	host   string // see dialHost
}

var validRunID = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// New checks that a Docker engine answers and connects to it.
func New(ctx context.Context, opt Options) (*Backend, error) {
	if err := Available(ctx); err != nil {
		return nil, err
	}
	runID := opt.RunID
	if runID == "" {
		runID = randomID()
	}
	if !validRunID.MatchString(runID) {
		return nil, fmt.Errorf("run id %q cannot name a container: use letters, digits, '_', '.' and '-'", runID)
	}
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, &unavailableError{err}
	}
	b := &Backend{runID: runID, detach: opt.Detach, progress: opt.Progress, cli: cli.Client, owners: map[containers.Product]Owner{},
		stop: opt.StopTimeout, request: opt.RequestTimeout}
	if b.stop <= 0 {
		b.stop = 10 * time.Second
	}
	if b.request <= 0 {
		b.request = 30 * time.Second
	}
	if b.progress == nil {
		b.progress = io.Discard
	}
	for p, o := range DefaultOwners {
		b.owners[p] = o
	}
	for p, o := range opt.Owners {
		b.owners[p] = o
	}
	return b, nil
}

// Name implements containers.Backend.
func (b *Backend) Name() string { return "docker" }

// RunID is the id on every name and label this backend creates.
func (b *Backend) RunID() string { return b.runID }

// Handle implements containers.Backend: the run id labels everything this backend made.
func (b *Backend) Handle() containers.Handle {
	return containers.Handle{Backend: b.Name(), RunID: b.runID}
}

func (b *Backend) labels() map[string]string {
	l := map[string]string{LabelManaged: "true", LabelRun: b.runID, LabelOwner: containers.Self().String()}
	if b.detach {
		l[LabelDetached] = "true"
	}
	return l
}

// Create pulls missing images, then creates one network and every container on it without starting them.
// Whatever was created before a failure is removed by Close.
func (b *Backend) Create(ctx context.Context, specs []containers.Spec) ([]containers.Node, error) {
	for _, s := range specs {
		if _, err := home(s); err != nil {
			return nil, err
		}
		if s.Alias == "" {
			return nil, fmt.Errorf("the %s node has no network alias", s.Product)
		}
		if s.Image == "" {
			return nil, fmt.Errorf("no image for %s: %s", s.Alias, imageHint(s.Product))
		}
	}
	// Images first: a missing image should fail before anything is created.
	pulled := map[string]bool{}
	for _, s := range specs {
		if !pulled[s.Image] {
			if err := b.ensureImage(ctx, s); err != nil {
				return nil, err
			}
			pulled[s.Image] = true
		}
	}
	nw, err := network.New(ctx, network.WithLabels(b.labels()))
	if err != nil {
		return nil, fmt.Errorf("create the cell's network: %w", err)
	}
	b.mu.Lock()
	b.networks = append(b.networks, nw)
	b.mu.Unlock()

	var out []containers.Node
	for _, s := range specs {
		n, err := b.createNode(ctx, nw, s)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func (b *Backend) createNode(ctx context.Context, nw *testcontainers.DockerNetwork, s containers.Spec) (*node, error) {
	name := "kmconform-" + b.runID + "-" + s.Alias
	var ports []string
	for _, p := range containers.Ports[s.Product] {
		ports = append(ports, strconv.Itoa(p)+"/tcp")
	}
	ctr, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:          s.Image,
			Name:           name,
			Labels:         b.labels(), // a fresh map: testcontainers adds its own labels to it
			ExposedPorts:   ports,
			Networks:       []string{nw.Name},
			NetworkAliases: map[string][]string{nw.Name: {s.Alias}},
			Env:            s.Env,
		},
		Started: false,
		// Progress is the backend's voice; testcontainers' own emoji log would interleave with it.
		Logger: tclog.NewNoopLogger(),
	})
	var n *node
	if ctr != nil {
		// testcontainers may return a container together with an error: track it so that Close removes it.
		n = newNode(b, s, name, ctr)
		b.mu.Lock()
		b.nodes = append(b.nodes, n)
		b.mu.Unlock()
	}
	if err != nil {
		return nil, fmt.Errorf("create container %s from %s: %w", name, s.Image, err)
	}
	fmt.Fprintf(b.progress, "created container %s (%s)\n", name, s.Image)
	return n, nil
}

// Close stops and removes every container (with its anonymous volumes) and network this backend made, then
// everything else still labelled with its RunID. It runs to the end even when ctx is already cancelled.
func (b *Backend) Close(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.stop+b.request)
	defer cancel()
	b.mu.Lock()
	if b.cliClosed {
		b.mu.Unlock()
		return nil // closed already
	}
	nodes, networks := b.nodes, b.networks
	b.nodes, b.networks = nil, nil
	b.mu.Unlock()
	defer b.closeClient()

	var mu sync.Mutex
	var errs []error
	var left []string
	var wg sync.WaitGroup
	for _, n := range nodes {
		n.markStopped()
		wg.Go(func() {
			err := n.ctr.Terminate(ctx, testcontainers.StopTimeout(b.stop))
			if err != nil && !cerrdefs.IsNotFound(err) {
				mu.Lock()
				errs = append(errs, fmt.Errorf("remove container %s: %w", n.name, err))
				left = append(left, "container "+n.name)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, nw := range networks {
		if err := nw.Remove(ctx); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s: %w", nw.Name, err))
			left = append(left, "network "+nw.Name)
		}
	}
	if _, err := clean(ctx, b.cli, b.runID); err != nil {
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil
	}
	slices.Sort(left)
	return &LeftError{RunID: b.runID, Left: left, Unreachable: !engineAnswers(), Err: errors.Join(errs...)}
}

// LeftError is a Close that could not remove everything: it lists what is left and how to remove it.
type LeftError struct {
	RunID string
	Left  []string
	// Unreachable is set when the Docker engine no longer answers.
	Unreachable bool
	Err         error
}

func (e *LeftError) Error() string {
	what := "could not remove everything of run " + e.RunID
	if len(e.Left) > 0 {
		what = "could not remove " + strings.Join(e.Left, ", ")
	}
	if e.Unreachable {
		return fmt.Sprintf("the Docker engine stopped answering, so kmconform %s: run 'kmconform clean' once Docker answers again", what)
	}
	return fmt.Sprintf("kmconform %s (%s): run 'kmconform clean'", what, oneLine(e.Err.Error()))
}

func (e *LeftError) Unwrap() error { return e.Err }

// closeClient releases the Docker client once the backend is done with it.
func (b *Backend) closeClient() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.cliClosed {
		_ = b.cli.Close()
		b.cliClosed = true
	}
}

// home is the product home inside the image (see the official WSO2 Dockerfiles).
func home(s containers.Spec) (string, error) {
	dir := map[containers.Product]string{containers.IS: "wso2is-", containers.APIM: "wso2am-"}[s.Product]
	switch {
	case s.Product == containers.Echo:
		return "/", nil
	case dir == "":
		return "", fmt.Errorf("unknown product %q", s.Product)
	case s.Version == "":
		return "", fmt.Errorf("the %s node has no product version: its home depends on it", s.Product)
	}
	return "/home/wso2carbon/" + dir + s.Version, nil
}

// imageFlag is the command-line flag that chooses the product's image.
// imageHint says how to get another image for a product: a mirror for the official images; the echo
// backend is always the simulator's image, built locally.
func imageHint(p containers.Product) string {
	switch p {
	case containers.IS:
		return "pass a mirror with --is-image"
	case containers.APIM:
		return "pass a mirror with --apim-image"
	}
	return "rebuild the simulator images with 'make build'"
}

func randomID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
