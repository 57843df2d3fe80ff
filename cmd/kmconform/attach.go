package main

import (
	"context"
	"errors"
	"flag"
	"time"

	"github.com/kmconform/kmconform/harness/cellrun"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/setup"
)

// attachFlags are the options of the attach target (kmconform run --target attach).
type attachFlags struct {
	a cellrun.Attach
}

func (f *attachFlags) register(fs *flag.FlagSet) {
	a := &f.a
	fs.StringVar(&a.ISURL, "is-url", "", "attach: IS's base URL, e.g. https://is.example.com:9443")
	fs.StringVar(&a.APIMURL, "apim-url", "", "attach: API-M's base URL (portals and REST APIs), e.g. https://apim.example.com:9443")
	fs.StringVar(&a.GatewayURL, "gateway-url", "", "attach: the gateway's base URL (default: API-M's host, port 8243)")
	fs.StringVar(&a.Credentials, "credentials", "", "attach: the credentials file ('kmconform up' writes one; isAdmin and apimAdmin with username and password)")
	fs.StringVar(&a.CA, "ca", "", "attach: PEM file of the CA the products' certificates chain to (default: the system's roots)")
	fs.StringVar(&a.ReuseKeyManager, "reuse-key-manager", "", "attach: run against this existing Key Manager instead of registering one (it is left as it is)")
	fs.StringVar(&a.ReuseAPI, "reuse-api", "", "attach: call this existing API published by kmconform instead of publishing one (it is left as it is)")
	fs.StringVar(&a.DiscoveryURL, "discovery-url", "", "attach, --km-profile oidc: the provider's discovery document (default: IS's, under --is-url)")
	fs.StringVar(&a.BackendURL, "backend-url", "", "attach: the endpoint of the API the run publishes, reachable from API-M (default: the echo backend of a 'kmconform up' cell)")
}

func (f *attachFlags) set() bool {
	a := f.a
	return a.ISURL != "" || a.APIMURL != "" || a.GatewayURL != "" || a.Credentials != "" || a.CA != "" || a.ReuseKeyManager != "" ||
		a.ReuseAPI != "" || a.BackendURL != "" || a.DiscoveryURL != ""
}

// apply checks the attach options and puts them into the run's configuration.
func (f *attachFlags) apply(cfg *cellrun.Config) error {
	if cfg.Target != cellrun.TargetAttach {
		if f.set() {
			return usageError("--is-url, --apim-url, --credentials and the other attach options apply only to --target attach")
		}
		return nil
	}
	prof, err := plan.ProfileNamed(cfg.Profile)
	if err != nil {
		return usageError("%v", err)
	}
	if err := cellrun.CheckProfileAttach(&f.a, prof); err != nil {
		return usageError("%v", err)
	}
	cfg.Attach = &f.a
	return nil
}

// checkAttached looks at the pair before anything is created: a refusal (it would touch what it did not
// create) is bad input; a pair that does not answer is the environment.
func checkAttached(cfg cellrun.Config, cell matrix.Cell) error {
	if cfg.Target != cellrun.TargetAttach {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := cfg.CheckAttached(ctx, cell)
	var refusal *setup.Refusal
	switch {
	case err == nil:
		return nil
	case errors.As(err, &refusal):
		return usageError("%s", refusal.Msg)
	}
	return environmentError("%v", err)
}
