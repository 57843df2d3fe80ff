package topology

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/netclient"
	"github.com/kmconform/kmconform/harness/wso2am"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// Product defaults the setup relies on (both images ship them).
const (
	defaultAdminUser     = "admin"
	defaultAdminPassword = "admin"
	// storePassword is the password of every key and trust store in the images.
	storePassword = "wso2carbon"
	securityDir   = "repository/resources/security/"
	confFile      = "repository/conf/deployment.toml"
	dropinsDir    = "repository/components/dropins/"
)

// JAR is the notification handler JAR to place in IS's dropins.
type JAR struct {
	Name    string
	Content []byte
}

// Options configure one cell's setup.
type Options struct {
	Cell    matrix.Cell
	Backend containers.Backend
	// Images names the container image per product (ignored by the process backend).
	Images map[containers.Product]string
	JAR    JAR
	Faults Faults
	// Progress receives one line per step and periodic lines during long waits.
	Progress io.Writer
	// Transcript receives every HTTP exchange, redacted.
	Transcript io.Writer
}

// step is one named part of the setup.
type step struct {
	id, name string
	run      func(context.Context, *run) error
}

// Step ids: stable names the matrix uses to declare a known setup incompatibility.
const (
	StepCreateNodes   = "create-nodes"
	StepMintTrust     = "mint-trust"
	StepConfigureIS   = "configure-is"
	StepConfigureAPIM = "configure-apim"
	StepPlaceJAR      = "place-jar"
	StepStart         = "start"
	StepWaitReady     = "wait-ready"
	StepDiscovery     = "read-discovery"
	StepKeyManager    = "register-key-manager"
	StepPublishAPI    = "publish-api"
	StepApplications  = "create-applications"
)

// StepIDs lists every step id in order.
func StepIDs() []string {
	var ids []string
	for _, s := range setupSteps() {
		ids = append(ids, s.id)
	}
	return ids
}

// setupSteps is the documented setup, in order.
func setupSteps() []step {
	return []step{
		{StepCreateNodes, "create the nodes", createNodes},
		{StepMintTrust, "mint the run's TLS material", mintTrust},
		{StepConfigureIS, "configure IS (deployment.toml, key and trust stores)", configureIS},
		{StepConfigureAPIM, "configure API-M (deployment.toml, key and trust stores)", configureAPIM},
		{StepPlaceJAR, "place the notification handler JAR in IS dropins", placeJAR},
		{StepStart, "start IS, API-M and the backend", startAll},
		{StepWaitReady, "wait until IS, API-M and the backend are ready", waitReady},
		{StepDiscovery, "read IS discovery", readDiscovery},
		{StepKeyManager, "register IS as Key Manager in API-M", registerKeyManager},
		{StepPublishAPI, "publish the API restricted to the IS Key Manager", publishAPI},
		{StepApplications, "create applications, keys and subscriptions", createApplications},
	}
}

// StepError is a failed setup step.
type StepError struct {
	ID, Name string
	Err      error
}

func (e *StepError) Error() string { return fmt.Sprintf("setup step %q failed: %v", e.Name, e.Err) }
func (e *StepError) Unwrap() error { return e.Err }

// run is the state shared by the steps of one Up.
type run struct {
	opt   Options
	env   *Env
	ca    *trustMaterial
	roots *x509.CertPool
}

// Up runs the whole setup. It returns the Env also on error, so that the caller can collect evidence from
// whatever was created before the backend removes it.
func Up(ctx context.Context, opt Options) (*Env, error) {
	if opt.Progress == nil {
		opt.Progress = io.Discard
	}
	if opt.Faults == nil {
		opt.Faults = Faults{}
	}
	r := &run{opt: opt, env: &Env{Cell: opt.Cell, Redactor: &evidence.Redactor{}}}
	steps := setupSteps()
	for i, s := range steps {
		fmt.Fprintf(opt.Progress, "[setup %d/%d] %s\n", i+1, len(steps), s.name)
		start := time.Now()
		err := s.run(ctx, r)
		r.env.Steps = append(r.env.Steps, StepResult{Name: s.name, Duration: time.Since(start)})
		if err != nil {
			if ctx.Err() != nil {
				err = fmt.Errorf("%w (interrupted: %v)", err, ctx.Err())
			}
			return r.env, &StepError{ID: s.id, Name: s.name, Err: err}
		}
	}
	return r.env, nil
}

func createNodes(ctx context.Context, r *run) error {
	specs := []containers.Spec{
		{Product: containers.IS, Version: r.opt.Cell.IS.Version, Alias: containers.ISAlias, Image: r.opt.Images[containers.IS]},
		{Product: containers.APIM, Version: r.opt.Cell.APIM.Version, Alias: containers.APIMAlias, Image: r.opt.Images[containers.APIM]},
		{Product: containers.Echo, Alias: containers.BackendAlias, Image: r.opt.Images[containers.Echo]},
	}
	nodes, err := r.opt.Backend.Create(ctx, specs)
	r.env.Nodes = nodes
	return err
}

// newClients builds the harness's HTTP client once the run's CA exists: it trusts only that CA and dials
// the in-network names through each node's reachable address.
func (r *run) newClients() {
	resolve := func(host string, port int) (string, bool) {
		n, err := containers.ByAlias(r.env.Nodes, host)
		if err != nil {
			return "", false
		}
		addr, err := n.Addr(context.Background(), port)
		return addr, err == nil
	}
	var wrap func(http.RoundTripper) http.RoundTripper
	if r.opt.Transcript != nil {
		wrap = func(next http.RoundTripper) http.RoundTripper {
			return &evidence.Transcript{Next: next, Redactor: r.env.Redactor, W: r.opt.Transcript}
		}
	}
	r.env.HTTP = netclient.New(netclient.Options{
		Resolve: resolve, Roots: r.roots, Timeout: intervals.Get(intervals.HTTPRequest).Timeout, Wrap: wrap,
	})
	r.env.IS = &wso2is.Client{HTTP: r.env.HTTP, Base: ISBase, AdminUser: defaultAdminUser, AdminPassword: defaultAdminPassword}
	r.env.APIM = &wso2am.Client{HTTP: r.env.HTTP, Base: APIMBase, Gateway: GatewayBase,
		AdminUser: defaultAdminUser, AdminPassword: defaultAdminPassword}
}

func startAll(ctx context.Context, r *run) error {
	// Everything is in place before the first start, so each product starts exactly once, and all at once.
	var wg sync.WaitGroup
	errs := make([]error, len(r.env.Nodes))
	for i, n := range r.env.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := n.Start(ctx); err != nil {
				errs[i] = fmt.Errorf("start %s: %w", n.Spec().Alias, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// logTail is the end of a node's console output, redacted, for failure messages.
func (r *run) logTail(ctx context.Context, n containers.Node, lines int) string {
	b, err := n.Logs(ctx)
	if err != nil || len(b) == 0 {
		return "(no output)"
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return r.env.Redactor.Redact(strings.Join(all, "\n"))
}
