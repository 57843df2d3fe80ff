package setup

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kmconform/kmconform/harness/env"
	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/httpcall"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/poll"
	"github.com/kmconform/kmconform/harness/wso2am"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// AttachOptions describe a running IS and API-M that kmconform did not start (a staging deployment).
type AttachOptions struct {
	Plan *plan.Plan
	// ISURL, APIMURL and GatewayURL are the products' base URLs, e.g. https://is.example.com.
	ISURL, APIMURL, GatewayURL string
	// Roots are the CAs the products' certificates chain to; nil trusts the system roots.
	Roots *x509.CertPool
	// Resolve maps host:port to the address to dial (names the machine cannot resolve); may be empty.
	Resolve map[string]string
	// ISAdmin and APIMAdmin are the administrators' credentials.
	ISAdmin, APIMAdmin Credentials
	// ReuseKeyManager names an existing Key Manager to run against instead of registering one.
	ReuseKeyManager string
	// ReuseAPI names an existing API published by kmconform (e.g. by 'kmconform up') to call instead of
	// publishing one.
	ReuseAPI string
	// BackendURL is the endpoint of the API this run publishes; it must be reachable from API-M.
	BackendURL string
	// WellKnown is the provider's discovery document (profiles other than the default); Client a client of
	// the credentials file (nil: register one); Asgardeo the organization and its management application.
	WellKnown  string
	Client     *Credentials
	Asgardeo   *plan.AsgardeoOrg
	Progress   io.Writer
	Transcript io.Writer
	OnStep     func(i, n int, id, name string)
}

// Credentials are a user name and password.
type Credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Undo removes what an attached run created, newest first.
type Undo struct {
	steps []undoStep
}

type undoStep struct {
	what string
	fn   func(ctx context.Context) error
}

func (u *Undo) add(what string, fn func(ctx context.Context) error) {
	u.steps = append(u.steps, undoStep{what, fn})
}

// Run removes everything, newest first, and reports what it could not remove.
func (u *Undo) Run(ctx context.Context) error {
	if u == nil {
		return nil
	}
	var errs []error
	for i := len(u.steps) - 1; i >= 0; i-- {
		s := u.steps[i]
		if err := s.fn(evidence.WithActor(ctx, "cleanup "+s.what)); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", s.what, err))
		}
	}
	u.steps = nil
	return errors.Join(errs...)
}

// Refusal is an attach run that would touch something it did not create: bad input, said in one sentence.
type Refusal struct{ Msg string }

func (r *Refusal) Error() string { return r.Msg }

// AttachStepIDs are the steps of an attached run: those of the base setup that need no file access.
var AttachStepIDs = []string{StepWaitReady, StepDiscovery, StepProviderClient, StepKeyManager, StepPublishAPI}

type attachStep struct {
	id, name string
	run      func(context.Context) error
}

// steps are the attached run's steps for its profile.
func (a *attachRun) steps() []attachStep {
	prof := a.o.Plan.ProfileOrDefault()
	if prof.Name == plan.DefaultProfile {
		return []attachStep{
			{StepWaitReady, "wait until IS and API-M answer", a.waitReady},
			{StepDiscovery, "read IS discovery", a.discover},
			{StepKeyManager, "register IS as Key Manager in API-M (or reuse the one named)", a.keyManager},
			{StepPublishAPI, "publish a test API restricted to the IS Key Manager (or reuse the one named)", a.publishAPI},
		}
	}
	out := []attachStep{
		{StepWaitReady, "wait until the provider" + map[bool]string{true: " and API-M", false: ""}[a.o.APIMURL != ""] + " answer", a.waitReady},
		{StepDiscovery, "read the provider's discovery document", a.discover},
		{StepProviderClient, "get the provider's client (credentials file or registration)", a.providerClient},
	}
	if a.o.APIMURL != "" {
		out = append(out,
			attachStep{StepKeyManager, "register the provider as " + prof.KMType + " Key Manager in API-M (or reuse the one named)", a.keyManager},
			attachStep{StepPublishAPI, "publish a test API restricted to that Key Manager (or reuse the one named)", a.publishAPI})
	}
	return out
}

