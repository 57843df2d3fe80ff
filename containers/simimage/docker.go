package simimage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// dial finds the engine the way testcontainers does (DOCKER_HOST, ~/.testcontainers.properties, the
// Docker context), so Ensure builds on the engine the docker backend will run the containers on.
func dial(ctx context.Context) (cli *testcontainers.DockerClient, err error) {
	defer func() { // some testcontainers host detection panics instead of returning an error
		if r := recover(); r != nil {
			cli, err = nil, noEngine(fmt.Errorf("%v", r))
		}
	}()
	cli, err = testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, noEngine(err)
	}
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		_ = cli.Close()
		return nil, noEngine(err)
	}
	return cli, nil
}

func noEngine(cause error) error {
	return fmt.Errorf("no Docker engine answers (%w): start Docker, or run against the simulator processes with TARGET=sim", cause)
}

// exists reports whether the engine has an image with this tag.
func exists(ctx context.Context, cli *testcontainers.DockerClient, tag string) (bool, error) {
	_, err := cli.ImageInspect(ctx, tag)
	switch {
	case err == nil:
		return true, nil
	case cerrdefs.IsNotFound(err):
		return false, nil
	default:
		return false, fmt.Errorf("look up image %s: %w", tag, err)
	}
}

// buildImage builds with the classic builder: it needs no BuildKit session and a FROM scratch build pulls nothing.
func buildImage(ctx context.Context, cli *testcontainers.DockerClient, buildCtx []byte, tag string, progress io.Writer) error {
	res, err := cli.ImageBuild(ctx, bytes.NewReader(buildCtx), client.ImageBuildOptions{
		Tags: []string{tag}, Remove: true, ForceRemove: true, Version: build.BuilderV1,
	})
	if err != nil {
		return fmt.Errorf("the engine refused to build %s: %w", tag, err)
	}
	defer res.Body.Close()
	if err := readStream(res.Body, progress); err != nil {
		return fmt.Errorf("build %s: %w", tag, err)
	}
	return nil
}

// importImage makes the same image as buildImage from the root file system tar alone, for engines
// that cannot build.
func importImage(ctx context.Context, cli *testcontainers.DockerClient, fsTar []byte, l layout, hash, tag string, progress io.Writer) error {
	changes := append(l.instructions(), labelLine(l.labels(hash)))
	res, err := cli.ImageImport(ctx, client.ImageImportSource{Source: bytes.NewReader(fsTar), SourceName: "-"}, tag,
		client.ImageImportOptions{Changes: changes, Message: layoutRev})
	if err != nil {
		return fmt.Errorf("import %s: %w", tag, err)
	}
	defer res.Close()
	if err := readStream(res, progress); err != nil {
		return fmt.Errorf("import %s: %w", tag, err)
	}
	return nil
}

// readStream copies the engine's JSON progress stream to progress and returns the error it reports:
// a failed build still answers HTTP 200 and says so only inside the stream.
func readStream(r io.Reader, progress io.Writer) error {
	dec := json.NewDecoder(r)
	for {
		var m struct {
			Stream, Status, Error string
			ErrorDetail           *struct{ Message string } `json:"errorDetail"`
		}
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("read the engine's progress: %w", err)
		}
		if m.ErrorDetail != nil && m.ErrorDetail.Message != "" {
			return errors.New(strings.TrimSpace(m.ErrorDetail.Message))
		}
		if m.Error != "" {
			return errors.New(strings.TrimSpace(m.Error))
		}
		if progress != nil {
			if s := m.Stream + m.Status; strings.TrimSpace(s) != "" {
				fmt.Fprintln(progress, strings.TrimRight(s, "\n"))
			}
		}
	}
}

// prune removes every image carrying all of the given labels and counts the images removed.
func prune(ctx context.Context, cli *testcontainers.DockerClient, labels ...string) (int, error) {
	f := client.Filters{}
	f.Add("label", labels...)
	list, err := cli.ImageList(ctx, client.ImageListOptions{Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list simulator images: %w", err)
	}
	removed := 0
	var errs []error
	for _, img := range list.Items {
		// Force: one image can carry several tags; it still refuses an image a running container uses.
		if _, err := cli.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove image %s %v: %w", img.ID, img.RepoTags, err))
			continue
		}
		removed++
	}
	if len(errs) > 0 {
		return removed, fmt.Errorf("removed %d of %d simulator images; stop the containers that use the rest and retry: %w", removed, len(list.Items), errors.Join(errs...))
	}
	return removed, nil
}
