package topology

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
	"github.com/kmconform/kmconform/harness/wso2am"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// progressEvery is how often a long wait says it is still waiting.
const progressEvery = 15 * time.Second

// readiness is what WSO2's own compose and Helm files probe: IS's discovery document (IS 7.1+ compose,
// Helm liveness) and API-M's startup health check (WSO2's integration suite), each until 200.
var readiness = []struct {
	alias, url, interval string
}{
	{containers.ISAlias, ISBase + wso2is.DiscoveryPath, intervals.ISReady},
	{containers.APIMAlias, APIMBase + wso2am.HealthPath, intervals.APIMReady},
	{containers.BackendAlias, BackendURL, intervals.BackendReady},
}

func waitReady(ctx context.Context, r *run) error {
	var wg sync.WaitGroup
	errs := make([]error, len(readiness))
	for i, p := range readiness {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = waitHTTP(ctx, r, p.alias, p.url, intervals.Get(p.interval), p.interval)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// waitHTTP polls url until it answers 200. A node that stops on its own ends the wait at once with the
// end of its log; a timeout names the interval to stretch.
func waitHTTP(ctx context.Context, r *run, alias, url string, iv intervals.Interval, name string) error {
	node := r.env.Node(alias)
	start := time.Now()
	lastProgress := start
	var last string
	// Start polling fast and back off to the interval's poll: a simulator is up in a blink, a product
	// takes minutes and should not be hammered.
	wait := 100 * time.Millisecond
	for {
		if err := node.Exited(); err != nil {
			return fmt.Errorf("%v; last lines of its log:\n%s", err, r.logTail(ctx, node, 20))
		}
		probeCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		resp, err := httpcall.Do(probeCtx, r.env.HTTP, httpcall.Request{Op: "probe " + alias, Method: http.MethodGet, URL: url})
		cancel()
		switch {
		case err == nil && resp.Status == http.StatusOK:
			fmt.Fprintf(r.opt.Progress, "  %s is ready after %s\n", alias, time.Since(start).Round(100*time.Millisecond))
			return nil
		case err != nil:
			last = err.Error()
		default:
			last = fmt.Sprintf("HTTP %d", resp.Status)
		}
		if time.Since(start) > iv.Timeout {
			return fmt.Errorf("%s was not ready within %s (last answer from %s: %s); if it is only slow, stretch the %s interval (--interval %s=15m); last lines of its log:\n%s",
				alias, iv.Timeout, url, last, name, name, r.logTail(ctx, node, 20))
		}
		if time.Since(lastProgress) >= progressEvery {
			fmt.Fprintf(r.opt.Progress, "  still waiting for %s: %s of %s (last answer: %s)\n",
				alias, time.Since(start).Round(time.Second), iv.Timeout, last)
			lastProgress = time.Now()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, iv.Poll)
	}
}

func readDiscovery(ctx context.Context, r *run) error {
	d, err := r.env.IS.Discover(ctx)
	if err != nil {
		return err
	}
	r.env.Discovery = d
	return nil
}