// Attach sets up an attached pair: it waits until both answer, reads the provider's discovery, registers the
// profile's Key Manager (or reuses the one named) and publishes a test API restricted to it (or reuses the
// one named). The setup steps that need the products' files (deployment.toml, stores, the JAR, starting
// them) do not run. What it creates, it records in the Undo, which the caller runs at the end; it never
// changes or removes what it did not create (the Resident Key Manager the obkm profile disables on a pair
// kmconform starts is left as it is).
func Attach(ctx context.Context, o AttachOptions) (*env.Env, *Undo, error) {
	a := newAttachRun(o)
	e := a.env
	steps := a.steps()
	for i, s := range steps {
		fmt.Fprintf(a.o.Progress, "[setup %d/%d] %s\n", i+1, len(steps), s.name)
		if o.OnStep != nil {
			o.OnStep(i+1, len(steps), s.id, s.name)
		}
		start := time.Now()
		err := s.run(evidence.WithActor(ctx, "setup "+s.id))
		e.Steps = append(e.Steps, env.StepResult{ID: s.id, Name: s.name, Duration: time.Since(start)})
		if err != nil {
			return e, a.undo, &StepError{ID: s.id, Name: s.name, Err: err}
		}
	}
	return e, a.undo, nil
}

// CheckAttach looks at an attached pair before anything is created: both answer, and the run would not
// touch a Key Manager or an API it did not create. A *Refusal says what to pass instead; another error is
// a pair that does not answer.
func CheckAttach(ctx context.Context, o AttachOptions) error {
	a := newAttachRun(o)
	for _, p := range a.probes() {
		resp, err := httpcall.Do(ctx, a.env.HTTP, httpcall.Request{Op: "probe " + p.what, Method: http.MethodGet, URL: p.url})
		if err != nil {
			return fmt.Errorf("%s at %s does not answer: %v", p.what, p.url, err)
		}
		if resp.Status != http.StatusOK {
			return fmt.Errorf("%s at %s answers HTTP %d: is it up and is the URL its base?", p.what, p.url, resp.Status)
		}
	}
	if err := a.discover(ctx); err != nil {
		return err
	}
	if a.env.APIM == nil {
		return nil
	}
	if _, err := a.findKeyManager(ctx); err != nil {
		return err
	}
	if o.ReuseAPI != "" {
		if _, err := a.findAPI(ctx); err != nil {
			return err
		}
	}
	return nil
}

func newAttachRun(o AttachOptions) *attachRun {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	e := &env.Env{Cell: o.Plan.Cell, Plan: o.Plan, Redactor: &evidence.Redactor{}, Progress: o.Progress}
	e.Redactor.Add(o.ISAdmin.Password, o.APIMAdmin.Password)
	resolve := func(host string, port int) (string, bool) {
		addr, ok := o.Resolve[net.JoinHostPort(host, strconv.Itoa(port))]
		return addr, ok
	}
	var wrap func(http.RoundTripper) http.RoundTripper
	if o.Transcript != nil {
		wrap = func(next http.RoundTripper) http.RoundTripper {
			e.Transcript = &evidence.Transcript{Next: next, Redactor: e.Redactor, W: o.Transcript}
			return e.Transcript
		}
	}
	e.HTTP = httpcall.NewClient(httpcall.ClientOptions{Resolve: resolve, Roots: o.Roots, Timeout: intervals.Get(intervals.HTTPRequest).Timeout, Wrap: wrap})
	if o.Asgardeo != nil {
		e.Redactor.Add(o.Asgardeo.ClientSecret)
	}
	if o.Client != nil {
		e.Redactor.Add(o.Client.Password)
	}
	e.IS = &wso2is.Client{HTTP: e.HTTP, Base: o.ISURL, AdminUser: o.ISAdmin.Username, AdminPassword: o.ISAdmin.Password}
	if o.APIMURL != "" {
		e.APIM = &wso2am.Client{HTTP: e.HTTP, Base: o.APIMURL, Gateway: o.GatewayURL, AdminUser: o.APIMAdmin.Username, AdminPassword: o.APIMAdmin.Password}
	}
	return &attachRun{o: o, env: e, undo: &Undo{}}
}

type attachRun struct {
	o    AttachOptions
	env  *env.Env
	undo *Undo
}

type probe struct{ what, url, interval string }

func (a *attachRun) probes() []probe {
	if a.o.Plan.ProfileOrDefault().Name == plan.DefaultProfile {
		return []probe{
			{"IS", a.o.ISURL + wso2is.DiscoveryPath, intervals.ISReady},
			{"API-M", a.o.APIMURL + wso2am.HealthPath, intervals.APIMReady},
		}
	}
	out := []probe{{"the provider", a.wellKnown(), intervals.ISReady}}
	if a.o.APIMURL != "" {
		out = append(out, probe{"API-M", a.o.APIMURL + wso2am.HealthPath, intervals.APIMReady})
	}
	return out
}

