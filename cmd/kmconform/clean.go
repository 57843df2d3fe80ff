package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kmconform/kmconform/containers/docker"
	"github.com/kmconform/kmconform/containers/process"
	"github.com/kmconform/kmconform/containers/simimage"
	"github.com/kmconform/kmconform/harness/intervals"
)

// cleanCommand removes what earlier, killed runs left: kmsim processes and simulator work folders (they
// hold per-run private keys) of runs whose kmconform is gone, and containers and networks on Docker of
// such runs; with --images also the locally built simulator images. It reports what it removed per kind,
// and what it left alone because its run is alive.
func cleanCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kmconform clean", flag.ContinueOnError)
	images := fs.Bool("images", false, "also remove the simulator images kmconform built")
	runID := fs.String("run-id", "", "remove everything of this run on Docker, alive or not (default: what runs whose kmconform is gone left)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q: see 'kmconform clean -h'", fs.Arg(0))
	}
	var errs []error
	say := func(kind string, items []string, done string) {
		if len(items) == 0 {
			fmt.Fprintf(stdout, "kmconform: %s: none left behind\n", kind)
			return
		}
		fmt.Fprintf(stdout, "kmconform: %s: %s %d (%s)\n", kind, done, len(items), strings.Join(items, ", "))
	}
	var live []string
	if *runID == "" {
		tmp := os.TempDir()
		pc, err := process.Clean(tmp, intervals.Get(intervals.ProcessStop).Timeout)
		if err != nil {
			errs = append(errs, err)
		}
		say("simulator processes", pc.Processes, "stopped")
		say("simulator work folders under "+tmp, pc.Folders, "removed")
		live = append(live, pc.Live...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := docker.Available(ctx); err != nil {
		if *runID != "" || *images {
			return environmentError("%v", err)
		}
		fmt.Fprintln(stdout, "kmconform: Docker: no engine answers, so nothing was looked for there (once Docker answers, run 'kmconform clean' again if a Docker run was interrupted)")
	} else {
		dr, err := docker.Clean(ctx, *runID)
		if err != nil {
			errs = append(errs, err)
		}
		say("Docker containers", dr.Containers, "removed")
		say("Docker networks", dr.Networks, "removed")
		live = append(live, dr.Live...)
		if *images {
			m, err := simimage.Prune(ctx)
			if err != nil {
				errs = append(errs, err)
			}
			fmt.Fprintf(stdout, "kmconform: simulator images: removed %d\n", m)
		}
	}
	if len(live) > 0 {
		fmt.Fprintf(stdout, "kmconform: left alone, as their runs are alive (a kmconform still running, a cell brought up with 'kmconform up', or made by an older kmconform: 'kmconform clean --run-id ID' removes a run by its id): %s\n",
			strings.Join(live, ", "))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%v: see what is left with 'docker ps -a --filter label=kmconform' and 'ls %s'", strings.ReplaceAll(err.Error(), "\n", "; "), os.TempDir())
	}
	return nil
}
