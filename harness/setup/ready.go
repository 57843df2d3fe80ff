package setup

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/harness/httpcall"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/poll"
	"github.com/kmconform/kmconform/harness/wso2am"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// Probe is one readiness probe: GET URL on the node until it answers 200, within the named interval.
type Probe struct {
	Node     string `json:"node"`
	URL      string `json:"url"`
	Interval string `json:"interval"`
}

// Readiness is what WSO2's own compose and Helm files probe: IS's discovery document (IS 7.1+ compose,
// Helm liveness) and API-M's startup health check (WSO2's integration suite), each until 200; and the
// echo backend. The wait-ready step runs exactly these; 'kmconform plan' prints them.
func Readiness() []Probe {
	return []Probe{
		{containers.ISAlias, plan.ISBase + wso2is.DiscoveryPath, intervals.ISReady},
		{containers.APIMAlias, plan.APIMBase + wso2am.HealthPath, intervals.APIMReady},
		{containers.BackendAlias, plan.BackendURL, intervals.BackendReady},
	}
}

func waitReady(ctx context.Context, r *run) error {
	var wg sync.WaitGroup
	probes := Readiness()
	errs := make([]error, len(probes))
	for i, p := range probes {
		wg.Go(func() { errs[i] = waitHTTP(ctx, r, p.Node, p.URL, p.Interval) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// waitHTTP polls url until it answers 200. A node that stops on its own ends the wait at once with the
// end of its log; a timeout names the interval to stretch and shows the end of the log.
func waitHTTP(ctx context.Context, r *run, alias, url, interval string) error {
	node := r.env.Node(alias)
	res, err := poll.Until(ctx, poll.Options{What: alias + " to be ready", Interval: interval, Backoff: true, Progress: r.opt.Progress},
		func(ctx context.Context) (bool, string, error) {
			if err := node.Exited(); err != nil {
				return false, "", fmt.Errorf("%v; last lines of its log:\n%s", err, r.env.LogTail(ctx, alias, 20))
			}
			probeCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			resp, err := httpcall.Do(probeCtx, r.env.HTTP, httpcall.Request{Op: "probe " + alias, Method: http.MethodGet, URL: url})
			switch {
			case err != nil:
				return false, err.Error(), nil
			case resp.Status != http.StatusOK:
				return false, fmt.Sprintf("HTTP %d from %s", resp.Status, url), nil
			}
			return true, "", nil
		})
	if poll.IsTimeout(err) {
		return fmt.Errorf("%w; last lines of its log:\n%s", err, r.env.LogTail(ctx, alias, 20))
	}
	if err == nil {
		fmt.Fprintf(r.opt.Progress, "  %s is ready after %s\n", alias, res.Elapsed.Round(100*time.Millisecond))
	}
	return err
}

func readDiscovery(ctx context.Context, r *run) error {
	d, err := r.env.IS.Discover(ctx)
	if err != nil {
		return err
	}
	r.env.Discovery = d
	return nil
}