// wellKnown is the provider's discovery document: the one given, an Asgardeo organization's, or IS's.
func (a *attachRun) wellKnown() string {
	switch {
	case a.o.WellKnown != "":
		return a.o.WellKnown
	case a.o.Asgardeo != nil:
		return a.o.Asgardeo.OrgBase() + wso2is.DiscoveryPath
	}
	return a.o.ISURL + wso2is.DiscoveryPath
}

// providerOptions is where an attached provider's values come from.
func (a *attachRun) providerOptions() ProviderOptions {
	o := ProviderOptions{Base: a.o.ISURL, WellKnown: a.wellKnown(), Client: a.o.Client, APIM: a.o.APIMURL != ""}
	if a.o.ISAdmin.Username != "" {
		admin := a.o.ISAdmin
		o.Admin = &admin
	}
	if g := a.o.Asgardeo; g != nil {
		o.Base = g.OrgBase()
		o.Client = &Credentials{Username: g.ClientID, Password: g.ClientSecret}
	}
	return o
}

func (a *attachRun) discover(ctx context.Context) error {
	if a.o.Plan.ProfileOrDefault().Name != plan.DefaultProfile {
		return discoverProvider(ctx, a.env, a.providerOptions())
	}
	d, err := a.env.IS.Discover(ctx)
	a.env.Discovery = d
	return err
}

func (a *attachRun) providerClient(ctx context.Context) error {
	return provideClient(ctx, a.env, a.providerOptions(), a.o.Progress, a.undo.add)
}

func (a *attachRun) waitReady(ctx context.Context) error {
	for _, p := range a.probes() {
		_, err := poll.Until(ctx, poll.Options{What: p.what + " at " + p.url + " to answer 200", Interval: p.interval, Backoff: true, Progress: a.o.Progress},
			func(ctx context.Context) (bool, string, error) {
				resp, err := httpcall.Do(ctx, a.env.HTTP, httpcall.Request{Op: "probe " + p.what, Method: http.MethodGet, URL: p.url})
				switch {
				case err != nil:
					return false, err.Error(), nil
				case resp.Status != http.StatusOK:
					return false, fmt.Sprintf("HTTP %d", resp.Status), nil
				}
				return true, "", nil
			})
		if err != nil {
			return err
		}
	}
	return nil
}

// findKeyManager returns the Key Manager to reuse (nil: register one). It refuses when none of the name
// given exists, or — when none was named — when API-M already has a Key Manager of kmconform's name or of
// IS's issuer: the gateway picks a Key Manager by the token's issuer and the last one registered wins, so
// a second one would take over the first one's tokens.
func (a *attachRun) findKeyManager(ctx context.Context) (*wso2am.KeyManager, error) {
	e := a.env
	list, err := e.APIM.ListKeyManagers(ctx)
	if err != nil {
		return nil, err
	}
	if name := a.o.ReuseKeyManager; name != "" {
		for _, k := range list {
			if k.Name == name {
				return e.APIM.GetKeyManager(ctx, k.ID)
			}
		}
		return nil, &Refusal{fmt.Sprintf("API-M has no Key Manager named %q to reuse: check the name in the admin portal, or leave --reuse-key-manager out to let kmconform register one", name)}
	}
	payload := a.payload()
	if payload == nil {
		return nil, fmt.Errorf("the provider's discovery document gives no Key Manager registration for profile %s", a.o.Plan.ProfileOrDefault().Name)
	}
	for _, k := range list {
		if k.Name == payload.Name {
			return nil, &Refusal{fmt.Sprintf("API-M already has a Key Manager named %s that this run did not create: pass --reuse-key-manager %s to run against it, or remove it", k.Name, k.Name)}
		}
		km, err := e.APIM.GetKeyManager(ctx, k.ID)
		if err != nil {
			return nil, err
		}
		if km.Issuer != "" && (km.Issuer == e.Discovery.Issuer || km.Issuer == payload.Issuer) {
			return nil, &Refusal{fmt.Sprintf("API-M already has Key Manager %s for IS's issuer %s, and a second one would take over its tokens: pass --reuse-key-manager %s to run against it", k.Name, km.Issuer, k.Name)}
		}
	}
	return nil, nil
}

