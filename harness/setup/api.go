package setup

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/kmconform/kmconform/harness/httpcall"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/poll"
	"github.com/kmconform/kmconform/harness/wso2am"
)

// The gateway environment and vhost of API-M's default deployment.toml.
const (
	GatewayEnvironment = "Default"
	GatewayVHost       = "localhost"
)

func publishAPI(ctx context.Context, r *run) error {
	if r.env.KeyManager == nil {
		return nil // a provider profile registered no Key Manager (registerKeyManager said why)
	}
	api, err := r.env.APIM.CreateAPI(ctx, r.plan.API)
	if err != nil {
		return err
	}
	r.env.API = api
	r.env.APIPath = r.plan.APIPath()
	return DeployAndPublish(ctx, r.env.APIM, api, r.opt.Progress)
}

// DeployAndPublish creates a revision of a created API, deploys it to the default gateway and publishes the
// API. API-M can answer 500 right after creation while its registry settles, so the revision is retried
// (WSO2's own suite does the same).
func DeployAndPublish(ctx context.Context, apim *wso2am.Client, api *wso2am.API, progress io.Writer) error {
	var revision string
	if err := poll.Retry(ctx, poll.Options{What: "create a revision of API " + api.Name, Interval: intervals.SetupRetry, Progress: progress},
		RetryOn5xx, func(ctx context.Context) error {
			var err error
			revision, err = apim.CreateRevision(ctx, api.ID)
			return err
		}); err != nil {
		return err
	}
	if err := apim.DeployRevision(ctx, api.ID, revision, GatewayEnvironment, GatewayVHost); err != nil {
		return err
	}
	return apim.Publish(ctx, api.ID)
}

// RetryOn5xx retries answers that WSO2 documents as transient right after boot.
func RetryOn5xx(err error) bool {
	var he *httpcall.Error
	return errors.As(err, &he) && he.Status >= http.StatusInternalServerError
}

// RetryOn404or5xx also retries a resource the devportal does not see yet (its views are eventually
// consistent right after publishing).
func RetryOn404or5xx(err error) bool {
	var he *httpcall.Error
	return errors.As(err, &he) && (he.Status == http.StatusNotFound || he.Status >= http.StatusInternalServerError)
}
