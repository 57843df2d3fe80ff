package docker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/kmconform/kmconform/containers"
)

// Removed is what Clean removed, per kind, and what it left alone.
type Removed struct {
	Containers, Networks []string
	// Live are the containers and networks of runs still alive (their kmconform runs, on this machine or
	// another, or a cell brought up with 'kmconform up'), left alone.
	Live []string
}

// Count is how many containers and networks were removed.
func (r Removed) Count() int { return len(r.Containers) + len(r.Networks) }

// Clean removes the containers (with their anonymous volumes) and networks labelled with runID, or, when
// runID is "", every kmconform-labelled one whose run is gone: what a killed run leaves behind. A live
// run's — its creating process still runs here, it runs on another machine, or it is a cell brought up
// with 'kmconform up' that still runs — is left alone.
func Clean(ctx context.Context, runID string) (Removed, error) {
	if err := Available(ctx); err != nil {
		return Removed{}, err
	}
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return Removed{}, &unavailableError{err}
	}
	defer cli.Close()
	return clean(ctx, cli.Client, runID)
}

// alive reports whether labels name a run that may still be alive. Without an owner label (an older
// kmconform made it) nothing tells: it is left alone, and 'kmconform clean --run-id' removes it by name.
func alive(labels map[string]string, running bool) bool {
	if labels[LabelDetached] == "true" && running {
		return true
	}
	o, ok := containers.ParseOwner(labels[LabelOwner])
	return !ok || o.Alive()
}

func clean(ctx context.Context, cli *client.Client, runID string) (Removed, error) {
	var out Removed
	f := make(client.Filters).Add("label", LabelManaged+"=true")
	// A run id names one cell's run label ("<run-id>-<cell>") or all cells of a run ("<run-id>").
	ofRun := func(labels map[string]string) bool {
		l := labels[LabelRun]
		return runID == "" || l == runID || strings.HasPrefix(l, runID+"-")
	}
	var errs []error
	ctrs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return out, fmt.Errorf("list kmconform containers: %w", err)
	}
	liveRuns := map[string]bool{}
	for _, c := range ctrs.Items {
		if !ofRun(c.Labels) {
			continue
		}
		n := name(c.Names, c.ID)
		if runID == "" && alive(c.Labels, c.State == "running") {
			out.Live = append(out.Live, "container "+n)
			liveRuns[c.Labels[LabelRun]] = true
			continue
		}
		_, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		switch {
		case err == nil:
			out.Containers = append(out.Containers, n)
		case !cerrdefs.IsNotFound(err): // not found: removed concurrently
			errs = append(errs, fmt.Errorf("remove container %s: %w", n, err))
		}
	}
	nets, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return out, errors.Join(append(errs, fmt.Errorf("list kmconform networks: %w", err))...)
	}
	for _, nw := range nets.Items {
		if !ofRun(nw.Labels) {
			continue
		}
		if runID == "" && (liveRuns[nw.Labels[LabelRun]] || alive(nw.Labels, false)) {
			out.Live = append(out.Live, "network "+nw.Name)
			continue
		}
		_, err := cli.NetworkRemove(ctx, nw.ID, client.NetworkRemoveOptions{})
		switch {
		case err == nil:
			out.Networks = append(out.Networks, nw.Name)
		case !cerrdefs.IsNotFound(err):
			errs = append(errs, fmt.Errorf("remove network %s: %w", nw.Name, err))
		}
	}
	return out, errors.Join(errs...)
}

func name(names []string, id string) string {
	if len(names) > 0 {
		return strings.TrimPrefix(names[0], "/")
	}
	return id
}

// engineAnswers asks the engine once more, on a fresh deadline.
func engineAnswers() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return Available(ctx) == nil
}
