// Package setup executes a cell's plan (harness/plan) on two Nodes as ordered, named steps: create the
// nodes, mint TLS material, write each product's deployment.toml, stores and the notification JAR, start
// both products once, wait until they are ready, register IS as Key Manager and publish an API restricted
// to it. Its result, an Env (harness/env), is what fixtures and checks work on.
package setup

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/harness/env"
	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/httpcall"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/wso2am"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// Options configure one cell's setup.
type Options struct {
	Plan    *plan.Plan
	Backend containers.Backend
	// Images names the container image per product (ignored by the process backend).
	Images map[containers.Product]string
	// NodeEnv is extra environment per product (the simulator's product faults).
	NodeEnv map[containers.Product]map[string]string
	// Progress receives one line per step and periodic lines during long waits.
	Progress io.Writer
	// Transcript receives every HTTP exchange, redacted.
	Transcript io.Writer
	// OnStep, if set, is told when each step starts (i counts from 1 to n).
	OnStep func(i, n int, id, name string)
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
	StepDocumentation = "compare-documentation"
	StepKeyManager    = "register-key-manager"
	StepPublishAPI    = "publish-api"
)

// StepIDs lists every step id of every profile: the default setup's in order, then the other profiles' own.
func StepIDs() []string {
	var ids []string
	for _, st := range allSteps() {
		ids = append(ids, st.id)
	}
	return ids
}

// StepsOf lists the ids and names of the steps a plan runs, in order.
func StepsOf(p *plan.Plan) (ids, names []string) {
	for _, st := range stepsFor(p) {
		ids, names = append(ids, st.id), append(names, st.name)
	}
	return ids, names
}

func allSteps() []step {
	out := steps()
	seen := map[string]bool{}
	for _, st := range out {
		seen[st.id] = true
	}
	for _, name := range plan.ProfileNames() {
		prof, _ := plan.ProfileNamed(name)
		for _, st := range stepsFor(&plan.Plan{Profile: prof}) {
			if !seen[st.id] {
				seen[st.id] = true
				out = append(out, st)
			}
		}
	}
	return out
}

// steps is the documented setup, in order.
func steps() []step {
	return []step{
		{StepCreateNodes, "create the nodes", createNodes},
		{StepMintTrust, "mint the run's TLS material", mintTrust},
		{StepConfigureIS, "configure IS (deployment.toml, key and trust stores)", configureIS},
		{StepConfigureAPIM, "configure API-M (deployment.toml, key and trust stores)", configureAPIM},
		{StepPlaceJAR, "place the notification handler JAR in IS dropins", placeJAR},
		{StepStart, "start IS, API-M and the backend", startAll},
		{StepWaitReady, "wait until IS, API-M and the backend are ready", waitReady},
		{StepDiscovery, "read IS discovery", readDiscovery},
		{StepDocumentation, "compare the API-M release's documented endpoints with what IS serves", compareDocumentation},
		{StepKeyManager, "register IS as Key Manager in API-M", registerKeyManager},
		{StepPublishAPI, "publish the API restricted to the IS Key Manager", publishAPI},
	}
}

// stepsFor is the setup of a plan's profile on a target kmconform starts: the nodes of the documented
// setup, then what the profile registers. The default profile is steps().
func stepsFor(p *plan.Plan) []step {
	prof := p.ProfileOrDefault()
	if prof.Name == plan.DefaultProfile {
		return steps()
	}
	base := steps()[:5] // create, mint, configure IS and API-M, the notification JAR
	if len(p.Artifacts) > 0 || prof.KMType == plan.TypeOBKM || prof.KMType == plan.TypeAsgardeo {
		base = append(base, step{StepPlaceArtifacts, "place the profile's artifacts (" + prof.Title + ")", placeArtifacts})
	}
	base = append(base, steps()[5:7]...) // start, wait until ready
	switch {
	case prof.Name == "asgardeo" || p.PairOnly:
		// Asgardeo is a SaaS: a started pair only plays it ('kmconform up'), an attached run registers it;
		// 'kmconform up' of the oidc profile leaves the registration to the attached run too.
		return base
	case prof.FromDiscovery:
		return append(base,
			step{StepDiscovery, "read the provider's discovery document", readProviderDiscovery},
			step{StepProviderClient, "get the provider's client (credentials file or registration)", providerClient},
			step{StepKeyManager, "register the provider as Key Manager (" + prof.KMType + ") in API-M", registerKeyManager},
			step{StepPublishAPI, "publish the API restricted to the provider's Key Manager", publishAPI})
	}
	return append(base,
		step{StepDiscovery, "read IS discovery", readProviderDiscovery},
		step{StepProviderClient, "get a client of IS for the provider checks", providerClient},
		step{StepKeyManager, "register IS as " + prof.KMType + " Key Manager in API-M", registerKeyManager},
		step{StepDisableResident, "disable the Resident Key Manager, as the documentation of " + prof.Title + " says", disableResidentStep},
		step{StepPublishAPI, "publish the API restricted to the " + prof.KMType + " Key Manager", publishAPI})
}

