package setup

import (
	"context"
	"fmt"

	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// compareDocumentation compares the endpoint table of the cell's API-M documentation with what IS serves,
// records the drift, and registers the served value in every drifted field that still holds the
// documented one (harness/docs). Drift never fails the setup: the documentation is wrong, not a product.
func compareDocumentation(_ context.Context, r *run) error {
	t := r.plan.Docs
	if t == nil || r.env.Discovery == nil {
		return nil
	}
	drift := t.Compare(r.env.Discovery, plan.ISBase+wso2is.DiscoveryPath, plan.ISBase)
	r.env.DocumentationDrift = drift
	r.env.DriftRegistered = t.RegisterServed(r.plan.KeyManager, drift, plan.ISBase)
	for _, d := range drift {
		fmt.Fprintf(r.opt.Progress, "  documentation drift: %s is documented as %s, IS serves %s (%s)\n", d.Field, d.Documented, d.Served, d.Source)
	}
	for _, reg := range r.env.DriftRegistered {
		fmt.Fprintf(r.opt.Progress, "  registering %s = %s instead of the documented %s\n", reg.Field, reg.To, reg.From)
	}
	return nil
}
