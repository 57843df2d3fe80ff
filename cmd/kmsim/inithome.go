package main

import (
	"fmt"
	"io"

	"github.com/kmconform/kmconform/sim/defaulthome"
)

// initHome writes the default home of a product version (CONTRACT: unknown product or version → exit 2).
func initHome(args []string, stdout io.Writer) error {
	fs := newFlags("init-home")
	product := fs.String("product", "", "is or apim")
	ver := fs.String("version", "", "product version")
	dir := fs.String("dir", "", "home folder to write")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usageError{"init-home: --dir is required."}
	}
	if err := defaulthome.CheckVersion(*product, *ver); err != nil {
		return usageError{err.Error() + "."}
	}
	if err := defaulthome.Write(*product, *ver, *dir); err != nil {
		return fmt.Errorf("init-home: %w", err)
	}
	fmt.Fprintf(stdout, "wrote the default %s %s home to %s\n", *product, *ver, *dir)
	return nil
}
