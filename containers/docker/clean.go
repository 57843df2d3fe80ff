package docker

import (
	"context"
	"errors"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Clean removes the containers (with their anonymous volumes) and networks labelled with runID, or every
// kmconform-labelled one when runID is "": what a killed run leaves behind.
func Clean(ctx context.Context, runID string) (removed int, err error) {
	if err := Available(ctx); err != nil {
		return 0, err
	}
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return 0, &unavailableError{err}
	}
	defer cli.Close()
	return clean(ctx, cli.Client, runID)
}

func clean(ctx context.Context, cli *client.Client, runID string) (removed int, err error) {
	// Several label values under one term must all match.
	f := make(client.Filters).Add("label", LabelManaged+"=true")
	if runID != "" {
		f.Add("label", LabelRun+"="+runID)
	}
	var errs []error
	ctrs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list kmconform containers: %w", err)
	}
	for _, c := range ctrs.Items {
		_, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		switch {
		case err == nil:
			removed++
		case !cerrdefs.IsNotFound(err): // not found: removed concurrently
			errs = append(errs, fmt.Errorf("remove container %s: %w", name(c.Names, c.ID), err))
		}
	}
	nets, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return removed, errors.Join(append(errs, fmt.Errorf("list kmconform networks: %w", err))...)
	}
	for _, nw := range nets.Items {
		_, err := cli.NetworkRemove(ctx, nw.ID, client.NetworkRemoveOptions{})
		switch {
		case err == nil:
			removed++
		case !cerrdefs.IsNotFound(err):
			errs = append(errs, fmt.Errorf("remove network %s: %w", nw.Name, err))
		}
	}
	return removed, errors.Join(errs...)
}

func name(names []string, id string) string {
	if len(names) > 0 {
		return names[0]
	}
	return id
}