// keyManager reuses the Key Manager named, or registers IS as one (removed at the end).
func (a *attachRun) keyManager(ctx context.Context) error {
	e := a.env
	if a.o.Plan.ProfileOrDefault().FromDiscovery {
		if why := gatewayOff(e); why != "" {
			fmt.Fprintf(a.o.Progress, "  no Key Manager registered: %s\n", why)
			return nil
		}
	}
	reuse, err := a.findKeyManager(ctx)
	if err != nil {
		return err
	}
	if reuse != nil {
		e.KeyManager = reuse
		fmt.Fprintf(a.o.Progress, "  reusing Key Manager %s (left as it is)\n", reuse.Name)
		return nil
	}
	payload := a.payload()
	if payload == nil {
		return fmt.Errorf("kmconform defect: no Key Manager payload for profile %s", a.o.Plan.ProfileOrDefault().Name)
	}
	created, err := e.APIM.CreateKeyManager(ctx, payload)
	if err != nil {
		return err
	}
	a.undo.add("Key Manager "+payload.Name, func(ctx context.Context) error { return e.APIM.DeleteKeyManager(ctx, created.ID) })
	km, err := e.APIM.GetKeyManager(ctx, created.ID)
	if err != nil {
		return err
	}
	e.KeyManager = km
	return WaitListed(ctx, e.APIM, km.Name, a.o.Progress)
}

// payload is the documented registration with IS's URL and administrator in place of a started cell's; for
// a profile filled from the discovery document, the registration that document gives.
func (a *attachRun) payload() *wso2am.KeyManager {
	if prof := a.o.Plan.ProfileOrDefault(); prof.FromDiscovery {
		if a.env.Provider == nil {
			return nil
		}
		km, err := plan.ProviderPayload(prof, providerDocument(a.env.Provider), a.o.Asgardeo)
		if err != nil {
			return nil
		}
		return km
	}
	b, _ := json.Marshal(a.o.Plan.KeyManager)
	b = []byte(strings.ReplaceAll(string(b), plan.ISBase, strings.TrimRight(a.o.ISURL, "/")))
	var km wso2am.KeyManager
	_ = json.Unmarshal(b, &km)
	if km.AdditionalProperties == nil {
		km.AdditionalProperties = map[string]any{}
	}
	km.AdditionalProperties["Username"] = a.o.ISAdmin.Username
	km.AdditionalProperties["Password"] = a.o.ISAdmin.Password
	return &km
}

// publishAPI reuses the API named, or publishes kmconform's test API under a name and context of this run
// alone, restricted to the IS Key Manager.
func (a *attachRun) publishAPI(ctx context.Context) error {
	e := a.env
	if e.KeyManager == nil {
		return nil // the profile registered no Key Manager (keyManager said why)
	}
	if a.o.ReuseAPI != "" {
		api, err := a.findAPI(ctx)
		if err != nil {
			return err
		}
		e.API = api
		e.APIPath = "/" + strings.Trim(api.Context, "/") + "/" + api.Version + plan.APIResource
		fmt.Fprintf(a.o.Progress, "  reusing API %s (left as it is)\n", api.Name)
		return nil
	}
	dto := map[string]any{}
	for k, v := range a.o.Plan.API {
		dto[k] = v
	}
	suffix := randomSuffix()
	dto["name"] = fmt.Sprint(dto["name"]) + "-" + suffix
	dto["context"] = strings.TrimRight(fmt.Sprint(dto["context"]), "/") + "-" + suffix
	dto["keyManagers"] = []string{e.KeyManager.Name}
	if a.o.BackendURL != "" {
		// As in the documented plan, the sandbox endpoint is the same backend under another path, so that a
		// check can tell which endpoint a key type reached (the backend must answer any path, as kmsim's echo
		// backend does).
		dto["endpointConfig"] = map[string]any{"endpoint_type": "http",
			"production_endpoints": map[string]any{"url": a.o.BackendURL},
			"sandbox_endpoints":    map[string]any{"url": strings.TrimRight(a.o.BackendURL, "/") + "-sandbox"}}
	}
	api, err := e.APIM.CreateAPI(ctx, dto)
	if err != nil {
		return err
	}
	a.undo.add("API "+api.Name, func(ctx context.Context) error { return e.APIM.DeleteAPI(ctx, api.ID) })
	e.API = api
	e.APIPath = "/" + strings.Trim(fmt.Sprint(dto["context"]), "/") + "/" + fmt.Sprint(dto["version"]) + plan.APIResource
	return DeployAndPublish(ctx, e.APIM, api, a.o.Progress)
}

// findAPI finds the API to reuse by its name.
func (a *attachRun) findAPI(ctx context.Context) (*wso2am.API, error) {
	name := a.o.ReuseAPI
	list, err := a.env.APIM.ListAPIs(ctx, name)
	if err != nil {
		return nil, err
	}
	for _, api := range list {
		if api.Name == name {
			return a.env.APIM.GetAPI(ctx, api.ID)
		}
	}
	return nil, &Refusal{fmt.Sprintf("API-M has no API named %q to reuse: give the name of an API kmconform published (e.g. by 'kmconform up'), or leave --reuse-api out to let kmconform publish one", name)}
}

func randomSuffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
