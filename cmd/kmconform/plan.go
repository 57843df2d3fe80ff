package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kmconform/kmconform/harness/cellrun"
	"github.com/kmconform/kmconform/harness/plan"
)

// planCommand prints what a run of one cell would do, without starting a product.
func planCommand(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("kmconform plan", flag.ContinueOnError)
	var cf cellFlags
	cf.register(fs)
	asJSON := fs.Bool("json", false, "print the plan as JSON")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if _, err := cf.resolve(fs); err != nil {
		return err
	}
	s, err := cellrun.New(cf.cfg)
	if err != nil {
		return usageError("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pv, err := s.Preview(ctx)
	if err != nil {
		return usageError("%v", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(pv)
	}
	printPlan(stdout, pv)
	return nil
}

func printPlan(w io.Writer, pv *cellrun.Preview) {
	fmt.Fprintf(w, "Plan of cell %s on target %s (nothing was started)\n", pv.Cell, pv.Target)
	if pv.Profile != "" {
		if p, err := plan.ProfileNamed(pv.Profile); err == nil {
			fmt.Fprintf(w, "Key Manager profile %s (%s): %s\n", p.Name, p.Title, p.Doc)
		}
	}
	if len(pv.SetupFaults) > 0 {
		fmt.Fprintf(w, "Setup faults injected: %s\n", strings.Join(pv.SetupFaults, ", "))
	}
	if len(pv.ProductFaults) > 0 {
		fmt.Fprintf(w, "Product faults the simulator plays: %s\n", strings.Join(pv.ProductFaults, ", "))
	}
	fmt.Fprintf(w, "\nProducts: %s\n", pv.Backend)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, im := range pv.Images {
		image := im.Image
		if image == "" {
			image = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", im.Product, image, im.State)
	}
	_ = tw.Flush()

	fmt.Fprintf(w, "\nSetup steps:\n")
	for i, st := range pv.Steps {
		fmt.Fprintf(w, "  %2d. %s (%s)\n", i+1, st.Name, st.ID)
	}

	for _, n := range pv.Nodes {
		fmt.Fprintf(w, "\nFiles written into %s (%s %s, home %s)\n", n.Node, n.Product, n.Version, n.Home)
		fmt.Fprintf(w, "  default deployment.toml from: %s\n", n.DefaultsFrom)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  PATH\tOWNER\tMODE\tWHAT\n")
		for _, f := range n.Files {
			what := f.Doc
			if f.StoreType != "" {
				what += fmt.Sprintf(" [%s, alias %s, password masked]", f.StoreType, f.Alias)
			}
			if f.SHA256 != "" {
				what += " [sha256 " + f.SHA256 + "]"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", f.Path, f.Owner, f.Mode, what)
		}
		_ = tw.Flush()
		for _, f := range n.Files {
			if f.Kind == plan.Config {
				fmt.Fprintf(w, "\n  %s of %s, as a diff against its default (secrets masked):\n", f.Path, n.Node)
				for _, line := range strings.Split(strings.TrimRight(f.Diff, "\n"), "\n") {
					fmt.Fprintf(w, "    %s\n", line)
				}
			}
		}
	}

	fmt.Fprintf(w, "\nNotification handler JAR: %s, version %s\n  source: %s\n", pv.JAR.Name, pv.JAR.Version, pv.JAR.Source)
	if pv.JAR.SHA256 != "" {
		fmt.Fprintf(w, "  sha256: %s\n", pv.JAR.SHA256)
	}
	if !pv.JAR.Placed {
		fmt.Fprintf(w, "  NOT placed: a setup fault leaves it out\n")
	}

	fmt.Fprintf(w, "\nKey Manager registration: %s (secrets masked)\n", pv.KeyManager.Request)
	for _, line := range strings.Split(string(pv.KeyManager.Payload), "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
	fmt.Fprintf(w, "\nAPI published: %s at %s, Key Managers %s\n", pv.API.Name, pv.API.Path, strings.Join(pv.API.KeyManagers, ", "))

	fmt.Fprintf(w, "\nReadiness probes (each GET until 200; stretch a budget with --interval NAME=TIMEOUT[/POLL]):\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, p := range pv.Readiness {
		fmt.Fprintf(tw, "  %s\t%s\tup to %s, polling every %s (starting faster)\t--interval %s\n", p.Node, p.URL, p.Timeout, p.Poll, p.Interval)
	}
	_ = tw.Flush()

	for _, e := range pv.Setup {
		fmt.Fprintf(w, "\nKNOWN SETUP FAILURE: step %s is expected to fail with %q: %s (%s)\n", e.Step, e.Match, e.Reason, e.Link)
	}
	filter := ""
	if pv.LabelFilter != "" {
		filter = fmt.Sprintf(" selected by --label-filter %q", pv.LabelFilter)
	}
	fmt.Fprintf(w, "\nChecks%s: %d run, %d not supported, %d expected to fail (XFAIL), %d made to fail by an injected fault\n",
		filter, pv.Counts[cellrun.WillRun], pv.Counts[cellrun.WillNotSupported], pv.Counts[cellrun.WillXFail], pv.Counts[cellrun.WillFail])
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range pv.Checks {
		label := map[string]string{cellrun.WillRun: "RUN", cellrun.WillNotSupported: "NOT_SUPPORTED", cellrun.WillXFail: "XFAIL", cellrun.WillFail: "FAIL"}[c.Expect]
		reason := c.Reason
		if c.Link != "" {
			reason += " (" + c.Link + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", label, c.ID, reason)
	}
	_ = tw.Flush()
}
