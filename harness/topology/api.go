package topology

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"time"

	"github.com/kmconform/kmconform/fixtures"
	"github.com/kmconform/kmconform/harness/httpcall"
	"github.com/kmconform/kmconform/harness/intervals"
)

// The gateway environment and vhost of API-M's default deployment.toml.
const (
	gatewayEnvironment = "Default"
	gatewayVHost       = "localhost"
)

func publishAPI(ctx context.Context, r *run) error {
	raw, err := fs.ReadFile(fixtures.FS, "api/echo-api.json")
	if err != nil {
		return fmt.Errorf("read API fixture: %w", err)
	}
	var dto map[string]any
	if err := json.Unmarshal(raw, &dto); err != nil {
		return fmt.Errorf("parse API fixture: %w", err)
	}
	endpoint := map[string]any{"url": BackendURL}
	dto["endpointConfig"] = map[string]any{"endpoint_type": "http", "production_endpoints": endpoint, "sandbox_endpoints": endpoint}
	dto["keyManagers"] = []string{KeyManagerName}
	if r.opt.Faults[FaultOpenAPI] {
		dto["keyManagers"] = []string{"all"}
		fmt.Fprintf(r.opt.Progress, "  fault %s: the API accepts every Key Manager\n", FaultOpenAPI)
	}
	api, err := r.env.APIM.CreateAPI(ctx, dto)
	if err != nil {
		return err
	}
	r.env.API = api
	r.env.APIPath = "/" + trimSlash(fmt.Sprint(dto["context"])) + "/" + api.Version + APIResource

	// API-M can answer 500 right after creation while its registry settles (WSO2's own suite retries).
	var revision string
	if err := retry(ctx, r, "create API revision", retryOn5xx, func() error {
		revision, err = r.env.APIM.CreateRevision(ctx, api.ID)
		return err
	}); err != nil {
		return err
	}
	if err := r.env.APIM.DeployRevision(ctx, api.ID, revision, gatewayEnvironment, gatewayVHost); err != nil {
		return err
	}
	return r.env.APIM.Publish(ctx, api.ID)
}

func trimSlash(s string) string {
	for len(s) > 0 && s[0] == '/' {
		s = s[1:]
	}
	return s
}

// retryOn5xx retries answers that WSO2 documents as transient right after boot.
func retryOn5xx(err error) bool {
	var he *httpcall.Error
	return errors.As(err, &he) && he.Status >= http.StatusInternalServerError
}

// waitUntil polls cond until it holds or the interval runs out; the timeout error carries cond's last word.
func waitUntil(ctx context.Context, r *run, what string, iv intervals.Interval, cond func() (bool, string)) error {
	deadline := time.Now().Add(iv.Timeout)
	for {
		ok, last := cond()
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not within %s (last: %s)", what, iv.Timeout, last)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(iv.Poll):
		}
	}
}

// retryOn404or5xx also retries a resource the devportal does not see yet (its views are eventually
// consistent right after publishing).
func retryOn404or5xx(err error) bool {
	var he *httpcall.Error
	return errors.As(err, &he) && (he.Status == http.StatusNotFound || he.Status >= http.StatusInternalServerError)
}

// retry calls fn until it succeeds, a non-retryable error comes, or the setup-retry interval runs out.
func retry(ctx context.Context, r *run, what string, retryable func(error) bool, fn func() error) error {
	iv := intervals.Get(intervals.SetupRetry)
	deadline := time.Now().Add(iv.Timeout)
	for {
		err := fn()
		if err == nil || !retryable(err) || time.Now().After(deadline) {
			return err
		}
		fmt.Fprintf(r.opt.Progress, "  %s: %s; retrying in %s\n", what, r.env.Redactor.Redact(err.Error()), iv.Poll)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(iv.Poll):
		}
	}
}
