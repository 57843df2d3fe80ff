package setup

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/poll"
	"github.com/kmconform/kmconform/harness/wso2am"
)

func registerKeyManager(ctx context.Context, r *run) error {
	if r.plan.ProfileOrDefault().FromDiscovery {
		if why := gatewayOff(r.env); why != "" {
			fmt.Fprintf(r.opt.Progress, "  no Key Manager registered: %s\n", why)
			return nil
		}
		km, err := plan.ProviderPayload(r.plan.ProfileOrDefault(), providerDocument(r.env.Provider), nil)
		if err != nil {
			return err
		}
		r.plan.KeyManager = km
	}
	// Earlier registrations first: IS's own is then the last registered, as after a user's re-registration.
	for _, km := range r.plan.ExtraKeyManagers {
		if _, err := r.env.APIM.CreateKeyManager(ctx, km); err != nil {
			return fmt.Errorf("register the additional Key Manager %s: %w", km.Name, err)
		}
	}
	created, err := r.env.APIM.CreateKeyManager(ctx, r.plan.KeyManager)
	if err != nil {
		return err
	}
	// Read it back: the checks look at what API-M stored, not at what the harness sent.
	km, err := r.env.APIM.GetKeyManager(ctx, created.ID)
	if err != nil {
		return err
	}
	r.env.KeyManager = km
	return WaitListed(ctx, r.env.APIM, km.Name, r.opt.Progress)
}

// WaitListed waits until the devportal lists a Key Manager. API-M propagates a new Key Manager
// asynchronously; key generation against one the devportal does not list yet can fail and leave a key
// mapping behind that makes every retry a 409 (WSO2's own suite).
func WaitListed(ctx context.Context, apim *wso2am.Client, name string, progress io.Writer) error {
	_, err := poll.Until(ctx, poll.Options{What: "the devportal to list Key Manager " + name, Interval: intervals.GatewayPropagation,
		Backoff: true, Progress: progress},
		func(ctx context.Context) (bool, string, error) {
			kms, err := apim.DevportalKeyManagers(ctx)
			if err != nil {
				return false, err.Error(), nil
			}
			if slices.ContainsFunc(kms, func(k wso2am.DevportalKeyManager) bool { return k.Name == name }) {
				return true, "", nil
			}
			return false, fmt.Sprintf("%d Key Managers listed, not yet %s", len(kms), name), nil
		})
	return err
}
