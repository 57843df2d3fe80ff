package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/kmconform/kmconform/harness/matrix"
)

func versionsCommand(stdout io.Writer) error {
	m, err := matrix.Default()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "IS:    %s\nAPI-M: %s\n", strings.Join(m.ISVersions(), " "), strings.Join(m.APIMVersions(), " "))
	return nil
}
