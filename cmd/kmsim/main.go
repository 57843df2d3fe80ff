// Command kmsim is the simulator of WSO2 Identity Server 7.x and API Manager 4.x that the kmconform
// harness is tested against (sim/CONTRACT.md). It is a test double, never a substitute for the products.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kmconform/kmconform/sim/faults"
)

// version is the simulator's own version.
const version = "0.1.0"

// usageError is bad input: exit 2 with one sentence.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "kmsim: a command is required: init-home, serve, backend, faults or version.")
		return 2
	}
	var err error
	switch args[0] {
	case "init-home":
		err = initHome(args[1:], stdout)
	case "serve":
		err = serve(args[1:], stdout)
	case "backend":
		err = backend(args[1:], stdout)
	case "version":
		fmt.Fprintln(stdout, "kmsim "+version)
	case "faults":
		for _, f := range faults.All {
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", f.Name, f.Product, f.Doc)
		}
	default:
		err = usageError{fmt.Sprintf("unknown command %q: use init-home, serve, backend, faults or version.", args[0])}
	}
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "kmsim: "+err.Error())
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// newFlags is a flag set whose parse errors become one-sentence usage errors.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{fmt.Sprintf("%s: %v.", fs.Name(), err)}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q.", fs.Name(), fs.Arg(0))}
	}
	return nil
}

// envOr returns the env var when the flag was not given (CONTRACT: each serve flag falls back to one).
func envOr(v, env, def string) string {
	if v != "" {
		return v
	}
	if e := os.Getenv(env); e != "" {
		return e
	}
	return def
}
