package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/containers/docker"
	"github.com/kmconform/kmconform/harness/cellrun"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/notifjar"
)

// preflight checks and fetches what a cell needs before anything is created, so that a JAR that cannot be
// downloaded, a missing Docker engine or an image that cannot be pulled is one sentence with the way out —
// not a failed setup step. Local inputs come first, so that they are checked even without Docker. For the
// official target it resolves the notification JAR to a local, checksum-verified file that the suite
// process then reads. Bad input is exit 2; an environment that cannot run the cell (no Docker, a download
// or an image that fails) is exit 3.
func preflight(cfg *cellrun.Config, cell matrix.Cell, progress io.Writer) error {
	if cfg.Target == cellrun.TargetOfficial {
		if err := resolveJAR(cfg, cell, progress); err != nil {
			return err
		}
	}
	if err := checkEngine(*cfg); err != nil {
		return err
	}
	if cfg.Target == cellrun.TargetOfficial {
		return pullImages(*cfg, cell, progress)
	}
	return nil
}

// preflightShared is what every cell of a matrix shares: the Docker engine.
func preflightShared(cfg *cellrun.Config, _ io.Writer) error { return checkEngine(*cfg) }

// preflightCell fetches what one cell needs: the notification JAR its API-M release documents (cached, so
// cells of one version download it once) and the official images.
func preflightCell(cfg *cellrun.Config, cell matrix.Cell, progress io.Writer) error {
	if cfg.Target != cellrun.TargetOfficial {
		return nil
	}
	if err := resolveJAR(cfg, cell, progress); err != nil {
		return err
	}
	return pullImages(*cfg, cell, progress)
}

// environmentError is the environment or the harness failing (exit 3): the message says what to do.
func environmentError(format string, args ...any) error {
	return &exitError{code: 3, err: fmt.Errorf(format, args...)}
}

// checkEngine fails in one sentence when a Docker target has no engine to run on.
func checkEngine(cfg cellrun.Config) error {
	if !cfg.UsesDocker() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := docker.Available(ctx); err != nil {
		return environmentError("%v", err)
	}
	return nil
}

func resolveJAR(cfg *cellrun.Config, cell matrix.Cell, progress io.Writer) error {
	version := cfg.JARVersion(cell)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	path, err := notifjar.Source{LocalPath: cfg.NotificationJAR, RepoURL: cfg.MavenRepo}.Fetch(ctx, version)
	if err != nil {
		if cfg.NotificationJAR != "" {
			return usageError("%v", err) // the file the user named
		}
		return environmentError("%v; or run against the simulator with TARGET=sim", err)
	}
	if jar, err := os.ReadFile(path); err == nil && notifjar.IsStandIn(jar) {
		return usageError("%s is kmconform's stand-in for the notification JAR, which only the simulator accepts: pass the real wso2is.notification.event.handlers JAR with --notification-jar, or let kmconform download it", path)
	}
	fmt.Fprintf(progress, "kmconform: notification handler JAR %s\n", path)
	cfg.NotificationJAR = path
	return nil
}

func pullImages(cfg cellrun.Config, cell matrix.Cell, progress io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	b, err := docker.New(ctx, docker.Options{RunID: cfg.RunID, Progress: progress})
	if err != nil {
		return environmentError("%v", err)
	}
	defer b.Close(ctx)
	var specs []containers.Spec
	for _, p := range []containers.Product{containers.IS, containers.APIM} {
		specs = append(specs, containers.Spec{Product: p, Image: cfg.OfficialImages(cell)[p]})
	}
	if err := b.EnsureImages(ctx, specs); err != nil {
		return environmentError("%v", err)
	}
	return nil
}
