// Command kmconform runs the conformance suite of WSO2 Identity Server 7.x as a Key Manager of WSO2 API
// Manager 4.x against one matrix cell. It is thin: flags become a run configuration, the suite binary does
// the work, and the results.json it writes is summarised.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	tclog "github.com/testcontainers/testcontainers-go/log"
)

const usage = `kmconform checks WSO2 Identity Server 7.x as a Key Manager of WSO2 API Manager 4.x.

Usage:
  kmconform run   --is <version> --apim <version> [--target official|sim|sim-docker] [options]
                  run the conformance suite against one cell and write reports/<cell>/results.json and junit.xml
  kmconform run   --target attach --is <v> --apim <v> --is-url URL --apim-url URL --credentials FILE [--ca FILE]
                  run the checks that need only HTTP against a running pair kmconform did not start
  kmconform matrix --is <v,v|all> --apim <v,v|all> [--target …] [--parallel N] [--quiet] [options]
                  run several cells, up to N at once, and write reports/matrix.{md,html,json}
  kmconform matrix --is <v,v|all> --apim <v,v|all> --emit github-actions|gitlab [options]
                  print a CI workflow that runs each cell as its own job and merges their reports
  kmconform report [--reports DIR]
                  rebuild the matrix report from the cells under reports/
  kmconform report merge DIR… [--reports OUT]
                  join the cell folders found under each DIR into one matrix report in OUT
  kmconform plan  --is <version> --apim <version> [--target …] [--json] [options]
                  print what a run would do — images, files written, notification JAR, Key Manager payload,
                  readiness probes, checks — without starting a product
  kmconform up    --is <version> --apim <version> [--target …] [options]
                  bring one cell up, fully set up, and leave it running for exploration
  kmconform down  --is <version> --apim <version> | --all
                  take a cell brought up with 'up' down
  kmconform clean [--images]
                  remove containers and networks an interrupted run left on Docker
  kmconform specs [--json] [--label-filter EXPR]
                  list the checks: ID, area, capability, level, references and the faults that prove them
  kmconform versions
  kmconform help

Every command that runs, plans or lists checks takes --km-profile wso2-is7|oidc|asgardeo|obkm: the Key Manager
under test (default wso2-is7). Run 'kmconform run -h' for the options of run and up, 'kmconform matrix -h' for
those of matrix.
Exit status: 0 every expectation met, 1 a regression or a stale expectation, 2 bad input, 3 the environment
or the harness failed, 130 interrupted.
`

// exitError carries an exit code; its message is one sentence for the user.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

// parseFlags parses a command's flags: -h prints the options to help, and a bad flag is one sentence.
func parseFlags(fs *flag.FlagSet, args []string, help io.Writer) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(help, "Options of '%s':\n", fs.Name())
			fs.SetOutput(help)
			fs.PrintDefaults()
			return &exitError{code: 0, err: errors.New("")}
		}
		return usageError("%v: see '%s -h' for the options", err, fs.Name())
	}
	return nil
}

func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func main() {
	// testcontainers prints a multi-line banner on its first connection; kmconform reports for itself.
	tclog.SetDefault(tclog.NewNoopLogger())
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "run":
		err = runCommand(args[1:], stdout, stderr)
	case "matrix":
		err = matrixCommand(args[1:], stdout, stderr)
	case "report":
		err = reportCommand(args[1:], stdout)
	case "plan":
		err = planCommand(args[1:], stdout)
	case "up":
		err = upCommand(args[1:], stdout, stderr)
	case "down":
		err = downCommand(args[1:], stdout, stderr)
	case "clean":
		err = cleanCommand(args[1:], stdout, stderr)
	case "versions":
		err = versionsCommand(stdout)
	case "specs":
		err = specsCommand(args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = usageError("unknown command %q: run 'kmconform help' for the commands", args[0])
	}
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(stderr, "kmconform:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "kmconform:", err)
	return 1
}