// providerOptions is where a started pair's provider values come from: IS under its network name, its
// administrator for registration and introspection.
func (r *run) providerOptions() ProviderOptions {
	return ProviderOptions{Base: plan.ISBase, WellKnown: plan.ISBase + wso2is.DiscoveryPath,
		Admin: &Credentials{Username: plan.AdminUser, Password: plan.AdminPassword}, APIM: true}
}

func readProviderDiscovery(ctx context.Context, r *run) error {
	return discoverProvider(ctx, r.env, r.providerOptions())
}

func providerClient(ctx context.Context, r *run) error {
	// The started pair is removed at the end: the client goes with it.
	return provideClient(ctx, r.env, r.providerOptions(), r.opt.Progress, func(string, func(context.Context) error) {})
}

func disableResidentStep(ctx context.Context, r *run) error { return disableResident(ctx, r.env.APIM) }

// placeArtifacts writes the profile's artifacts (connector JARs, webapps) into each node.
func placeArtifacts(ctx context.Context, r *run) error {
	for _, alias := range []string{containers.ISAlias, containers.APIMAlias} {
		if err := r.writeFiles(ctx, alias, plan.ArtifactFile); err != nil {
			return err
		}
	}
	return nil
}

// EnvironmentStep reports whether a failure of the step is the environment's or the harness's rather
// than the products': the nodes could not be created or started (no Docker, an image missing), the run's
// TLS material could not be minted, or a product never became ready. Such a failure proves nothing about
// the integration; results.json reports it as an error.
func EnvironmentStep(id string) bool {
	switch id {
	case StepCreateNodes, StepMintTrust, StepStart, StepWaitReady:
		return true
	}
	return false
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
	plan  *plan.Plan
	env   *env.Env
	ca    *trustMaterial
	roots *x509.CertPool
}

// Up runs the whole setup. It returns the Env also on error, so that the caller can collect evidence from
// whatever was created before the backend removes it.
func Up(ctx context.Context, opt Options) (*env.Env, error) {
	if opt.Progress == nil {
		opt.Progress = io.Discard
	}
	p := opt.Plan
	r := &run{opt: opt, plan: p, env: &env.Env{Cell: p.Cell, Plan: p, Redactor: &evidence.Redactor{}, Progress: opt.Progress}}
	all := stepsFor(p)
	for i, s := range all {
		fmt.Fprintf(opt.Progress, "[setup %d/%d] %s\n", i+1, len(all), s.name)
		if opt.OnStep != nil {
			opt.OnStep(i+1, len(all), s.id, s.name)
		}
		start := time.Now()
		err := s.run(evidence.WithActor(ctx, "setup "+s.id), r)
		r.env.Steps = append(r.env.Steps, env.StepResult{ID: s.id, Name: s.name, Duration: time.Since(start)})
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
	cell := r.plan.Cell
	specs := []containers.Spec{
		{Product: containers.IS, Version: cell.IS.Version, Alias: containers.ISAlias},
		{Product: containers.APIM, Version: cell.APIM.Version, Alias: containers.APIMAlias},
		{Product: containers.Echo, Alias: containers.BackendAlias},
	}
	for i := range specs {
		specs[i].Image = r.opt.Images[specs[i].Product]
		specs[i].Env = r.opt.NodeEnv[specs[i].Product]
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
			r.env.Transcript = &evidence.Transcript{Next: next, Redactor: r.env.Redactor, W: r.opt.Transcript}
			return r.env.Transcript
		}
	}
	r.env.HTTP = httpcall.NewClient(httpcall.ClientOptions{
		Resolve: resolve, Roots: r.roots, Timeout: intervals.Get(intervals.HTTPRequest).Timeout, Wrap: wrap,
	})
	r.env.IS = &wso2is.Client{HTTP: r.env.HTTP, Base: plan.ISBase, AdminUser: plan.AdminUser, AdminPassword: plan.AdminPassword}
	r.env.APIM = &wso2am.Client{HTTP: r.env.HTTP, Base: plan.APIMBase, Gateway: plan.GatewayBase,
		AdminUser: plan.AdminUser, AdminPassword: plan.AdminPassword}
}

func startAll(ctx context.Context, r *run) error {
	// Everything is in place before the first start, so each product starts exactly once, and all at once.
	var wg sync.WaitGroup
	errs := make([]error, len(r.env.Nodes))
	for i, n := range r.env.Nodes {
		wg.Go(func() {
			if err := n.Start(ctx); err != nil {
				errs[i] = fmt.Errorf("start %s: %w", n.Spec().Alias, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
