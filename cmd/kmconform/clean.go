package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/kmconform/kmconform/containers/docker"
	"github.com/kmconform/kmconform/containers/simimage"
)

// cleanCommand removes what an earlier, killed run left on Docker: every container and network labelled
// kmconform, and with --images the locally built simulator images.
func cleanCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kmconform clean", flag.ContinueOnError)
	images := fs.Bool("images", false, "also remove the simulator images kmconform built")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := docker.Available(ctx); err != nil {
		return environmentError("%v", err)
	}
	n, err := docker.Clean(ctx, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "kmconform: removed %d containers and networks\n", n)
	if *images {
		m, err := simimage.Prune(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "kmconform: removed %d simulator images\n", m)
	}
	return nil
}
