package docker

import (
	"context"
	"fmt"
	"path"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/kmconform/kmconform/containers"
)

// Home is the product home inside the image of spec (see the official WSO2 Dockerfiles).
func Home(s containers.Spec) (string, error) { return home(s) }

// FileOwner is the owner of the files the backend writes into a product's container: the image's user.
func FileOwner(p containers.Product) string { return DefaultOwners[p].String() }

// ImagePresent reports whether the engine has image locally (it pulls nothing).
func ImagePresent(ctx context.Context, image string) (bool, error) {
	if err := Available(ctx); err != nil {
		return false, err
	}
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return false, &unavailableError{err}
	}
	defer cli.Close()
	_, err = cli.ImageInspect(ctx, image)
	switch {
	case err == nil:
		return true, nil
	case cerrdefs.IsNotFound(err):
		return false, nil
	}
	return false, fmt.Errorf("look up image %s: %w", image, err)
}

// ReadImageFile reads one file of a product home out of a local image without starting anything: it
// creates a container (labelled, so that 'kmconform clean' finds it should this process die), copies the
// file out and removes the container.
func ReadImageFile(ctx context.Context, s containers.Spec, rel string, runID string) ([]byte, error) {
	dir, err := home(s)
	if err != nil {
		return nil, err
	}
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, &unavailableError{err}
	}
	defer cli.Close()
	created, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{Image: s.Image, Labels: map[string]string{LabelManaged: "true", LabelRun: runID, LabelOwner: containers.Self().String()}},
	})
	if err != nil {
		return nil, fmt.Errorf("create a container of %s to read %s: %w", s.Image, rel, err)
	}
	defer func() {
		_, _ = cli.ContainerRemove(context.WithoutCancel(ctx), created.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	}()
	n := &node{spec: s, home: dir, id: created.ID, cli: cli.Client}
	return n.readAbs(ctx, path.Join(dir, path.Clean(rel)))
}
