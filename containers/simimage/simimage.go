// Package simimage builds the simulator images the harness's own tests run the suite against: FROM
// scratch images holding a static kmsim binary and, for IS and API-M, a product home laid out and owned
// as in the official WSO2 images. It builds them locally, so the engine pulls nothing, once per content.
// It uses kmsim only as a program and imports nothing from sim/.
package simimage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/testcontainers/testcontainers-go"
	"golang.org/x/sync/singleflight"

	"github.com/kmconform/kmconform/containers"
)

// Request says which simulator image to ensure.
type Request struct {
	Product containers.Product // containers.IS, containers.APIM or containers.Echo
	Version string             // product version; empty for the backend
	Kmsim   string             // path of a statically linked kmsim binary (CGO_ENABLED=0)
}

var (
	flight singleflight.Group // concurrent Ensure calls for one tag build once, under the first caller's ctx
	builds atomic.Int64       // images made by this process, for tests
)

// Ensure returns the tag of the simulator image for req, building it first when the engine lacks it.
// Build output goes to progress, which may be nil.
func Ensure(ctx context.Context, req Request, progress io.Writer) (string, error) {
	l, err := layoutFor(req)
	if err != nil {
		return "", err
	}
	bin, err := readStatic(req.Kmsim)
	if err != nil {
		return "", err
	}
	hash := contentHash(bin, l)
	tag := l.tag(hash)
	cli, err := dial(ctx)
	if err != nil {
		return "", err
	}
	defer cli.Close()
	_, err, _ = flight.Do(tag, func() (any, error) {
		ok, err := exists(ctx, cli, tag)
		if err != nil || ok {
			return nil, err
		}
		return nil, create(ctx, cli, req.Kmsim, bin, l, hash, tag, progress)
	})
	if err != nil {
		return "", err
	}
	return tag, nil
}

// create generates the home and builds the image, falling back to an import when the engine cannot build.
func create(ctx context.Context, cli *testcontainers.DockerClient, kmsim string, bin []byte, l layout, hash, tag string, progress io.Writer) error {
	tmp, err := os.MkdirTemp("", "kmconform-simimage-")
	if err != nil {
		return fmt.Errorf("make a scratch directory for image %s: %w", tag, err)
	}
	defer os.RemoveAll(tmp)
	home := ""
	if l.home != "" {
		if home, err = initHome(ctx, kmsim, tmp, l); err != nil {
			return err
		}
	}
	fsTar, err := rootfs(l, bin, home)
	if err != nil {
		return fmt.Errorf("assemble image %s: %w", tag, err)
	}
	buildCtx, err := buildContext(l.buildfile(hash), fsTar)
	if err != nil {
		return err
	}
	say(progress, "building simulator image %s\n", tag)
	berr := buildImage(ctx, cli, buildCtx, tag, progress)
	if berr == nil {
		builds.Add(1)
		return nil
	}
	if ctx.Err() != nil {
		return berr
	}
	say(progress, "%v; importing the root file system instead\n", berr)
	if ierr := importImage(ctx, cli, fsTar, l, hash, tag, progress); ierr != nil {
		return fmt.Errorf("neither building nor importing simulator image %s worked (%w): check the Docker engine's log", tag, errors.Join(berr, ierr))
	}
	builds.Add(1)
	return nil
}

func say(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// Prune removes every kmconform simulator image (found by its label) and counts the images removed.
func Prune(ctx context.Context) (int, error) {
	cli, err := dial(ctx)
	if err != nil {
		return 0, err
	}
	defer cli.Close()
	return prune(ctx, cli, "kmconform.simimage=true")
}

// Tag is the tag Ensure would return for req, and whether the engine already has that image, without
// building anything: what 'kmconform plan' shows. present is false when no engine answers.
func Tag(ctx context.Context, req Request) (tag string, present bool, err error) {
	l, err := layoutFor(req)
	if err != nil {
		return "", false, err
	}
	bin, err := readStatic(req.Kmsim)
	if err != nil {
		return "", false, err
	}
	tag = l.tag(contentHash(bin, l))
	cli, err := dial(ctx)
	if err != nil {
		return tag, false, nil
	}
	defer cli.Close()
	present, err = exists(ctx, cli, tag)
	return tag, present && err == nil, nil
}
